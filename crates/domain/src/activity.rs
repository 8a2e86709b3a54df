//! When an activity is open, and what a day of it costs.

use std::str::FromStr;

use jiff::{
    Timestamp,
    civil::{Date, Time, Weekday},
};

use crate::{calendar::SchoolCalendar, french, money::Cents};

/// Whether an activity runs in school periods or during the holidays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodKind {
    Scolaire,
    Vacances,
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Scolaire => "scolaire",
            PeriodKind::Vacances => "vacances",
        }
    }
}

impl FromStr for PeriodKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "scolaire" => Ok(PeriodKind::Scolaire),
            "vacances" => Ok(PeriodKind::Vacances),
            other => Err(format!("unknown period kind {other:?}")),
        }
    }
}

/// What a booked day the child missed costs: the structure's règlement says whether an
/// absence not cancelled in time is billed. A medical certificate always excuses one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AbsenceBilling {
    /// The day stays billed at its booking's price, unless the absence is excused.
    Billed,
    /// Only the days the child came are billed.
    #[default]
    NotBilled,
}

impl AbsenceBilling {
    pub const ALL: [AbsenceBilling; 2] = [AbsenceBilling::Billed, AbsenceBilling::NotBilled];

    pub fn code(self) -> &'static str {
        match self {
            AbsenceBilling::Billed => "facturee",
            AbsenceBilling::NotBilled => "non_facturee",
        }
    }

    /// The choice of the activity form, and the line of its audit trail.
    pub fn label(self) -> &'static str {
        match self {
            AbsenceBilling::Billed => "Facturée, sauf absence excusée (certificat médical)",
            AbsenceBilling::NotBilled => "Non facturée",
        }
    }

    /// What the family reads beside the calendar.
    pub fn family_text(self) -> &'static str {
        match self {
            AbsenceBilling::Billed => {
                "Une absence non annulée dans les délais est facturée au prix de la réservation, sauf absence excusée par un certificat médical."
            }
            AbsenceBilling::NotBilled => {
                "Une absence n'est pas facturée : seuls les jours où l'enfant est venu le sont."
            }
        }
    }

    /// What the staff read above the pointage.
    pub fn pointage_text(self) -> &'static str {
        match self {
            AbsenceBilling::Billed => {
                "Un enfant présent est facturé au prix de sa réservation. Un enfant absent l'est aussi (absence non annulée), sauf absence excusée par un certificat médical."
            }
            AbsenceBilling::NotBilled => {
                "Un enfant présent est facturé au prix de sa réservation ; un enfant absent ne l'est pas."
            }
        }
    }
}

impl FromStr for AbsenceBilling {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AbsenceBilling::ALL
            .into_iter()
            .find(|rule| rule.code() == s)
            .ok_or_else(|| format!("unknown absence billing {s:?}"))
    }
}

/// The days an activity is open: its weekdays, inside school periods or inside holiday
/// periods, never on a public holiday.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub period_kind: PeriodKind,
    pub weekdays: Vec<Weekday>,
}

impl Schedule {
    pub fn is_open(&self, date: Date, calendar: &SchoolCalendar) -> bool {
        if !self.weekdays.contains(&date.weekday()) {
            return false;
        }
        match self.period_kind {
            PeriodKind::Scolaire => calendar.is_school_day(date),
            PeriodKind::Vacances => {
                calendar.holiday_at(date).is_some() && calendar.public_holiday_at(date).is_none()
            }
        }
    }
}

/// Weekdays are stored as ISO numbers (1 = Monday … 7 = Sunday) separated by commas.
pub fn parse_weekdays(text: &str) -> Result<Vec<Weekday>, String> {
    text.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(|part| {
            let n: i8 = part
                .trim()
                .parse()
                .map_err(|_| format!("bad weekday {part:?}"))?;
            Weekday::from_monday_one_offset(n).map_err(|_| format!("bad weekday {part:?}"))
        })
        .collect()
}

pub fn format_weekdays(weekdays: &[Weekday]) -> String {
    weekdays
        .iter()
        .map(|w| w.to_monday_one_offset().to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// One line of an activity's price list: the price applies to quotients familiaux up to
/// `qf_max` included; `None` is the top bracket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceBracket {
    pub qf_max: Option<i64>,
    pub price: Cents,
}

/// The price of one day for a family: the first bracket that holds its quotient familial;
/// a family whose quotient is unknown pays the top bracket, as town halls do.
pub fn day_price(brackets: &[PriceBracket], quotient_familial: Option<i64>) -> Cents {
    let top = brackets
        .iter()
        .find(|b| b.qf_max.is_none())
        .map(|b| b.price);
    let Some(qf) = quotient_familial else {
        return top.unwrap_or_default();
    };
    let mut bounded: Vec<&PriceBracket> = brackets.iter().filter(|b| b.qf_max.is_some()).collect();
    bounded.sort_by_key(|b| b.qf_max);
    bounded
        .into_iter()
        .find(|b| b.qf_max.is_some_and(|max| qf <= max))
        .map(|b| b.price)
        .or(top)
        .unwrap_or_default()
}

/// « lundi, mardi, jeudi et vendredi ».
pub fn weekdays_text(weekdays: &[Weekday]) -> String {
    let names: Vec<&str> = weekdays.iter().map(|w| french::weekday_name(*w)).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} et {last}", rest.join(", ")),
    }
}

/// The brackets lowest first, the top one last.
pub fn sorted_prices(prices: &[PriceBracket]) -> Vec<PriceBracket> {
    let mut sorted = prices.to_vec();
    sorted.sort_by_key(|b| (b.qf_max.is_none(), b.qf_max));
    sorted
}

/// « QF jusqu'à 600 : 1,20 € ; au-delà : 3,00 € ».
pub fn prices_text(prices: &[PriceBracket]) -> String {
    let sorted = sorted_prices(prices);
    let bounded = sorted.iter().any(|b| b.qf_max.is_some());
    sorted
        .iter()
        .map(|b| match b.qf_max {
            Some(max) => format!("QF jusqu'à {max} : {}", b.price),
            None if bounded => format!("au-delà ou QF inconnu : {}", b.price),
            None => format!("tarif unique : {}", b.price),
        })
        .collect::<Vec<_>>()
        .join(" ; ")
}

/// « 14 places par jour », « illimitée ».
pub fn capacity_text(capacity: Option<i64>) -> String {
    match capacity {
        None => "illimitée".to_owned(),
        Some(c) => format!("{c} place{} par jour", if c > 1 { "s" } else { "" }),
    }
}

/// The most places an activity may offer.
pub const MAX_CAPACITY: i64 = 10_000;
/// The furthest back a booking deadline may fall, in weeks before the booked day.
pub const MAX_WEEKS_BEFORE: i64 = 8;
/// The most one day of an activity may cost.
pub const MAX_DAY_PRICE: Cents = Cents(100_000);

/// A setting that breaks an activity's rules, in the gestionnaire's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingFault {
    EndsBeforeStart,
    Capacity,
    WeeksBefore,
    Price,
    BracketsOutOfOrder,
    NoTopPrice,
    WindowClosesBeforeOpening,
}

impl SettingFault {
    pub fn message(self) -> String {
        match self {
            SettingFault::EndsBeforeStart => {
                "L'heure de fin doit venir après l'heure de début.".to_owned()
            }
            SettingFault::Capacity => format!(
                "Saisissez un nombre de places entre 1 et {MAX_CAPACITY}, ou laissez vide pour ne pas limiter."
            ),
            SettingFault::WeeksBefore => {
                format!("Saisissez un nombre de semaines entre 1 et {MAX_WEEKS_BEFORE}.")
            }
            SettingFault::Price => {
                "Saisissez un tarif en euros, par exemple 4,50 (au plus 1 000 €).".to_owned()
            }
            SettingFault::BracketsOutOfOrder => {
                "Rangez les tranches par quotient croissant, sans doublon.".to_owned()
            }
            SettingFault::NoTopPrice => "Saisissez le tarif au-delà de la dernière tranche : il s'applique aussi quand le quotient familial est inconnu.".to_owned(),
            SettingFault::WindowClosesBeforeOpening => {
                "La clôture des réservations doit venir après leur ouverture.".to_owned()
            }
        }
    }
}

/// An activity ends after it starts.
pub fn hours(start: Time, end: Time) -> Result<(), SettingFault> {
    if end > start {
        Ok(())
    } else {
        Err(SettingFault::EndsBeforeStart)
    }
}

/// A capacity is between one place and `MAX_CAPACITY`.
pub fn capacity(places: i64) -> Result<i64, SettingFault> {
    (1..=MAX_CAPACITY)
        .contains(&places)
        .then_some(places)
        .ok_or(SettingFault::Capacity)
}

/// A deadline falls one to `MAX_WEEKS_BEFORE` weeks before the booked day.
pub fn weeks_before(weeks: i64) -> Result<i64, SettingFault> {
    (1..=MAX_WEEKS_BEFORE)
        .contains(&weeks)
        .then_some(weeks)
        .ok_or(SettingFault::WeeksBefore)
}

/// A day costs nothing up to `MAX_DAY_PRICE`.
pub fn price(price: Cents) -> Result<Cents, SettingFault> {
    (0..=MAX_DAY_PRICE.0)
        .contains(&price.0)
        .then_some(price)
        .ok_or(SettingFault::Price)
}

/// The brackets' quotients rise strictly: `qf_max` may follow the bracket before it.
pub fn next_bracket(previous: Option<i64>, qf_max: i64) -> Result<(), SettingFault> {
    match previous {
        Some(p) if qf_max <= p => Err(SettingFault::BracketsOutOfOrder),
        _ => Ok(()),
    }
}

/// A holiday period's booking window closes after it opens.
pub fn window(opens: Timestamp, closes: Timestamp) -> Result<(), SettingFault> {
    if closes > opens {
        Ok(())
    } else {
        Err(SettingFault::WindowClosesBeforeOpening)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{SchoolZone, parse_holiday_csv};
    use jiff::civil::date;

    fn calendar() -> SchoolCalendar {
        let periods =
            parse_holiday_csv(include_str!("../../store/seed/vacances-scolaires.csv")).unwrap();
        SchoolCalendar::new(SchoolZone::C, periods, false)
    }

    #[test]
    fn school_activity_opens_on_its_weekdays_outside_holidays() {
        let aps = Schedule {
            period_kind: PeriodKind::Scolaire,
            weekdays: parse_weekdays("1,2,4,5").unwrap(),
        };
        let cal = calendar();
        assert!(aps.is_open(date(2026, 12, 1), &cal)); // a Tuesday
        assert!(!aps.is_open(date(2026, 12, 2), &cal)); // Wednesday: not its weekday
        assert!(!aps.is_open(date(2026, 12, 22), &cal)); // Christmas holidays
        assert!(!aps.is_open(date(2026, 11, 11), &cal)); // Armistice (a Wednesday anyway)
        assert!(!aps.is_open(date(2027, 5, 6), &cal)); // Ascension Thursday
    }

    #[test]
    fn holiday_activity_opens_only_in_holidays() {
        let cal = calendar();
        let vac = Schedule {
            period_kind: PeriodKind::Vacances,
            weekdays: parse_weekdays("1,2,3,4,5").unwrap(),
        };
        assert!(vac.is_open(date(2026, 12, 21), &cal));
        assert!(!vac.is_open(date(2026, 12, 25), &cal)); // Noël
        assert!(!vac.is_open(date(2026, 12, 1), &cal));
    }

    #[test]
    fn weekdays_round_trip_and_reject_garbage() {
        let days = parse_weekdays("1,3,5").unwrap();
        assert_eq!(
            days,
            vec![Weekday::Monday, Weekday::Wednesday, Weekday::Friday]
        );
        assert_eq!(format_weekdays(&days), "1,3,5");
        assert!(parse_weekdays("1,8").is_err());
        assert!(parse_weekdays("lundi").is_err());
    }

    #[test]
    fn price_follows_quotient_familial_brackets() {
        let brackets = [
            PriceBracket {
                qf_max: None,
                price: Cents(300),
            },
            PriceBracket {
                qf_max: Some(1000),
                price: Cents(180),
            },
            PriceBracket {
                qf_max: Some(600),
                price: Cents(120),
            },
        ];
        assert_eq!(day_price(&brackets, Some(0)), Cents(120));
        assert_eq!(day_price(&brackets, Some(600)), Cents(120));
        assert_eq!(day_price(&brackets, Some(601)), Cents(180));
        assert_eq!(day_price(&brackets, Some(1001)), Cents(300));
        assert_eq!(day_price(&brackets, None), Cents(300));
        assert_eq!(day_price(&[], Some(500)), Cents(0));
    }
    #[test]
    fn an_activity_s_settings_keep_to_their_bounds() {
        let t = |h, m| Time::constant(h, m, 0, 0);
        assert_eq!(hours(t(7, 30), t(8, 30)), Ok(()));
        assert_eq!(
            hours(t(8, 30), t(8, 30)),
            Err(SettingFault::EndsBeforeStart)
        );
        assert_eq!(capacity(1), Ok(1));
        assert_eq!(capacity(MAX_CAPACITY), Ok(MAX_CAPACITY));
        assert_eq!(capacity(0), Err(SettingFault::Capacity));
        assert_eq!(capacity(MAX_CAPACITY + 1), Err(SettingFault::Capacity));
        assert_eq!(
            weeks_before(MAX_WEEKS_BEFORE + 1),
            Err(SettingFault::WeeksBefore)
        );
        assert_eq!(price(Cents(0)), Ok(Cents(0)));
        assert_eq!(price(Cents(-1)), Err(SettingFault::Price));
        assert_eq!(price(Cents(100_001)), Err(SettingFault::Price));
        assert_eq!(next_bracket(None, 0), Ok(()));
        assert_eq!(
            next_bracket(Some(500), 500),
            Err(SettingFault::BracketsOutOfOrder)
        );
        let noon = Timestamp::constant(1_800_000_000, 0);
        assert_eq!(
            window(noon, noon),
            Err(SettingFault::WindowClosesBeforeOpening)
        );
    }
}

//! School calendar: holiday periods per zone, French public holidays, and the resulting
//! notion of a "school day" on which services (canteen, after-school care…) can run.

use std::fmt;
use std::str::FromStr;

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};

/// The three French school holiday zones; each zone has its own winter and spring breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SchoolZone {
    A,
    B,
    C,
}

impl SchoolZone {
    /// All zones, so callers can list them (e.g. in a settings form) without repeating them.
    pub const ALL: [SchoolZone; 3] = [SchoolZone::A, SchoolZone::B, SchoolZone::C];

    /// The letter used in the ministry's data and in our seed file.
    pub fn as_str(self) -> &'static str {
        match self {
            SchoolZone::A => "A",
            SchoolZone::B => "B",
            SchoolZone::C => "C",
        }
    }
}

impl fmt::Display for SchoolZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A zone letter that is not A, B or C.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("zone scolaire inconnue « {0} » (attendu : A, B ou C)")]
pub struct UnknownZone(pub String);

impl FromStr for SchoolZone {
    type Err = UnknownZone;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "A" => Ok(SchoolZone::A),
            "B" => Ok(SchoolZone::B),
            "C" => Ok(SchoolZone::C),
            other => Err(UnknownZone(other.to_owned())),
        }
    }
}

/// One holiday period of one zone. Both bounds are inclusive, as in the published calendar
/// once the "reprise des cours" day has been turned into the last day off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolidayPeriod {
    pub zone: SchoolZone,
    pub name: String,
    pub first_day: Date,
    pub last_day: Date,
}

impl HolidayPeriod {
    pub fn contains(&self, date: Date) -> bool {
        self.first_day <= date && date <= self.last_day
    }
}

/// Why the holiday CSV was rejected. Every variant that concerns a line carries its 1-based
/// number so whoever edits the file can fix it directly.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("ligne {line} : en-tête attendu « {expected} », trouvé « {found} »", expected = CSV_HEADER)]
    BadHeader { line: usize, found: String },
    #[error(
        "ligne {line} : 4 colonnes attendues (zone,nom,premier_jour,dernier_jour), {found} trouvée(s)"
    )]
    ColumnCount { line: usize, found: usize },
    #[error("ligne {line} : {source}")]
    BadZone {
        line: usize,
        #[source]
        source: UnknownZone,
    },
    #[error("ligne {line} : le nom de la période est vide")]
    EmptyName { line: usize },
    #[error(
        "ligne {line} : date invalide « {value} » dans la colonne {column} (attendu : AAAA-MM-JJ)"
    )]
    BadDate {
        line: usize,
        column: &'static str,
        value: String,
    },
    #[error("ligne {line} : le dernier jour ({last_day}) précède le premier jour ({first_day})")]
    EndsBeforeStart {
        line: usize,
        first_day: Date,
        last_day: Date,
    },
}

impl CalendarError {
    /// The 1-based line of the offending row.
    pub fn line(&self) -> usize {
        match self {
            CalendarError::BadHeader { line, .. }
            | CalendarError::ColumnCount { line, .. }
            | CalendarError::BadZone { line, .. }
            | CalendarError::EmptyName { line }
            | CalendarError::BadDate { line, .. }
            | CalendarError::EndsBeforeStart { line, .. } => *line,
        }
    }
}

const CSV_HEADER: &str = "zone,nom,premier_jour,dernier_jour";

/// Parses the holiday calendar (`crates/store/seed/vacances-scolaires.csv`).
///
/// The format is fixed and never quoted, so a hand-written splitter is enough and keeps this
/// crate free of a CSV dependency. LF or CRLF line endings and a UTF-8 BOM (spreadsheet
/// exports) are tolerated, as are blank lines; fields are trimmed.
pub fn parse_holiday_csv(text: &str) -> Result<Vec<HolidayPeriod>, CalendarError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line));

    let (header_line, header) = lines.next().unwrap_or((1, ""));
    if header.trim() != CSV_HEADER {
        return Err(CalendarError::BadHeader {
            line: header_line,
            found: header.trim().to_owned(),
        });
    }

    lines
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, line)| parse_holiday_row(number, line))
        .collect()
}

fn parse_holiday_row(line: usize, row: &str) -> Result<HolidayPeriod, CalendarError> {
    let fields: Vec<&str> = row.split(',').map(str::trim).collect();
    let [zone, name, first_day, last_day] = fields[..] else {
        return Err(CalendarError::ColumnCount {
            line,
            found: fields.len(),
        });
    };

    let zone = zone
        .parse::<SchoolZone>()
        .map_err(|source| CalendarError::BadZone { line, source })?;
    if name.is_empty() {
        return Err(CalendarError::EmptyName { line });
    }
    let first_day = parse_csv_date(line, "premier_jour", first_day)?;
    let last_day = parse_csv_date(line, "dernier_jour", last_day)?;
    if last_day < first_day {
        return Err(CalendarError::EndsBeforeStart {
            line,
            first_day,
            last_day,
        });
    }

    Ok(HolidayPeriod {
        zone,
        name: name.to_owned(),
        first_day,
        last_day,
    })
}

fn parse_csv_date(line: usize, column: &'static str, value: &str) -> Result<Date, CalendarError> {
    parse_iso_date(value).ok_or_else(|| CalendarError::BadDate {
        line,
        column,
        value: value.to_owned(),
    })
}

/// Strict `YYYY-MM-DD`: jiff's own parser also accepts datetimes and other forms we would
/// rather reject in a data file.
fn parse_iso_date(value: &str) -> Option<Date> {
    let bytes = value.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    let year = value[0..4].parse().ok()?;
    let month = value[5..7].parse().ok()?;
    let day = value[8..10].parse().ok()?;
    Date::new(year, month, day).ok()
}

/// Easter Sunday in the Gregorian calendar (anonymous algorithm, a.k.a. Meeus/Jones/Butcher).
/// Several public holidays hang off it.
///
/// # Panics
///
/// If `year` is outside jiff's supported range (-9999..=9999).
pub fn easter_sunday(year: i16) -> Date {
    let y = i32::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    // With h in 0..30, l in 0..7 and m in 0..=1, n is in 107..=149: month 3 or 4 and a day
    // that exists in that month, so the conversions and the date below cannot fail for a
    // supported year.
    let month = i8::try_from(n / 31).expect("Easter month is 3 or 4");
    let day = i8::try_from(n % 31 + 1).expect("Easter day is within 1..=31");
    Date::new(year, month, day).expect("year within jiff's supported range -9999..=9999")
}

/// Moves a date by a few days around Easter. Saturating arithmetic is exact here: Easter-based
/// holidays stay well inside the year, so the bounds of jiff's range are never reached.
fn days_after(date: Date, days: i64) -> Date {
    date.saturating_add(days.days())
}

fn fixed_day(year: i16, month: i8, day: i8) -> Date {
    Date::new(year, month, day).expect("year within jiff's supported range -9999..=9999")
}

/// French public holidays (jours fériés) of `year`, sorted by date, with their usual names.
///
/// Alsace-Moselle keeps two extra days from its local law (Vendredi saint, Saint-Étienne).
/// When Ascension falls on 1 or 8 May both entries are kept, so the list always has 11 (or 13)
/// items.
///
/// # Panics
///
/// If `year` is outside jiff's supported range (-9999..=9999).
pub fn public_holidays(year: i16, alsace_moselle: bool) -> Vec<(Date, &'static str)> {
    let easter = easter_sunday(year);
    let mut holidays = vec![
        (fixed_day(year, 1, 1), "Jour de l'an"),
        (days_after(easter, 1), "Lundi de Pâques"),
        (fixed_day(year, 5, 1), "Fête du Travail"),
        (fixed_day(year, 5, 8), "Victoire 1945"),
        (days_after(easter, 39), "Ascension"),
        (days_after(easter, 50), "Lundi de Pentecôte"),
        (fixed_day(year, 7, 14), "Fête nationale"),
        (fixed_day(year, 8, 15), "Assomption"),
        (fixed_day(year, 11, 1), "Toussaint"),
        (fixed_day(year, 11, 11), "Armistice 1918"),
        (fixed_day(year, 12, 25), "Noël"),
    ];
    if alsace_moselle {
        holidays.push((days_after(easter, -2), "Vendredi saint"));
        holidays.push((fixed_day(year, 12, 26), "Saint-Étienne"));
    }
    holidays.sort_by_key(|(date, _)| *date);
    holidays
}

/// The name of the public holiday falling on `date`, if any (the first one when two coincide).
pub fn public_holiday_name(date: Date, alsace_moselle: bool) -> Option<&'static str> {
    public_holidays(date.year(), alsace_moselle)
        .into_iter()
        .find(|(holiday, _)| *holiday == date)
        .map(|(_, name)| name)
}

pub fn is_public_holiday(date: Date, alsace_moselle: bool) -> bool {
    public_holiday_name(date, alsace_moselle).is_some()
}

/// The calendar of one zone: decides on which days school services can be open at all.
/// Which weekdays an activity actually runs on is the activity's business, not this type's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchoolCalendar {
    zone: SchoolZone,
    alsace_moselle: bool,
    periods: Vec<HolidayPeriod>,
}

impl SchoolCalendar {
    /// Keeps only the periods of `zone`, so the whole parsed CSV can be passed as is.
    pub fn new(
        zone: SchoolZone,
        periods: impl IntoIterator<Item = HolidayPeriod>,
        alsace_moselle: bool,
    ) -> Self {
        let mut periods: Vec<HolidayPeriod> = periods
            .into_iter()
            .filter(|period| period.zone == zone)
            .collect();
        periods.sort_by_key(|period| (period.first_day, period.last_day));
        SchoolCalendar {
            zone,
            alsace_moselle,
            periods,
        }
    }

    pub fn zone(&self) -> SchoolZone {
        self.zone
    }

    pub fn alsace_moselle(&self) -> bool {
        self.alsace_moselle
    }

    /// The zone's holiday periods, sorted by first day.
    pub fn periods(&self) -> &[HolidayPeriod] {
        &self.periods
    }

    pub fn holiday_at(&self, date: Date) -> Option<&HolidayPeriod> {
        self.periods.iter().find(|period| period.contains(date))
    }

    pub fn public_holiday_at(&self, date: Date) -> Option<&'static str> {
        public_holiday_name(date, self.alsace_moselle)
    }

    /// A weekday (Wednesday included) that is neither in a holiday period nor a public holiday.
    pub fn is_school_day(&self, date: Date) -> bool {
        !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
            && self.holiday_at(date).is_none()
            && !is_public_holiday(date, self.alsace_moselle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const SEED: &str = include_str!("../../store/seed/vacances-scolaires.csv");

    #[test]
    fn easter_sundays() {
        assert_eq!(easter_sunday(2024), date(2024, 3, 31));
        assert_eq!(easter_sunday(2025), date(2025, 4, 20));
        assert_eq!(easter_sunday(2026), date(2026, 4, 5));
        assert_eq!(easter_sunday(2027), date(2027, 3, 28));
        assert_eq!(easter_sunday(2038), date(2038, 4, 25));
        assert_eq!(easter_sunday(2285), date(2285, 3, 22));
    }

    fn holiday(year: i16, name: &str, alsace_moselle: bool) -> Date {
        public_holidays(year, alsace_moselle)
            .into_iter()
            .find(|(_, n)| *n == name)
            .map(|(d, _)| d)
            .unwrap_or_else(|| panic!("{name} missing in {year}"))
    }

    #[test]
    fn easter_based_holidays() {
        assert_eq!(holiday(2024, "Lundi de Pâques", false), date(2024, 4, 1));
        assert_eq!(holiday(2024, "Ascension", false), date(2024, 5, 9));
        assert_eq!(
            holiday(2024, "Lundi de Pentecôte", false),
            date(2024, 5, 20)
        );
        assert_eq!(holiday(2027, "Ascension", false), date(2027, 5, 6));
        assert_eq!(
            holiday(2027, "Lundi de Pentecôte", false),
            date(2027, 5, 17)
        );
        assert_eq!(holiday(2025, "Vendredi saint", true), date(2025, 4, 18));
    }

    #[test]
    fn public_holiday_list_is_complete_and_sorted() {
        let plain = public_holidays(2026, false);
        assert_eq!(plain.len(), 11);
        assert!(plain.windows(2).all(|w| w[0].0 <= w[1].0));
        assert_eq!(plain[0], (date(2026, 1, 1), "Jour de l'an"));
        assert_eq!(plain[10], (date(2026, 12, 25), "Noël"));
        assert!(!plain.iter().any(|(_, n)| *n == "Vendredi saint"));

        let alsace = public_holidays(2026, true);
        assert_eq!(alsace.len(), 13);
        assert!(alsace.windows(2).all(|w| w[0].0 <= w[1].0));
        assert_eq!(alsace[12], (date(2026, 12, 26), "Saint-Étienne"));
    }

    #[test]
    fn ascension_on_labour_day_keeps_both() {
        // 2008: Easter on 23 March, Ascension on 1 May.
        let names: Vec<_> = public_holidays(2008, false)
            .into_iter()
            .filter(|(d, _)| *d == date(2008, 5, 1))
            .map(|(_, n)| n)
            .collect();
        assert_eq!(names, ["Fête du Travail", "Ascension"]);
    }

    #[test]
    fn public_holiday_lookup() {
        assert!(is_public_holiday(date(2026, 7, 14), false));
        assert!(!is_public_holiday(date(2026, 7, 15), false));
        assert!(!is_public_holiday(date(2026, 12, 26), false));
        assert!(is_public_holiday(date(2026, 12, 26), true));
        assert_eq!(
            public_holiday_name(date(2026, 11, 11), false),
            Some("Armistice 1918")
        );
    }

    #[test]
    fn zone_round_trip() {
        for zone in SchoolZone::ALL {
            assert_eq!(zone.as_str().parse::<SchoolZone>(), Ok(zone));
        }
        assert_eq!("D".parse::<SchoolZone>(), Err(UnknownZone("D".into())));
    }

    #[test]
    fn seed_file_parses() {
        let periods = parse_holiday_csv(SEED).expect("seed file is valid");
        for zone in SchoolZone::ALL {
            assert!(
                periods.iter().any(|p| p.zone == zone),
                "zone {zone} missing"
            );
        }
        let christmas_c_2026 = periods
            .iter()
            .find(|p| {
                p.zone == SchoolZone::C
                    && p.name == "Vacances de Noël"
                    && p.first_day.year() == 2026
            })
            .expect("zone C Christmas 2026");
        assert_eq!(christmas_c_2026.first_day, date(2026, 12, 19));
        assert_eq!(christmas_c_2026.last_day, date(2027, 1, 3));
        assert!(periods.iter().any(|p| p.name == "Vacances d'été"));
    }

    #[test]
    fn accepts_lf_bom_and_blank_lines() {
        let text = "\u{feff}zone,nom,premier_jour,dernier_jour\nA,Vacances d'hiver,2026-02-07,2026-02-22\n\n";
        let periods = parse_holiday_csv(text).expect("valid");
        assert_eq!(periods.len(), 1);
        assert_eq!(periods[0].name, "Vacances d'hiver");
        assert_eq!(periods[0].zone, SchoolZone::A);
    }

    fn error_of(body: &str) -> CalendarError {
        parse_holiday_csv(&format!(
            "{CSV_HEADER}\r\nA,Ok,2026-01-01,2026-01-02\r\n{body}\r\n"
        ))
        .expect_err("must be rejected")
    }

    #[test]
    fn bad_input_names_the_line() {
        let err = parse_holiday_csv("zone;nom\nA,x,2026-01-01,2026-01-02").expect_err("bad header");
        assert_eq!(err.line(), 1);
        assert!(err.to_string().starts_with("ligne 1 : en-tête attendu"));

        let err = parse_holiday_csv("").expect_err("empty");
        assert!(matches!(err, CalendarError::BadHeader { line: 1, .. }));

        let err = error_of("A,Vacances, de Noël,2026-12-19,2027-01-03");
        assert_eq!(err, CalendarError::ColumnCount { line: 3, found: 5 });
        assert!(
            err.to_string()
                .starts_with("ligne 3 : 4 colonnes attendues")
        );

        let err = error_of("D,Vacances,2026-12-19,2027-01-03");
        assert_eq!(err.line(), 3);
        assert_eq!(
            err.to_string(),
            "ligne 3 : zone scolaire inconnue « D » (attendu : A, B ou C)"
        );

        let err = error_of("A,,2026-12-19,2027-01-03");
        assert_eq!(err, CalendarError::EmptyName { line: 3 });

        let err = error_of("A,Noël,2026-12-19,2027-02-30");
        assert_eq!(
            err,
            CalendarError::BadDate {
                line: 3,
                column: "dernier_jour",
                value: "2027-02-30".into()
            }
        );
        let err = error_of("A,Noël,19/12/2026,2027-01-03");
        assert!(err.to_string().contains("premier_jour"), "{err}");
        let err = error_of("A,Noël,2026-12-19T00:00,2027-01-03");
        assert_eq!(err.line(), 3);

        let err = error_of("A,Noël,2027-01-03,2026-12-19");
        assert_eq!(
            err.to_string(),
            "ligne 3 : le dernier jour (2026-12-19) précède le premier jour (2027-01-03)"
        );
    }

    #[test]
    fn school_days_in_zone_c() {
        let periods = parse_holiday_csv(SEED).expect("seed file is valid");
        let calendar = SchoolCalendar::new(SchoolZone::C, periods, false);
        assert!(calendar.periods().iter().all(|p| p.zone == SchoolZone::C));
        assert!(
            calendar
                .periods()
                .windows(2)
                .all(|w| w[0].first_day <= w[1].first_day)
        );

        assert_eq!(
            calendar
                .holiday_at(date(2026, 12, 25))
                .map(|p| p.name.as_str()),
            Some("Vacances de Noël")
        );
        assert!(calendar.holiday_at(date(2027, 1, 4)).is_none());
        assert!(calendar.is_school_day(date(2027, 1, 4))); // Monday, back to school
        assert!(calendar.is_school_day(date(2027, 5, 12))); // Wednesday
        assert!(!calendar.is_school_day(date(2027, 5, 15))); // Saturday
        assert!(!calendar.is_school_day(date(2027, 5, 16))); // Sunday
        assert!(!calendar.is_school_day(date(2027, 5, 6))); // Ascension
        assert!(!calendar.is_school_day(date(2027, 5, 7))); // Pont de l'Ascension
        assert!(!calendar.is_school_day(date(2027, 5, 17))); // Lundi de Pentecôte
        assert!(!calendar.is_school_day(date(2027, 4, 12))); // spring break, zone C only
        assert_eq!(
            calendar.public_holiday_at(date(2027, 5, 17)),
            Some("Lundi de Pentecôte")
        );

        let zone_a = SchoolCalendar::new(
            SchoolZone::A,
            parse_holiday_csv(SEED).expect("valid"),
            false,
        );
        assert!(zone_a.is_school_day(date(2027, 4, 6))); // Tuesday, zone A not on break yet
    }
}

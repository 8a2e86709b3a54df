//! French date formatting for pages and mails. Hand-written rather than locale-driven so the
//! output is identical on every server, whatever its installed locales.

use jiff::{
    SignedDuration,
    civil::{Date, DateTime, Weekday},
};

pub fn weekday_name(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "lundi",
        Weekday::Tuesday => "mardi",
        Weekday::Wednesday => "mercredi",
        Weekday::Thursday => "jeudi",
        Weekday::Friday => "vendredi",
        Weekday::Saturday => "samedi",
        Weekday::Sunday => "dimanche",
    }
}

/// The abbreviated weekday, with its period, as in the weekly report mail.
pub fn short_weekday_name(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "lun.",
        Weekday::Tuesday => "mar.",
        Weekday::Wednesday => "mer.",
        Weekday::Thursday => "jeu.",
        Weekday::Friday => "ven.",
        Weekday::Saturday => "sam.",
        Weekday::Sunday => "dim.",
    }
}

/// Month names in lower case, as French writes them inside a sentence.
///
/// # Panics
///
/// If `month` is not in 1..=12: months always come from a valid date, so anything else is a
/// programming error.
pub fn month_name(month: i8) -> &'static str {
    match month {
        1 => "janvier",
        2 => "février",
        3 => "mars",
        4 => "avril",
        5 => "mai",
        6 => "juin",
        7 => "juillet",
        8 => "août",
        9 => "septembre",
        10 => "octobre",
        11 => "novembre",
        12 => "décembre",
        other => panic!("month out of range 1..=12: {other}"),
    }
}

/// "lun. 15/05": compact enough for tables and the report mail.
pub fn short_day(date: Date) -> String {
    format!(
        "{} {:02}/{:02}",
        short_weekday_name(date.weekday()),
        date.day(),
        date.month()
    )
}

/// "lundi 15 mai 2023", with the French ordinal "1er" for the first of the month.
pub fn long_date(date: Date) -> String {
    format!(
        "{} {} {} {}",
        weekday_name(date.weekday()),
        day_of_month(date),
        month_name(date.month()),
        date.year()
    )
}

/// The day of the month as French writes it: « 1er », « 2 », « 3 »… A calendar shows it
/// so, so that the words a voice user reads on a day are those of its accessible name.
pub fn day_of_month(date: Date) -> String {
    match date.day() {
        1 => "1er".to_owned(),
        other => other.to_string(),
    }
}

/// « de Léa », « d'Amalia », « d'Hugo »: French elides « de » before a vowel or a mute h,
/// as it is before a first name beginning with H.
pub fn of(name: &str) -> String {
    let elided = name
        .chars()
        .next()
        .is_some_and(|first| "aâàeéèêëiîïoôuûùüyhAÂÀEÉÈÊËIÎÏOÔUÛÙÜYH".contains(first));
    if elided {
        format!("d'{name}")
    } else {
        format!("de {name}")
    }
}

/// « 1er », « 2e »: a place in a queue.
pub fn rank(n: u32) -> String {
    match n {
        1 => "1er".to_owned(),
        n => format!("{n}e"),
    }
}

/// "mai 2027", for month-by-month booking pages and invoices.
///
/// # Panics
///
/// If `month` is not in 1..=12 (see [`month_name`]).
pub fn month_year(year: i16, month: i8) -> String {
    format!("{} {}", month_name(month), year)
}

/// "15/05/2027 à 08h05": French writes hours with an "h", not a colon.
pub fn date_time(datetime: DateTime) -> String {
    format!(
        "{:02}/{:02}/{:04} à {:02}h{:02}",
        datetime.day(),
        datetime.month(),
        datetime.year(),
        datetime.hour(),
        datetime.minute()
    )
}

/// « 1 seconde », « 3 secondes »: a wait, rounded up so that waiting that long is enough.
pub fn seconds(wait: SignedDuration) -> String {
    let whole = wait.as_secs() + i64::from(wait.subsec_nanos() > 0);
    let n = whole.max(1);
    format!("{n} seconde{}", if n > 1 { "s" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::ToSpan;
    use jiff::civil::date;

    #[test]
    fn de_is_elided_before_a_vowel_or_an_h() {
        assert_eq!(of("Léa"), "de Léa");
        assert_eq!(of("Amalia"), "d'Amalia");
        assert_eq!(of("Émile"), "d'Émile");
        assert_eq!(of("Hugo"), "d'Hugo");
        assert_eq!(of("Paolo"), "de Paolo");
    }

    #[test]
    fn a_wait_is_rounded_up() {
        assert_eq!(seconds(SignedDuration::from_millis(1)), "1 seconde");
        assert_eq!(seconds(SignedDuration::from_secs(1)), "1 seconde");
        assert_eq!(seconds(SignedDuration::from_millis(1_001)), "2 secondes");
        assert_eq!(seconds(SignedDuration::from_millis(3_999)), "4 secondes");
    }

    #[test]
    fn short_day_format() {
        assert_eq!(short_day(date(2023, 5, 15)), "lun. 15/05");
        assert_eq!(short_day(date(2027, 1, 3)), "dim. 03/01");
    }

    #[test]
    fn short_days_cover_the_week_and_wrap() {
        // Friday 2027-04-30 to Thursday 2027-05-06: crosses the weekend and a month end.
        let start = date(2027, 4, 30);
        let days: Vec<String> = (0..7)
            .map(|n| short_day(start.saturating_add(n.days())))
            .collect();
        assert_eq!(
            days,
            [
                "ven. 30/04",
                "sam. 01/05",
                "dim. 02/05",
                "lun. 03/05",
                "mar. 04/05",
                "mer. 05/05",
                "jeu. 06/05",
            ]
        );
    }

    #[test]
    fn long_date_format() {
        assert_eq!(long_date(date(2023, 5, 15)), "lundi 15 mai 2023");
        assert_eq!(long_date(date(2027, 5, 1)), "samedi 1er mai 2027");
        assert_eq!(day_of_month(date(2027, 9, 1)), "1er");
        assert_eq!(day_of_month(date(2027, 9, 2)), "2");
        assert_eq!(long_date(date(2027, 5, 2)), "dimanche 2 mai 2027");
        assert_eq!(long_date(date(2026, 8, 31)), "lundi 31 août 2026");
        assert_eq!(long_date(date(2026, 12, 2)), "mercredi 2 décembre 2026");
    }

    #[test]
    fn weekday_names_follow_the_week() {
        let names: Vec<_> = Weekday::Sunday
            .cycle_forward()
            .take(8)
            .map(weekday_name)
            .collect();
        assert_eq!(
            names,
            [
                "dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"
            ]
        );
    }

    #[test]
    fn month_names() {
        assert_eq!(month_name(1), "janvier");
        assert_eq!(month_name(2), "février");
        assert_eq!(month_name(8), "août");
        assert_eq!(month_name(12), "décembre");
    }

    #[test]
    #[should_panic(expected = "month out of range")]
    fn month_name_rejects_thirteen() {
        month_name(13);
    }

    #[test]
    fn month_year_format() {
        assert_eq!(month_year(2027, 5), "mai 2027");
        assert_eq!(month_year(2026, 12), "décembre 2026");
    }

    #[test]
    fn date_time_format() {
        assert_eq!(
            date_time(date(2027, 5, 15).at(8, 5, 0, 0)),
            "15/05/2027 à 08h05"
        );
        assert_eq!(
            date_time(date(2026, 12, 1).at(23, 59, 59, 0)),
            "01/12/2026 à 23h59"
        );
    }
}

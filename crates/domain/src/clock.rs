//! Every rule of the portal is stated in Paris wall-clock time (deadlines, opening of
//! bookings, the nightly run), whatever the server's own time zone.

use jiff::{
    SignedDuration, Timestamp,
    civil::{Date, DateTime, Time},
    tz::TimeZone,
};

/// The application's one source of « now »: every rule, page, job and mail asks it, never
/// the system clock. In production it is the system clock; a demonstration or a test may
/// start it at another instant, from which it runs on at the system clock's pace, so that
/// sessions still age and leases still expire while the calendar shows the chosen day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    ahead: SignedDuration,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that shows `start` now.
    pub fn starting_at(start: Timestamp) -> Clock {
        Clock::running_ahead(start.duration_since(Timestamp::now()))
    }

    /// A clock that runs `ahead` of the system clock (behind it when negative).
    pub fn running_ahead(ahead: SignedDuration) -> Clock {
        Clock { ahead }
    }

    pub fn ahead(&self) -> SignedDuration {
        self.ahead
    }

    pub fn now(&self) -> Timestamp {
        Timestamp::now()
            .checked_add(self.ahead)
            .expect("a moved clock stays within jiff's range")
    }

    /// Today in Paris.
    pub fn today(&self) -> Date {
        paris_date(self.now())
    }

    pub fn is_moved(&self) -> bool {
        self.ahead != SignedDuration::ZERO
    }
}

/// Reads the instant a moved clock starts at: an RFC 3339 instant
/// (`2027-03-28T01:30:00Z`) or a Paris wall-clock time (`2027-03-28T08:00`, `2027-03-28`
/// for midnight).
pub fn parse_start(text: &str) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(instant) = text.parse::<Timestamp>() {
        return Ok(instant);
    }
    let civil = text.parse::<DateTime>().or_else(|_| {
        text.parse::<Date>()
            .map(|day| day.to_datetime(Time::midnight()))
    });
    civil.map(|at| paris_instant(at.date(), at.time())).map_err(|_| {
        format!("« {text} » n'est pas un instant : écrivez 2027-03-28T01:30:00Z, ou une heure de Paris comme 2027-03-28T08:00")
    })
}

pub fn paris() -> TimeZone {
    // The time zone database is compiled into the binary, so this cannot be missing.
    TimeZone::get("Europe/Paris").expect("the bundled time zone database has Europe/Paris")
}

pub fn paris_date(instant: Timestamp) -> Date {
    instant.to_zoned_datetime(paris()).date()
}

/// The instant at which Paris clocks show `time` on `date`. In the autumn hour that
/// happens twice the earlier one is taken; in the spring gap, the time just after it.
pub fn paris_instant(date: Date, time: Time) -> Timestamp {
    date.to_datetime(time)
        .to_zoned_datetime(paris())
        .map(|z| z.timestamp())
        .expect("a civil date of the supported range converts to Paris time")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    #[test]
    fn paris_dates_follow_summer_time() {
        let late_evening: Timestamp = "2027-06-30T22:30:00Z".parse().unwrap();
        assert_eq!(paris_date(late_evening), date(2027, 7, 1));
        let winter: Timestamp = "2027-01-15T22:30:00Z".parse().unwrap();
        assert_eq!(paris_date(winter), date(2027, 1, 15));
        assert_eq!(
            paris_instant(date(2027, 1, 15), time(8, 0, 0, 0)).to_string(),
            "2027-01-15T07:00:00Z"
        );
        assert_eq!(
            paris_instant(date(2027, 7, 15), time(8, 0, 0, 0)).to_string(),
            "2027-07-15T06:00:00Z"
        );
    }

    #[test]
    fn a_moved_clock_shows_its_start_and_runs_on() {
        let start: Timestamp = "2027-03-28T01:30:00Z".parse().unwrap();
        let clock = Clock::starting_at(start);
        let shown = clock.now();
        assert!(
            shown >= start && shown.duration_since(start) < SignedDuration::from_secs(5),
            "{shown}"
        );
        assert_eq!(clock.today(), date(2027, 3, 28));
        assert!(clock.is_moved());
        assert!(!Clock::system().is_moved());
    }

    #[test]
    fn start_instants_are_read_as_utc_or_paris_time() {
        assert_eq!(
            parse_start("2027-03-28T01:30:00Z").unwrap().to_string(),
            "2027-03-28T01:30:00Z"
        );
        assert_eq!(
            parse_start("2027-07-15T08:00").unwrap().to_string(),
            "2027-07-15T06:00:00Z"
        );
        assert_eq!(
            parse_start("2028-02-29").unwrap().to_string(),
            "2028-02-28T23:00:00Z"
        );
        assert!(
            parse_start("29/02/2028")
                .unwrap_err()
                .contains("29/02/2028")
        );
    }

    #[test]
    fn spring_gap_and_autumn_overlap_resolve() {
        // 2027-03-28 02:30 does not exist in Paris; 2027-10-31 02:30 exists twice.
        assert_eq!(
            paris_instant(date(2027, 3, 28), time(2, 30, 0, 0)).to_string(),
            "2027-03-28T01:30:00Z"
        );
        assert_eq!(
            paris_instant(date(2027, 10, 31), time(2, 30, 0, 0)).to_string(),
            "2027-10-31T00:30:00Z"
        );
    }
}

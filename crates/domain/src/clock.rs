//! Every rule of the portal is stated in Paris wall-clock time (deadlines, opening of
//! bookings, the nightly run), whatever the server's own time zone.

use jiff::{
    Timestamp,
    civil::{Date, Time},
    tz::TimeZone,
};

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
        assert_eq!(paris_instant(date(2027, 1, 15), time(8, 0, 0, 0)).to_string(), "2027-01-15T07:00:00Z");
        assert_eq!(paris_instant(date(2027, 7, 15), time(8, 0, 0, 0)).to_string(), "2027-07-15T06:00:00Z");
    }

    #[test]
    fn spring_gap_and_autumn_overlap_resolve() {
        // 2027-03-28 02:30 does not exist in Paris; 2027-10-31 02:30 exists twice.
        assert_eq!(paris_instant(date(2027, 3, 28), time(2, 30, 0, 0)).to_string(), "2027-03-28T01:30:00Z");
        assert_eq!(paris_instant(date(2027, 10, 31), time(2, 30, 0, 0)).to_string(), "2027-10-31T00:30:00Z");
    }
}

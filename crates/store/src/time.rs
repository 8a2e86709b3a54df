use jiff::Timestamp;

use crate::StoreError;

/// Instants are stored as fixed-width UTC text so that text order is time order on both
/// databases (a variable number of fractional digits would break that).
pub fn db_time(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S.%6fZ").to_string()
}

pub fn parse_db_time(text: &str) -> Result<Timestamp, StoreError> {
    text.parse()
        .map_err(|e| StoreError::corrupt("timestamp", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_instants_sort_as_text() {
        let a: Timestamp = "2027-05-15T06:00:00Z".parse().unwrap();
        let b: Timestamp = "2027-05-15T06:00:00.5Z".parse().unwrap();
        assert_eq!(db_time(a), "2027-05-15T06:00:00.000000Z");
        assert!(db_time(a) < db_time(b));
        assert_eq!(parse_db_time(&db_time(b)).unwrap(), b);
    }
}

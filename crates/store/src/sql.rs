//! Pieces of SQL the portable `Any` driver cannot bind.

/// `(1, 2, 3)` for an `IN` clause: sqlx's `Any` driver binds no lists. Integers only, so
/// formatting them into a statement injects nothing; an empty list matches nothing.
pub(crate) fn id_list(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "(NULL)".to_owned();
    }
    format!(
        "({})",
        ids.iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

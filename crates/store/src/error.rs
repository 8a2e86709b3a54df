/// Failures of the persistence layer. Callers show a generic message; the detail goes
/// to the logs.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL (expected sqlite:// or postgres://): {0}")]
    UnsupportedUrl(String),
    #[error("corrupt data in column {column}: {detail}")]
    Corrupt {
        column: &'static str,
        detail: String,
    },
    #[error("the system's random generator failed: {0}")]
    Random(String),
    #[error("reference data: {0}")]
    Reference(String),
    #[error("a mail's HTML part could not be written: {0}")]
    MailTemplate(String),
    #[error("file store: {0}")]
    Files(String),
    #[error("SQLite write thread: {0}")]
    Writer(String),
}

impl StoreError {
    pub(crate) fn corrupt(column: &'static str, detail: impl ToString) -> Self {
        StoreError::Corrupt {
            column,
            detail: detail.to_string(),
        }
    }
}

//! Multi-row INSERTs for loading large data sets quickly on both databases.

use sqlx::{Any, AssertSqlSafe, Transaction};

use crate::StoreError;

/// One value of a row to insert.
#[derive(Clone, Debug)]
pub(crate) enum Val {
    Int(i64),
    Text(String),
    OptInt(Option<i64>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(v.to_owned())
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        Val::OptInt(v)
    }
}

/// Rows buffered for one table, written in statements of a few hundred rows so as to
/// stay far below both databases' limits on bound parameters.
pub(crate) struct Bulk {
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Val>>,
}

const ROWS_PER_STATEMENT: usize = 500;

impl Bulk {
    pub(crate) fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        Bulk { table, columns, rows: Vec::new() }
    }

    pub(crate) async fn push(&mut self, tx: &mut Transaction<'_, Any>, row: Vec<Val>) -> Result<(), StoreError> {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
        if self.rows.len() >= ROWS_PER_STATEMENT {
            self.flush(tx).await?;
        }
        Ok(())
    }

    pub(crate) async fn flush(&mut self, tx: &mut Transaction<'_, Any>) -> Result<(), StoreError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let width = self.columns.len();
        let tuples: Vec<String> = (0..self.rows.len())
            .map(|r| {
                let params: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
                format!("({})", params.join(", "))
            })
            .collect();
        let sql = format!("INSERT INTO {} ({}) VALUES {}", self.table, self.columns.join(", "), tuples.join(", "));
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for value in self.rows.drain(..).flatten() {
            query = match value {
                Val::Int(v) => query.bind(v),
                Val::Text(v) => query.bind(v),
                Val::OptInt(v) => query.bind(v),
            };
        }
        query.execute(&mut **tx).await?;
        Ok(())
    }
}

//! Statements with many rows, written once for both databases: multi-row INSERTs for
//! loading large data sets, and statements whose lists of values vary with the request.

use std::sync::Arc;

use sqlx::{
    Any, AssertSqlSafe, Executor, Transaction,
    any::{AnyArguments, AnyRow},
    query::Query,
};

use crate::{Backend, StoreError, sql::Integer};

/// One value of a row to insert.
#[derive(Clone, Debug)]
pub(crate) enum Val {
    Int(i64),
    Text(String),
    OptInt(Option<i64>),
    OptText(Option<String>),
}

/// An integer column: a count, a price, or an id.
impl<T: Integer> From<T> for Val {
    fn from(v: T) -> Self {
        Val::Int(v.integer())
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
impl<T: Integer> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Self {
        Val::OptInt(v.map(Integer::integer))
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        Val::OptText(v)
    }
}

fn bind_all<'q>(
    sql: impl sqlx::SqlSafeStr,
    values: impl IntoIterator<Item = Val>,
) -> Query<'q, Any, AnyArguments> {
    let mut query = sqlx::query(sql);
    for value in values {
        query = match value {
            Val::Int(v) => query.bind(v),
            Val::Text(v) => query.bind(v),
            Val::OptInt(v) => query.bind(v),
            Val::OptText(v) => query.bind(v),
        };
    }
    query
}

/// Rows per statement. Measured on SQLite with 20 000 synthetic families: 500 rows take
/// 4.3 s, 1000 rows 3.7 s, 2000 rows no steadier gain. The widest table (11 columns)
/// stays far below both databases' limits on bound parameters (32 766 for SQLite,
/// 65 535 for PostgreSQL).
pub(crate) const ROWS_PER_STATEMENT: usize = 1000;

/// `items` in slices whose lengths are powers of two, longest first, none longer than
/// `ROWS_PER_STATEMENT`. Statements over such slices come in a few shapes, which each
/// connection prepares once and keeps; a statement of any other length is parsed anew
/// each time, which for a few hundred rows costs more than running it.
pub(crate) fn in_shapes<T>(items: &[T]) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let longest = (ROWS_PER_STATEMENT + 1).next_power_of_two() / 2;
        let length = (rest.len() + 1).next_power_of_two().min(longest * 2) / 2;
        let (slice, after) = rest.split_at(length);
        rest = after;
        Some(slice)
    })
}

/// Rows of `W` columns buffered for one table, written in statements of
/// `ROWS_PER_STATEMENT` rows.
pub(crate) struct Bulk<const W: usize> {
    backend: Backend,
    table: &'static str,
    columns: &'static [&'static str; W],
    /// The buffered rows, one after the other: one allocation for the whole batch.
    values: Vec<Val>,
    /// The statement for a full batch, built once: every full batch then sends the same
    /// text, which sqlx's statement cache prepares only once.
    full_batch_sql: Arc<str>,
}

impl<const W: usize> Bulk<W> {
    pub(crate) fn new(
        backend: Backend,
        table: &'static str,
        columns: &'static [&'static str; W],
    ) -> Self {
        Bulk {
            backend,
            table,
            columns,
            values: Vec::with_capacity(ROWS_PER_STATEMENT * W),
            full_batch_sql: insert_sql(backend, table, columns, ROWS_PER_STATEMENT).into(),
        }
    }

    pub(crate) async fn push(
        &mut self,
        tx: &mut Transaction<'_, Any>,
        row: [Val; W],
    ) -> Result<(), StoreError> {
        self.values.extend(row);
        if self.values.len() >= ROWS_PER_STATEMENT * W {
            self.flush(tx).await?;
        }
        Ok(())
    }

    /// Writes the buffered rows; to be called once the last row is pushed.
    pub(crate) async fn flush(&mut self, tx: &mut Transaction<'_, Any>) -> Result<(), StoreError> {
        let rows = self.values.len() / W;
        if rows == 0 {
            return Ok(());
        }
        let sql = if rows == ROWS_PER_STATEMENT {
            Arc::clone(&self.full_batch_sql)
        } else {
            insert_sql(self.backend, self.table, self.columns, rows).into()
        };
        bind_all(AssertSqlSafe(sql), self.values.drain(..))
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

/// A statement whose number of values varies (a list of days, of movements), written
/// with the backend's placeholders as it is built; its values are bound in the order
/// they were added, which is the order of their placeholders.
#[derive(Clone)]
pub(crate) struct Statement {
    backend: Backend,
    sql: String,
    values: Vec<Val>,
    /// Whether the connection keeps the statement prepared for its next use.
    kept: bool,
}

impl Statement {
    pub(crate) fn new(backend: Backend, sql: &str) -> Statement {
        Statement {
            backend,
            sql: sql.to_owned(),
            values: Vec::new(),
            kept: true,
        }
    }

    /// For a statement whose text depends on its values (not only on how many there
    /// are): it seldom comes back, and kept prepared it would only take memory and push
    /// out statements that do.
    pub(crate) fn not_kept(&mut self) -> &mut Statement {
        self.kept = false;
        self
    }

    pub(crate) fn sql(&mut self, text: &str) -> &mut Statement {
        self.sql.push_str(text);
        self
    }

    /// A placeholder for `value`.
    pub(crate) fn value(&mut self, value: impl Into<Val>) -> &mut Statement {
        self.values.push(value.into());
        placeholder(self.backend, &mut self.sql, self.values.len());
        self
    }

    /// `(…), (…), …`: a parenthesised group of placeholders per row.
    pub(crate) fn rows<const W: usize>(
        &mut self,
        rows: impl IntoIterator<Item = [Val; W]>,
    ) -> &mut Statement {
        for (i, row) in rows.into_iter().enumerate() {
            self.sql.push_str(if i == 0 { "(" } else { ", (" });
            for (column, value) in row.into_iter().enumerate() {
                if column > 0 {
                    self.sql.push_str(", ");
                }
                self.value(value);
            }
            self.sql.push(')');
        }
        self
    }

    pub(crate) async fn execute<'c, E: Executor<'c, Database = Any>>(
        self,
        executor: E,
    ) -> Result<u64, StoreError> {
        Ok(bind_all(AssertSqlSafe(self.sql), self.values)
            .persistent(self.kept)
            .execute(executor)
            .await?
            .rows_affected())
    }

    /// The rows of a statement with a RETURNING clause.
    pub(crate) async fn fetch_all<'c, E: Executor<'c, Database = Any>>(
        self,
        executor: E,
    ) -> Result<Vec<AnyRow>, StoreError> {
        Ok(bind_all(AssertSqlSafe(self.sql), self.values)
            .persistent(self.kept)
            .fetch_all(executor)
            .await?)
    }
}

/// The placeholder of the `number`-th value of a statement.
///
/// SQLite gets anonymous `?` placeholders rather than the `$n` used everywhere else:
/// sqlx looks up the name of every parameter it binds, and SQLite finds a parameter's
/// name by walking the statement's list of named parameters, so binding a statement of
/// P `$n` parameters costs P² steps (80 % of the time of the demo's load with 500-row
/// statements). Anonymous parameters have no name, and they are numbered in the order
/// they appear, which is the order their values are bound in.
fn placeholder(backend: Backend, sql: &mut String, number: usize) {
    match backend {
        Backend::Sqlite => sql.push('?'),
        Backend::Postgres => {
            sql.push('$');
            sql.push_str(&number.to_string());
        }
    }
}

/// `INSERT INTO table (columns) VALUES (…), (…), …` for `rows` rows.
fn insert_sql(backend: Backend, table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut param = 0;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns.len() {
            param += 1;
            if column > 0 {
                sql.push_str(", ");
            }
            placeholder(backend, &mut sql, param);
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_powers_of_two_longest_first() {
        let lengths = |n: usize| {
            in_shapes(&vec![0u8; n])
                .map(<[u8]>::len)
                .collect::<Vec<_>>()
        };
        assert_eq!(lengths(0), Vec::<usize>::new());
        assert_eq!(lengths(1), [1]);
        assert_eq!(lengths(400), [256, 128, 16]);
        assert_eq!(lengths(1023), [512, 256, 128, 64, 32, 16, 8, 4, 2, 1]);
        assert_eq!(lengths(1100), [512, 512, 64, 8, 4]);
        let items: Vec<usize> = (0..77).collect();
        assert_eq!(
            in_shapes(&items).flatten().copied().collect::<Vec<_>>(),
            items
        );
    }

    #[test]
    fn placeholders_follow_the_backend() {
        assert_eq!(
            insert_sql(Backend::Sqlite, "t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
        assert_eq!(
            insert_sql(Backend::Postgres, "t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }

    #[test]
    fn statement_numbers_values_in_the_order_they_are_added() {
        let build = |backend| {
            let mut s = Statement::new(backend, "INSERT INTO t (a, b) VALUES ");
            s.rows([[Val::from(1), "x".into()], [Val::from(2), "y".into()]])
                .sql(" ON CONFLICT (a) DO UPDATE SET b = ")
                .value("z");
            s
        };
        assert_eq!(
            build(Backend::Sqlite).sql,
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?) ON CONFLICT (a) DO UPDATE SET b = ?"
        );
        let postgres = build(Backend::Postgres);
        assert_eq!(
            postgres.sql,
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT (a) DO UPDATE SET b = $5"
        );
        assert_eq!(postgres.values.len(), 5);
    }
}

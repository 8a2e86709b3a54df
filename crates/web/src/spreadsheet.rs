//! The CSV files the portal gives out, made for French spreadsheets and safe to open in
//! them.

use std::borrow::Cow;

use axum::{
    http::header,
    response::{IntoResponse, Response},
};

use crate::error::AppError;

/// A CSV file for French spreadsheets: a byte-order mark, « ; » between fields, every cell
/// neutralised (see `neutralised`).
pub(crate) fn csv_file(
    name: &str,
    header_row: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<Response, AppError> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    writer
        .write_record(header_row)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| neutralised(cell).into_owned()))
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    let body = writer
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// A cell a spreadsheet shows as text, never runs: names, references and labels come from
/// families and staff, and one starting like a formula (`=HYPERLINK(…)`, `+cmd|…`, `@SUM`,
/// a tab or a carriage return) would be run by whoever opens the file. Such a cell gets a
/// leading apostrophe, as OWASP advises; amounts (« -12,50 ») stay numbers.
pub(crate) fn neutralised(cell: &str) -> Cow<'_, str> {
    let formula_like = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula_like && !is_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// « 12 », « -12,50 », « +3 »: digits with a sign and a decimal comma at most.
fn is_number(cell: &str) -> bool {
    let unsigned = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let (whole, decimals) = unsigned.split_once(',').unwrap_or((unsigned, "0"));
    !whole.is_empty()
        && !decimals.is_empty()
        && whole
            .bytes()
            .chain(decimals.bytes())
            .all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_amounts_stay_numbers() {
        for formula in [
            "=HYPERLINK(\"https://pirate.example\")",
            "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)",
            "\t=1+1",
            "\r=1+1",
            "-",
            "=",
            "-12,",
        ] {
            assert_eq!(neutralised(formula), format!("'{formula}"), "{formula:?}");
        }
        for kept in [
            "-12,50",
            "12,50",
            "+3",
            "-0,05",
            "DUPONT Jean-Paul",
            "F2026000129A1",
            "",
            "Mairie = cantine",
        ] {
            assert_eq!(neutralised(kept), kept, "{kept:?}");
        }
    }
}

//! Ribambelle's printable documents for families: invoices, monthly histories and the letters
//! giving an initial password, as tagged (accessible) A4 PDF files in French. Plain data
//! in, bytes out: no I/O.
//!
//! Written with `pdf-writer` (typst's low-level writer: four tiny dependencies, a quick build)
//! and the standard Helvetica fonts, whose WinAnsiEncoding covers French and €, so no font is
//! embedded; `krilla` would tag for us but needs an embedded font and a far larger dependency
//! tree, hence the structure tree written by hand in `tagging`.

mod fonts;
mod history;
mod invoice;
mod layout;
mod letter;
mod table;
mod tagging;

use ribambelle_domain::money::Cents;

pub use history::{HistoryConsommation, HistoryDoc, HistoryReglement, history_pdf};
pub use invoice::{InvoiceDoc, InvoiceLine, invoice_pdf};
pub use letter::{LetterDoc, initial_password_letter_pdf, initial_password_letters_pdf};

/// Why a document was not produced: its figures contradict each other, and a family must never
/// receive a document that does not add up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("the total {total} is not the sum of the lines, {lines}")]
    TotalIsNotTheSum { total: Cents, lines: Cents },
    #[error("the remaining {remaining} is not the total {total} less the paid {paid}")]
    RemainingIsNotTheBalance {
        total: Cents,
        paid: Cents,
        remaining: Cents,
    },
}

/// Saturating, so absurd amounts give an error rather than an overflow.
fn check_total(total: Cents, amounts: impl Iterator<Item = Cents>) -> Result<(), DocumentError> {
    let lines = Cents(amounts.fold(0i64, |sum, amount| sum.saturating_add(amount.0)));
    if lines == total {
        Ok(())
    } else {
        Err(DocumentError::TotalIsNotTheSum { total, lines })
    }
}

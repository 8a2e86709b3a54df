//! The invoice (« facture ») of one porte-monnaie for one period, as sent to a family.

use pdf_writer::types::StructRole;
use ribambelle_domain::money::Cents;

use crate::layout::{Align, BODY, Document, STRONG, SUBTITLE, TITLE, name_and_address};
use crate::table::Column;
use crate::{DocumentError, check_total};

/// What an invoice shows; every text is already formatted for display (dates as 05/11/2026).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDoc {
    /// « Mairie de CarteVille ».
    pub structure: String,
    pub structure_address: Vec<String>,
    /// The porte-monnaie invoiced, « Restauration scolaire ».
    pub wallet: String,
    /// « F202610-00001 ».
    pub number: String,
    /// « MARTIN Paul ».
    pub family: String,
    pub family_address: Vec<String>,
    /// « octobre 2026 ».
    pub period: String,
    pub issued_on: String,
    pub due_on: String,
    pub lines: Vec<InvoiceLine>,
    /// Must be the sum of the lines' amounts.
    pub total: Cents,
    pub paid: Cents,
    /// Must be `total - paid`.
    pub remaining: Cents,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    /// « 02/10/2026 ».
    pub day: String,
    pub child: String,
    pub activity: String,
    pub quantity: i64,
    pub unit_price: Cents,
    pub amount: Cents,
}

const COLUMNS: [Column; 6] = [
    Column {
        header: "Date",
        weight: 62.0,
        align: Align::Left,
    },
    Column {
        header: "Enfant",
        weight: 100.0,
        align: Align::Left,
    },
    Column {
        header: "Activité",
        weight: 140.0,
        align: Align::Left,
    },
    Column {
        header: "Quantité",
        weight: 52.0,
        align: Align::Right,
    },
    Column {
        header: "Prix unitaire",
        weight: 68.0,
        align: Align::Right,
    },
    Column {
        header: "Montant",
        weight: 73.0,
        align: Align::Right,
    },
];

/// The invoice as a PDF file; refused when its amounts do not add up.
pub fn invoice_pdf(doc: &InvoiceDoc) -> Result<Vec<u8>, DocumentError> {
    check_total(doc.total, doc.lines.iter().map(|line| line.amount))?;
    if doc.total.0.checked_sub(doc.paid.0) != Some(doc.remaining.0) {
        return Err(DocumentError::RemainingIsNotTheBalance {
            total: doc.total,
            paid: doc.paid,
            remaining: doc.remaining,
        });
    }

    let title = format!("Facture n° {}", doc.number);
    let mut pdf = Document::new(&format!("{title} — {}", doc.family));
    pdf.side_by_side(
        &name_and_address(&doc.structure, SUBTITLE, &doc.structure_address),
        &name_and_address(&doc.family, STRONG, &doc.family_address),
    );
    pdf.advance(16.0);
    pdf.heading(StructRole::H1, &title, TITLE);
    pdf.paragraph(&format!("Porte-monnaie : {}", doc.wallet), BODY);
    pdf.paragraph(&format!("Période : {}", doc.period), BODY);
    pdf.paragraph(&format!("Date d’émission : {}", doc.issued_on), BODY);
    pdf.paragraph(&format!("Date d’échéance : {}", doc.due_on), BODY);
    pdf.advance(12.0);

    if doc.lines.is_empty() {
        pdf.paragraph("Aucune prestation sur cette période.", BODY);
    } else {
        let rows: Vec<[String; 6]> = doc
            .lines
            .iter()
            .map(|line| {
                [
                    line.day.clone(),
                    line.child.clone(),
                    line.activity.clone(),
                    line.quantity.to_string(),
                    line.unit_price.to_french(),
                    line.amount.to_french(),
                ]
            })
            .collect();
        pdf.table(&COLUMNS, &rows);
    }
    pdf.totals(&[
        ("Total", doc.total.to_french(), STRONG),
        ("Déjà réglé", doc.paid.to_french(), BODY),
        ("Reste à payer", doc.remaining.to_french(), STRONG),
    ]);
    pdf.advance(12.0);
    if doc.remaining > Cents::ZERO {
        pdf.paragraph(&format!("Reste à payer avant le {}.", doc.due_on), STRONG);
    } else {
        pdf.paragraph("Cette facture est acquittée.", STRONG);
    }
    Ok(pdf.finish())
}

//! The monthly history of a family: what was consumed and what was paid, all porte-monnaies
//! together.

use pdf_writer::types::StructRole;
use ribambelle_domain::money::Cents;

use crate::layout::{Align, BODY, Document, STRONG, SUBTITLE, TITLE};
use crate::table::Column;
use crate::{DocumentError, check_total};

/// What a history shows; every text is already formatted for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryDoc {
    pub structure: String,
    pub family: String,
    /// « novembre 2026 ».
    pub month: String,
    pub consommations: Vec<HistoryConsommation>,
    /// Must be the sum of the consommations' amounts.
    pub total: Cents,
    pub reglements: Vec<HistoryReglement>,
    /// « 03/12/2026 ».
    pub generated_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryConsommation {
    pub day: String,
    pub child: String,
    pub activity: String,
    pub quantity: i64,
    pub amount: Cents,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryReglement {
    pub paid_on: String,
    /// « Carte bancaire », « Chèque »…
    pub mode: String,
    pub amount: Cents,
    pub reference: String,
}

const CONSOMMATION_COLUMNS: [Column; 5] = [
    Column {
        header: "Date",
        weight: 62.0,
        align: Align::Left,
    },
    Column {
        header: "Enfant",
        weight: 125.0,
        align: Align::Left,
    },
    Column {
        header: "Activité",
        weight: 175.0,
        align: Align::Left,
    },
    Column {
        header: "Quantité",
        weight: 55.0,
        align: Align::Right,
    },
    Column {
        header: "Montant",
        weight: 78.0,
        align: Align::Right,
    },
];

const REGLEMENT_COLUMNS: [Column; 4] = [
    Column {
        header: "Date",
        weight: 62.0,
        align: Align::Left,
    },
    Column {
        header: "Mode",
        weight: 130.0,
        align: Align::Left,
    },
    Column {
        header: "Montant",
        weight: 78.0,
        align: Align::Right,
    },
    Column {
        header: "Référence",
        weight: 225.0,
        align: Align::Left,
    },
];

/// The history as a PDF file; refused when the consommations do not add up to the total.
pub fn history_pdf(doc: &HistoryDoc) -> Result<Vec<u8>, DocumentError> {
    check_total(
        doc.total,
        doc.consommations
            .iter()
            .map(|consommation| consommation.amount),
    )?;

    let title = format!("Historique — {}", doc.month);
    let mut pdf = Document::new(&format!("{title} — {}", doc.family));
    pdf.side_by_side(&[(&doc.structure, SUBTITLE)], &[(&doc.family, STRONG)]);
    pdf.advance(16.0);
    pdf.heading(StructRole::H1, &title, TITLE);
    pdf.paragraph(&format!("Édité le {}", doc.generated_on), BODY);
    pdf.advance(6.0);

    pdf.heading(StructRole::H2, "Consommations", SUBTITLE);
    if doc.consommations.is_empty() {
        pdf.paragraph("Aucune consommation ce mois-ci.", BODY);
    } else {
        let rows: Vec<[String; 5]> = doc
            .consommations
            .iter()
            .map(|consommation| {
                [
                    consommation.day.clone(),
                    consommation.child.clone(),
                    consommation.activity.clone(),
                    consommation.quantity.to_string(),
                    consommation.amount.to_french(),
                ]
            })
            .collect();
        pdf.table(&CONSOMMATION_COLUMNS, &rows);
        pdf.totals(&[("Total", doc.total.to_french(), STRONG)]);
    }
    pdf.advance(6.0);

    pdf.heading(StructRole::H2, "Règlements", SUBTITLE);
    if doc.reglements.is_empty() {
        pdf.paragraph("Aucun règlement.", BODY);
    } else {
        let rows: Vec<[String; 4]> = doc
            .reglements
            .iter()
            .map(|reglement| {
                [
                    reglement.paid_on.clone(),
                    reglement.mode.clone(),
                    reglement.amount.to_french(),
                    reglement.reference.clone(),
                ]
            })
            .collect();
        pdf.table(&REGLEMENT_COLUMNS, &rows);
    }
    Ok(pdf.finish())
}

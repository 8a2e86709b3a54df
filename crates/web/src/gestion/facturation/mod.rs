//! Billing (R-BO-7) at `/gestion/facturation`: a structure's finished month previewed then
//! invoiced, its invoices with what they still owe, the payments received and the ones
//! recorded at the counter, every family's balance, and the accounting export. Every page
//! works on one structure of the staff member's scope and one month.

mod emission;
mod export;
mod factures;
mod reglements;
mod soldes;

use axum::routing::get;
use jiff::{ToSpan, civil::Date};
use ribambelle_domain::{french::month_year, ids::StructureId};
use serde::Deserialize;

use super::Scope;
use crate::{Access, error::AppError, reservations::context::parse_month, routes::Route};

pub(crate) fn routes() -> Vec<Route> {
    use Access::Staff;
    vec![
        (Staff, "/gestion/facturation", get(emission::page)),
        (
            Staff,
            "/gestion/facturation/emettre",
            axum::routing::post(emission::issue),
        ),
        (Staff, "/gestion/facturation/factures", get(factures::list)),
        (
            Staff,
            "/gestion/facturation/factures/{facture}",
            get(factures::pdf),
        ),
        (
            Staff,
            "/gestion/facturation/reglements",
            get(reglements::list),
        ),
        (
            Staff,
            "/gestion/facturation/reglements/nouveau",
            get(reglements::form).post(reglements::record),
        ),
        (Staff, "/gestion/facturation/soldes", get(soldes::page)),
        (Staff, "/gestion/facturation/export", get(export::page)),
        (
            Staff,
            "/gestion/facturation/export/factures.csv",
            get(export::invoices),
        ),
        (
            Staff,
            "/gestion/facturation/export/reglements.csv",
            get(export::payments),
        ),
    ]
}

/// The query string every billing page understands; each reads what it needs.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct BillingQuery {
    #[serde(default)]
    structure: Option<String>,
    #[serde(default)]
    mois: Option<String>,
    #[serde(default)]
    a_regler: Option<String>,
    #[serde(default)]
    emises: Option<String>,
    #[serde(default)]
    enregistre: Option<String>,
    #[serde(default)]
    famille: Option<String>,
    #[serde(default)]
    recherche: Option<String>,
}

/// How many months back the month list goes.
const MONTHS_BACK: i32 = 24;

/// The structure and month a page works on, and what its header offers to choose.
pub(crate) struct Frame {
    pub structure_id: StructureId,
    pub structure: String,
    pub month: Date,
    pub today: Date,
    pub structures: Vec<(StructureId, String)>,
    /// The page the chooser reloads.
    pub path: &'static str,
}

impl Frame {
    /// The structure asked for (the first of the scope by default; out of scope: 404) and
    /// the month asked for (last month by default).
    pub fn new(
        scope: &Scope,
        query: &BillingQuery,
        path: &'static str,
        today: Date,
    ) -> Result<Frame, AppError> {
        let structure_id = match query.structure.as_deref().filter(|s| !s.is_empty()) {
            Some(text) => text.parse().map_err(|_| AppError::BadRequest)?,
            None => scope
                .structures
                .first()
                .map(|s| s.id)
                .ok_or(AppError::NotFound)?,
        };
        scope.check(structure_id)?;
        let current = today.first_of_month();
        let month = match query.mois.as_deref().filter(|m| !m.is_empty()) {
            Some(text) => parse_month(text)
                .filter(|m| *m <= current && *m >= current - MONTHS_BACK.months())
                .ok_or(AppError::BadRequest)?,
            None => current - 1.month(),
        };
        Ok(Frame {
            structure_id,
            structure: scope
                .structures
                .iter()
                .find(|s| s.id == structure_id)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            month,
            today,
            structures: scope
                .structures
                .iter()
                .map(|s| (s.id, s.name.clone()))
                .collect(),
            path,
        })
    }

    pub fn month_code(&self) -> String {
        self.month.strftime("%Y-%m").to_string()
    }

    pub fn month_label(&self) -> String {
        month_year(self.month.year(), self.month.month())
    }

    /// `structure=1&mois=2026-10`, for links between the billing pages.
    pub fn query(&self) -> String {
        format!("structure={}&mois={}", self.structure_id, self.month_code())
    }

    pub fn finished(&self) -> bool {
        self.month < self.today.first_of_month()
    }

    /// (value, label) of the months offered, the most recent first.
    pub fn months(&self) -> Vec<(String, String)> {
        let current = self.today.first_of_month();
        (0..=MONTHS_BACK)
            .map(|k| current - k.months())
            .map(|m| {
                (
                    m.strftime("%Y-%m").to_string(),
                    month_year(m.year(), m.month()),
                )
            })
            .collect()
    }

    /// (label, link, current page) of the billing pages.
    pub fn tabs(&self) -> Vec<(&'static str, String, bool)> {
        [
            ("Émission des factures", "/gestion/facturation"),
            ("Factures", "/gestion/facturation/factures"),
            ("Règlements", "/gestion/facturation/reglements"),
            ("Soldes", "/gestion/facturation/soldes"),
            ("Export comptable", "/gestion/facturation/export"),
        ]
        .into_iter()
        .map(|(label, path)| (label, format!("{path}?{}", self.query()), path == self.path))
        .collect()
    }
}

//! The Systempay side of the simulated bank: it takes the signed payment form, and answers the
//! family's choice with a signed notification (IPN) and a signed return.

use std::sync::Arc;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;

use super::{Choice, Operation, Settlement, SimulatedBank, page, with_query};
use crate::systempay::{signed, verify};
use crate::{field, is_digits, parse_cents};

/// A payment form the bank has accepted.
pub(super) struct Payment {
    site_id: String,
    certificate: String,
    ctx_mode: String,
    amount: String,
    order_id: String,
    trans_id: String,
    trans_date: String,
    url_check: Option<String>,
    url_return: Option<String>,
    decided: bool,
}

pub(super) async fn payment_page(
    State(bank): State<Arc<SimulatedBank>>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let payment = match accept(&bank, &fields) {
        Ok(payment) => payment,
        Err(reason) => {
            return page::message(
                StatusCode::BAD_REQUEST,
                "Formulaire de paiement refusé",
                &reason,
            );
        }
    };
    let id = uuid::Uuid::new_v4().to_string();
    let response = page::card(&page::Card {
        merchant: format!("Boutique n° {}", payment.site_id),
        label: field(&fields, "vads_order_info").unwrap_or_default(),
        reference: &payment.order_id,
        amount_cents: parse_cents(&payment.amount).unwrap_or_default(),
        operation: &id,
        action: bank.choice_url(),
        return_url: payment.url_return.as_deref(),
    });
    bank.operations().insert(id, Operation::Systempay(payment));
    response
}

/// Checks the form as Systempay would, with the reason in French when it refuses it.
fn accept(bank: &SimulatedBank, fields: &[(String, String)]) -> Result<Payment, String> {
    let get = |name| field(fields, name).unwrap_or_default();
    let site_id = get("vads_site_id");
    let certificate = bank
        .systempay_sites
        .iter()
        .find(|(id, _)| id == site_id)
        .map(|(_, certificate)| certificate)
        .ok_or_else(|| {
            format!("Boutique inconnue : aucune boutique n'a l'identifiant « {site_id} ».")
        })?;
    verify(fields, certificate).map_err(|_| {
        "Signature invalide : le formulaire n'a pas été signé avec le certificat de la boutique, \
         ou il a été modifié en chemin."
            .to_owned()
    })?;
    type Rule = (&'static str, fn(&str) -> bool);
    let rules: [Rule; 9] = [
        ("vads_version", |v| v == "V2"),
        ("vads_action_mode", |v| v == "INTERACTIVE"),
        ("vads_page_action", |v| v == "PAYMENT"),
        ("vads_payment_config", |v| v == "SINGLE"),
        ("vads_ctx_mode", |v| v == "TEST" || v == "PRODUCTION"),
        ("vads_currency", |v| v == "978"),
        ("vads_amount", |v| {
            parse_cents(v).is_ok_and(|cents| cents > 0)
        }),
        // Numbers from 9 on are kept for the back office.
        ("vads_trans_id", |v| is_digits(v, 6) && !v.starts_with('9')),
        ("vads_trans_date", |v| is_digits(v, 14)),
    ];
    if let Some((name, _)) = rules.iter().find(|(name, ok)| !ok(get(name))) {
        return Err(format!("Le champ {name} est absent ou ne convient pas."));
    }
    let url = |name| -> Result<Option<String>, String> {
        match get(name) {
            "" => Ok(None),
            url if bank.is_portal_url(url) => Ok(Some(url.to_owned())),
            _ => Err(format!("Le champ {name} n'est pas une adresse du portail.")),
        }
    };
    Ok(Payment {
        site_id: site_id.to_owned(),
        certificate: certificate.clone(),
        ctx_mode: get("vads_ctx_mode").to_owned(),
        amount: get("vads_amount").to_owned(),
        order_id: get("vads_order_id").to_owned(),
        trans_id: get("vads_trans_id").to_owned(),
        trans_date: get("vads_trans_date").to_owned(),
        url_check: url("vads_url_check")?,
        url_return: url("vads_url_return")?,
        decided: false,
    })
}

impl Payment {
    /// Records the family's choice, once: the same signed fields go to the IPN and, as a
    /// query (`vads_return_mode` GET), to the return URL.
    pub(super) fn decide(&mut self, choice: Choice, now: Timestamp) -> Option<Settlement> {
        if self.decided {
            return None;
        }
        self.decided = true;
        let (status, result, auth_number) = match choice {
            Choice::Pay => (
                "AUTHORISED",
                "00",
                format!("{:06x}", uuid::Uuid::new_v4().as_u128() & 0xff_ffff),
            ),
            Choice::Refuse => ("REFUSED", "05", String::new()),
            Choice::Abandon => ("ABANDONED", "17", String::new()),
        };
        let fields = signed(
            [
                ("vads_amount", self.amount.clone()),
                ("vads_auth_mode", "FULL".to_owned()),
                ("vads_auth_number", auth_number),
                ("vads_auth_result", result.to_owned()),
                ("vads_ctx_mode", self.ctx_mode.clone()),
                ("vads_currency", "978".to_owned()),
                ("vads_effective_amount", self.amount.clone()),
                (
                    "vads_effective_creation_date",
                    now.strftime("%Y%m%d%H%M%S").to_string(),
                ),
                ("vads_effective_currency", "978".to_owned()),
                ("vads_operation_type", "DEBIT".to_owned()),
                ("vads_order_id", self.order_id.clone()),
                ("vads_page_action", "PAYMENT".to_owned()),
                ("vads_payment_config", "SINGLE".to_owned()),
                ("vads_result", result.to_owned()),
                ("vads_site_id", self.site_id.clone()),
                ("vads_trans_date", self.trans_date.clone()),
                ("vads_trans_id", self.trans_id.clone()),
                ("vads_trans_status", status.to_owned()),
                ("vads_trans_uuid", uuid::Uuid::new_v4().simple().to_string()),
                ("vads_version", "V2".to_owned()),
            ],
            &self.certificate,
        );
        Some(Settlement {
            notify_url: self.url_check.clone(),
            return_url: self
                .url_return
                .as_deref()
                .and_then(|url| with_query(url, &fields)),
            notification: fields,
        })
    }
}

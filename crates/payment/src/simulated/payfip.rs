//! The PayFiP side of the simulated bank: the SOAP web-service and the payment page.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::Deserialize;

use super::{Choice, Operation, Settlement, SimulatedBank, page, with_query};
use crate::payfip::xml;
use crate::{is_digits, is_reference};

/// An operation created by `creerPaiementSecurise`.
pub(super) struct Payment {
    numcli: String,
    exer: String,
    mel: String,
    montant: i64,
    objet: String,
    refdet: String,
    saisie: String,
    urlnotif: String,
    urlredirect: String,
    result: Option<Decision>,
}

struct Decision {
    resultrans: &'static str,
    at: Timestamp,
    numauto: Option<String>,
}

/// A SOAP fault: its code and libellé. PayFiP's codes where our notes know them (R3, A2, P1,
/// P5); `SIM-…` for the checks whose real code they do not give.
type Fault = (&'static str, String);

pub(super) async fn soap(State(bank): State<Arc<SimulatedBank>>, body: String) -> Response {
    let answer = match xml::parse(&body) {
        Err(e) => Err(("SIM-SOAP", format!("Requête SOAP illisible : {e}"))),
        Ok(request) => match request.operation.as_str() {
            "creerPaiementSecurise" => create(&bank, &request),
            "recupererDetailPaiementSecurise" => detail(&bank, &request),
            "recupererDetailClient" => client(&request),
            other => Err(("SIM-SOAP", format!("Opération inconnue : {other}"))),
        },
    };
    // Like JAX-WS: a fault is a 500 with its envelope.
    let (status, xml) = match answer {
        Ok(xml) => (StatusCode::OK, xml),
        Err((code, libelle)) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            xml::fault(code, &libelle),
        ),
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

fn create(bank: &SimulatedBank, request: &xml::Body) -> Result<String, Fault> {
    let get = |name| request.get(name).unwrap_or_default().to_owned();
    let fault = |code, libelle: &str| Err((code, libelle.to_owned()));
    let numcli = get("numcli");
    if !is_digits(&numcli, 6) {
        return fault("SIM-NUMCLI", "Le paramètre NUMCLI doit compter 6 chiffres");
    }
    let exer = get("exer");
    if !is_digits(&exer, 4) {
        return fault("SIM-EXER", "Le paramètre EXER doit être une année");
    }
    let refdet = get("refdet");
    if !is_reference(&refdet) {
        return fault("R3", "Le format du paramètre REFDET n'est pas conforme");
    }
    let mel = get("mel");
    if !mel.contains('@') || !(6..=80).contains(&mel.chars().count()) {
        return fault("A2", "Adresse mél incorrecte");
    }
    let montant = get("montant");
    let montant = match montant.parse::<i64>() {
        Ok(cents)
            if montant.bytes().all(|b| b.is_ascii_digit())
                && (100..=10_000_000).contains(&cents) =>
        {
            cents
        }
        _ => {
            return fault(
                "SIM-MONTANT",
                "Le montant doit être compris entre 1,00 € et 100 000,00 €",
            );
        }
    };
    let saisie = get("saisie");
    if !matches!(saisie.as_str(), "T" | "X" | "W") {
        return fault("SIM-SAISIE", "Le paramètre SAISIE doit valoir T, X ou W");
    }
    let (urlnotif, urlredirect) = (get("urlnotif"), get("urlredirect"));
    if !bank.is_portal_url(&urlnotif) || !bank.is_portal_url(&urlredirect) {
        return fault(
            "SIM-URL",
            "Les paramètres URLNOTIF et URLREDIRECT doivent être des adresses du portail",
        );
    }
    let id = uuid::Uuid::new_v4().to_string();
    let payment = Payment {
        numcli,
        exer,
        mel,
        montant,
        objet: get("objet"),
        refdet,
        saisie,
        urlnotif,
        urlredirect,
        result: None,
    };
    bank.operations()
        .insert(id.clone(), Operation::PayFip(payment));
    Ok(xml::envelope(
        "creerPaiementSecuriseResponse",
        "return",
        &[("idOp", &id)],
    ))
}

fn detail(bank: &SimulatedBank, request: &xml::Body) -> Result<String, Fault> {
    let id = request.get("idOp").unwrap_or_default();
    let operations = bank.operations();
    let Some(Operation::PayFip(payment)) = operations.get(id) else {
        return Err(("P1", "IdOp incorrect".to_owned()));
    };
    let Some(decision) = &payment.result else {
        return Err(("P5", "Résultat de la transaction non connu".to_owned()));
    };
    // dattrans and heurtrans are Paris time.
    let paris = decision
        .at
        .in_tz("Europe/Paris")
        .map_err(|e| ("SIM-HEURE", e.to_string()))?;
    let dattrans = paris.strftime("%d%m%Y").to_string();
    let heurtrans = paris.strftime("%H%M").to_string();
    let montant = payment.montant.to_string();
    let mut fields = vec![
        ("dattrans", dattrans.as_str()),
        ("exer", payment.exer.as_str()),
        ("heurtrans", heurtrans.as_str()),
        ("idOp", id),
        ("mel", payment.mel.as_str()),
        ("montant", montant.as_str()),
    ];
    if let Some(numauto) = &decision.numauto {
        fields.push(("numauto", numauto));
    }
    fields.extend([
        ("numcli", payment.numcli.as_str()),
        ("objet", payment.objet.as_str()),
        ("refdet", payment.refdet.as_str()),
        ("resultrans", decision.resultrans),
        ("saisie", payment.saisie.as_str()),
    ]);
    Ok(xml::envelope(
        "recupererDetailPaiementSecuriseResponse",
        "return",
        &fields,
    ))
}

fn client(request: &xml::Body) -> Result<String, Fault> {
    // The parameter is `numCli` here, unlike everywhere else.
    let numcli = request.get("numCli").unwrap_or_default();
    if !is_digits(numcli, 6) {
        return Err((
            "SIM-NUMCLI",
            "Le paramètre NUMCLI doit compter 6 chiffres".to_owned(),
        ));
    }
    Ok(xml::envelope(
        "recupererDetailClientResponse",
        "return",
        &[
            ("libelleN1", "REGIE DE DEMONSTRATION"),
            ("libelleN2", "BANQUE SIMULEE"),
            ("libelleN3", ""),
            ("numcli", numcli),
        ],
    ))
}

#[derive(Deserialize)]
pub(super) struct PageQuery {
    idop: Option<String>,
}

pub(super) async fn card_page(
    State(bank): State<Arc<SimulatedBank>>,
    Query(query): Query<PageQuery>,
) -> Response {
    let id = query.idop.unwrap_or_default();
    let operations = bank.operations();
    let Some(Operation::PayFip(payment)) = operations.get(&id) else {
        return super::unknown_operation();
    };
    if payment.result.is_some() {
        return super::already_finished();
    }
    page::card(&page::Card {
        merchant: format!("Régie n° {}", payment.numcli),
        label: &payment.objet,
        reference: &payment.refdet,
        amount_cents: payment.montant,
        operation: &id,
        action: bank.choice_url(),
        return_url: Some(&payment.urlredirect),
    })
}

impl Payment {
    /// Records the family's choice, once; PayFiP's notification is the bare idOp.
    pub(super) fn decide(
        &mut self,
        id: &str,
        choice: Choice,
        now: Timestamp,
    ) -> Option<Settlement> {
        if self.result.is_some() {
            return None;
        }
        let (resultrans, numauto) = match choice {
            Choice::Pay => ("P", Some(authorisation_number())),
            Choice::Refuse => ("R", None),
            Choice::Abandon => ("A", None),
        };
        self.result = Some(Decision {
            resultrans,
            at: now,
            numauto,
        });
        Some(Settlement {
            notify_url: Some(self.urlnotif.clone()),
            notification: vec![("idOp".to_owned(), id.to_owned())],
            return_url: with_query(&self.urlredirect, &[("idop".to_owned(), id.to_owned())]),
        })
    }
}

fn authorisation_number() -> String {
    let digits = uuid::Uuid::new_v4().as_u128() % 1_000_000_000_000;
    format!("{digits:012}-tip")
}

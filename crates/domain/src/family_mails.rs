//! The words of the mails the portal sends families when the town acts: a payment's
//! receipt, the month's invoices, a fiche examined. The store queues them in the
//! transaction of the act; their wording lives here, with the product's other sentences.

use jiff::civil::{Date, DateTime};

use crate::{french, money::Cents};

/// A mail's subject and plain text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub subject: String,
    pub body: String,
}

/// Who a mail greets: « Mme Claire MARTIN ».
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parent<'a> {
    pub civility: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
}

/// What a payment's receipt says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt<'a> {
    pub parent: Parent<'a>,
    /// « par carte bancaire », « en espèces »…
    pub how: &'a str,
    pub amount: Cents,
    pub at: DateTime,
    pub reference: &'a str,
    /// The bank's authorisation number, for a card payment.
    pub authorisation: Option<&'a str>,
    pub structure: &'a str,
    /// The invoices settled, with the part of the payment each received.
    pub invoices: &'a [(String, Cents)],
    /// The prepaid porte-monnaie credited, if the payment was a credit.
    pub wallet: Option<&'a str>,
}

pub fn receipt(r: &Receipt<'_>) -> Written {
    let Parent {
        civility,
        first_name,
        last_name,
    } = r.parent;
    let mut body = format!(
        "Bonjour {civility} {first_name} {last_name},\n\nNous avons bien reçu votre paiement {}.\n\n",
        r.how
    );
    body.push_str(&format!("Montant : {}\n", r.amount.to_french()));
    body.push_str(&format!("Date : {}\n", french::date_time(r.at)));
    body.push_str(&format!("Référence du paiement : {}\n", r.reference));
    if let Some(authorisation) = r.authorisation {
        body.push_str(&format!("Numéro d'autorisation : {authorisation}\n"));
    }
    body.push_str(&format!("Encaissé par : {}\n\n", r.structure));
    for (number, part) in r.invoices {
        body.push_str(&format!("- Facture {number} : {}\n", part.to_french()));
    }
    if let Some(wallet) = r.wallet {
        body.push_str(&format!(
            "- Crédit du porte-monnaie {wallet} : {}\n",
            r.amount.to_french()
        ));
    }
    body.push_str("\nCe reçu vous est envoyé à la première adresse de votre compte. Vos règlements se consultent aussi dans l'Historique du Portail Famille.\n");
    Written {
        subject: format!(
            "Reçu de votre paiement de {} — {}",
            r.amount.to_french(),
            r.structure
        ),
        body,
    }
}

/// One invoice issued to a family: its number, its porte-monnaie, its amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedInvoice {
    pub number: String,
    pub wallet: String,
    pub amount: Cents,
}

/// The mail telling a family its invoices of `month` are in « Paiement et Solde ».
pub fn invoices_issued(
    greeting: &str,
    month: Date,
    invoices: &[IssuedInvoice],
    due_on: Date,
    structure: &str,
) -> Written {
    let lines: Vec<String> = invoices
        .iter()
        .map(|i| {
            format!(
                "- Facture {} ({}) : {}",
                i.number,
                i.wallet,
                i.amount.to_french()
            )
        })
        .collect();
    let period = french::month_year(month.year(), month.month());
    Written {
        subject: format!("Votre facture est disponible — {structure}"),
        body: format!(
            "Bonjour {greeting},\n\nVotre facture de {period} est disponible dans « Paiement et Solde » du Portail Famille, où vous pouvez la télécharger et la régler en ligne :\n\n{}\n\nÀ régler avant le {}.\n\n{structure}\n",
            lines.join("\n"),
            due_on.strftime("%d/%m/%Y"),
        ),
    }
}

/// What the gestionnaire decided about a transmitted fiche.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FicheVerdict<'a> {
    Validated,
    Refused { reason: &'a str },
}

/// The mail telling a family how its fiche (« Fiche sanitaire » of Léa, say) was examined.
pub fn fiche_examined(
    parent: Parent<'_>,
    fiche_title: &str,
    child: Option<&str>,
    verdict: FicheVerdict<'_>,
    structure: &str,
) -> Written {
    let about = match child {
        Some(child) => format!("« {fiche_title} » {}", french::of(child)),
        None => format!("« {fiche_title} »"),
    };
    let (subject, outcome) = match verdict {
        FicheVerdict::Validated => (
            format!("{structure} : fiche validée"),
            format!("Votre fiche {about} a été validée par votre gestionnaire."),
        ),
        FicheVerdict::Refused { reason } => (
            format!("{structure} : fiche à corriger"),
            format!(
                "Votre fiche {about} a été refusée par votre gestionnaire, pour le motif suivant :\n\n    {reason}\n\nVous pouvez la corriger sur le portail, dans « Dossier Famille », puis la valider et la transmettre à nouveau."
            ),
        ),
    };
    let Parent {
        civility,
        first_name,
        last_name,
    } = parent;
    Written {
        subject,
        body: format!(
            "{civility} {last_name} {first_name}\n\n{outcome}\n\nVous pouvez consulter l'état de votre dossier famille sur notre site Internet.\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    const CLAIRE: Parent<'static> = Parent {
        civility: "Mme",
        first_name: "Claire",
        last_name: "MARTIN",
    };

    #[test]
    fn a_card_receipt_names_its_authorisation_and_each_invoice_paid() {
        let invoices = [("F202611-00004".to_owned(), Cents(540))];
        let written = receipt(&Receipt {
            parent: CLAIRE,
            how: "par carte bancaire",
            amount: Cents(540),
            at: date(2026, 12, 1).at(18, 5, 0, 0),
            reference: "RB123",
            authorisation: Some("A42"),
            structure: "Mairie de CarteVille",
            invoices: &invoices,
            wallet: None,
        });
        assert_eq!(
            written.subject,
            format!(
                "Reçu de votre paiement de {} — Mairie de CarteVille",
                Cents(540).to_french()
            )
        );
        assert!(written.body.starts_with(
            "Bonjour Mme Claire MARTIN,\n\nNous avons bien reçu votre paiement par carte bancaire."
        ));
        assert!(written.body.contains("Numéro d'autorisation : A42\n"));
        assert!(written.body.contains(&format!(
            "- Facture F202611-00004 : {}\n",
            Cents(540).to_french()
        )));
        assert!(!written.body.contains("Crédit du porte-monnaie"));
    }

    #[test]
    fn a_refused_fiche_gives_its_reason_and_the_way_to_correct_it() {
        let written = fiche_examined(
            CLAIRE,
            "Fiche sanitaire",
            Some("Léa"),
            FicheVerdict::Refused {
                reason: "Le carnet de vaccination manque.",
            },
            "Mairie de CarteVille",
        );
        assert_eq!(written.subject, "Mairie de CarteVille : fiche à corriger");
        assert!(written.body.starts_with(
            "Mme MARTIN Claire\n\nVotre fiche « Fiche sanitaire » de Léa a été refusée"
        ));
        assert!(
            written
                .body
                .contains("    Le carnet de vaccination manque.\n")
        );
    }

    #[test]
    fn the_invoice_mail_lists_each_invoice_with_its_porte_monnaie_and_due_date() {
        let invoices = [IssuedInvoice {
            number: "F202611-00001".to_owned(),
            wallet: "Périscolaire".to_owned(),
            amount: Cents(540),
        }];
        let written = invoices_issued(
            "Mme Claire MARTIN",
            date(2026, 11, 1),
            &invoices,
            date(2026, 12, 31),
            "Mairie de CarteVille",
        );
        assert!(
            written
                .body
                .contains("Votre facture de novembre 2026 est disponible")
        );
        assert!(written.body.contains(&format!(
            "- Facture F202611-00001 (Périscolaire) : {}",
            Cents(540).to_french()
        )));
        assert!(written.body.contains("À régler avant le 31/12/2026."));
    }
}

//! PayFiP Régie web-service (DGFiP): `creerPaiementSecurise` gives an idOp and the family pays
//! on PayFiP's page; the notification only carries that idOp, unsigned, so every outcome comes
//! from `recupererDetailPaiementSecurise`, asked server to server.

pub(crate) mod xml;

use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::{
    Checked, Departure, Outcome, PaymentError, PaymentProvider, PaymentRequest, check_request,
    field, http, is_digits, must_equal, parse_cents,
};

pub struct PayFip {
    numcli: String,
    saisie: char,
    ws_url: Url,
    pay_url: Url,
    http: reqwest::Client,
}

impl PayFip {
    pub fn new(
        numcli: impl Into<String>,
        saisie: char,
        ws_url: &str,
        pay_url: &str,
    ) -> Result<Self, PaymentError> {
        let numcli = numcli.into();
        if !is_digits(&numcli, 6) {
            return Err(PaymentError::InvalidConfig(format!(
                "PayFiP numcli {numcli:?} is not 6 digits"
            )));
        }
        if !matches!(saisie, 'T' | 'X' | 'W') {
            return Err(PaymentError::InvalidConfig(format!(
                "PayFiP saisie {saisie:?} is not T, X or W"
            )));
        }
        let url = |s: &str| {
            Url::parse(s).map_err(|e| PaymentError::InvalidConfig(format!("PayFiP URL {s:?}: {e}")))
        };
        Ok(Self {
            numcli,
            saisie,
            ws_url: url(ws_url)?,
            pay_url: url(pay_url)?,
            http: http::client()?,
        })
    }

    async fn call(
        &self,
        operation: &str,
        fields: &[(&str, &str)],
    ) -> Result<xml::Body, PaymentError> {
        let response = self
            .http
            .post(self.ws_url.clone())
            .header(CONTENT_TYPE, "text/xml; charset=utf-8")
            .header("SOAPAction", "\"\"")
            .body(xml::envelope(operation, "arg0", fields))
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        read_answer(operation, status, &text)
    }

    async fn detail(&self, id_op: &str) -> Result<Checked, PaymentError> {
        if !is_id_op(id_op) {
            return Err(PaymentError::Protocol(format!("{id_op:?} is not an idOp")));
        }
        let answer = self
            .call("recupererDetailPaiementSecurise", &[("idOp", id_op)])
            .await;
        self.read_detail(id_op, answer)
    }

    fn read_detail(
        &self,
        id_op: &str,
        answer: Result<xml::Body, PaymentError>,
    ) -> Result<Checked, PaymentError> {
        let unfinished = |outcome| Checked {
            reference: String::new(),
            amount_cents: 0,
            outcome,
            provider_reference: String::new(),
            provider_id: Some(id_op.to_owned()),
        };
        let body = match answer {
            Ok(body) => body,
            Err(PaymentError::Provider { code, .. }) if code == "P5" => {
                return Ok(unfinished(Outcome::Pending));
            }
            Err(PaymentError::Provider { code, .. }) if code == "P1" => {
                return Ok(unfinished(Outcome::Unknown));
            }
            Err(e) => return Err(e),
        };
        let get = |name: &'static str| {
            body.get(name)
                .ok_or_else(|| PaymentError::Protocol(format!("detail without {name}")))
        };
        must_equal("numcli", get("numcli")?, &self.numcli)?;
        must_equal(
            "saisie",
            get("saisie")?,
            self.saisie.encode_utf8(&mut [0; 4]),
        )?;
        if let Some(echoed) = body.get("idOp") {
            must_equal("idOp", echoed, id_op)?;
        }
        let outcome = match get("resultrans")? {
            // V and Z are the direct-debit twins of P and R.
            "P" | "V" => Outcome::Paid,
            "R" | "Z" => Outcome::Refused,
            "A" => Outcome::Abandoned,
            other => {
                return Err(PaymentError::Protocol(format!("resultrans {other:?}")));
            }
        };
        Ok(Checked {
            reference: get("refdet")?.to_owned(),
            amount_cents: parse_cents(get("montant")?)?,
            outcome,
            provider_reference: body.get("numauto").unwrap_or_default().to_owned(),
            provider_id: Some(id_op.to_owned()),
        })
    }
}

impl PaymentProvider for PayFip {
    async fn start(&self, req: &PaymentRequest) -> Result<Departure, PaymentError> {
        check_request(req)?;
        let body = self
            .call(
                "creerPaiementSecurise",
                &[
                    ("exer", &req.year.to_string()),
                    ("mel", &req.email),
                    ("montant", &req.amount_cents.to_string()),
                    ("numcli", &self.numcli),
                    ("objet", &ascii_label(&req.label)),
                    ("refdet", &req.reference),
                    ("saisie", self.saisie.encode_utf8(&mut [0; 4])),
                    ("urlnotif", &req.notify_url),
                    ("urlredirect", &req.return_url),
                ],
            )
            .await?;
        let id_op = body.get("idOp").filter(|id| is_id_op(id)).ok_or_else(|| {
            PaymentError::Protocol("creerPaiementSecurise without an idOp".into())
        })?;
        let mut url = self.pay_url.clone();
        url.query_pairs_mut().append_pair("idop", id_op);
        Ok(Departure::Redirect {
            url: url.into(),
            provider_id: Some(id_op.to_owned()),
        })
    }

    /// The notification is unsigned: its idOp is only a reason to ask PayFiP.
    async fn confirm(&self, notification: &[(String, String)]) -> Result<Checked, PaymentError> {
        // PayFiP notifies `idOp`; the browser comes back with `idop`.
        let id_op = field(notification, "idOp")
            .or_else(|| field(notification, "idop"))
            .ok_or_else(|| PaymentError::Protocol("notification without idOp".into()))?;
        self.detail(id_op).await
    }

    async fn status(&self, provider_id: &str) -> Result<Option<Checked>, PaymentError> {
        self.detail(provider_id).await.map(Some)
    }
}

/// Reads the answer to `operation`; a fault becomes [`PaymentError::Provider`].
fn read_answer(
    operation: &str,
    status: reqwest::StatusCode,
    text: &str,
) -> Result<xml::Body, PaymentError> {
    // JAX-WS answers a fault with a 500: the body says more than the status.
    let body = xml::parse(text)
        .map_err(|e| PaymentError::Protocol(format!("{operation}: HTTP {status}, {e}")))?;
    if body.is_fault() {
        return Err(PaymentError::Provider {
            code: body
                .get("code")
                .or(body.get("faultcode"))
                .unwrap_or_default()
                .to_owned(),
            libelle: body
                .get("libelle")
                .or(body.get("faultstring"))
                .unwrap_or_default()
                .to_owned(),
        });
    }
    if body.operation != format!("{operation}Response") {
        return Err(PaymentError::Protocol(format!(
            "{operation} answered with {}",
            body.operation
        )));
    }
    Ok(body)
}

/// An idOp is a UUID; anything else is refused before it reaches a request.
fn is_id_op(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// PayFiP's `objet` takes ASCII letters, digits and spaces, 100 at most: accents are dropped,
/// ligatures spelt out, anything else becomes a space.
fn ascii_label(label: &str) -> String {
    let mut spaced = String::with_capacity(label.len());
    for c in label.nfkd() {
        match c {
            c if c.is_ascii_alphanumeric() => spaced.push(c),
            c if is_combining_mark(c) => {}
            'Œ' => spaced.push_str("OE"),
            'œ' => spaced.push_str("oe"),
            'Æ' => spaced.push_str("AE"),
            'æ' => spaced.push_str("ae"),
            _ => spaced.push(' '),
        }
    }
    let mut objet = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    objet.truncate(100);
    objet.truncate(objet.trim_end().len());
    objet
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_reduced_to_ascii() {
        assert_eq!(
            ascii_label("Facture n°12 — Cantine d'Amélie (été 2026)"),
            "Facture n 12 Cantine d Amelie ete 2026"
        );
        assert_eq!(ascii_label("Œuvre « spéciale »"), "OEuvre speciale");
        let long = ascii_label(&"é".repeat(150));
        assert_eq!(long.len(), 100);
    }

    fn payfip() -> PayFip {
        PayFip::new(
            "090909",
            'T',
            "http://127.0.0.1:9/ws",
            "http://127.0.0.1:9/pay",
        )
        .unwrap()
    }

    const ID: &str = "cc0cb210-1cd4-11ea-8cca-0213ad91a103";
    const DETAIL: &str = "recupererDetailPaiementSecurise";

    fn detail(resultrans: &str, numcli: &str, saisie: &str) -> Result<xml::Body, PaymentError> {
        let xml = xml::envelope(
            "recupererDetailPaiementSecuriseResponse",
            "return",
            &[
                ("dattrans", "12122019"),
                ("exer", "20"),
                ("heurtrans", "1311"),
                ("idOp", ID),
                ("mel", "john.doe@example.com"),
                ("montant", "1000"),
                ("numauto", "112233445566-tip"),
                ("numcli", numcli),
                ("objet", "coucou"),
                ("refdet", "EFEFAEFG"),
                ("resultrans", resultrans),
                ("saisie", saisie),
            ],
        );
        read_answer(DETAIL, reqwest::StatusCode::OK, &xml)
    }

    fn fault(code: &str, libelle: &str) -> Result<xml::Body, PaymentError> {
        read_answer(
            DETAIL,
            reqwest::StatusCode::INTERNAL_SERVER_ERROR,
            &xml::fault(code, libelle),
        )
    }

    #[test]
    fn a_detail_gives_the_outcome_reference_and_amount() {
        let checked = payfip()
            .read_detail(ID, detail("P", "090909", "T"))
            .unwrap();
        assert_eq!(
            checked,
            Checked {
                reference: "EFEFAEFG".into(),
                amount_cents: 1000,
                outcome: Outcome::Paid,
                provider_reference: "112233445566-tip".into(),
                provider_id: Some(ID.into()),
            }
        );
        let outcome = |r| {
            payfip()
                .read_detail(ID, detail(r, "090909", "T"))
                .unwrap()
                .outcome
        };
        assert_eq!(outcome("R"), Outcome::Refused);
        assert_eq!(outcome("A"), Outcome::Abandoned);
        assert_eq!(outcome("V"), Outcome::Paid);
        assert!(
            payfip()
                .read_detail(ID, detail("Q", "090909", "T"))
                .is_err()
        );
    }

    #[test]
    fn p5_is_pending_and_p1_unknown() {
        let pending = payfip()
            .read_detail(ID, fault("P5", "Résultat de la transaction non connu"))
            .unwrap();
        assert_eq!(pending.outcome, Outcome::Pending);
        assert_eq!(pending.provider_id.as_deref(), Some(ID));
        let unknown = payfip()
            .read_detail(ID, fault("P1", "IdOp incorrect"))
            .unwrap();
        assert_eq!(unknown.outcome, Outcome::Unknown);
    }

    #[test]
    fn other_faults_are_provider_errors_with_code_and_libelle() {
        for (code, libelle) in [
            ("A2", "Adresse mél incorrecte"),
            ("R3", "Le format du paramètre REFDET n'est pas conforme"),
        ] {
            match payfip().read_detail(ID, fault(code, libelle)) {
                Err(PaymentError::Provider {
                    code: c,
                    libelle: l,
                }) => {
                    assert_eq!((c.as_str(), l.as_str()), (code, libelle));
                }
                other => panic!("{code}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_wrong_or_unreadable_answer_is_a_protocol_error() {
        let other = xml::envelope("creerPaiementSecuriseResponse", "return", &[("idOp", ID)]);
        let status = reqwest::StatusCode::OK;
        assert!(matches!(
            read_answer(DETAIL, status, &other),
            Err(PaymentError::Protocol(_))
        ));
        let gateway = reqwest::StatusCode::BAD_GATEWAY;
        assert!(matches!(
            read_answer(DETAIL, gateway, "<html><body>Bad gateway</body></html>"),
            Err(PaymentError::Protocol(_))
        ));
    }

    #[test]
    fn a_detail_for_another_regie_or_mode_is_refused() {
        assert!(matches!(
            payfip().read_detail(ID, detail("P", "111111", "T")),
            Err(PaymentError::Mismatch {
                field: "numcli",
                ..
            })
        ));
        assert!(matches!(
            payfip().read_detail(ID, detail("P", "090909", "W")),
            Err(PaymentError::Mismatch {
                field: "saisie",
                ..
            })
        ));
        assert!(matches!(
            payfip().read_detail(
                "00000000-0000-4000-8000-000000000000",
                detail("P", "090909", "T")
            ),
            Err(PaymentError::Mismatch { field: "idOp", .. })
        ));
    }

    #[test]
    fn config_is_checked() {
        assert!(PayFip::new("12345", 'T', "http://a/", "http://b/").is_err());
        assert!(PayFip::new("123456", 'A', "http://a/", "http://b/").is_err());
        assert!(PayFip::new("123456", 'W', "not a url", "http://b/").is_err());
    }
}

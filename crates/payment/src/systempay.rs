//! Systempay (Lyra's form V2): the family's browser posts a signed form to the bank, and the
//! bank posts a signed notification (IPN) back to the portal. Both are signed with the shop's
//! certificate, one per mode (TEST or PRODUCTION).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::{
    Checked, Departure, Outcome, PaymentError, PaymentProvider, PaymentRequest, check_request,
    field, is_digits, must_equal, parse_cents, required,
};

/// The HMAC-SHA-256 signature of a form or a notification: the values of every `vads_` field,
/// empty ones included, in the order of their names, joined by `+`, followed by `+` and the
/// certificate, which is also the key; in base64.
pub fn signature(fields: &[(String, String)], certificate: &str) -> String {
    let mut signed: Vec<&(String, String)> = fields
        .iter()
        .filter(|(k, _)| k.starts_with("vads_"))
        .collect();
    signed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut data = signed
        .iter()
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join("+");
    data.push('+');
    data.push_str(certificate);
    // HMAC takes keys of any length, so this never fails; an empty signature matches nothing.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(certificate.as_bytes()) else {
        return String::new();
    };
    mac.update(data.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// `fields` followed by their `signature`.
pub(crate) fn signed<'a>(
    fields: impl IntoIterator<Item = (&'a str, String)>,
    certificate: &str,
) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> =
        fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let signature = signature(&fields, certificate);
    fields.push(("signature".to_owned(), signature));
    fields
}

/// Checks the `signature` field of `fields`, in constant time. A repeated field is refused:
/// the signature would then say nothing about the value read.
pub(crate) fn verify(fields: &[(String, String)], certificate: &str) -> Result<(), PaymentError> {
    let mut names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(PaymentError::Protocol(format!("{} repeated", pair[0])));
    }
    let given = required(fields, "signature")?;
    let expected = signature(fields, certificate);
    if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(PaymentError::BadSignature)
    }
}

pub(crate) fn ctx_mode(production: bool) -> &'static str {
    if production { "PRODUCTION" } else { "TEST" }
}

pub struct Systempay {
    site_id: String,
    production: bool,
    certificate: String,
    url: String,
}

impl Systempay {
    /// `certificate` is the one of the mode: the production certificate when `production`.
    pub fn new(
        site_id: impl Into<String>,
        production: bool,
        certificate: impl Into<String>,
        url: impl Into<String>,
    ) -> Result<Self, PaymentError> {
        let site_id = site_id.into();
        let certificate = certificate.into();
        if !is_digits(&site_id, 8) {
            return Err(PaymentError::InvalidConfig(format!(
                "Systempay site id {site_id:?} is not 8 digits"
            )));
        }
        if certificate.is_empty() {
            return Err(PaymentError::InvalidConfig(
                "empty Systempay certificate".into(),
            ));
        }
        Ok(Self {
            site_id,
            production,
            certificate,
            url: url.into(),
        })
    }

    fn form(&self, req: &PaymentRequest) -> Result<Vec<(String, String)>, PaymentError> {
        check_request(req)?;
        if req.trans_id >= 900_000 {
            return Err(PaymentError::InvalidRequest(format!(
                "trans_id {} is not below 900000",
                req.trans_id
            )));
        }
        let fields = [
            ("vads_action_mode", "INTERACTIVE".to_owned()),
            ("vads_amount", req.amount_cents.to_string()),
            ("vads_ctx_mode", ctx_mode(self.production).to_owned()),
            ("vads_currency", "978".to_owned()),
            ("vads_cust_email", req.email.clone()),
            ("vads_language", "fr".to_owned()),
            ("vads_order_id", req.reference.clone()),
            ("vads_order_info", req.label.clone()),
            ("vads_page_action", "PAYMENT".to_owned()),
            ("vads_payment_config", "SINGLE".to_owned()),
            ("vads_return_mode", "GET".to_owned()),
            ("vads_site_id", self.site_id.clone()),
            (
                "vads_trans_date",
                req.now.strftime("%Y%m%d%H%M%S").to_string(),
            ),
            ("vads_trans_id", format!("{:06}", req.trans_id)),
            ("vads_url_check", req.notify_url.clone()),
            ("vads_url_return", req.return_url.clone()),
            ("vads_version", "V2".to_owned()),
        ];
        Ok(signed(fields, &self.certificate))
    }

    fn check(&self, fields: &[(String, String)]) -> Result<Checked, PaymentError> {
        verify(fields, &self.certificate)?;
        must_equal(
            "vads_site_id",
            required(fields, "vads_site_id")?,
            &self.site_id,
        )?;
        // A test certificate must not settle a production payment, nor the reverse.
        must_equal(
            "vads_ctx_mode",
            required(fields, "vads_ctx_mode")?,
            ctx_mode(self.production),
        )?;
        must_equal("vads_currency", required(fields, "vads_currency")?, "978")?;
        let outcome = match field(fields, "vads_trans_status").unwrap_or_default() {
            "AUTHORISED" | "CAPTURED" | "ACCEPTED" => Outcome::Paid,
            "REFUSED" => Outcome::Refused,
            "ABANDONED" | "CANCELLED" => Outcome::Abandoned,
            "AUTHORISED_TO_VALIDATE"
            | "WAITING_AUTHORISATION"
            | "WAITING_AUTHORISATION_TO_VALIDATE"
            | "UNDER_VERIFICATION"
            | "INITIAL" => Outcome::Pending,
            "EXPIRED" | "NOT_CREATED" => Outcome::Unknown,
            // Without a status, the result code says it; any other code is a failed payment.
            "" => match required(fields, "vads_result")? {
                "00" => Outcome::Paid,
                "17" => Outcome::Abandoned,
                _ => Outcome::Refused,
            },
            other => {
                return Err(PaymentError::Protocol(format!(
                    "vads_trans_status {other:?}"
                )));
            }
        };
        Ok(Checked {
            reference: required(fields, "vads_order_id")?.to_owned(),
            amount_cents: parse_cents(required(fields, "vads_amount")?)?,
            outcome,
            provider_reference: field(fields, "vads_trans_uuid")
                .unwrap_or_default()
                .to_owned(),
            provider_id: None,
        })
    }
}

impl PaymentProvider for Systempay {
    async fn start(&self, req: &PaymentRequest) -> Result<Departure, PaymentError> {
        Ok(Departure::Form {
            action: self.url.clone(),
            fields: self.form(req)?,
        })
    }

    async fn confirm(&self, notification: &[(String, String)]) -> Result<Checked, PaymentError> {
        self.check(notification)
    }

    /// The form V2 offers no status query: Lyra's web-service needs credentials of its own
    /// that a régie does not get with the form. Lost notifications are replayed from
    /// Systempay's back office.
    async fn status(&self, _provider_id: &str) -> Result<Option<Checked>, PaymentError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const CERTIFICATE: &str = "1122334455667788";

    // The notes' response vector cannot be replayed: its vads_payment_certificate is cut.
    #[test]
    fn request_vector_of_the_notes() {
        let fields = owned(&[
            ("vads_version", "V2"),
            ("vads_page_action", "PAYMENT"),
            ("vads_action_mode", "INTERACTIVE"),
            ("vads_payment_config", "SINGLE"),
            ("vads_site_id", "12345678"),
            ("vads_ctx_mode", "TEST"),
            ("vads_trans_id", "654321"),
            ("vads_trans_date", "20090501193530"),
            ("vads_amount", "1524"),
            ("vads_currency", "978"),
            ("vads_cust_first_name", "Jean Michél"),
            ("vads_cust_last_name", "Mihaï"),
        ]);
        assert_eq!(
            signature(&fields, CERTIFICATE),
            "aHrJ7IzSGFa4pcYA8kh99+M/xBzoQ4Odnu3f4BUrpIA="
        );
    }

    fn ipn(ctx_mode: &str, status: &str, certificate: &str) -> Vec<(String, String)> {
        signed(
            [
                ("vads_amount", "1042"),
                ("vads_auth_result", "00"),
                ("vads_ctx_mode", ctx_mode),
                ("vads_currency", "978"),
                ("vads_order_id", "F2026000123A1"),
                ("vads_result", "00"),
                ("vads_site_id", "70168983"),
                ("vads_trans_date", "20161013101355"),
                ("vads_trans_id", "226787"),
                ("vads_trans_status", status),
                ("vads_trans_uuid", "4b5053b3b1fe4b02a07753e7a"),
                ("other", "not signed"),
            ]
            .map(|(k, v)| (k, v.to_owned())),
            certificate,
        )
    }

    fn shop(production: bool, certificate: &str) -> Systempay {
        Systempay::new(
            "70168983",
            production,
            certificate,
            "http://127.0.0.1:9/vads-payment/",
        )
        .unwrap()
    }

    #[test]
    fn a_signed_notification_is_read() {
        let checked = shop(false, CERTIFICATE)
            .check(&ipn("TEST", "AUTHORISED", CERTIFICATE))
            .unwrap();
        assert_eq!(
            checked,
            Checked {
                reference: "F2026000123A1".into(),
                amount_cents: 1042,
                outcome: Outcome::Paid,
                provider_reference: "4b5053b3b1fe4b02a07753e7a".into(),
                provider_id: None,
            }
        );
        let outcome = |status| shop(false, CERTIFICATE).check(&ipn("TEST", status, CERTIFICATE));
        assert_eq!(outcome("REFUSED").unwrap().outcome, Outcome::Refused);
        assert_eq!(outcome("ABANDONED").unwrap().outcome, Outcome::Abandoned);
        assert!(matches!(
            outcome("SOMETHING_NEW"),
            Err(PaymentError::Protocol(_))
        ));
    }

    #[test]
    fn a_tampered_amount_breaks_the_signature() {
        let mut fields = ipn("TEST", "AUTHORISED", CERTIFICATE);
        fields[0].1 = "1".into();
        assert!(matches!(
            shop(false, CERTIFICATE).check(&fields),
            Err(PaymentError::BadSignature)
        ));
    }

    #[test]
    fn a_repeated_field_is_refused() {
        let mut fields = ipn("TEST", "AUTHORISED", CERTIFICATE);
        fields.push(("vads_amount".into(), "1".into()));
        assert!(shop(false, CERTIFICATE).check(&fields).is_err());
    }

    #[test]
    fn test_and_production_do_not_mix() {
        // A production message signed with the test certificate, read with the test set-up.
        let forged = ipn("PRODUCTION", "AUTHORISED", CERTIFICATE);
        assert!(matches!(
            shop(false, CERTIFICATE).check(&forged),
            Err(PaymentError::Mismatch {
                field: "vads_ctx_mode",
                ..
            })
        ));
        // The production set-up has its own certificate: the test one does not verify.
        assert!(matches!(
            shop(true, "9988776655443322").check(&forged),
            Err(PaymentError::BadSignature)
        ));
        let test = ipn("TEST", "AUTHORISED", "9988776655443322");
        assert!(matches!(
            shop(true, "9988776655443322").check(&test),
            Err(PaymentError::Mismatch {
                field: "vads_ctx_mode",
                ..
            })
        ));
    }

    #[test]
    fn another_shop_is_refused() {
        let fields = ipn("TEST", "AUTHORISED", CERTIFICATE);
        let other = Systempay::new("11111111", false, CERTIFICATE, "http://x/").unwrap();
        assert!(matches!(
            other.check(&fields),
            Err(PaymentError::Mismatch {
                field: "vads_site_id",
                ..
            })
        ));
    }

    #[test]
    fn the_form_is_signed_and_dated_in_utc() {
        let req = PaymentRequest {
            reference: "F2026000123A1".into(),
            amount_cents: 4250,
            email: "famille@example.org".into(),
            label: "Cantine d'octobre".into(),
            notify_url: "https://portail.example/paiement/notification".into(),
            return_url: "https://portail.example/paiement/retour".into(),
            year: 2026,
            trans_id: 42,
            now: "2026-10-05T23:30:15+02:00".parse().unwrap(),
        };
        let fields = shop(false, CERTIFICATE).form(&req).unwrap();
        let get = |name| field(&fields, name).unwrap();
        assert_eq!(get("vads_trans_date"), "20261005213015");
        assert_eq!(get("vads_trans_id"), "000042");
        assert_eq!(get("vads_amount"), "4250");
        assert_eq!(get("vads_url_check"), req.notify_url);
        verify(&fields, CERTIFICATE).unwrap();
        assert!(
            shop(false, CERTIFICATE)
                .form(&PaymentRequest {
                    trans_id: 900_000,
                    ..req
                })
                .is_err()
        );
    }
}

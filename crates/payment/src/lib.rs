//! Online payment for the portal: the DGFiP's PayFiP Régie web-service and Lyra's Systempay
//! form, behind one trait so that each structure's régie can use either, and a simulated bank
//! speaking both protocols for the demo and the tests.
//!
//! The portal never trusts what the browser brings back: a payment is settled only from a
//! signed Systempay notification or from PayFiP's own answer to a server-to-server query.

mod http;
mod payfip;
pub mod simulated;
mod systempay;

use std::fmt;
use std::future::Future;

pub use payfip::PayFip;
pub use systempay::{Systempay, signature};

/// One payment attempt, as the portal asks a provider to start it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// Our reference (PayFiP `refdet`, Systempay `vads_order_id`): 6 to 30 `[A-Za-z0-9]`,
    /// unique per attempt.
    pub reference: String,
    pub amount_cents: i64,
    pub email: String,
    /// Free French text; PayFiP gets it reduced to ASCII letters, digits and spaces.
    pub label: String,
    /// Where the provider's server-to-server notification goes.
    pub notify_url: String,
    /// Where the family's browser comes back to.
    pub return_url: String,
    /// PayFiP `exer`.
    pub year: i16,
    /// Systempay `vads_trans_id`, below 900000 (numbers from 9 on are the back office's).
    pub trans_id: u32,
    pub now: jiff::Timestamp,
}

/// How the family's browser goes to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Departure {
    /// PayFiP: the payment page of the operation just created; `provider_id` is its idOp.
    Redirect {
        url: String,
        provider_id: Option<String>,
    },
    /// Systempay: a signed form that the portal renders with a visible submit button.
    Form {
        action: String,
        fields: Vec<(String, String)>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Paid,
    Refused,
    Abandoned,
    /// The family has not finished yet.
    Pending,
    /// The provider does not know the operation, or no longer does (expired, purged).
    Unknown,
}

/// What a verified notification or a status query says about one attempt.
///
/// When PayFiP answers a query with "not finished" (P5) or "unknown" (P1) it says nothing
/// else: `reference` is then empty and `amount_cents` zero, and the attempt is to be found by
/// `provider_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub reference: String,
    pub amount_cents: i64,
    pub outcome: Outcome,
    /// For the receipt: PayFiP's authorisation number, Systempay's transaction uuid.
    pub provider_reference: String,
    pub provider_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("invalid payment configuration: {0}")]
    InvalidConfig(String),
    #[error("invalid payment request: {0}")]
    InvalidRequest(String),
    #[error("payment provider unreachable: {0}")]
    Network(#[from] reqwest::Error),
    #[error("unexpected message from the payment provider: {0}")]
    Protocol(String),
    #[error("bad signature on a payment notification")]
    BadSignature,
    #[error("{field} does not match the configuration: expected {expected:?}, got {got:?}")]
    Mismatch {
        field: &'static str,
        expected: String,
        got: String,
    },
    #[error("payment provider fault {code}: {libelle}")]
    Provider { code: String, libelle: String },
}

/// A payment provider as the portal drives it.
pub trait PaymentProvider {
    fn start(
        &self,
        req: &PaymentRequest,
    ) -> impl Future<Output = Result<Departure, PaymentError>> + Send;

    /// Reads a notification (its body or query fields) and says what it proves.
    fn confirm(
        &self,
        notification: &[(String, String)],
    ) -> impl Future<Output = Result<Checked, PaymentError>> + Send;

    /// Asks the provider, server to server, where an attempt stands; `None` when the provider
    /// offers no such query.
    fn status(
        &self,
        provider_id: &str,
    ) -> impl Future<Output = Result<Option<Checked>, PaymentError>> + Send;
}

/// A régie's provider settings.
#[derive(Clone, PartialEq, Eq)]
pub enum ProviderConfig {
    PayFip {
        numcli: String,
        /// T (test), X (activation) or W (production).
        saisie: char,
        /// The SOAP endpoint, `https://www.payfip.gouv.fr/tpa/services/securite`.
        ws_url: String,
        /// The payment page, `https://www.payfip.gouv.fr/tpa/paiementws.web`.
        pay_url: String,
    },
    Systempay {
        site_id: String,
        production: bool,
        certificate: String,
        /// `https://paiement.systempay.fr/vads-payment/`.
        url: String,
    },
}

// The certificate is a signing secret: keep it out of logs.
impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PayFip {
                numcli,
                saisie,
                ws_url,
                pay_url,
            } => f
                .debug_struct("PayFip")
                .field("numcli", numcli)
                .field("saisie", saisie)
                .field("ws_url", ws_url)
                .field("pay_url", pay_url)
                .finish(),
            Self::Systempay {
                site_id,
                production,
                url,
                ..
            } => f
                .debug_struct("Systempay")
                .field("site_id", site_id)
                .field("production", production)
                .field("url", url)
                .finish_non_exhaustive(),
        }
    }
}

/// The provider of one régie, whichever it is.
pub enum Regie {
    PayFip(PayFip),
    Systempay(Systempay),
}

impl Regie {
    pub fn new(config: ProviderConfig) -> Result<Self, PaymentError> {
        Ok(match config {
            ProviderConfig::PayFip {
                numcli,
                saisie,
                ws_url,
                pay_url,
            } => Self::PayFip(PayFip::new(numcli, saisie, &ws_url, &pay_url)?),
            ProviderConfig::Systempay {
                site_id,
                production,
                certificate,
                url,
            } => Self::Systempay(Systempay::new(site_id, production, certificate, url)?),
        })
    }
}

impl PaymentProvider for Regie {
    async fn start(&self, req: &PaymentRequest) -> Result<Departure, PaymentError> {
        match self {
            Self::PayFip(p) => p.start(req).await,
            Self::Systempay(s) => s.start(req).await,
        }
    }

    async fn confirm(&self, notification: &[(String, String)]) -> Result<Checked, PaymentError> {
        match self {
            Self::PayFip(p) => p.confirm(notification).await,
            Self::Systempay(s) => s.confirm(notification).await,
        }
    }

    async fn status(&self, provider_id: &str) -> Result<Option<Checked>, PaymentError> {
        match self {
            Self::PayFip(p) => p.status(provider_id).await,
            Self::Systempay(s) => s.status(provider_id).await,
        }
    }
}

/// The reference rule both providers accept: PayFiP's `refdet` is the stricter one.
fn is_reference(s: &str) -> bool {
    (6..=30).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn check_request(req: &PaymentRequest) -> Result<(), PaymentError> {
    if !is_reference(&req.reference) {
        return Err(PaymentError::InvalidRequest(format!(
            "reference {:?} is not 6 to 30 letters or digits",
            req.reference
        )));
    }
    if req.amount_cents <= 0 {
        return Err(PaymentError::InvalidRequest(format!(
            "amount {} is not positive",
            req.amount_cents
        )));
    }
    Ok(())
}

/// The value of a field of a notification or a form, when it is there exactly once.
fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let mut values = fields.iter().filter(|(k, _)| k == name);
    match (values.next(), values.next()) {
        (Some((_, v)), None) => Some(v),
        _ => None,
    }
}

fn required<'a>(fields: &'a [(String, String)], name: &str) -> Result<&'a str, PaymentError> {
    field(fields, name).ok_or_else(|| PaymentError::Protocol(format!("{name} missing or repeated")))
}

/// A field of a provider's message must say what our configuration says.
fn must_equal(field: &'static str, got: &str, expected: &str) -> Result<(), PaymentError> {
    if got == expected {
        Ok(())
    } else {
        Err(PaymentError::Mismatch {
            field,
            expected: expected.to_owned(),
            got: got.to_owned(),
        })
    }
}

fn parse_cents(s: &str) -> Result<i64, PaymentError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PaymentError::Protocol(format!(
            "amount {s:?} is not a number of cents"
        )));
    }
    s.parse()
        .map_err(|_| PaymentError::Protocol(format!("amount {s:?} is out of range")))
}

fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

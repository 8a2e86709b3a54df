//! The HTTP client of the PayFiP calls and of the simulated bank's notifications.
//!
//! TLS goes through rustls with the ring provider and the system's trust store, given to
//! reqwest ready-made so that no process-wide crypto provider is needed.

use std::sync::Arc;
use std::time::Duration;

use rustls_platform_verifier::BuilderVerifierExt;

use crate::PaymentError;

pub(crate) fn client() -> Result<reqwest::Client, PaymentError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map_err(|e| PaymentError::InvalidConfig(format!("TLS set-up: {e}")))?
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        // A provider that hangs must not hold a family's request (or a notification) for long.
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        // Neither a SOAP answer nor a notification receipt has any business redirecting.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(PaymentError::Network)
}

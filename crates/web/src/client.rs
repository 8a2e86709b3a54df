use std::{convert::Infallible, net::SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};

/// The client's network address, for throttling logins per address. Behind a reverse
/// proxy every request comes from the proxy: the proxy must then pass requests from a
/// distinct address per client (e.g. PROXY protocol) or throttling falls back to accounts.
pub(crate) struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(
                || "inconnue".to_owned(),
                |ConnectInfo(addr)| addr.ip().to_string(),
            );
        Ok(ClientAddress(address))
    }
}

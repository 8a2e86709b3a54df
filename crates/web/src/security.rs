use axum::{
    extract::State,
    http::{HeaderName, HeaderValue, header},
    response::Response,
};

/// Script only from our own files (no inline script), no framing, no plugins; forms post
/// only to us. Pages that must leave for a payment site widen `form-action` themselves.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
     object-src 'none'";

/// The policy of a page whose form leaves for a payment site at `origin` (or whose form's
/// answer redirects there: browsers check redirects against `form-action` too).
pub(crate) fn csp_with_form_action(origin: &str) -> String {
    CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {origin}"),
    )
}

/// Whether the portal is served over HTTPS (from its public URL), which turns on HSTS.
#[derive(Clone, Copy)]
pub(crate) struct Https(pub bool);

/// Security headers on every response; a handler that set its own value (a stricter CSP
/// for a download, say) keeps it.
pub(crate) async fn add_headers(
    State(Https(https)): State<Https>,
    mut response: Response,
) -> Response {
    let headers = response.headers_mut();
    let defaults = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        // Nearly every page shows someone's data (a family's, a child's health, a password
        // just generated): none is kept by a browser's history or a shared computer's
        // cache unless it says otherwise, as the static files do.
        (header::CACHE_CONTROL, "no-store"),
    ];
    for (name, value) in defaults {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    if https {
        headers
            .entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static(
                "max-age=31536000; includeSubDomains",
            ));
    }
    response
}

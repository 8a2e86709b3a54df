//! The simulated bank's pages: the card page and short messages, in French, without script,
//! under a Content-Security-Policy of their own.

use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use quick_xml::escape::escape;
use sha2::{Digest, Sha256};

const STYLE: &str = "\
body{margin:0;font-family:system-ui,sans-serif;font-size:1.0625rem;line-height:1.5;color:#1a1a1a;background:#fff}\
main{max-width:36rem;margin:0 auto;padding:1.5rem 1rem}\
h1{font-size:1.5rem;margin:0 0 1rem}\
.notice{border-left:.375rem solid #8a4b00;background:#fff4e5;padding:.75rem 1rem}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}\
dt{font-weight:700}\
dd{margin:0;overflow-wrap:anywhere}\
.choices{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.5rem}\
button{font:inherit;padding:.625rem 1.25rem;border:2px solid #1a1a1a;border-radius:.25rem;background:#fff;color:#1a1a1a;cursor:pointer}\
button:hover{text-decoration:underline}\
button:focus-visible{outline:3px solid #1d4ed8;outline-offset:3px}\
.pay{background:#14532d;border-color:#14532d;color:#fff}\
.refuse{color:#9b1c1c;border-color:#9b1c1c}";

/// The inline stylesheet is allowed by its hash: the page then needs no other resource and
/// shows the same wherever the bank is mounted.
static STYLE_SOURCE: LazyLock<String> =
    LazyLock::new(|| format!("'sha256-{}'", BASE64.encode(Sha256::digest(STYLE))));

/// What the card page shows and where its form goes.
pub(super) struct Card<'a> {
    pub(super) merchant: String,
    pub(super) label: &'a str,
    pub(super) reference: &'a str,
    pub(super) amount_cents: i64,
    pub(super) operation: &'a str,
    pub(super) action: String,
    /// The portal's return URL: the choice is answered with a redirect there, which the
    /// browser checks against `form-action` too.
    pub(super) return_url: Option<&'a str>,
}

pub(super) fn card(card: &Card<'_>) -> Response {
    let amount = euros(card.amount_cents);
    let label = if card.label.is_empty() {
        "—"
    } else {
        card.label
    };
    let content = format!(
        r#"<p class="notice">Ceci est une banque simulée, pour la démonstration et les essais : aucune carte bancaire n'est demandée et aucun argent n'est débité.</p>
<dl>
<dt>Bénéficiaire</dt><dd>{merchant}</dd>
<dt>Objet</dt><dd>{label}</dd>
<dt>Référence</dt><dd>{reference}</dd>
<dt>Montant</dt><dd>{amount}</dd>
</dl>
<form method="post" action="{action}">
<input type="hidden" name="operation" value="{operation}">
<div class="choices">
<button type="submit" name="choix" value="payer" class="pay">Payer</button>
<button type="submit" name="choix" value="refuser" class="refuse">Refuser le paiement</button>
<button type="submit" name="choix" value="abandonner">Abandonner</button>
</div>
</form>"#,
        merchant = escape(&card.merchant),
        label = escape(label),
        reference = escape(card.reference),
        action = escape(&card.action),
        operation = escape(card.operation),
    );
    let return_origin = card
        .return_url
        .and_then(|url| reqwest::Url::parse(url).ok())
        .map(|url| url.origin().ascii_serialization())
        .filter(|origin| origin.starts_with("http"));
    let form_action = match return_origin {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_owned(),
    };
    respond(
        StatusCode::OK,
        &format!("Paiement de {amount}"),
        "Paiement par carte bancaire",
        &content,
        &form_action,
    )
}

pub(super) fn message(status: StatusCode, title: &str, text: &str) -> Response {
    respond(
        status,
        title,
        title,
        &format!("<p>{}</p>", escape(text)),
        "'none'",
    )
}

fn respond(
    status: StatusCode,
    title: &str,
    heading: &str,
    content: &str,
    form_action: &str,
) -> Response {
    let html = format!(
        r#"<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – Banque simulée</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>{heading}</h1>
{content}
</main>
</body>
</html>
"#,
        title = escape(title),
        heading = escape(heading),
    );
    let csp = format!(
        "default-src 'none'; style-src {}; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'",
        *STYLE_SOURCE
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `1234` → `12,34 €`, with a no-break space.
fn euros(cents: i64) -> String {
    format!("{},{:02}\u{a0}€", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_the_french_way() {
        assert_eq!(euros(1234), "12,34\u{a0}€");
        assert_eq!(euros(5), "0,05\u{a0}€");
    }
}

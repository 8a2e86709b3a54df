//! Static files compiled into the binary. Their URLs carry a hash of their content, so
//! browsers may keep them for a year and still get a new version the moment it changes.

use std::sync::LazyLock;

use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use crate::{AppState, error::AppError};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../static/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/app.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../static/favicon.svg"),
    },
];

static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = Sha256::new();
    for asset in ASSETS {
        hasher.update(asset.name.as_bytes());
        hasher.update(asset.body);
    }
    hasher
        .finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
});

/// The URL of a static file, for templates.
pub(crate) fn url(name: &str) -> String {
    format!("/static/{}/{name}", *VERSION)
}

pub(crate) async fn serve(Path((version, name)): Path<(String, String)>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return crate::error::not_found().await;
    };
    // An old version asked by a page still open in a browser gets today's file, uncached.
    let cache = if version == *VERSION {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        asset.body,
    )
        .into_response()
}

/// The structure's accent colour as a tiny stylesheet, so that no inline style is needed
/// (the CSP forbids them).
pub(crate) async fn theme(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let slug = file.strip_suffix(".css").ok_or(AppError::NotFound)?;
    let structure = ribambelle_usecases::structures::by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let accent = if is_hex_colour(&structure.accent_color) {
        structure.accent_color
    } else {
        "#1f5f9e".to_owned()
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        format!(":root {{ --accent: {accent}; }}\n"),
    )
        .into_response())
}

fn is_hex_colour(value: &str) -> bool {
    value.len() == 7 && value.starts_with('#') && value[1..].chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_hex_colours_reach_the_stylesheet() {
        assert!(is_hex_colour("#1f5f9e"));
        assert!(!is_hex_colour("red"));
        assert!(!is_hex_colour("#1f5f9e; } body { display:none"));
        assert!(!is_hex_colour("#12345g"));
    }

    #[test]
    fn asset_urls_carry_the_content_version() {
        assert_eq!(url("app.css"), format!("/static/{}/app.css", *VERSION));
        assert_eq!(VERSION.len(), 12);
    }
}

//! The waiting page of a login that found the password queue full. What the family typed is
//! kept a few minutes in this process's memory under a ticket whose only copy is a cookie;
//! the page asks the browser to come back by itself (a `Refresh` header, no JavaScript
//! needed) to an address that carries nothing typed, and the login is tried again there.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use ribambelle_usecases::{sessions::new_token, structures};

use super::login::{Audience, LoginForm, sign_in};
use crate::{
    AppState, client::ClientAddress, error::AppError, layout::Layout, session::MaybeSession,
};

/// A ticket lives long enough for a few rounds of waiting.
const TICKET_LIFETIME: Duration = Duration::from_secs(300);
/// At most this many logins are held: a town's opening, with room to spare; past it the
/// oldest tickets go first.
const TICKETS_HELD: usize = 20_000;

/// What a family typed, until its turn comes.
struct Pending {
    audience: Audience,
    form: LoginForm,
    until: Instant,
}

#[derive(Default)]
pub(crate) struct WaitingLogins {
    pending: Mutex<HashMap<String, Pending>>,
}

impl std::fmt::Debug for WaitingLogins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WaitingLogins")
    }
}

impl WaitingLogins {
    fn hold(&self, ticket: String, audience: Audience, form: LoginForm) {
        let now = Instant::now();
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        pending.retain(|_, p| p.until > now);
        if pending.len() >= TICKETS_HELD
            && let Some(oldest) = pending
                .iter()
                .min_by_key(|(_, p)| p.until)
                .map(|(t, _)| t.clone())
        {
            pending.remove(&oldest);
        }
        pending.insert(
            ticket,
            Pending {
                audience,
                form,
                until: now + TICKET_LIFETIME,
            },
        );
    }

    fn take(&self, ticket: &str) -> Option<(Audience, LoginForm)> {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        pending
            .remove(ticket)
            .filter(|p| p.until > Instant::now())
            .map(|p| (p.audience, p.form))
    }
}

/// The ticket's cookie, with the same `__Host-` prefix as the session's over HTTPS.
fn cookie_name(state: &AppState) -> &'static str {
    if state.config.https() {
        "__Host-attente-connexion"
    } else {
        "attente-connexion"
    }
}

#[derive(Template)]
#[template(path = "auth/file-attente.html")]
struct WaitingPage {
    layout: Layout,
    retry_url: &'static str,
    seconds: u64,
}

impl Audience {
    fn waiting_url(self) -> &'static str {
        match self {
            Audience::Family => "/connexion/attente",
            Audience::Staff => "/gestion/connexion/attente",
        }
    }

    /// The login page, telling that the held login is no longer there.
    fn expired_url(self) -> &'static str {
        match self {
            Audience::Family => "/connexion?attente=terminee",
            Audience::Staff => "/gestion/connexion?attente=terminee",
        }
    }
}

/// Holds the login and answers with the waiting page. No hash has been computed.
pub(crate) async fn queue(
    state: &AppState,
    audience: Audience,
    form: LoginForm,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let ticket = new_token()?;
    // Between 3 and 7 seconds, drawn from the ticket, so that the families turned away in
    // the same second do not all come back in the same second.
    let seconds = 3 + u64::from(ticket.as_bytes()[0]) % 5;
    let cookie = Cookie::build((cookie_name(state), ticket.clone()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.https())
        .build();
    state.waiting_logins.hold(ticket, audience, form);
    let retry_url = audience.waiting_url();
    let structure = structures::home(&state.db).await?;
    let page = WaitingPage {
        layout: Layout::new("Connexion en attente", structure),
        retry_url,
        seconds,
    };
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        jar.add(cookie),
        Html(page.render()?),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    if let Ok(refresh) = HeaderValue::from_str(&format!("{seconds}; url={retry_url}")) {
        headers.insert(header::REFRESH, refresh);
    }
    Ok(response)
}

/// The browser is back: the held login is tried again (and may wait again).
async fn resume(
    state: AppState,
    audience: Audience,
    address: String,
    previous: MaybeSession,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let name = cookie_name(&state);
    let held = jar
        .get(name)
        .and_then(|c| state.waiting_logins.take(c.value()));
    let jar = jar.remove(Cookie::build(name).path("/").secure(state.config.https()));
    match held {
        Some((held_for, form)) if held_for == audience => {
            sign_in(&state, audience, &address, previous.0, jar, form).await
        }
        _ => Ok((jar, Redirect::to(audience.expired_url())).into_response()),
    }
}

pub(crate) async fn family(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    previous: MaybeSession,
    jar: CookieJar,
) -> Result<Response, AppError> {
    resume(state, Audience::Family, address, previous, jar).await
}

pub(crate) async fn staff(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    previous: MaybeSession,
    jar: CookieJar,
) -> Result<Response, AppError> {
    resume(state, Audience::Staff, address, previous, jar).await
}

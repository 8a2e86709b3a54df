use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use ribambelle_usecases::{
    accounts,
    sessions::{self, Principal, Session},
    structures,
};
use serde::Deserialize;

use super::{LoginRefusal, authenticate};
use crate::{
    AppState,
    client::ClientAddress,
    error::AppError,
    forms::{FormErrors, FrenchForm, SignOut},
    layout::Layout,
    session::{MaybeSession, removal_cookie, session_cookie},
};

#[derive(Template)]
#[template(path = "connexion.html")]
pub(crate) struct LoginPage {
    pub layout: Layout,
    pub heading: &'static str,
    pub intro: String,
    pub action: &'static str,
    pub show_reset_link: bool,
    pub identifiant: String,
    pub errors: FormErrors,
    pub error: Option<String>,
    pub notice: Option<&'static str>,
}

/// Who a login form is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Audience {
    Family,
    Staff,
}

impl From<Audience> for accounts::Audience {
    fn from(audience: Audience) -> accounts::Audience {
        match audience {
            Audience::Family => accounts::Audience::Family,
            Audience::Staff => accounts::Audience::Staff,
        }
    }
}

impl Audience {
    pub async fn page(self, state: &AppState) -> Result<LoginPage, AppError> {
        let structure = structures::home(&state.db).await?;
        let (heading, intro, action, show_reset_link) = match self {
            Audience::Family => (
                "Connexion au Portail Famille",
                "Saisissez l'identifiant et le mot de passe qui vous ont été fournis par la collectivité.".to_owned(),
                "/connexion",
                true,
            ),
            Audience::Staff => (
                "Connexion à l'espace de gestion",
                "Espace réservé au personnel de la structure.".to_owned(),
                "/gestion/connexion",
                false,
            ),
        };
        Ok(LoginPage {
            layout: Layout::new("Connexion", structure),
            heading,
            intro,
            action,
            show_reset_link,
            identifiant: String::new(),
            errors: FormErrors::default(),
            error: None,
            notice: None,
        })
    }
}

#[derive(Deserialize)]
pub(crate) struct LoginNotice {
    #[serde(default)]
    deconnecte: Option<String>,
    /// Back from the waiting page after the held login was forgotten.
    #[serde(default)]
    attente: Option<String>,
}

impl LoginNotice {
    pub fn text(&self) -> Option<&'static str> {
        if self.attente.is_some() {
            Some(
                "L'attente est terminée : saisissez à nouveau votre mot de passe pour vous connecter.",
            )
        } else if self.deconnecte.is_some() {
            Some("Vous êtes déconnecté. À bientôt !")
        } else {
            None
        }
    }
}

pub(crate) async fn home(MaybeSession(session): MaybeSession) -> Response {
    let target = match session.map(|s| s.principal) {
        Some(Principal::Family(_)) => "/accueil",
        Some(Principal::Staff(_)) => "/gestion",
        None => "/connexion",
    };
    Redirect::to(target).into_response()
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Query(notice): Query<LoginNotice>,
) -> Result<Html<String>, AppError> {
    let mut page = Audience::Family.page(&state).await?;
    page.notice = notice.text();
    Ok(Html(page.render()?))
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    pub identifiant: String,
    #[serde(default)]
    pub mot_de_passe: String,
}

/// Checks the form, then the credentials of `audience`; on success opens a new session
/// (a fresh id, the old one ended) and answers with the cookie.
pub(crate) async fn sign_in(
    state: &AppState,
    audience: Audience,
    address: &str,
    previous: Option<Session>,
    jar: CookieJar,
    form: LoginForm,
) -> Result<Response, AppError> {
    let mut errors = FormErrors::default();
    errors.require("identifiant", &form.identifiant, "votre identifiant", 100);
    errors.require(
        "mot_de_passe",
        &form.mot_de_passe,
        "votre mot de passe",
        200,
    );
    let mut page = audience.page(state).await?;
    page.identifiant = form.identifiant.chars().take(100).collect();
    if !errors.is_empty() {
        page.errors = errors;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
    }
    let credentials = state
        .passwords()
        .credentials(audience.into(), &form.identifiant)
        .await?;
    let outcome = match authenticate(
        state,
        &form.identifiant,
        &form.mot_de_passe,
        address,
        credentials,
    )
    .await
    {
        // Too many logins at once: the family waits its turn, nothing was checked.
        Err(AppError::Busy) => return super::waiting::queue(state, audience, form, jar).await,
        other => other?,
    };
    let authenticated = match outcome {
        Ok(authenticated) => authenticated,
        Err(refusal) => {
            let status = match refusal {
                LoginRefusal::Wrong => StatusCode::UNAUTHORIZED,
                LoginRefusal::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            };
            page.error = Some(super::refusal_message(refusal, audience));
            return Ok((status, Html(page.render()?)).into_response());
        }
    };
    let credentials = authenticated.credentials;
    if authenticated.needs_rehash {
        state
            .passwords()
            .upgrade(credentials.principal, &form.mot_de_passe)
            .await;
    }
    if let Principal::Staff(staff) = credentials.principal
        && let Some(challenge) =
            accounts::second_factor_challenge(&state.db, staff, state.clock.now()).await?
    {
        // No session before the code: the password alone opens nothing.
        return crate::gestion::second_factor::code_page(state, challenge, None).await;
    }
    open_session(
        state,
        credentials.principal,
        credentials.must_change_password,
        previous,
        jar,
    )
    .await
}

/// Opens a new session (a fresh id, the previous one ended) for an authenticated account
/// and answers with its cookie and the first page to see.
pub(crate) async fn open_session(
    state: &AppState,
    principal: Principal,
    must_change_password: bool,
    previous: Option<Session>,
    jar: CookieJar,
) -> Result<Response, AppError> {
    if let Some(previous) = previous {
        sessions::end(&state.db, &previous).await?;
    }
    let target = match principal {
        Principal::Family(id) => super::next_step(state, id, must_change_password).await?,
        Principal::Staff(_) => "/gestion",
    };
    let token = sessions::open(
        &state.db,
        principal,
        state.clock.now(),
        &state.config.session_policy,
    )
    .await?;
    tracing::info!(account = ?principal, "signed in");
    Ok((jar.add(session_cookie(state, token)), Redirect::to(target)).into_response())
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    MaybeSession(previous): MaybeSession,
    jar: CookieJar,
    FrenchForm(form): FrenchForm<LoginForm>,
) -> Result<Response, AppError> {
    sign_in(&state, Audience::Family, &address, previous, jar, form).await
}

/// Ends the session on the server and clears the cookie.
pub(crate) async fn sign_out(
    state: &AppState,
    jar: CookieJar,
    session: Option<Session>,
    then: &str,
) -> Result<Response, AppError> {
    if let Some(session) = session {
        sessions::end(&state.db, &session).await?;
    }
    Ok((jar.add(removal_cookie(state)), Redirect::to(then)).into_response())
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    SignOut(session): SignOut,
) -> Result<Response, AppError> {
    sign_out(&state, jar, session, "/connexion?deconnecte=1").await
}

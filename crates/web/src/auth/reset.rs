//! « Réinitialiser votre mot de passe »: identifiant and e-mail in, the same answer
//! whether they match or not; a single-use link valid 30 minutes, built from the
//! configured public URL; a notification after the change; no automatic login.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use ribambelle_domain::{emails::parse_email_list, password_policy::PasswordPolicy};
use ribambelle_usecases::{
    accounts::NewMail,
    resets::{self, Requested, ResetLink},
    structures,
};
use serde::Deserialize;

use super::first_login::{NewPasswordForm, check_new_password};
use crate::{
    AppState,
    error::AppError,
    forms::{FormErrors, FrenchForm, InputField},
    layout::Layout,
};

#[derive(Template)]
#[template(path = "auth/mot_de_passe_oublie.html")]
struct RequestPage {
    layout: Layout,
    identifiant: String,
    email: String,
    errors: FormErrors,
    sent: bool,
}

impl RequestPage {
    fn fields(&self) -> Vec<InputField> {
        vec![
            InputField::new(
                "identifiant",
                "Identifiant",
                "text",
                &self.identifiant,
                "username",
            ),
            InputField::new("email", "Adresse e-mail", "email", &self.email, "email"),
        ]
    }
}

async fn layout(state: &AppState, title: &str) -> Result<Layout, AppError> {
    Ok(Layout::new(title, structures::home(&state.db).await?))
}

pub(crate) async fn request_page(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    let page = RequestPage {
        layout: layout(&state, "Réinitialiser votre mot de passe").await?,
        identifiant: String::new(),
        email: String::new(),
        errors: FormErrors::default(),
        sent: false,
    };
    Ok(Html(page.render()?))
}

#[derive(Deserialize)]
pub(crate) struct RequestForm {
    #[serde(default)]
    identifiant: String,
    #[serde(default)]
    email: String,
}

pub(crate) async fn request(
    State(state): State<AppState>,
    FrenchForm(form): FrenchForm<RequestForm>,
) -> Result<Response, AppError> {
    let mut errors = FormErrors::default();
    errors.require("identifiant", &form.identifiant, "votre identifiant", 100);
    if form.email.trim().is_empty() {
        errors.add(
            "email",
            "Saisissez l'adresse e-mail que vous avez fournie à la collectivité.",
        );
    } else if let Err(e) = parse_email_list(form.email.trim()).and_then(|list| {
        if list.len() == 1 {
            Ok(list)
        } else {
            Err(ribambelle_domain::emails::EmailListError::TooMany { max: 1 })
        }
    }) {
        errors.add("email", e.message());
    }
    let mut page = RequestPage {
        layout: layout(&state, "Réinitialiser votre mot de passe").await?,
        identifiant: form.identifiant.chars().take(100).collect(),
        email: form.email.chars().take(254).collect(),
        errors,
        sent: false,
    };
    if !page.errors.is_empty() {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
    }
    // The lookup and the mail happen after the answer, so that a matching and a
    // non-matching request take the same time and tell nothing.
    tokio::spawn(send_link(state.clone(), form.identifiant, form.email));
    page.sent = true;
    Ok(Html(page.render()?).into_response())
}

async fn send_link(state: AppState, identifiant: String, email: String) {
    let result: Result<(), AppError> = async {
        let structure = structures::home(&state.db)
            .await?
            .map_or_else(|| "votre structure".to_owned(), |s| s.name);
        let base = state.config.public_url.clone();
        let to = email.trim().to_owned();
        let requested = resets::request(
            &state.db,
            &identifiant,
            &email,
            state.clock.now(),
            |account, token| reset_mail(&to, &account.identifiant, &structure, &base, token),
        )
        .await?;
        if requested == Requested::Unknown {
            tracing::info!("password reset asked for an unknown identifiant or address");
        }
        Ok(())
    }
    .await;
    if let Err(error) = result {
        tracing::error!(%error, "password reset link not sent");
    }
}

fn reset_mail(
    to: &str,
    identifiant: &str,
    structure: &str,
    base_url: &str,
    token: &str,
) -> NewMail {
    NewMail {
        recipients: vec![to.to_owned()],
        subject: format!("{structure} : réinitialisation de votre mot de passe"),
        body_text: format!(
            "Bonjour,\n\n\
             Une réinitialisation du mot de passe de votre compte « {identifiant} » sur le Portail Famille de {structure} a été demandée.\n\n\
             Pour choisir un nouveau mot de passe, ouvrez ce lien dans les 30 minutes :\n{base_url}/reinitialiser/{token}\n\n\
             Le lien ne sert qu'une fois. Si vous n'êtes pas à l'origine de cette demande, ignorez ce mail : votre mot de passe reste inchangé.\n"
        ),
        body_html: None,
    }
}

pub(crate) fn password_changed_mail(to: &[String], structure: &str) -> Option<NewMail> {
    (!to.is_empty()).then(|| NewMail {
        recipients: to.to_vec(),
        subject: format!("{structure} : votre mot de passe a été modifié"),
        body_text: format!(
            "Bonjour,\n\n\
             Le mot de passe de votre compte sur le Portail Famille de {structure} vient d'être modifié.\n\n\
             Si vous n'êtes pas à l'origine de ce changement, utilisez tout de suite « Réinitialiser votre mot de passe » \
             sur la page de connexion, puis prévenez la structure.\n"
        ),
        body_html: None,
    })
}

#[derive(Template)]
#[template(path = "auth/reinitialiser.html")]
struct ResetPage {
    layout: Layout,
    action: String,
    valid: bool,
    reason: &'static str,
    saved: bool,
    policy: PasswordPolicy,
    rules: Vec<String>,
    errors: FormErrors,
}

impl ResetPage {
    async fn new(state: &AppState, token: &str) -> Result<ResetPage, AppError> {
        Ok(ResetPage {
            layout: layout(state, "Choisir un nouveau mot de passe").await?,
            action: format!("/reinitialiser/{token}"),
            valid: true,
            reason: "",
            saved: false,
            policy: state.config.password_policy,
            rules: state.config.password_policy.rules_text(),
            errors: FormErrors::default(),
        })
    }

    /// The token is in the URL: the page must not leak it to other sites.
    fn respond(self, status: StatusCode) -> Result<Response, AppError> {
        let mut response = (status, Html(self.render()?)).into_response();
        response.headers_mut().insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        Ok(response)
    }
}

fn invalid_reason(link: ResetLink) -> &'static str {
    match link {
        ResetLink::Used => "Il a déjà servi : chaque lien ne sert qu'une fois.",
        ResetLink::Expired => {
            "Il a expiré : un lien est valable 30 minutes, et un nouveau lien remplace le précédent."
        }
        ResetLink::Unknown | ResetLink::Valid { .. } => {
            "Vérifiez que l'adresse a été copiée en entier depuis le mail."
        }
    }
}

pub(crate) async fn link_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let mut page = ResetPage::new(&state, &token).await?;
    let (link, _) = resets::check(&state.db, &token, state.clock.now()).await?;
    if matches!(link, ResetLink::Valid { .. }) {
        return page.respond(StatusCode::OK);
    }
    page.valid = false;
    page.reason = invalid_reason(link);
    page.respond(StatusCode::GONE)
}

pub(crate) async fn complete(
    State(state): State<AppState>,
    Path(token): Path<String>,
    FrenchForm(form): FrenchForm<NewPasswordForm>,
) -> Result<Response, AppError> {
    let mut page = ResetPage::new(&state, &token).await?;
    let now = state.clock.now();
    let (link, account) = resets::check(&state.db, &token, now).await?;
    if !matches!(link, ResetLink::Valid { .. }) {
        page.valid = false;
        page.reason = invalid_reason(link);
        return page.respond(StatusCode::GONE);
    }
    let account = account.ok_or(AppError::NotFound)?;
    let personal = [
        account.identifiant.as_str(),
        account.last_name.as_str(),
        account.first_name.as_str(),
    ];
    let errors = check_new_password(
        &state.config.password_policy,
        &form.nouveau,
        &form.confirmation,
        &personal,
    );
    if !errors.is_empty() {
        page.errors = errors;
        return page.respond(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let structure = structures::home(&state.db)
        .await?
        .map_or_else(|| "votre structure".to_owned(), |s| s.name);
    let changed = resets::complete(&state.passwords(), &token, form.nouveau, now, |emails| {
        password_changed_mail(emails, &structure)
    })
    .await?;
    if changed {
        page.saved = true;
        page.respond(StatusCode::OK)
    } else {
        page.valid = false;
        page.reason = invalid_reason(ResetLink::Used);
        page.respond(StatusCode::GONE)
    }
}

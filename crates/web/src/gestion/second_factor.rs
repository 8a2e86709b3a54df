//! « Sécurité de votre compte » for staff (R-BO-1): the password, and the second factor
//! (ASVS level 2 asks for one on administration interfaces) — one-time codes from an
//! authenticator application; once on, the password alone opens no session, a code must
//! follow.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use jiff::Timestamp;
use qrcode::{QrCode, render::svg};
use ribambelle_domain::{french, second_factor as codes};
use ribambelle_usecases::{
    second_factor::{self, SignInCode},
    sessions::Principal,
    structures,
};
use serde::Deserialize;

use crate::{
    AppState,
    auth::{
        check_current_password,
        first_login::check_new_password,
        login::{Audience, open_session},
    },
    error::AppError,
    forms::{Button, FormErrors, FrenchForm, SignedForm, invalid},
    layout::{Gestion, Layout},
    portal::profile::PasswordForm,
    session::{MaybeSession, Staff},
};

use super::layout;

#[derive(Template)]
#[template(path = "gestion/code.html")]
struct CodePage {
    layout: Layout,
    challenge: String,
    error: Option<String>,
}

/// The page asking for the code, after a right password.
pub(crate) async fn code_page(
    state: &AppState,
    challenge: String,
    error: Option<String>,
) -> Result<Response, AppError> {
    let structure = structures::home(&state.db).await?;
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    let page = CodePage {
        layout: Layout::new("Code de vérification", structure),
        challenge,
        error,
    };
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    defi: String,
    #[serde(default)]
    code: String,
}

/// The code of a sign-in: right, the session opens; wrong, it is asked again a few times,
/// then the sign-in starts over from the password.
pub(crate) async fn submit_code(
    State(state): State<AppState>,
    MaybeSession(previous): MaybeSession,
    jar: CookieJar,
    FrenchForm(form): FrenchForm<CodeForm>,
) -> Result<Response, AppError> {
    let outcome = second_factor::sign_in_code(
        &state.db,
        &form.defi,
        &form.code,
        state.clock.now(),
        codes_refused_mail,
    )
    .await?;
    let again = |error: &str| (StatusCode::UNAUTHORIZED, error.to_owned());
    let (status, error) = match outcome {
        SignInCode::Accepted(staff) => {
            return open_session(&state, Principal::Staff(staff), false, previous, jar).await;
        }
        SignInCode::Wait(wait) => {
            let error = format!(
                "Patientez {} avant de saisir un autre code.",
                french::seconds(wait)
            );
            return code_page(&state, form.defi, Some(error)).await;
        }
        SignInCode::Wrong => {
            let error = "Ce code est incorrect ou a déjà servi. Saisissez le code affiché maintenant par votre application.";
            return code_page(&state, form.defi, Some(error.to_owned())).await;
        }
        SignInCode::Locked => return codes_refused(&state).await,
        SignInCode::Expired => again(
            "La vérification a expiré. Saisissez de nouveau votre identifiant et votre mot de passe.",
        ),
        SignInCode::ChallengeSpent => (
            StatusCode::TOO_MANY_REQUESTS,
            "Trop de codes incorrects. Saisissez de nouveau votre identifiant et votre mot de passe."
                .to_owned(),
        ),
    };
    let mut page = Audience::Staff.page(&state).await?;
    page.error = Some(error);
    Ok((status, Html(page.render()?)).into_response())
}

/// The staff login page, saying that this account's codes are refused for now.
async fn codes_refused(state: &AppState) -> Result<Response, AppError> {
    let mut page = Audience::Staff.page(state).await?;
    page.error = Some(
        "Trop de codes incorrects : les codes de ce compte sont refusés pendant 15 minutes. \
         Vous et l'administrateur en avez été prévenus par mail."
            .to_owned(),
    );
    Ok((StatusCode::TOO_MANY_REQUESTS, Html(page.render()?)).into_response())
}

/// What the staff member and the administrateurs are told when the account's codes are
/// refused: someone may know the password.
fn codes_refused_mail(login: &str, until: Timestamp) -> (String, String) {
    (
        format!("Portail Famille : codes de vérification refusés pour le compte « {login} »"),
        format!(
            "Bonjour,\n\n\
             Trop de codes de vérification incorrects ont été saisis pour le compte « {login} » du Portail Famille, \
             après le bon mot de passe. Les codes de ce compte sont refusés jusqu'à {}.\n\n\
             Si ce n'était pas vous, quelqu'un connaît sans doute ce mot de passe : changez-le dès que possible \
             (« Sécurité de votre compte »), et prévenez l'administrateur du portail.\n",
            crate::layout::format_instant(until)
        ),
    )
}

#[derive(Template)]
#[template(path = "gestion/securite.html")]
struct SecurityPage {
    layout: Layout,
    csrf: String,
    enabled: bool,
    /// While activating: the secret to type, and its QR code (SVG).
    pending: Option<(String, String)>,
    errors: FormErrors,
    notice: Option<&'static str>,
}

impl SecurityPage {
    /// (name, label, autocomplete) of the password form's fields.
    fn password_fields(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        vec![
            ("actuel", "Mot de passe actuel", "current-password"),
            ("nouveau", "Nouveau mot de passe", "new-password"),
            (
                "confirmation",
                "Confirmation du nouveau mot de passe",
                "new-password",
            ),
        ]
    }

    /// The secret in groups of four, as it is easier to copy.
    fn grouped(&self, secret: &str) -> String {
        secret
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    fait: Option<String>,
}

async fn render(
    state: &AppState,
    staff: &Staff,
    errors: FormErrors,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    let factor = second_factor::of(&state.db, staff.id()).await?;
    let pending = match (&factor.secret, factor.enabled_at) {
        (Some(secret), None) => {
            let url = codes::otpauth_url(secret, "Ribambelle", &staff.account.login)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let image =
                QrCode::new(url.as_bytes()).map_err(|e| AppError::Internal(e.to_string()))?;
            let svg = image
                .render::<svg::Color<'_>>()
                .min_dimensions(200, 200)
                .build();
            // The document declaration is for files: inside a page only the element counts.
            let svg = svg
                .find("<svg")
                .map_or(svg.clone(), |at| svg[at..].to_owned());
            Some((secret.clone(), svg))
        }
        _ => None,
    };
    let page = SecurityPage {
        layout: layout(
            state,
            staff,
            Gestion::Tableau,
            "Sécurité de votre compte",
            "/gestion/securite",
        )
        .await?,
        csrf: staff.session.csrf_token.clone(),
        enabled: factor.enabled_at.is_some(),
        pending,
        errors,
        notice,
    };
    Ok(Html(page.render()?).into_response())
}

pub(crate) async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(done): Query<Done>,
) -> Result<Response, AppError> {
    let notice = match done.fait.as_deref() {
        Some("mot-de-passe") => {
            Some("Votre mot de passe est changé. Vos autres sessions sont fermées.")
        }
        Some("activee") => Some(
            "La double authentification est activée : un code vous sera demandé à chaque connexion.",
        ),
        Some("desactivee") => Some("La double authentification est désactivée."),
        _ => None,
    };
    render(&state, &staff, FormErrors::default(), notice).await
}

#[derive(Deserialize)]
pub(crate) struct SecurityForm {
    #[serde(default)]
    code: String,
}

/// Draws a new secret for the staff member to add to an authenticator application.
pub(crate) async fn prepare(
    State(state): State<AppState>,
    staff: Staff,
    SignedForm(_): SignedForm<Button>,
) -> Result<Response, AppError> {
    second_factor::prepare(&state.db, staff.id()).await?;
    Ok(Redirect::to("/gestion/securite").into_response())
}

const WRONG_CODE: &str = "Ce code est incorrect ou a déjà servi. Saisissez les 6 chiffres affichés maintenant par votre application.";

/// The first code confirms that the application has the secret: only then are codes asked.
pub(crate) async fn enable(
    State(state): State<AppState>,
    staff: Staff,
    SignedForm(form): SignedForm<SecurityForm>,
) -> Result<Response, AppError> {
    match second_factor::enable(&state.db, staff.id(), &form.code, state.clock.now()).await? {
        true => Ok(Redirect::to("/gestion/securite?fait=activee").into_response()),
        false => {
            let mut errors = FormErrors::default();
            errors.add("code", WRONG_CODE);
            Ok(invalid(render(&state, &staff, errors, None).await?))
        }
    }
}

/// Turning it off takes a current code, so that a session left open is not enough.
pub(crate) async fn disable(
    State(state): State<AppState>,
    staff: Staff,
    SignedForm(form): SignedForm<SecurityForm>,
) -> Result<Response, AppError> {
    match second_factor::disable(&state.db, staff.id(), &form.code, state.clock.now()).await? {
        true => Ok(Redirect::to("/gestion/securite?fait=desactivee").into_response()),
        false => {
            let mut errors = FormErrors::default();
            errors.add("code", WRONG_CODE);
            Ok(invalid(render(&state, &staff, errors, None).await?))
        }
    }
}

/// The staff member changes their own password: the current one first, then the same rules
/// as families' (CNIL 2022); their other sessions end.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    staff: Staff,
    SignedForm(form): SignedForm<PasswordForm>,
) -> Result<Response, AppError> {
    let personal = [
        staff.account.login.as_str(),
        staff.account.display_name.as_str(),
    ];
    let mut errors = check_new_password(
        &state.config.password_policy,
        &form.nouveau,
        &form.confirmation,
        &personal,
    );
    let current = state.passwords().staff_hash(&staff.account.login).await?;
    if let Err(message) = check_current_password(
        &state,
        Audience::Staff,
        &staff.account.login,
        &form.actuel,
        current,
    )
    .await?
    {
        errors.add("actuel", message);
    } else if form.actuel == form.nouveau {
        errors.add(
            "nouveau",
            "Choisissez un mot de passe différent de l'actuel.",
        );
    }
    if !errors.is_empty() {
        return Ok(invalid(render(&state, &staff, errors, None).await?));
    }
    state
        .passwords()
        .set_own_staff_password(
            staff.id(),
            form.nouveau,
            &staff.session.token_hash,
            state.clock.now(),
        )
        .await?;
    Ok(Redirect::to("/gestion/securite?fait=mot-de-passe").into_response())
}

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
use ribambelle_domain::{
    french, second_factor as codes,
    session::{Throttle, ThrottlePolicy},
};
use ribambelle_store::{
    accounts,
    outbox::{self, NewMail},
    second_factor, staff_admin, throttle,
};
use serde::Deserialize;

use crate::{
    AppState,
    auth::{
        check_current_password,
        first_login::check_new_password,
        hash_password,
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
    let structure = ribambelle_store::portal::home_structure(&state.db).await?;
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

fn unix_seconds(now: Timestamp) -> u64 {
    u64::try_from(now.as_second()).unwrap_or(0)
}

/// The code of a sign-in: right, the session opens; wrong, it is asked again a few times,
/// then the sign-in starts over from the password.
pub(crate) async fn submit_code(
    State(state): State<AppState>,
    MaybeSession(previous): MaybeSession,
    jar: CookieJar,
    FrenchForm(form): FrenchForm<CodeForm>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let Some(staff_id) = second_factor::challenger(&state.db, &form.defi, now).await? else {
        let mut page = Audience::Staff.page(&state).await?;
        page.error = Some("La vérification a expiré. Saisissez de nouveau votre identifiant et votre mot de passe.".to_owned());
        return Ok((StatusCode::UNAUTHORIZED, Html(page.render()?)).into_response());
    };
    // Counted before it is checked, across sign-ins: a known password gives a few codes a
    // day, not a million.
    let code_key = throttle::code_key(staff_id);
    let counted =
        match throttle::claim(&state.db, &code_key, &ThrottlePolicy::SECOND_FACTOR, now).await? {
            Ok(counted) => counted,
            Err(Throttle::Wait(wait)) => {
                let error = format!(
                    "Patientez {} avant de saisir un autre code.",
                    french::seconds(wait)
                );
                return code_page(&state, form.defi, Some(error)).await;
            }
            Err(_) => {
                second_factor::end(&state.db, &form.defi).await?;
                return codes_refused(&state).await;
            }
        };
    let factor = second_factor::of(&state.db, staff_id).await?;
    let secret = factor
        .secret
        .ok_or_else(|| AppError::Internal("second factor without a secret".into()))?;
    let step = codes::verify(&secret, &form.code, unix_seconds(now), factor.last_step)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if let Some(step) = step
        && second_factor::use_step(&state.db, staff_id, step).await?
    {
        throttle::clear(&state.db, &code_key).await?;
        second_factor::end(&state.db, &form.defi).await?;
        return open_session(&state, Audience::Staff, staff_id, false, previous, jar).await;
    }
    if let Some(until) = counted.locked_until {
        second_factor::end(&state.db, &form.defi).await?;
        warn_codes_refused(&state, staff_id, until).await?;
        return codes_refused(&state).await;
    }
    if second_factor::fail(&state.db, &form.defi).await? {
        let error = "Ce code est incorrect ou a déjà servi. Saisissez le code affiché maintenant par votre application.";
        return code_page(&state, form.defi, Some(error.to_owned())).await;
    }
    second_factor::end(&state.db, &form.defi).await?;
    let mut page = Audience::Staff.page(&state).await?;
    page.error = Some(
        "Trop de codes incorrects. Saisissez de nouveau votre identifiant et votre mot de passe."
            .to_owned(),
    );
    Ok((StatusCode::TOO_MANY_REQUESTS, Html(page.render()?)).into_response())
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

/// Tells the staff member and the administrateurs that the codes are refused: someone may
/// know the password.
async fn warn_codes_refused(
    state: &AppState,
    staff_id: i64,
    until: Timestamp,
) -> Result<(), AppError> {
    let (login, recipients) = second_factor::lock_recipients(&state.db, staff_id).await?;
    if recipients.is_empty() {
        tracing::warn!(
            staff = staff_id,
            "second-factor codes refused, nobody to tell by mail"
        );
        return Ok(());
    }
    let mail = NewMail {
        recipients,
        subject: format!(
            "Portail Famille : codes de vérification refusés pour le compte « {login} »"
        ),
        body_text: format!(
            "Bonjour,\n\n\
             Trop de codes de vérification incorrects ont été saisis pour le compte « {login} » du Portail Famille, \
             après le bon mot de passe. Les codes de ce compte sont refusés jusqu'à {}.\n\n\
             Si ce n'était pas vous, quelqu'un connaît sans doute ce mot de passe : changez-le dès que possible \
             (« Sécurité de votre compte »), et prévenez l'administrateur du portail.\n",
            crate::layout::format_instant(until)
        ),
        body_html: None,
    };
    outbox::enqueue_alone(&state.db, &mail, state.clock.now()).await?;
    tracing::warn!(
        staff = staff_id,
        "second-factor codes refused, staff and administrateurs told"
    );
    Ok(())
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
    let factor = second_factor::of(&state.db, staff.account.id).await?;
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
    let secret = codes::new_secret().map_err(|e| AppError::Internal(e.to_string()))?;
    second_factor::prepare(&state.db, staff.account.id, &secret).await?;
    Ok(Redirect::to("/gestion/securite").into_response())
}

/// The code's step if it is right and unused, else the error shown at the field.
async fn checked_code(
    state: &AppState,
    staff: &Staff,
    code: &str,
) -> Result<Option<u64>, AppError> {
    let factor = second_factor::of(&state.db, staff.account.id).await?;
    let Some(secret) = factor.secret else {
        return Ok(None);
    };
    codes::verify(
        &secret,
        code,
        unix_seconds(state.clock.now()),
        factor.last_step,
    )
    .map_err(|e| AppError::Internal(e.to_string()))
}

const WRONG_CODE: &str = "Ce code est incorrect ou a déjà servi. Saisissez les 6 chiffres affichés maintenant par votre application.";

/// The first code confirms that the application has the secret: only then are codes asked.
pub(crate) async fn enable(
    State(state): State<AppState>,
    staff: Staff,
    SignedForm(form): SignedForm<SecurityForm>,
) -> Result<Response, AppError> {
    match checked_code(&state, &staff, &form.code).await? {
        Some(step)
            if second_factor::enable(&state.db, staff.account.id, step, state.clock.now())
                .await? =>
        {
            Ok(Redirect::to("/gestion/securite?fait=activee").into_response())
        }
        _ => {
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
    match checked_code(&state, &staff, &form.code).await? {
        Some(step) if second_factor::use_step(&state.db, staff.account.id, step).await? => {
            second_factor::disable(&state.db, staff.account.id, state.clock.now()).await?;
            Ok(Redirect::to("/gestion/securite?fait=desactivee").into_response())
        }
        _ => {
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
    let current = accounts::staff_credentials(&state.db, &staff.account.login)
        .await?
        .map(|c| c.password_hash)
        .unwrap_or_default();
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
    let hash = hash_password(&state, form.nouveau).await?;
    staff_admin::reset_password(
        &state.db,
        staff.account.id,
        staff.account.id,
        &hash,
        Some(&staff.session.token_hash),
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to("/gestion/securite?fait=mot-de-passe").into_response())
}

//! The session cookie and the extractors that tell who is asking: a visitor, a family
//! (onboarded or not yet), or a staff member.

use axum::{
    extract::{FromRequestParts, Request, State},
    http::request::Parts,
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::MethodRouter,
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use jiff::Timestamp;
use ribambelle_domain::{
    ids::{FamilyId, StaffId, StructureId},
    staff::StaffRole,
};
use ribambelle_usecases::{
    accounts::{FamilyAccount, StaffAccount},
    reservations::Booker,
    sessions::{self, FamilyView, Principal, Session},
    structures::StructureSummary,
};

use crate::{Access, AppState, error::AppError, layout::Gestion};

pub(crate) fn cookie_name(state: &AppState) -> &'static str {
    // The __Host- prefix makes browsers refuse the cookie unless it is Secure, for this
    // host only, on every path; it is only possible over HTTPS.
    if state.config.https() {
        "__Host-ribambelle"
    } else {
        "ribambelle"
    }
}

pub(crate) fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((cookie_name(state), token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.https())
        .build()
}

pub(crate) fn removal_cookie(state: &AppState) -> Cookie<'static> {
    let mut cookie = session_cookie(state, String::new());
    cookie.make_removal();
    cookie
}

/// The request's live session, if any (loaded once per request).
#[derive(Clone, Debug)]
pub(crate) struct MaybeSession(pub Option<Session>);

impl FromRequestParts<AppState> for MaybeSession {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(cached) = parts.extensions.get::<MaybeSession>() {
            return Ok(cached.clone());
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let session = match jar.get(cookie_name(state)).map(|c| c.value().to_owned()) {
            Some(token) if !token.is_empty() => {
                sessions::find(
                    &state.db,
                    &token,
                    state.clock.now(),
                    &state.config.session_policy,
                )
                .await?
            }
            _ => None,
        };
        let found = MaybeSession(session);
        parts.extensions.insert(found.clone());
        Ok(found)
    }
}

/// The family signed in with this request's session; visitors go to the login page, staff
/// to the back office.
async fn family_session(
    parts: &mut Parts,
    state: &AppState,
) -> Result<(Session, FamilyId), Response> {
    let MaybeSession(session) = MaybeSession::from_request_parts(parts, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let Some(session) = session else {
        return Err(Redirect::to("/connexion").into_response());
    };
    let Principal::Family(family_id) = session.principal else {
        return Err(Redirect::to("/gestion").into_response());
    };
    Ok((session, family_id))
}

/// The staff member signed in with this request's session; visitors go to the staff login,
/// families are turned away.
async fn staff_session(
    parts: &mut Parts,
    state: &AppState,
) -> Result<(Session, StaffId), Response> {
    let MaybeSession(session) = MaybeSession::from_request_parts(parts, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let Some(session) = session else {
        return Err(Redirect::to("/gestion/connexion").into_response());
    };
    let Principal::Staff(staff_id) = session.principal else {
        return Err(AppError::StaffOnly.into_response());
    };
    Ok((session, staff_id))
}

/// The route table's `Access`, enforced in front of the handler whatever the handler
/// extracts: a family route answers only a family's session, a staff route only a staff
/// member's. The session is loaded once; the handler's extractors find it again.
pub(crate) fn guarded(
    access: Access,
    handler: MethodRouter<AppState>,
    state: &AppState,
) -> MethodRouter<AppState> {
    match access {
        Access::Public | Access::Session => handler,
        Access::Family | Access::Staff => handler.route_layer(middleware::from_fn_with_state(
            (state.clone(), access),
            enforce,
        )),
    }
}

async fn enforce(
    State((state, access)): State<(AppState, Access)>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let allowed = match access {
        Access::Family => family_session(&mut parts, &state).await.map(drop),
        Access::Staff => staff_session(&mut parts, &state).await.map(drop),
        Access::Public | Access::Session => Ok(()),
    };
    match allowed {
        Ok(()) => next.run(Request::from_parts(parts, body)).await,
        Err(refusal) => refusal,
    }
}

/// A signed-in family, whatever its onboarding state (first password, consents).
pub(crate) struct FamilySession {
    pub session: Session,
    pub account: FamilyAccount,
}

impl FamilySession {
    pub fn id(&self) -> FamilyId {
        self.account.id
    }
}

impl FromRequestParts<AppState> for FamilySession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (session, family_id) = family_session(parts, state).await?;
        let account = sessions::family_account(&state.db, family_id)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        let Some(account) = account else {
            return Err(Redirect::to("/connexion").into_response());
        };
        Ok(FamilySession { session, account })
    }
}

/// A family that has chosen its password and accepted the current texts: everything the
/// portal's sections need, with the structure being consulted.
pub(crate) struct Family {
    pub session: Session,
    pub account: FamilyAccount,
    pub structures: Vec<StructureSummary>,
    pub structure: StructureSummary,
    /// The header's « dernière mise à jour ».
    pub last_update: Option<Timestamp>,
}

impl Family {
    pub fn id(&self) -> FamilyId {
        self.account.id
    }

    /// The structure being consulted.
    pub fn structure_id(&self) -> StructureId {
        self.structure.id
    }

    /// The family at the structure being consulted, for the booking rules and prices.
    pub fn booker(&self) -> Result<Booker, AppError> {
        Ok(Booker {
            family: self.id(),
            quotient_familial: self.account.quotient_familial,
            structure: self.structure_id(),
            calendar: ribambelle_usecases::structures::school_calendar(&self.structure)?,
            immediate_processing: self.structure.immediate_processing,
        })
    }
}

impl FromRequestParts<AppState> for Family {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (session, family_id) = family_session(parts, state).await?;
        let view = sessions::family_view(&state.db, family_id)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        let Some(FamilyView {
            account,
            consents_pending,
            structures,
            last_update,
        }) = view
        else {
            return Err(Redirect::to("/connexion").into_response());
        };
        if account.must_change_password {
            return Err(Redirect::to("/premiere-connexion").into_response());
        }
        if consents_pending {
            return Err(Redirect::to("/conditions").into_response());
        }
        let structure = session
            .structure_id
            .and_then(|id| structures.iter().find(|s| s.id == id))
            .or(structures.first())
            .cloned()
            .ok_or_else(|| AppError::Internal("no structure at all".into()).into_response())?;
        Ok(Family {
            session,
            account,
            structures,
            structure,
            last_update,
        })
    }
}

/// A signed-in staff member; families are turned away, visitors sent to the staff login.
pub(crate) struct Staff {
    pub session: Session,
    pub account: StaffAccount,
}

impl Staff {
    pub fn id(&self) -> StaffId {
        self.account.id
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (session, staff_id) = staff_session(parts, state).await?;
        let account = sessions::staff_account(&state.db, staff_id)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        let Some(account) = account else {
            return Err(Redirect::to("/gestion/connexion").into_response());
        };
        Ok(Staff { session, account })
    }
}

/// A staff member whose role changes what its structures hold; an animateur, who only
/// consults, is refused (403) before the handler runs.
pub(crate) struct Editor(pub Staff);

impl FromRequestParts<AppState> for Editor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        staff_whose_role(parts, state, StaffRole::may_change)
            .await
            .map(Editor)
    }
}

/// An administrateur; anyone else is refused (403) before the handler runs. Only an
/// administrateur manages the staff, reading included: the list tells who can reach which
/// families.
pub(crate) struct Administrateur(pub Staff);

impl FromRequestParts<AppState> for Administrateur {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        staff_whose_role(parts, state, StaffRole::is_administrateur)
            .await
            .map(Administrateur)
    }
}

/// The signed-in staff member, when their role passes `allowed`; 403 otherwise.
async fn staff_whose_role(
    parts: &mut Parts,
    state: &AppState,
    allowed: fn(StaffRole) -> bool,
) -> Result<Staff, Response> {
    let staff = Staff::from_request_parts(parts, state).await?;
    if allowed(staff.account.role) {
        return Ok(staff);
    }
    let layout = crate::gestion::layout(
        state,
        &staff,
        Gestion::None,
        crate::error::ROLE_REFUSED,
        "/gestion",
    )
    .await
    .map_err(IntoResponse::into_response)?;
    Err(crate::error::refused_for_role(layout))
}

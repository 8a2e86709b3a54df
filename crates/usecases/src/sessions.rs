//! Server-side sessions, shared by every instance: opened at sign-in with a fresh token,
//! found again from the cookie, kept alive, ended at sign-out. The token itself is never
//! stored, only its hash.

use jiff::Timestamp;
use ribambelle_domain::{
    ids::{FamilyId, StaffId, StructureId},
    session::SessionPolicy,
};
use ribambelle_store::{Db, accounts, portal, sessions};

pub use ribambelle_store::{
    portal::FamilyView,
    sessions::{Principal, Session},
};

use crate::{Error, accounts::StaffAccount};

/// A new session for `principal` and the token for its cookie; a family starts at its
/// first structure.
pub async fn open(
    db: &Db,
    principal: Principal,
    now: Timestamp,
    policy: &SessionPolicy,
) -> Result<String, Error> {
    let structure = match principal {
        Principal::Family(id) => portal::family_structures(db, id)
            .await?
            .first()
            .map(|s| s.id),
        Principal::Staff(_) => None,
    };
    let (token, _) = sessions::create(db, principal, structure, now, policy).await?;
    Ok(token)
}

/// The live session of a cookie's token, its activity recorded; an expired one ends.
pub async fn find(
    db: &Db,
    token: &str,
    now: Timestamp,
    policy: &SessionPolicy,
) -> Result<Option<Session>, Error> {
    Ok(sessions::load(db, token, now, policy).await?)
}

/// « Se déconnecter », or a sign-in replacing the session it came from.
pub async fn end(db: &Db, session: &Session) -> Result<(), Error> {
    sessions::delete(db, &session.token_hash).await?;
    Ok(())
}

/// « Rester connecté »: the session's activity recorded now.
pub async fn keep_alive(db: &Db, session: &Session, now: Timestamp) -> Result<(), Error> {
    sessions::touch(db, &session.token_hash, now).await?;
    Ok(())
}

/// The structure a family consults from now on, one it is known to (checked by the
/// caller against the family's structures).
pub async fn consult(db: &Db, session: &Session, structure: StructureId) -> Result<(), Error> {
    sessions::set_structure(db, &session.token_hash, structure).await?;
    Ok(())
}

/// What every page of a signed-in family needs: its account, whether texts wait for its
/// acceptance, its structures (the portal's first one when it has none yet), its latest
/// update.
pub async fn family_view(db: &Db, family: FamilyId) -> Result<Option<FamilyView>, Error> {
    let Some(mut view) = portal::family_view(db, family).await? else {
        return Ok(None);
    };
    if view.structures.is_empty() {
        view.structures.extend(portal::home_structure(db).await?);
    }
    Ok(Some(view))
}

/// The family's account, whatever its onboarding state.
pub async fn family_account(
    db: &Db,
    family: FamilyId,
) -> Result<Option<crate::accounts::FamilyAccount>, Error> {
    Ok(accounts::family(db, family).await?)
}

pub async fn staff_account(db: &Db, staff: StaffId) -> Result<Option<StaffAccount>, Error> {
    Ok(accounts::staff(db, staff).await?)
}

/// A random key (a récapitulatif's, a waiting ticket's): 64 hexadecimal digits.
pub fn new_key() -> Result<String, Error> {
    Ok(sessions::new_key()?)
}

/// A random token for a cookie or a link.
pub fn new_token() -> Result<String, Error> {
    Ok(ribambelle_store::token::new_token()?)
}

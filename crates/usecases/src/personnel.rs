//! The back office's « Personnel » (administrateurs only): staff accounts with their role
//! and structures, a first password shown once, a new one when forgotten, the second
//! factor turned off for a member who lost their phone. Every change is audited.

use jiff::Timestamp;
use ribambelle_domain::{ids::StaffId, password::generate_initial_password};
use ribambelle_store::{Db, staff_admin as store};

pub use ribambelle_store::staff_admin::{StaffDraft, StaffMember};

use crate::{Error, accounts::Passwords};

pub async fn members(db: &Db) -> Result<Vec<StaffMember>, Error> {
    Ok(store::list(db).await?)
}

pub async fn member(db: &Db, id: StaffId) -> Result<Option<StaffMember>, Error> {
    Ok(store::member(db, id).await?)
}

/// « Créer le compte » with a first password, shown once to the administrateur; `None`
/// when the login is already another member's.
pub async fn create(
    passwords: &Passwords<'_>,
    author: StaffId,
    draft: &StaffDraft<'_>,
    now: Timestamp,
) -> Result<Option<(StaffMember, String)>, Error> {
    let password = generate_initial_password();
    let hash = passwords.hash(password.clone()).await?;
    let Some(id) = store::create(passwords.db, author, draft, &hash, now).await? else {
        return Ok(None);
    };
    let member = store::member(passwords.db, id)
        .await?
        .ok_or(Error::Unexpected(
            "a staff member gone just after its creation",
        ))?;
    Ok(Some((member, password)))
}

/// « Enregistrer » a member's name, address, role and structures; false when it is gone.
pub async fn update(
    db: &Db,
    author: StaffId,
    member: StaffId,
    draft: &StaffDraft<'_>,
    now: Timestamp,
) -> Result<bool, Error> {
    Ok(store::update(db, author, member, draft, now).await?)
}

/// « Nouveau mot de passe »: a new first password for the member, shown once; its
/// sessions end. `None` when the member is gone.
pub async fn new_password(
    passwords: &Passwords<'_>,
    author: StaffId,
    member: StaffId,
    now: Timestamp,
) -> Result<Option<String>, Error> {
    let password = generate_initial_password();
    let hash = passwords.hash(password.clone()).await?;
    let done = store::reset_password(passwords.db, author, member, &hash, None, now).await?;
    Ok(done.then_some(password))
}

/// « Désactiver la double authentification » of a member; false when it is gone.
pub async fn disable_second_factor(
    db: &Db,
    author: StaffId,
    member: StaffId,
    now: Timestamp,
) -> Result<bool, Error> {
    Ok(store::disable_second_factor(db, author, member, now).await?)
}

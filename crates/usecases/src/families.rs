//! The back office's « Familles » (R-BO-3): searching the families of the staff member's
//! structures, a family's page (balances, coming days, fiches), creating and changing a
//! family and its children, its initial password (by mail, or on a letter), and the CSV
//! import. Every change is audited; nothing outside the scope is reached.

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::{
    ids::{ActivityId, FamilyId, StaffId, StructureId},
    money::Cents,
    password::{PasswordHashing, Verification, generate_initial_password},
};
use ribambelle_store::{Db, accounts, bookings, staff_families as store, wallets};

pub use ribambelle_store::staff_families::{
    ActivityChoice, Child, ChildFields, Family, FamilyFields, FamilyHit, FicheLine, Imported,
    ImportedFamily, Saved,
};

use crate::{
    Error,
    accounts::{NewMail, Passwords},
    payments::WalletLine,
    reservations::FollowUp,
};

/// A family found, with its balance at each of its structures.
#[derive(Clone, Debug)]
pub struct Found {
    pub hit: FamilyHit,
    /// (structure's name, balance)
    pub balances: Vec<(String, Cents)>,
}

/// « Rechercher »: the scope's families whose name, identifiant or child matches `term`,
/// at most `limit` (and whether there were more).
pub async fn search(
    db: &Db,
    scope: &[StructureId],
    term: &str,
    limit: i64,
) -> Result<(Vec<Found>, bool), Error> {
    let (hits, more) = store::search(db, scope, term, limit).await?;
    let mut found = Vec::with_capacity(hits.len());
    for hit in hits {
        let mut balances = Vec::new();
        for (structure, name) in &hit.structures {
            balances.push((
                name.clone(),
                wallets::balance(db, hit.id, *structure).await?,
            ));
        }
        found.push(Found { hit, balances });
    }
    Ok((found, more))
}

pub async fn family(
    db: &Db,
    scope: &[StructureId],
    public_id: &str,
) -> Result<Option<Family>, Error> {
    Ok(store::family(db, scope, public_id).await?)
}

pub async fn family_by_identifiant(
    db: &Db,
    scope: &[StructureId],
    identifiant: &str,
) -> Result<Option<Family>, Error> {
    Ok(store::family_by_identifiant(db, scope, identifiant).await?)
}

/// A family's situation at one of its structures.
#[derive(Clone, Debug)]
pub struct AtStructure {
    pub structure: String,
    pub balance: Vec<WalletLine>,
    /// Its reservations from today on.
    pub coming: Vec<FollowUp>,
}

/// What a family's page shows: each structure's balance and coming days, and its fiches
/// within the scope.
pub async fn overview(
    db: &Db,
    scope: &[StructureId],
    family: &Family,
    today: Date,
) -> Result<(Vec<AtStructure>, Vec<FicheLine>), Error> {
    let mut structures = Vec::new();
    for (id, name) in &family.structures {
        structures.push(AtStructure {
            structure: name.clone(),
            balance: wallets::wallet_lines(db, family.id, *id, today).await?,
            coming: bookings::follow_up(db, family.id, *id, today).await?,
        });
    }
    Ok((structures, store::fiches(db, family.id, scope).await?))
}

/// The activities a child of the family may be registered to: those of its structures.
pub async fn activities(db: &Db, family: &Family) -> Result<Vec<ActivityChoice>, Error> {
    let structures: Vec<StructureId> = family.structures.iter().map(|(id, _)| *id).collect();
    Ok(store::activities(db, &structures).await?)
}

/// « Créer la famille ».
pub async fn create(
    db: &Db,
    staff: StaffId,
    fields: &FamilyFields,
    now: Timestamp,
) -> Result<Saved, Error> {
    Ok(store::create_family(db, staff, fields, now).await?)
}

/// « Enregistrer » the family's fields.
pub async fn update(
    db: &Db,
    staff: StaffId,
    scope: &[StructureId],
    family: &Family,
    fields: &FamilyFields,
    now: Timestamp,
) -> Result<Saved, Error> {
    Ok(store::update_family(db, staff, family, scope, fields, now).await?)
}

/// A child added or changed, with its registrations among the activities `offered`.
pub async fn save_child(
    db: &Db,
    staff: StaffId,
    family: &Family,
    child: Option<&Child>,
    offered: &[ActivityChoice],
    fields: &ChildFields,
    now: Timestamp,
) -> Result<(), Error> {
    let offered: Vec<ActivityId> = offered.iter().map(|a| a.id).collect();
    Ok(store::save_child(db, staff, family, child, &offered, fields, now).await?)
}

/// « Générer un mot de passe initial »: a new one, shown once or sent by the mail
/// `by_mail` writes from it; the family changes it at its next sign-in.
pub async fn issue_initial_password(
    passwords: &Passwords<'_>,
    staff: StaffId,
    family: &Family,
    by_mail: Option<&(dyn Fn(&str) -> NewMail + Sync)>,
    now: Timestamp,
) -> Result<String, Error> {
    let password = generate_initial_password();
    let hash = passwords.hash(password.clone()).await?;
    let mail = by_mail.map(|write| write(&password));
    store::issue_initial_password(passwords.db, staff, family, &hash, mail.as_ref(), now).await?;
    Ok(password)
}

/// Whether `password` is the initial password the family has now: a letter prints nothing
/// else, so that it can neither be forged nor printed from an old page.
pub async fn is_initial_password(
    passwords: &Passwords<'_>,
    family: &Family,
    password: &str,
) -> Result<bool, Error> {
    if !family.must_change_password {
        return Ok(false);
    }
    let hash = accounts::family_password_hash(passwords.db, family.id)
        .await?
        .unwrap_or_default();
    Ok(passwords.verify(password.to_owned(), hash).await? != Verification::Invalid)
}

/// The family's postal address, as its letters print it.
pub async fn address(db: &Db, family: FamilyId) -> Result<Vec<String>, Error> {
    Ok(store::address(db, family).await?)
}

/// The identifiants among these that are already families'.
pub async fn taken_identifiants(db: &Db, identifiants: &[String]) -> Result<Vec<String>, Error> {
    Ok(store::taken_identifiants(db, identifiants).await?)
}

/// A family of the file, with its children.
pub struct ToImport {
    pub fields: FamilyFields,
    pub children: Vec<ChildFields>,
}

/// « Importer »: every family of the file with its children and an initial password, all
/// or nothing. Ok with the families and their passwords; Err with the identifiants taken
/// meanwhile.
pub async fn import(
    db: &Db,
    hashing: &PasswordHashing,
    staff: StaffId,
    families: Vec<ToImport>,
    now: Timestamp,
) -> Result<Result<Vec<(ImportedFamily, String)>, Vec<String>>, Error> {
    let passwords: Vec<String> = families
        .iter()
        .map(|_| generate_initial_password())
        .collect();
    let hashes = hash_all(hashing, passwords.clone()).await?;
    let imported: Vec<ImportedFamily> = families
        .into_iter()
        .zip(hashes)
        .map(|(f, password_hash)| ImportedFamily {
            fields: f.fields,
            password_hash,
            children: f.children,
        })
        .collect();
    if let Imported::IdentifiantsTaken(taken) = store::import(db, staff, &imported, now).await? {
        return Ok(Err(taken));
    }
    Ok(Ok(imported.into_iter().zip(passwords).collect()))
}

/// Hashes every password on the blocking pool, spread over the machine's cores: Argon2 is
/// slow on purpose, and an import of a few hundred families must stay within the request
/// timeout.
async fn hash_all(hashing: &PasswordHashing, passwords: Vec<String>) -> Result<Vec<String>, Error> {
    let hashing = hashing.clone();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let chunk = passwords.len().div_ceil(threads).max(1);
    tokio::task::spawn_blocking(move || {
        std::thread::scope(|scope| {
            let workers: Vec<_> = passwords
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(|| {
                        part.iter()
                            .map(|p| hashing.hash(p))
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            let mut hashes = Vec::with_capacity(passwords.len());
            for worker in workers {
                let part = worker
                    .join()
                    .map_err(|_| Error::Unexpected("a password hashing thread panicked"))?;
                hashes.extend(part.map_err(|e| Error::Unhashable(e.to_string()))?);
            }
            Ok(hashes)
        })
    })
    .await
    .map_err(|_| Error::Unexpected("the password hashing task did not finish"))?
}

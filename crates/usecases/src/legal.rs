//! The texts a family accepts (RGPD notice, CGU) and the règlements intérieurs it signs for
//! each child (R-CPT-3, R-DOS-2): a child whose règlement is unsigned cannot be booked.

use jiff::Timestamp;
use ribambelle_domain::ids::{FamilyId, LegalTextId};
use ribambelle_store::{Db, legal};

pub use ribambelle_store::legal::{ChildReglement, LegalText, NewSignature, SignOutcome};

use crate::Error;

/// The texts (or new versions) the family has not accepted yet.
pub async fn pending(db: &Db, family: FamilyId) -> Result<Vec<LegalText>, Error> {
    Ok(legal::pending_consents(db, family).await?)
}

/// « J'accepte »: the family accepts these texts, each recorded with its version.
pub async fn accept(
    db: &Db,
    family: FamilyId,
    text_ids: &[LegalTextId],
    now: Timestamp,
) -> Result<usize, Error> {
    Ok(legal::accept(db, family, text_ids, now).await?)
}

/// Each child's current règlement, signed or not.
pub async fn reglements(db: &Db, family: FamilyId) -> Result<Vec<ChildReglement>, Error> {
    Ok(legal::reglements(db, family).await?)
}

/// « Signer »: a parent signs a child's règlement, with the name, place and time written.
pub async fn sign(
    db: &Db,
    family: FamilyId,
    signature: &NewSignature<'_>,
    now: Timestamp,
) -> Result<SignOutcome, Error> {
    Ok(legal::sign(db, family, signature, now).await?)
}

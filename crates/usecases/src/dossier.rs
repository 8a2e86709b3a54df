//! The family's dossier (R-DOS): the campaign's fiches, filled as a draft then
//! transmitted; the fiche de contacts of each child; the pièces justificatives. A family
//! reaches only its own fiches, contacts and files.

use bytes::Bytes;
use jiff::{Timestamp, civil::Date};
use ribambelle_domain::{
    dossier::{FieldError, Intent, Values, check},
    ids::{ChildId, FamilyId, StaffId, StructureId},
};
use ribambelle_store::{
    Db, contacts,
    dossier::{self as store},
    pieces,
};

pub use ribambelle_store::{
    contacts::{ChildContact, Contact, Deletion},
    dossier::{Campaign, Fiche, FicheSummary},
    pieces::{Deposit, FileStore, NewFile, PieceFile},
};

use crate::Error;

/// One family's dossier, with where its files are kept.
#[derive(Clone, Copy, Debug)]
pub struct FamilyFile<'a> {
    pub db: &'a Db,
    pub files: &'a FileStore,
    pub family: FamilyId,
}

/// What became of « Enregistrer en brouillon » or « Valider et transmettre ».
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saved {
    Saved,
    /// Values the fiche refuses, each with its message: nothing was saved.
    Invalid(Vec<FieldError>),
    /// The fiche was transmitted or validated meanwhile (another device): read-only.
    ReadOnly,
}

impl FamilyFile<'_> {
    /// The structure's campaign open today, if any, and the family's fiches in it.
    pub async fn fiches(
        &self,
        structure: StructureId,
        now: Timestamp,
        today: Date,
    ) -> Result<(Option<Campaign>, Vec<FicheSummary>), Error> {
        let campaign = store::open_campaign(self.db, structure, today).await?;
        let fiches = match &campaign {
            Some(c) => store::family_fiches(self.db, self.family, c, now).await?,
            None => Vec::new(),
        };
        Ok((campaign, fiches))
    }

    /// One of the family's fiches, by public id.
    pub async fn fiche(&self, public_id: &str) -> Result<Option<Fiche>, Error> {
        Ok(store::family_fiche(self.db, self.family, public_id).await?)
    }

    /// The typed values, checked by the fiche's rules (all of them to transmit), saved as
    /// a draft or transmitted.
    pub async fn save(
        &self,
        fiche: &Fiche,
        typed: &Values,
        intent: Intent,
        now: Timestamp,
    ) -> Result<Saved, Error> {
        if !fiche.state.editable_by_family() {
            return Ok(Saved::ReadOnly);
        }
        let values = match check(fiche.kind, typed, intent) {
            Ok(values) => values,
            Err(errors) => return Ok(Saved::Invalid(errors)),
        };
        Ok(
            if store::save(self.db, self.family, fiche.id, &values, intent, now).await? {
                Saved::Saved
            } else {
                Saved::ReadOnly
            },
        )
    }

    /// The family's contacts, and those attached to one of its children.
    pub async fn contacts(
        &self,
        child: ChildId,
    ) -> Result<(Vec<Contact>, Vec<ChildContact>), Error> {
        let family = self.family;
        Ok((
            contacts::family_contacts(self.db, family).await?,
            contacts::child_contacts(self.db, family, child).await?,
        ))
    }

    /// One of the family's contacts, by public id.
    pub async fn contact(&self, public_id: &str) -> Result<Option<Contact>, Error> {
        Ok(contacts::contact(self.db, self.family, public_id).await?)
    }

    /// « Ajouter »: an existing contact attached to the child, with its checked link.
    pub async fn attach(
        &self,
        child: ChildId,
        contact: &Contact,
        link: &Values,
    ) -> Result<(), Error> {
        contacts::attach(self.db, self.family, child, contact.id, link).await?;
        Ok(())
    }

    /// « Créer un nouveau contact »: the family's new contact, attached to the child.
    pub async fn add_contact(
        &self,
        child: ChildId,
        contact: &Values,
        link: &Values,
        now: Timestamp,
    ) -> Result<(), Error> {
        let family = self.family;
        let id = contacts::create(self.db, family, contact, now).await?;
        contacts::attach(self.db, family, child, id, link).await?;
        Ok(())
    }

    /// « Retirer »: the contact no longer answers for the child.
    pub async fn detach(&self, child: ChildId, contact: &Contact) -> Result<(), Error> {
        contacts::detach(self.db, self.family, child, contact.id).await?;
        Ok(())
    }

    /// A contact's address, phone and e-mail; its name is fixed.
    pub async fn update_contact(&self, contact: &Contact, values: &Values) -> Result<(), Error> {
        contacts::update(self.db, self.family, contact.id, values).await?;
        Ok(())
    }

    /// « Supprimer définitivement », refused while a child keeps the contact.
    pub async fn delete_contact(&self, public_id: &str) -> Result<Deletion, Error> {
        Ok(contacts::delete(self.db, self.family, public_id).await?)
    }

    /// A file for a piece, if the domain accepts it and the fiche is still editable.
    pub async fn deposit(
        &self,
        fiche: &Fiche,
        file: NewFile<'_>,
        now: Timestamp,
    ) -> Result<Deposit, Error> {
        Ok(pieces::deposit(self.db, self.files, self.family, fiche.id, file, now).await?)
    }

    /// One of the family's files, by public id.
    pub async fn file(&self, public_id: &str) -> Result<Option<PieceFile>, Error> {
        Ok(pieces::family_file(self.db, self.family, public_id).await?)
    }

    /// A file removed from its fiche, while the fiche is editable (false otherwise).
    pub async fn remove(&self, file: &PieceFile, now: Timestamp) -> Result<bool, Error> {
        Ok(pieces::remove(self.db, self.files, self.family, file, now).await?)
    }
}

/// The files deposited on a fiche, for its family or its structure's staff.
pub async fn files_of(db: &Db, fiche: &Fiche) -> Result<Vec<PieceFile>, Error> {
    Ok(pieces::files_of(db, fiche.id).await?)
}

/// A file's content, for the family or the staff member allowed to see it.
pub async fn content(files: &FileStore, file: &PieceFile) -> Result<Bytes, Error> {
    Ok(pieces::content(files, file).await?)
}

/// A file of a fiche of the staff member's structures, by public id; reading a health
/// piece is logged.
pub async fn staff_file(
    db: &Db,
    staff: StaffId,
    structures: &[StructureId],
    public_id: &str,
    now: Timestamp,
) -> Result<Option<PieceFile>, Error> {
    Ok(pieces::staff_file(db, staff, structures, public_id, now).await?)
}

/// The back office's side of the dossier: campaigns opened per structure, fiches waiting
/// for a decision, and the decision. A staff member reaches only its structures' fiches.
pub mod office {
    use jiff::{Timestamp, civil::Date};
    use ribambelle_domain::ids::{CampaignId, StaffId, StructureId};
    use ribambelle_store::{Db, dossier as store};

    pub use ribambelle_store::dossier::{CampaignRow, Decision, Waiting};

    use super::Fiche;
    use crate::Error;

    pub async fn campaigns(db: &Db, scope: &[StructureId]) -> Result<Vec<CampaignRow>, Error> {
        Ok(store::staff_campaigns(db, scope).await?)
    }

    /// « Ouvrir la campagne » for one of the staff member's structures.
    pub async fn open_campaign(
        db: &Db,
        staff: StaffId,
        structure: StructureId,
        label: &str,
        (opens, closes): (Date, Date),
        now: Timestamp,
    ) -> Result<CampaignId, Error> {
        Ok(store::create_campaign(db, staff, structure, label, opens, closes, now).await?)
    }

    /// The fiches transmitted and waiting for a decision.
    pub async fn waiting(db: &Db, scope: &[StructureId]) -> Result<Vec<Waiting>, Error> {
        Ok(store::waiting(db, scope).await?)
    }

    /// A fiche of the staff member's structures (a health fiche's reading is logged).
    pub async fn fiche(
        db: &Db,
        staff: StaffId,
        scope: &[StructureId],
        public_id: &str,
        now: Timestamp,
    ) -> Result<Option<Fiche>, Error> {
        Ok(store::staff_fiche(db, staff, scope, public_id, now).await?)
    }

    /// « Valider » or « Refuser » with its reason, the family told by mail; false when
    /// the fiche was not waiting for a decision.
    pub async fn decide(
        db: &Db,
        staff: StaffId,
        fiche: &Fiche,
        decision: &Decision,
        now: Timestamp,
    ) -> Result<bool, Error> {
        Ok(store::decide(db, staff, fiche, decision, now).await?)
    }
}

//! « Accueil », the family's dashboard: what is left for it to do (a règlement intérieur
//! to sign, fiches to complete or to correct, invoices to pay), each child's next days,
//! then the structure's announcements of the day.

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::{
    dossier::FicheState,
    ids::{FamilyId, StructureId},
};
use ribambelle_store::{Db, bookings, dossier as fiches, invoices, portal};

pub use ribambelle_store::{
    bookings::FollowUp, dossier::FicheSummary, invoices::Invoice, portal::Announcement,
};

use crate::Error;

/// How many of each child's next days the dashboard shows (the Suivi has them all).
const NEXT_DAYS: usize = 3;

/// One child's next days, each with its reservations (several activities a day).
#[derive(Clone, Debug)]
pub struct Coming {
    pub child: String,
    pub child_public_id: String,
    pub lines: Vec<FollowUp>,
}

#[derive(Clone, Debug, Default)]
pub struct Home {
    pub announcements: Vec<Announcement>,
    /// First names of the children whose règlement intérieur is still to sign, once each.
    pub unsigned: Vec<String>,
    /// The open campaign's fiches refused, with why.
    pub refused: Vec<FicheSummary>,
    /// How many of the open campaign's fiches are left to complete (not opened yet, to
    /// complete, or in draft).
    pub to_complete: usize,
    /// The invoices left to pay, the first due first.
    pub invoices: Vec<Invoice>,
    /// Each child's next days that hold or ask for a place, by child.
    pub coming: Vec<Coming>,
}

impl Home {
    /// Nothing is waiting for the family.
    pub fn nothing_to_do(&self) -> bool {
        self.unsigned.is_empty()
            && self.refused.is_empty()
            && self.to_complete == 0
            && self.invoices.is_empty()
    }
}

pub async fn home(
    db: &Db,
    family: FamilyId,
    structure: StructureId,
    now: Timestamp,
    today: Date,
) -> Result<Home, Error> {
    let announcements = portal::announcements(db, structure, today).await?;
    let mut unsigned: Vec<String> = Vec::new();
    for item in crate::legal::reglements(db, family).await? {
        if item.signature.is_none() && !unsigned.contains(&item.child_first_name) {
            unsigned.push(item.child_first_name);
        }
    }
    let (mut refused, mut to_complete) = (Vec::new(), 0);
    if let Some(campaign) = fiches::open_campaign(db, structure, today).await? {
        let (stand, missing) = fiches::fiches_as_they_stand(db, family, &campaign).await?;
        to_complete = missing;
        for fiche in stand {
            match fiche.state {
                FicheState::Refusee { .. } => refused.push(fiche),
                FicheState::ACompleter | FicheState::Brouillon => to_complete += 1,
                FicheState::Transmise | FicheState::Validee => {}
            }
        }
    }
    let mut invoices: Vec<Invoice> = invoices::list(db, family, structure, now)
        .await?
        .into_iter()
        .filter(|i| i.owed.0 > 0)
        .collect();
    invoices.sort_by_key(|i| i.due_on);
    let mut coming: Vec<Coming> = Vec::new();
    for line in bookings::follow_up(db, family, structure, today).await? {
        if !line.state.holds_place() {
            continue;
        }
        let Some(child) = coming
            .iter_mut()
            .find(|c| c.child_public_id == line.child_public_id)
        else {
            coming.push(Coming {
                child: line.child_first_name.clone(),
                child_public_id: line.child_public_id.clone(),
                lines: vec![line],
            });
            continue;
        };
        // The lines come by day: a day already listed takes its other activities.
        let mut days: Vec<Date> = child.lines.iter().map(|l| l.day).collect();
        days.dedup();
        if days.len() < NEXT_DAYS || days.last() == Some(&line.day) {
            child.lines.push(line);
        }
    }
    Ok(Home {
        announcements,
        unsigned,
        refused,
        to_complete,
        invoices,
        coming,
    })
}

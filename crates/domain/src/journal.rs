//! The back office's Journal (R-BO-8): what a staff member did, one name each, as the
//! Journal shows it. The store writes the name with the change, in its transaction.

/// A change the Journal records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    FamilyCreated,
    FamilyEdited,
    FamilyImported,
    ChildAdded,
    ChildEdited,
    InitialPasswordIssued,
    StructureEdited,
    RegieEdited,
    WalletCreated,
    ActivityCreated,
    ActivityEdited,
    ClosureAdded,
    ClosureRemoved,
    AnnouncementPublished,
    AnnouncementEdited,
    AnnouncementDeleted,
    TextPublished,
    CampaignOpened,
    FicheReviewed,
    PointageRecorded,
    ProcessingStarted,
    InvoicesIssued,
    CounterPaymentRecorded,
    StaffCreated,
    StaffEdited,
    OwnPasswordChanged,
    StaffPasswordRenewed,
    SecondFactorEnabled,
    SecondFactorDisabled,
    SecondFactorDisabledByAdministrateur,
    /// Not a change: a reading of a child's health data, listed with the changes.
    HealthDataRead,
}

impl Action {
    /// The words of the Journal's « Action » column.
    pub fn label(self) -> &'static str {
        match self {
            Action::FamilyCreated => "Famille créée",
            Action::FamilyEdited => "Famille modifiée",
            Action::FamilyImported => "Famille importée",
            Action::ChildAdded => "Enfant ajouté",
            Action::ChildEdited => "Enfant modifié",
            Action::InitialPasswordIssued => "Mot de passe initial généré",
            Action::StructureEdited => "Structure modifiée",
            Action::RegieEdited => "Régie modifiée",
            Action::WalletCreated => "Porte-monnaie créé",
            Action::ActivityCreated => "Activité créée",
            Action::ActivityEdited => "Activité modifiée",
            Action::ClosureAdded => "Fermeture ajoutée",
            Action::ClosureRemoved => "Fermeture retirée",
            Action::AnnouncementPublished => "Annonce publiée",
            Action::AnnouncementEdited => "Annonce modifiée",
            Action::AnnouncementDeleted => "Annonce supprimée",
            Action::TextPublished => "Nouvelle version publiée",
            Action::CampaignOpened => "Campagne du dossier ouverte",
            Action::FicheReviewed => "Fiche du dossier examinée",
            Action::PointageRecorded => "Pointage enregistré",
            Action::ProcessingStarted => "Traitement des demandes lancé",
            Action::InvoicesIssued => "Factures émises",
            Action::CounterPaymentRecorded => "Règlement enregistré",
            Action::StaffCreated => "Compte du personnel créé",
            Action::StaffEdited => "Compte du personnel modifié",
            Action::OwnPasswordChanged => "Mot de passe changé par son titulaire",
            Action::StaffPasswordRenewed => "Mot de passe du personnel renouvelé",
            Action::SecondFactorEnabled => "Double authentification activée",
            Action::SecondFactorDisabled => "Double authentification désactivée",
            Action::SecondFactorDisabledByAdministrateur => {
                "Double authentification désactivée par un administrateur"
            }
            Action::HealthDataRead => "Lecture de données de santé",
        }
    }
}

/// What a health-data reading was of, as the Journal's « Objet » column starts.
pub fn health_read_subject(of_a_file: bool) -> &'static str {
    if of_a_file {
        "Pièce justificative de santé"
    } else {
        "Fiche sanitaire"
    }
}

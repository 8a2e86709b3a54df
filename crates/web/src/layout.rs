//! What the base template needs on every page: the title, the structure's name and
//! colour, and for signed-in families the portal's header and sections.

use jiff::Timestamp;
use ribambelle_domain::{clock::paris, french, ids::StructureId, staff::StaffRole};
use ribambelle_usecases::structures::StructureSummary;

use crate::{
    AppState, assets,
    error::AppError,
    session::{Family, FamilySession},
};

pub(crate) struct Layout {
    /// The page's own title; the browser tab shows it before the portal's name.
    pub title: String,
    pub structure: Option<StructureSummary>,
    pub css_url: String,
    pub js_url: String,
    pub favicon_url: String,
    pub shell: Option<Shell>,
}

impl Layout {
    pub fn new(title: impl Into<String>, structure: Option<StructureSummary>) -> Layout {
        Layout {
            title: title.into(),
            structure,
            css_url: assets::url("app.css"),
            js_url: assets::url("app.js"),
            favicon_url: assets::url("favicon.svg"),
            shell: None,
        }
    }

    /// For pages shown before we know who is asking (errors).
    pub fn anonymous(title: impl Into<String>) -> Layout {
        Layout::new(title, None)
    }

    pub fn with_shell(mut self, shell: Shell) -> Layout {
        self.shell = Some(shell);
        self
    }

    pub fn portal_name(&self) -> &str {
        self.structure
            .as_ref()
            .map_or("Portail Famille", |s| s.name.as_str())
    }

    /// A back-office page: it looks unlike the family portal, so that staff never take
    /// one for the other.
    pub fn is_back_office(&self) -> bool {
        self.shell
            .as_ref()
            .is_some_and(|s| matches!(s.section, Section::Gestion(_)))
    }

    /// Whether the page offers its forms: see [`Shell::may_change`].
    pub fn may_change(&self) -> bool {
        self.shell.as_ref().is_none_or(Shell::may_change)
    }

    pub fn theme_url(&self) -> Option<String> {
        self.structure
            .as_ref()
            .map(|s| format!("/theme/{}.css", s.slug))
    }
}

/// The five sections of the portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    Accueil,
    Historique,
    Paiement,
    Reservations,
    Dossier,
    /// Onboarding pages: no section yet.
    None,
    /// The back office's sections.
    Gestion(Gestion),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gestion {
    Tableau,
    Familles,
    Activites,
    Reservations,
    Facturation,
    Dossiers,
    Annonces,
    Journal,
    Personnel,
    /// A page of no section: a refusal.
    None,
}

pub(crate) struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub current: bool,
}

/// The header of a signed-in person: who, which structure, the last update, logout;
/// for families also the sections.
pub(crate) struct Shell {
    pub person: String,
    pub structures: Vec<StructureSummary>,
    /// The structure the family is looking at; none before its first login is done, and
    /// in the back office.
    pub structure_id: Option<StructureId>,
    pub last_update: Option<String>,
    pub csrf: String,
    pub section: Section,
    /// Where to come back after switching structure.
    pub return_to: String,
    pub logout_action: &'static str,
    /// Seconds before the session ends if nothing happens, for the expiry warning.
    pub session_seconds_left: i64,
    /// In the back office, the staff member's role: the menu offers what it may open.
    pub role: Option<StaffRole>,
}

impl Shell {
    pub async fn family(
        state: &AppState,
        family: &Family,
        section: Section,
        path: &str,
    ) -> Result<Shell, AppError> {
        let last_update = family.last_update.map(format_instant);
        let policy = &state.config.session_policy;
        let ends = policy.ends_at(family.session.created_at, family.session.last_seen_at);
        Ok(Shell {
            person: family.account.display_name(),
            structures: family.structures.clone(),
            structure_id: Some(family.structure.id),
            last_update,
            csrf: family.session.csrf_token.clone(),
            section,
            return_to: path.to_owned(),
            logout_action: "/deconnexion",
            session_seconds_left: ends.duration_since(state.clock.now()).as_secs().max(0),
            role: None,
        })
    }

    /// During the first login (password, texts to accept): who is signed in and the way
    /// out, but no sections yet.
    pub fn onboarding(state: &AppState, family: &FamilySession, path: &str) -> Shell {
        Shell {
            person: family.account.display_name(),
            structures: Vec::new(),
            structure_id: None,
            last_update: None,
            csrf: family.session.csrf_token.clone(),
            section: Section::None,
            return_to: path.to_owned(),
            logout_action: "/deconnexion",
            session_seconds_left: state.config.session_policy.idle.as_secs(),
            role: None,
        }
    }

    pub fn nav(&self) -> Vec<NavItem> {
        let items: &[(Section, &'static str, &'static str)] = match self.section {
            Section::None => &[],
            Section::Gestion(_) => &[
                (
                    Section::Gestion(Gestion::Tableau),
                    "Tableau de bord",
                    "/gestion",
                ),
                (
                    Section::Gestion(Gestion::Familles),
                    "Familles",
                    "/gestion/familles",
                ),
                (
                    Section::Gestion(Gestion::Activites),
                    "Activités",
                    "/gestion/activites",
                ),
                (
                    Section::Gestion(Gestion::Reservations),
                    "Réservations",
                    "/gestion/reservations",
                ),
                (
                    Section::Gestion(Gestion::Facturation),
                    "Facturation",
                    "/gestion/facturation",
                ),
                (
                    Section::Gestion(Gestion::Dossiers),
                    "Dossiers",
                    "/gestion/dossiers",
                ),
                (
                    Section::Gestion(Gestion::Annonces),
                    "Annonces et textes",
                    "/gestion/annonces",
                ),
                (
                    Section::Gestion(Gestion::Journal),
                    "Journal",
                    "/gestion/journal",
                ),
                (
                    Section::Gestion(Gestion::Personnel),
                    "Personnel",
                    "/gestion/personnel",
                ),
            ],
            _ => &[
                (Section::Accueil, "Accueil", "/accueil"),
                (Section::Historique, "Historique", "/historique"),
                (Section::Paiement, "Paiement et Solde", "/paiement"),
                (Section::Reservations, "Réservations", "/reservations"),
                (Section::Dossier, "Dossier Famille", "/dossier"),
            ],
        };
        let manages_staff = self.role.is_some_and(StaffRole::is_administrateur);
        items
            .iter()
            .filter(|&&(section, ..)| {
                section != Section::Gestion(Gestion::Personnel) || manages_staff
            })
            .map(|&(section, label, href)| NavItem {
                label,
                href,
                current: section == self.section,
            })
            .collect()
    }

    /// Whether the back office offers this staff member its forms: an animateur only
    /// consults, so it is shown no form it could not send.
    pub fn may_change(&self) -> bool {
        self.role.is_none_or(StaffRole::may_change)
    }

    /// The sections' landmark name: the family's portal or the back office.
    pub fn nav_label(&self) -> &'static str {
        if matches!(self.section, Section::Gestion(_)) {
            "Rubriques de la gestion"
        } else {
            "Rubriques du portail"
        }
    }

    pub fn current_structure_name(&self) -> &str {
        self.structures
            .iter()
            .find(|s| self.is_current(s))
            .map_or("", |s| s.name.as_str())
    }

    pub fn is_current(&self, structure: &StructureSummary) -> bool {
        self.structure_id == Some(structure.id)
    }
}

/// « 28/11/2026 à 18h05 », Paris time.
pub(crate) fn format_instant(instant: Timestamp) -> String {
    french::date_time(instant.to_zoned_datetime(paris()).datetime())
}

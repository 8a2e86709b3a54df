//! The back office's people: the three roles, and what each may do.

/// A staff member's role, stored as its code (« animateur »…).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StaffRole {
    /// Consults the structures granted, changes nothing.
    Animateur,
    /// Runs the structures granted.
    Gestionnaire,
    /// Every structure, and the staff accounts.
    Administrateur,
}

impl StaffRole {
    /// The least powerful first, as the staff form offers them.
    pub const ALL: [StaffRole; 3] = [
        StaffRole::Animateur,
        StaffRole::Gestionnaire,
        StaffRole::Administrateur,
    ];

    /// The stored form, also the staff form's value.
    pub fn code(self) -> &'static str {
        match self {
            StaffRole::Animateur => "animateur",
            StaffRole::Gestionnaire => "gestionnaire",
            StaffRole::Administrateur => "administrateur",
        }
    }

    pub fn from_code(code: &str) -> Option<StaffRole> {
        StaffRole::ALL.into_iter().find(|r| r.code() == code)
    }

    /// What the staff pages call it.
    pub fn label(self) -> &'static str {
        match self {
            StaffRole::Animateur => "Animateur (consultation seulement)",
            StaffRole::Gestionnaire => "Gestionnaire",
            StaffRole::Administrateur => "Administrateur (toutes les structures et le personnel)",
        }
    }

    /// Whether the role changes what its structures hold (an animateur only consults).
    pub fn may_change(self) -> bool {
        self != StaffRole::Animateur
    }

    /// Whether the role works for every structure and manages the staff.
    pub fn is_administrateur(self) -> bool {
        self == StaffRole::Administrateur
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_is_read_back_from_its_code_and_nothing_else_is() {
        for role in StaffRole::ALL {
            assert_eq!(StaffRole::from_code(role.code()), Some(role));
        }
        assert_eq!(StaffRole::from_code("Administrateur"), None);
        assert_eq!(StaffRole::from_code(""), None);
    }

    #[test]
    fn only_the_animateur_consults_without_changing() {
        let changing: Vec<bool> = StaffRole::ALL.iter().map(|r| r.may_change()).collect();
        assert_eq!(changing, [false, true, true]);
        assert!(StaffRole::Administrateur.is_administrateur());
        assert!(!StaffRole::Gestionnaire.is_administrateur());
    }
}

//! What a test needs, said in the product's words and recorded the way the product records
//! it, instead of rows written by hand.

use jiff::Timestamp;
use ribambelle_domain::{
    ids::{StaffId, StructureId},
    password::{HashParams, PasswordHashing},
    staff::StaffRole,
};
use ribambelle_store::{
    Db,
    staff_admin::{self, StaffDraft},
};

/// Cheap hashing parameters: the tests check behaviour, not Argon2's cost.
pub fn hashing() -> PasswordHashing {
    PasswordHashing::new(HashParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    })
    .expect("valid hashing parameters")
}

/// A staff member to add: a role, the structures they work for (by slug), a password.
pub struct NewStaff {
    login: String,
    role: StaffRole,
    structures: Vec<String>,
    password: String,
    email: String,
    display_name: Option<String>,
}

impl NewStaff {
    /// The password every staff member of the tests starts with unless told otherwise.
    pub const PASSWORD: &str = "Personnel-Test-2026!";

    pub fn new(login: &str, role: StaffRole) -> NewStaff {
        NewStaff {
            login: login.to_owned(),
            role,
            structures: Vec::new(),
            password: Self::PASSWORD.to_owned(),
            email: String::new(),
            display_name: None,
        }
    }

    /// The structures granted, by slug (« carteville », « ecureuils »).
    pub fn structures(mut self, slugs: &[&str]) -> NewStaff {
        self.structures = slugs.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// The name the back office shows (the login in capitals unless given).
    pub fn name(mut self, display_name: &str) -> NewStaff {
        self.display_name = Some(display_name.to_owned());
        self
    }

    /// The address the portal writes to (none unless given: no staff mail of a test goes
    /// anywhere the test did not say).
    pub fn email(mut self, email: &str) -> NewStaff {
        self.email = email.to_owned();
        self
    }

    pub fn password(mut self, password: &str) -> NewStaff {
        self.password = password.to_owned();
        self
    }

    /// Creates the account as the staff page does, audited as made by the database's first
    /// administrateur (the demo's « admin »); returns its id.
    pub async fn add(&self, db: &Db, now: Timestamp) -> StaffId {
        let author: StaffId = sqlx::query_scalar(
            "SELECT id FROM staff WHERE role = 'administrateur' ORDER BY id LIMIT 1",
        )
        .fetch_one(db.reader())
        .await
        .expect("an administrateur to record who created the account");
        let mut structure_ids = Vec::new();
        for slug in &self.structures {
            let id: StructureId = sqlx::query_scalar("SELECT id FROM structures WHERE slug = $1")
                .bind(slug)
                .fetch_one(db.reader())
                .await
                .unwrap_or_else(|e| panic!("structure {slug}: {e}"));
            structure_ids.push(id);
        }
        let draft = StaffDraft {
            login: &self.login,
            display_name: &self
                .display_name
                .clone()
                .unwrap_or_else(|| self.login.to_uppercase()),
            email: &self.email,
            role: self.role,
            structure_ids: &structure_ids,
        };
        let hash = hashing().hash(&self.password).expect("hash");
        staff_admin::create(db, author, &draft, &hash, now)
            .await
            .expect("staff account")
            .unwrap_or_else(|| panic!("the login {} is taken", self.login))
    }
}

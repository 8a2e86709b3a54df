//! Families of the tests, created as the back office's import creates them and, unless the
//! test wants a first login, through the steps a family takes on its first visit.

use jiff::civil::Date;
use ribambelle_domain::{
    activity::day_price,
    booking::Pending,
    dossier::{FicheKind, Intent, Values},
    ids::{ActivityId, ChildId, FamilyId, LegalTextId, StructureId},
    money::{Cents, PaymentMode},
    pointage::Presence,
};
use ribambelle_store::{
    accounts,
    attendance::{self, Mark},
    billing::{self, Issued},
    bookings,
    bookings::Movement,
    contacts,
    counter::{self, CounterPayment, Target},
    dossier,
    legal::{self, NewSignature},
    processing,
    staff_families::{self, ChildFields, FamilyFields, Imported, ImportedFamily},
};

use crate::{builders::hashing, town::Town};

/// A family to add: by default « Mme MARTIN Claire » (the name from the identifiant),
/// one address, [`NewFamily::PASSWORD`], onboarded (password chosen, texts accepted,
/// règlements signed), with no quotient familial and no child.
pub struct NewFamily {
    identifiant: String,
    civility: String,
    first_name: String,
    emails: Vec<String>,
    password: String,
    first_login: bool,
    quotient_familial: Option<i64>,
    also_at: Vec<StructureId>,
    children: Vec<NewChild>,
}

impl NewFamily {
    /// The password every family of the tests has unless told otherwise.
    pub const PASSWORD: &str = "Famille-Test-2026!";

    pub fn new(identifiant: &str) -> NewFamily {
        NewFamily {
            identifiant: identifiant.to_owned(),
            civility: "Mme".to_owned(),
            first_name: "Claire".to_owned(),
            emails: vec![format!("{identifiant}@example.fr")],
            password: Self::PASSWORD.to_owned(),
            first_login: false,
            quotient_familial: None,
            also_at: Vec::new(),
            children: Vec::new(),
        }
    }

    /// « M. » and a first name.
    pub fn parent(mut self, civility: &str, first_name: &str) -> NewFamily {
        self.civility = civility.to_owned();
        self.first_name = first_name.to_owned();
        self
    }

    pub fn emails(mut self, emails: &[&str]) -> NewFamily {
        self.emails = emails.iter().map(|e| (*e).to_owned()).collect();
        self
    }

    pub fn password(mut self, password: &str) -> NewFamily {
        self.password = password.to_owned();
        self
    }

    /// As the town hall created it: the initial password still to change, no text
    /// accepted, no règlement signed.
    pub fn first_login(mut self) -> NewFamily {
        self.first_login = true;
        self
    }

    pub fn quotient_familial(mut self, qf: i64) -> NewFamily {
        self.quotient_familial = Some(qf);
        self
    }

    /// Also a family of this other structure.
    pub fn also_at(mut self, town: &Town) -> NewFamily {
        self.also_at.push(town.id);
        self
    }

    pub fn child(mut self, child: NewChild) -> NewFamily {
        self.children.push(child);
        self
    }
}

/// A child to add, born on 1 September 2017 at the École Jules Ferry unless told otherwise.
pub struct NewChild {
    first_name: String,
    birth_date: Date,
    activities: Vec<ActivityId>,
}

impl NewChild {
    pub fn new(first_name: &str) -> NewChild {
        NewChild {
            first_name: first_name.to_owned(),
            birth_date: jiff::civil::date(2017, 9, 1),
            activities: Vec::new(),
        }
    }

    pub fn born(mut self, day: Date) -> NewChild {
        self.birth_date = day;
        self
    }

    /// Registered to these activities.
    pub fn registered(mut self, activities: &[ActivityId]) -> NewChild {
        self.activities.extend_from_slice(activities);
        self
    }
}

/// A family as added: its id, how it logs in, its children's ids by first name.
#[derive(Clone, Debug)]
pub struct BuiltFamily {
    pub id: FamilyId,
    /// As the back office's URLs name it.
    pub public_id: String,
    pub identifiant: String,
    pub password: String,
    pub last_name: String,
    pub emails: Vec<String>,
    pub quotient_familial: Option<i64>,
    children: Vec<(String, ChildId)>,
}

impl BuiltFamily {
    pub fn child(&self, first_name: &str) -> ChildId {
        self.children
            .iter()
            .find(|(name, _)| name == first_name)
            .map(|(_, id)| *id)
            .unwrap_or_else(|| panic!("{} has no child called {first_name}", self.identifiant))
    }
}

impl Town {
    /// Adds the family to this structure (and those of `also_at`).
    pub async fn family(&self, family: NewFamily) -> BuiltFamily {
        let now = self.clock.now();
        let last_name = family.identifiant.to_uppercase();
        let mut structures = vec![self.id];
        structures.extend(family.also_at.iter().copied());
        let imported = ImportedFamily {
            fields: FamilyFields {
                civility: family.civility.clone(),
                last_name: last_name.clone(),
                first_name: family.first_name.clone(),
                identifiant: family.identifiant.clone(),
                emails: family.emails.clone(),
                structures,
            },
            password_hash: hashing().hash(&family.password).expect("hash"),
            children: family
                .children
                .iter()
                .map(|c| ChildFields {
                    first_name: c.first_name.clone(),
                    last_name: last_name.clone(),
                    birth_date: c.birth_date,
                    school: "École Jules Ferry".to_owned(),
                    activities: c.activities.clone(),
                })
                .collect(),
        };
        let outcome = staff_families::import(&self.db, self.admin, &[imported], now)
            .await
            .expect("import the family");
        assert_eq!(outcome, Imported::Done, "{} is taken", family.identifiant);
        let id = accounts::family_id_by_identifiant(&self.db, &family.identifiant)
            .await
            .expect("the new family")
            .expect("the new family");
        if let Some(qf) = family.quotient_familial {
            // Written as the CAF's figures would be: no page of the portal types it.
            sqlx::query("UPDATE families SET quotient_familial = $1 WHERE id = $2")
                .bind(qf)
                .bind(id)
                .execute(self.db.writer())
                .await
                .expect("the quotient familial");
        }
        if !family.first_login {
            self.onboard(id, &family).await;
        }
        let children: Vec<(String, ChildId)> =
            sqlx::query_as("SELECT first_name, id FROM children WHERE family_id = $1")
                .bind(id)
                .fetch_all(self.db.reader())
                .await
                .expect("the new children");
        let public_id: String = sqlx::query_scalar("SELECT public_id FROM families WHERE id = $1")
            .bind(id)
            .fetch_one(self.db.reader())
            .await
            .expect("the new family's public id");
        BuiltFamily {
            id,
            public_id,
            identifiant: family.identifiant,
            password: family.password,
            last_name,
            emails: family.emails,
            quotient_familial: family.quotient_familial,
            children,
        }
    }

    /// The first visit's steps: a password of the family's own, the texts accepted, each
    /// child's règlement signed.
    async fn onboard(&self, id: FamilyId, family: &NewFamily) {
        let now = self.clock.now();
        let hash = hashing().hash(&family.password).expect("hash");
        accounts::set_family_password(&self.db, id, &hash, true, None, None, now)
            .await
            .expect("the family's password");
        let pending: Vec<LegalTextId> = legal::pending_consents(&self.db, id)
            .await
            .expect("the texts to accept")
            .iter()
            .map(|t| t.id)
            .collect();
        legal::accept(&self.db, id, &pending, now)
            .await
            .expect("accept the texts");
        let signer = format!(
            "{} {}",
            family.identifiant.to_uppercase(),
            family.first_name
        );
        let signed_at = ribambelle_domain::french::date_time(
            now.to_zoned_datetime(ribambelle_domain::clock::paris())
                .datetime(),
        );
        for owed in legal::reglements(&self.db, id).await.expect("règlements") {
            let signature = NewSignature {
                child_public_id: &owed.child_public_id,
                legal_text_id: owed.text.id,
                signer_name: &signer,
                signed_place: "CarteVille",
                signed_at_text: &signed_at,
            };
            legal::sign(&self.db, id, &signature, now)
                .await
                .expect("sign the règlement");
        }
    }

    /// Transmits the child's fiche of that kind at the structure's open campaign, with these
    /// answers, as the family's Dossier page does; returns the fiche's public id.
    pub async fn transmit_fiche(
        &self,
        family: &BuiltFamily,
        child: &str,
        kind: FicheKind,
        answers: &[(&str, &str)],
    ) -> String {
        let now = self.clock.now();
        let campaign = dossier::open_campaign(&self.db, self.id, self.clock.today())
            .await
            .expect("the open campaign")
            .expect("a campaign open today (Town::campaign)");
        let fiches = dossier::family_fiches(&self.db, family.id, &campaign, now)
            .await
            .expect("the family's fiches");
        let summary = fiches
            .iter()
            .find(|f| f.kind == kind && f.child.as_deref() == Some(child))
            .unwrap_or_else(|| panic!("no {kind:?} fiche for {child}"));
        let fiche = dossier::family_fiche(&self.db, family.id, &summary.public_id)
            .await
            .expect("the fiche")
            .expect("the family's own fiche");
        let values: Values = answers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let saved = dossier::save(
            &self.db,
            family.id,
            fiche.id,
            &values,
            Intent::Transmit,
            now,
        )
        .await
        .expect("transmit the fiche");
        assert!(saved, "the fiche could be transmitted");
        summary.public_id.clone()
    }

    /// Adds a contact to the family's list and ties it to the child, as the fiche de
    /// contacts does: `contact` and `link` are the form's fields (« nom », « prenom »,
    /// « telephone »…; « lien », « recuperer », « urgence »).
    pub async fn contact(
        &self,
        family: &BuiltFamily,
        child: ChildId,
        contact: &[(&str, &str)],
        link: &[(&str, &str)],
    ) {
        let values = |fields: &[(&str, &str)]| -> Values {
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let id = contacts::create(&self.db, family.id, &values(contact), self.clock.now())
            .await
            .expect("create the contact");
        contacts::attach(&self.db, family.id, child, id, &values(link))
            .await
            .expect("tie the contact to the child");
    }

    /// Confirms these changes as the family's récapitulatif does: *Non transmise* until a
    /// processing run decides them.
    pub async fn confirm(
        &self,
        family: &BuiltFamily,
        changes: &[(ChildId, ActivityId, Date, Pending)],
    ) {
        let mut movements = Vec::new();
        for &(child, activity, day, change) in changes {
            let prices = bookings::activity_by_id(&self.db, activity)
                .await
                .expect("the activity")
                .prices;
            movements.push(Movement {
                child_id: child,
                activity_id: activity,
                day,
                change,
                amount: day_price(&prices, family.quotient_familial),
            });
        }
        let key = ribambelle_store::sessions::new_key().expect("a confirmation key");
        bookings::confirm(&self.db, family.id, &key, &movements, &[], self.clock.now())
            .await
            .expect("confirm the récapitulatif");
    }

    /// Books these days and runs the structure's processing, as a town in immediate mode
    /// does: each day is accepted, or waits on the list when the activity is full.
    pub async fn book(&self, family: &BuiltFamily, days: &[(ChildId, ActivityId, Date)]) {
        let changes: Vec<_> = days
            .iter()
            .map(|&(child, activity, day)| (child, activity, day, Pending::Book))
            .collect();
        self.confirm(family, &changes).await;
        self.process().await;
    }

    /// Records these children present on these days (past or today, when the activity
    /// ran), as the pointage page does: each day becomes a consommation at the booking's
    /// price, or the family's price for a child who came without one.
    pub async fn attended(&self, days: &[(ChildId, ActivityId, Date)]) {
        let calendar = self.calendar().await;
        let mut sheets: Vec<(ActivityId, Date, Vec<Mark>)> = Vec::new();
        for &(child, activity, day) in days {
            let rules = bookings::activity_by_id(&self.db, activity)
                .await
                .expect("the activity")
                .rules;
            assert!(
                rules.is_open(day, &calendar),
                "the activity does not run on {day}"
            );
            let mark = Mark {
                child_id: child,
                presence: Presence::Present,
            };
            match sheets
                .iter_mut()
                .find(|(a, d, _)| *a == activity && *d == day)
            {
                Some((_, _, marks)) => marks.push(mark),
                None => sheets.push((activity, day, vec![mark])),
            }
        }
        for (activity, day, marks) in sheets {
            attendance::record(
                &self.db,
                self.admin,
                activity,
                day,
                &marks,
                self.clock.today(),
                self.clock.now(),
            )
            .await
            .expect("record the pointage")
            .unwrap_or_else(|refusal| panic!("pointage of {day} refused: {refusal:?}"));
        }
    }

    /// Issues the structure's invoices of the month `month` is in, as the Facturation page
    /// does (the month must be over).
    pub async fn issue_invoices(&self, month: Date) -> Issued {
        billing::issue(&self.db, self.admin, self.id, month, &[], self.clock.now())
            .await
            .expect("issue the invoices")
            .unwrap_or_else(|_| panic!("the month of {month} is not over"))
    }

    /// A payment the family makes at the structure's counter now, of what it owes on its
    /// invoices (oldest first), as the régisseur records it.
    pub async fn paid_at_counter(
        &self,
        family: &BuiltFamily,
        mode: PaymentMode,
        cents: i64,
        reference: &str,
    ) {
        let payment = CounterPayment {
            family_public_id: family.public_id.clone(),
            mode,
            reference: reference.to_owned(),
            amount: Cents(cents),
            target: Target::Invoices(Vec::new()),
        };
        counter::record(&self.db, self.admin, self.id, &payment, self.clock.now())
            .await
            .expect("record the payment")
            .unwrap_or_else(|refusal| panic!("payment refused: {refusal:?}"));
    }

    /// The structure's processing run, now.
    pub async fn process(&self) {
        processing::run_now(&self.db, &self.clock, self.id)
            .await
            .expect("the processing run");
    }
}

//! The dossier famille (R-DOS): the structure's open campaign, the family's fiches in it
//! (created on first visit, filled in from the previous campaign's), drafts and
//! transmission, and the gestionnaire's decision, mailed through the outbox.

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::dossier::{FicheKind, FicheState, Intent, Values};
use ribambelle_domain::family_mails::{self, FicheVerdict, Parent};
use ribambelle_domain::french;
use ribambelle_domain::ids::{CampaignId, ChildId, FamilyId, FicheId, StaffId, StructureId};
use ribambelle_domain::journal::Action;
use sqlx::{Row, any::AnyRow};

use crate::{
    Db, StoreError, audit, db_time,
    outbox::{self, NewMail},
    sql::id_list,
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Campaign {
    pub id: CampaignId,
    pub structure_id: StructureId,
    pub label: String,
    pub opens_on: Date,
    pub closes_on: Date,
}

/// A fiche as listed: what it is about and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FicheSummary {
    pub public_id: String,
    pub kind: FicheKind,
    /// The child's first name, for the fiches of a child.
    pub child: Option<String>,
    pub state: FicheState,
}

/// A whole fiche.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fiche {
    pub id: FicheId,
    pub public_id: String,
    pub family_id: FamilyId,
    /// « MARTIN Claire » (the family's account holder).
    pub family_name: String,
    pub child_id: Option<ChildId>,
    pub child: Option<String>,
    pub kind: FicheKind,
    pub state: FicheState,
    pub values: Values,
    pub campaign: Campaign,
    pub transmitted_at: Option<String>,
}

/// A transmitted fiche waiting for the gestionnaire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub public_id: String,
    pub family_name: String,
    pub kind: FicheKind,
    pub child: Option<String>,
    pub structure: String,
    pub transmitted_at: String,
}

/// What the gestionnaire decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Validate,
    Refuse { reason: String },
}

fn date(text: &str) -> Result<Date, StoreError> {
    text.parse()
        .map_err(|e| StoreError::corrupt("dossier_campaigns date", e))
}

fn campaign_from(r: &AnyRow) -> Result<Campaign, StoreError> {
    Ok(Campaign {
        id: r.get("campaign_id"),
        structure_id: r.get("structure_id"),
        label: r.get("label"),
        opens_on: date(&r.get::<String, _>("opens_on"))?,
        closes_on: date(&r.get::<String, _>("closes_on"))?,
    })
}

fn kind(code: &str) -> Result<FicheKind, StoreError> {
    FicheKind::from_code(code).ok_or_else(|| StoreError::corrupt("fiches.kind", code))
}

fn state(r: &AnyRow) -> Result<FicheState, StoreError> {
    let code: String = r.get("state");
    FicheState::from_code(&code, r.get("refusal_reason"))
        .ok_or_else(|| StoreError::corrupt("fiches.state", code))
}

fn values(json: &str) -> Result<Values, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::corrupt("fiches.data", e))
}

fn json(values: &Values) -> String {
    // A map of strings always serialises.
    serde_json::to_string(values).unwrap_or_else(|_| "{}".to_owned())
}

/// The structure's campaign open on `today`, the latest if several overlap.
pub async fn open_campaign(
    db: &Db,
    structure_id: StructureId,
    today: Date,
) -> Result<Option<Campaign>, StoreError> {
    let row = sqlx::query(
        "SELECT id AS campaign_id, structure_id, label, opens_on, closes_on FROM dossier_campaigns \
         WHERE structure_id = $1 AND opens_on <= $2 AND closes_on >= $2 ORDER BY opens_on DESC, id DESC LIMIT 1",
    )
    .bind(structure_id)
    .bind(today.to_string())
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(campaign_from).transpose()
}

/// A campaign as the back office lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignRow {
    pub campaign: Campaign,
    pub structure: String,
    pub transmitted: i64,
    pub validated: i64,
}

/// The campaigns of these structures (a staff member's scope), newest first, with their
/// progress.
pub async fn staff_campaigns(
    db: &Db,
    structures: &[StructureId],
) -> Result<Vec<CampaignRow>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT d.id AS campaign_id, d.structure_id, d.label, d.opens_on, d.closes_on, s.name AS structure, \
           (SELECT COUNT(*) FROM fiches f WHERE f.campaign_id = d.id AND f.state = 'transmise') AS transmitted, \
           (SELECT COUNT(*) FROM fiches f WHERE f.campaign_id = d.id AND f.state = 'validee') AS validated \
         FROM dossier_campaigns d JOIN structures s ON s.id = d.structure_id \
         WHERE d.structure_id IN {} ORDER BY d.opens_on DESC, d.id DESC",
        id_list(structures)
    )))
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CampaignRow {
                campaign: campaign_from(r)?,
                structure: r.get("structure"),
                transmitted: r.get("transmitted"),
                validated: r.get("validated"),
            })
        })
        .collect()
}

/// Opens a campaign; the caller has checked the structure is the staff member's.
pub async fn create_campaign(
    db: &Db,
    staff_id: StaffId,
    structure_id: StructureId,
    label: &str,
    opens_on: Date,
    closes_on: Date,
    now: Timestamp,
) -> Result<CampaignId, StoreError> {
    let mut tx = db.begin().await?;
    let id = sqlx::query_scalar(
        "INSERT INTO dossier_campaigns (structure_id, label, opens_on, closes_on, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(structure_id)
    .bind(label)
    .bind(opens_on.to_string())
    .bind(closes_on.to_string())
    .bind(db_time(now))
    .fetch_one(&mut *tx)
    .await?;
    let after = audit::describe(&[
        ("Ouverture", opens_on.strftime("%d/%m/%Y").to_string()),
        ("Clôture", closes_on.strftime("%d/%m/%Y").to_string()),
    ]);
    let change = audit::Change {
        staff_id,
        structure_id: Some(structure_id),
        family_id: None,
        action: Action::CampaignOpened,
        subject: label,
        before: None,
        after: Some(after),
    };
    audit::record(&mut tx, &change, now).await?;
    tx.commit().await?;
    Ok(id)
}

async fn children_of(db: &Db, family_id: FamilyId) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, first_name FROM children WHERE family_id = $1 ORDER BY birth_date, id",
    )
    .bind(family_id)
    .fetch_all(db.reader())
    .await?)
}

/// The fiches a family has in a campaign: the family's, then each child's.
fn wanted(children: &[(i64, String)]) -> Vec<(FicheKind, Option<i64>)> {
    let mut wanted: Vec<(FicheKind, Option<i64>)> =
        FicheKind::FAMILY.iter().map(|k| (*k, None)).collect();
    for (child, _) in children {
        wanted.extend(FicheKind::CHILD.iter().map(|k| (*k, Some(*child))));
    }
    wanted
}

/// The family's fiches in the campaign, family fiches first then each child's; the ones
/// missing are created, filled in with the family's previous answers.
pub async fn family_fiches(
    db: &Db,
    family_id: FamilyId,
    campaign: &Campaign,
    now: Timestamp,
) -> Result<Vec<FicheSummary>, StoreError> {
    let children = children_of(db, family_id).await?;
    let wanted = wanted(&children);
    let existing: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM fiches WHERE family_id = $1 AND campaign_id = $2")
            .bind(family_id)
            .bind(campaign.id)
            .fetch_one(db.reader())
            .await?;
    if (existing as usize) < wanted.len() {
        create_missing(db, family_id, campaign, &wanted, now).await?;
    }
    summaries(db, family_id, campaign, &children).await
}

/// The family's fiches in the campaign as they stand, without creating the missing ones
/// (« Accueil », read at every login, writes nothing), and how many are still missing.
pub async fn fiches_as_they_stand(
    db: &Db,
    family_id: FamilyId,
    campaign: &Campaign,
) -> Result<(Vec<FicheSummary>, usize), StoreError> {
    let children = children_of(db, family_id).await?;
    let fiches = summaries(db, family_id, campaign, &children).await?;
    let missing = wanted(&children).len().saturating_sub(fiches.len());
    Ok((fiches, missing))
}

async fn summaries(
    db: &Db,
    family_id: FamilyId,
    campaign: &Campaign,
    children: &[(i64, String)],
) -> Result<Vec<FicheSummary>, StoreError> {
    let rows = sqlx::query(
        "SELECT f.public_id, f.kind, f.state, f.refusal_reason, c.first_name FROM fiches f LEFT JOIN children c ON c.id = f.child_id \
         WHERE f.family_id = $1 AND f.campaign_id = $2",
    )
    .bind(family_id)
    .bind(campaign.id)
    .fetch_all(db.reader())
    .await?;
    let mut fiches = Vec::with_capacity(rows.len());
    for r in &rows {
        fiches.push(FicheSummary {
            public_id: r.get("public_id"),
            kind: kind(&r.get::<String, _>("kind"))?,
            child: r.get("first_name"),
            state: state(r)?,
        });
    }
    let order = |f: &FicheSummary| {
        let child = f
            .child
            .as_ref()
            .and_then(|name| children.iter().position(|(_, n)| n == name))
            .map_or(0, |p| p + 1);
        (child, f.kind)
    };
    fiches.sort_by_key(order);
    Ok(fiches)
}

fn subject(child: Option<i64>) -> String {
    child.map_or_else(|| "famille".to_owned(), |id| format!("enfant:{id}"))
}

async fn create_missing(
    db: &Db,
    family_id: FamilyId,
    campaign: &Campaign,
    wanted: &[(FicheKind, Option<i64>)],
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    for (kind, child) in wanted {
        let previous: Option<String> = sqlx::query_scalar(
            "SELECT data FROM fiches WHERE family_id = $1 AND kind = $2 AND subject = $3 AND campaign_id <> $4 ORDER BY campaign_id DESC LIMIT 1",
        )
        .bind(family_id)
        .bind(kind.code())
        .bind(subject(*child))
        .bind(campaign.id)
        .fetch_optional(&mut *tx)
        .await?;
        let data = match previous {
            Some(data) => data,
            None if *kind == FicheKind::Famille => json(&from_account(&mut tx, family_id).await?),
            None => "{}".to_owned(),
        };
        sqlx::query(
            "INSERT INTO fiches (public_id, campaign_id, family_id, child_id, subject, kind, state, data, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'a_completer', $7, $8) ON CONFLICT (campaign_id, family_id, kind, subject) DO NOTHING",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(campaign.id)
        .bind(family_id)
        .bind(*child)
        .bind(subject(*child))
        .bind(kind.code())
        .bind(data)
        .bind(db_time(now))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What the account already knows, for a family's first fiche famille.
async fn from_account(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    family_id: FamilyId,
) -> Result<Values, StoreError> {
    let r = sqlx::query("SELECT emails, quotient_familial FROM families WHERE id = $1")
        .bind(family_id)
        .fetch_one(&mut **tx)
        .await?;
    let mut known = Values::new();
    if let Some(first) = r
        .get::<String, _>("emails")
        .split(';')
        .map(str::trim)
        .find(|e| !e.is_empty())
    {
        known.insert("email".into(), first.to_owned());
    }
    if let Some(qf) = r.get::<Option<i64>, _>("quotient_familial") {
        known.insert("quotient_familial".into(), qf.to_string());
    }
    Ok(known)
}

const FICHE_COLUMNS: &str = "f.id, f.public_id, f.family_id, f.child_id, f.kind, f.state, f.refusal_reason, f.data, f.transmitted_at, \
     c.first_name, fam.last_name || ' ' || fam.first_name AS family_name, \
     d.id AS campaign_id, d.structure_id, d.label, d.opens_on, d.closes_on \
     FROM fiches f JOIN dossier_campaigns d ON d.id = f.campaign_id JOIN families fam ON fam.id = f.family_id \
     LEFT JOIN children c ON c.id = f.child_id";

fn fiche_from(r: &AnyRow) -> Result<Fiche, StoreError> {
    Ok(Fiche {
        id: r.get("id"),
        public_id: r.get("public_id"),
        family_id: r.get("family_id"),
        family_name: r.get("family_name"),
        child_id: r.get("child_id"),
        child: r.get("first_name"),
        kind: kind(&r.get::<String, _>("kind"))?,
        state: state(r)?,
        values: values(&r.get::<String, _>("data"))?,
        campaign: campaign_from(r)?,
        transmitted_at: r.get("transmitted_at"),
    })
}

/// One of the family's fiches; None for a fiche of another family (answered 404).
pub async fn family_fiche(
    db: &Db,
    family_id: FamilyId,
    public_id: &str,
) -> Result<Option<Fiche>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FICHE_COLUMNS} WHERE f.public_id = $1 AND f.family_id = $2"
    )))
    .bind(public_id)
    .bind(family_id)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(fiche_from).transpose()
}

/// Saves the family's values as a draft or transmits them. False when the fiche can no
/// longer be changed (transmitted or validated meanwhile, on another device).
pub async fn save(
    db: &Db,
    family_id: FamilyId,
    fiche_id: FicheId,
    values: &Values,
    intent: Intent,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let (state, transmitted) = match intent {
        Intent::Draft => ("brouillon", None),
        Intent::Transmit => ("transmise", Some(db_time(now))),
    };
    let done = sqlx::query(
        "UPDATE fiches SET data = $1, state = $2, transmitted_at = $3, refusal_reason = CASE WHEN $2 = 'transmise' THEN NULL ELSE refusal_reason END, \
           updated_at = $4 WHERE id = $5 AND family_id = $6 AND state IN ('a_completer', 'brouillon', 'refusee')",
    )
    .bind(json(values))
    .bind(state)
    .bind(transmitted)
    .bind(db_time(now))
    .bind(fiche_id)
    .bind(family_id)
    .execute(db.writer())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The transmitted fiches of these structures (a staff member's scope), oldest first.
pub async fn waiting(db: &Db, structures: &[StructureId]) -> Result<Vec<Waiting>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT f.public_id, f.kind, f.transmitted_at, c.first_name, fam.last_name || ' ' || fam.first_name AS family_name, s.name AS structure \
         FROM fiches f JOIN dossier_campaigns d ON d.id = f.campaign_id JOIN structures s ON s.id = d.structure_id \
         JOIN families fam ON fam.id = f.family_id LEFT JOIN children c ON c.id = f.child_id \
         WHERE f.state = 'transmise' AND d.structure_id IN {} ORDER BY f.transmitted_at, f.id",
        id_list(structures)
    )))
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Waiting {
                public_id: r.get("public_id"),
                family_name: r.get("family_name"),
                kind: kind(&r.get::<String, _>("kind"))?,
                child: r.get("first_name"),
                structure: r.get("structure"),
                transmitted_at: r.get("transmitted_at"),
            })
        })
        .collect()
}

/// A fiche of one of the structures of the staff member's scope; a reading of health data
/// is logged before it is returned.
pub async fn staff_fiche(
    db: &Db,
    staff_id: StaffId,
    structures: &[StructureId],
    public_id: &str,
    now: Timestamp,
) -> Result<Option<Fiche>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FICHE_COLUMNS} WHERE f.public_id = $1 AND d.structure_id IN {}",
        id_list(structures)
    )))
    .bind(public_id)
    .fetch_optional(db.reader())
    .await?;
    let Some(fiche) = row.as_ref().map(fiche_from).transpose()? else {
        return Ok(None);
    };
    if fiche.kind.is_health_data() {
        log_health_read(db, staff_id, fiche.id, None, now).await?;
    }
    Ok(Some(fiche))
}

pub async fn log_health_read(
    db: &Db,
    staff_id: StaffId,
    fiche_id: FicheId,
    file_id: Option<i64>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO health_data_reads (staff_id, fiche_id, file_id, read_at) VALUES ($1, $2, $3, $4)")
        .bind(staff_id)
        .bind(fiche_id)
        .bind(file_id)
        .bind(db_time(now))
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Records the gestionnaire's decision on a transmitted fiche and queues the family's mail
/// in the same transaction. A validated fiche famille's quotient familial becomes the
/// family's, for its prices. False when the fiche was not waiting for a decision.
pub async fn decide(
    db: &Db,
    staff_id: StaffId,
    fiche: &Fiche,
    decision: &Decision,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let (state, reason) = match decision {
        Decision::Validate => ("validee", None),
        Decision::Refuse { reason } => ("refusee", Some(reason.as_str())),
    };
    let done = sqlx::query(
        "UPDATE fiches SET state = $1, refusal_reason = $2, decided_at = $3, decided_by = $4, updated_at = $3 WHERE id = $5 AND state = 'transmise'",
    )
    .bind(state)
    .bind(reason)
    .bind(db_time(now))
    .bind(staff_id)
    .bind(fiche.id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    if let (Decision::Validate, FicheKind::Famille) = (decision, fiche.kind)
        && let Some(qf) = fiche
            .values
            .get("quotient_familial")
            .and_then(|q| q.parse::<i64>().ok())
    {
        sqlx::query("UPDATE families SET quotient_familial = $1, updated_at = $2 WHERE id = $3")
            .bind(qf)
            .bind(db_time(now))
            .bind(fiche.family_id)
            .execute(&mut *tx)
            .await?;
    }
    let r = sqlx::query("SELECT f.civility, f.last_name, f.first_name, f.emails, s.name FROM families f, structures s WHERE f.id = $1 AND s.id = $2")
        .bind(fiche.family_id)
        .bind(fiche.campaign.structure_id)
        .fetch_one(&mut *tx)
        .await?;
    let recipients: Vec<String> = r
        .get::<String, _>("emails")
        .split(';')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect();
    if !recipients.is_empty() {
        let mail = decision_mail(fiche, decision, &r, recipients);
        outbox::enqueue(&mut tx, &mail, now).await?;
    }
    let subject = match &fiche.child {
        Some(child) => format!("{} {}", fiche.kind.title(), french::of(child)),
        None => fiche.kind.title().to_owned(),
    };
    let after = match decision {
        Decision::Validate => "État : Validée".to_owned(),
        Decision::Refuse { reason } => format!("État : Refusée\nMotif : {reason}"),
    };
    let change = audit::Change {
        staff_id,
        structure_id: Some(fiche.campaign.structure_id),
        family_id: Some(fiche.family_id),
        action: Action::FicheReviewed,
        subject: &subject,
        before: Some("État : Transmise".to_owned()),
        after: Some(after),
    };
    audit::record(&mut tx, &change, now).await?;
    tx.commit().await?;
    Ok(true)
}

fn decision_mail(
    fiche: &Fiche,
    decision: &Decision,
    family: &AnyRow,
    recipients: Vec<String>,
) -> NewMail {
    let (civility, first_name, last_name, structure): (String, String, String, String) = (
        family.get("civility"),
        family.get("first_name"),
        family.get("last_name"),
        family.get("name"),
    );
    let verdict = match decision {
        Decision::Validate => FicheVerdict::Validated,
        Decision::Refuse { reason } => FicheVerdict::Refused { reason },
    };
    let written = family_mails::fiche_examined(
        Parent {
            civility: &civility,
            first_name: &first_name,
            last_name: &last_name,
        },
        fiche.kind.title(),
        fiche.child.as_deref(),
        verdict,
        &structure,
    );
    NewMail {
        recipients,
        subject: written.subject,
        body_text: written.body,
        body_html: None,
    }
}

/// The family's postal address as its latest transmitted or validated fiche famille gives
/// it (street, then postcode and town), for the documents it receives; empty if unknown.
pub(crate) async fn family_address(
    db: &Db,
    family_id: FamilyId,
) -> Result<Vec<String>, StoreError> {
    let data: Option<String> = sqlx::query_scalar(
        "SELECT data FROM fiches WHERE family_id = $1 AND kind = 'famille' AND state IN ('transmise', 'validee') ORDER BY updated_at DESC LIMIT 1",
    )
    .bind(family_id)
    .fetch_optional(db.reader())
    .await?;
    let Some(data) = data else {
        return Ok(Vec::new());
    };
    let answers = values(&data)?;
    let get = |key: &str| {
        answers
            .get(key)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let town = format!("{} {}", get("code_postal"), get("ville"))
        .trim()
        .to_owned();
    Ok([get("adresse"), town]
        .into_iter()
        .filter(|line| !line.is_empty())
        .collect())
}

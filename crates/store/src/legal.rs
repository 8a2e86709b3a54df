//! The RGPD notice, the CGU and the règlement intérieur: versioned texts per structure,
//! the families' acceptances and the signatures of each child's règlement.

use jiff::Timestamp;
use ribambelle_domain::ids::{FamilyId, LegalTextId, StructureId};
use sqlx::Row;

use crate::{Db, StoreError, db_time};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalText {
    pub id: LegalTextId,
    pub structure_id: StructureId,
    pub structure_name: String,
    /// 'rgpd', 'cgu' or 'reglement'.
    pub kind: String,
    pub version: i64,
    pub title: String,
    pub body: String,
}

fn text_from(r: &sqlx::any::AnyRow) -> LegalText {
    LegalText {
        id: r.get("text_id"),
        structure_id: r.get("structure_id"),
        structure_name: r.get("structure_name"),
        kind: r.get("kind"),
        version: r.get("version"),
        title: r.get("title"),
        body: r.get("body"),
    }
}

const LATEST: &str = "t.version = (SELECT MAX(t2.version) FROM legal_texts t2 WHERE t2.structure_id = t.structure_id AND t2.kind = t.kind)";

/// The latest RGPD notices and CGU of the structures of the family `$1`, as `t`.
const FAMILY_TEXTS: &str = "legal_texts t JOIN family_structures tfs ON tfs.structure_id = t.structure_id AND tfs.family_id = $1";

/// Of `FAMILY_TEXTS`, those not accepted yet.
fn not_accepted() -> String {
    format!(
        "t.kind IN ('rgpd', 'cgu') AND {LATEST} AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.family_id = $1 AND c.legal_text_id = t.id)"
    )
}

/// `EXISTS (…)`: whether the family `$1` has a text to accept.
pub(crate) fn consents_pending_sql() -> String {
    format!(
        "EXISTS (SELECT 1 FROM {FAMILY_TEXTS} WHERE {})",
        not_accepted()
    )
}

/// The latest RGPD notices and CGU of the family's structures that it has not accepted
/// yet; a new version of a text appears here again.
pub async fn pending_consents(db: &Db, family_id: FamilyId) -> Result<Vec<LegalText>, StoreError> {
    let sql = format!(
        "SELECT t.id AS text_id, t.structure_id, s.name AS structure_name, t.kind, t.version, t.title, t.body \
         FROM {FAMILY_TEXTS} JOIN structures s ON s.id = t.structure_id \
         WHERE {} ORDER BY s.id, t.kind DESC",
        not_accepted()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(family_id)
        .fetch_all(db.reader())
        .await?;
    Ok(rows.iter().map(text_from).collect())
}

/// Records the acceptance of texts that are pending for the family; anything else is
/// ignored. Returns how many were recorded.
pub async fn accept(
    db: &Db,
    family_id: FamilyId,
    text_ids: &[LegalTextId],
    now: Timestamp,
) -> Result<usize, StoreError> {
    let pending = pending_consents(db, family_id).await?;
    let mut tx = db.begin().await?;
    let mut recorded = 0;
    for text in pending.iter().filter(|t| text_ids.contains(&t.id)) {
        sqlx::query("INSERT INTO consents (family_id, legal_text_id, accepted_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(family_id)
            .bind(text.id)
            .bind(db_time(now))
            .execute(&mut *tx)
            .await?;
        recorded += 1;
    }
    tx.commit().await?;
    Ok(recorded)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub signer_name: String,
    pub signed_place: String,
    pub signed_at_text: String,
}

/// One child's règlement intérieur at one structure where the child is registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildReglement {
    pub child_public_id: String,
    pub child_first_name: String,
    pub child_last_name: String,
    pub text: LegalText,
    pub signature: Option<Signature>,
}

pub async fn reglements(db: &Db, family_id: FamilyId) -> Result<Vec<ChildReglement>, StoreError> {
    let sql = format!(
        "SELECT c.public_id, c.first_name, c.last_name, t.id AS text_id, t.structure_id, s.name AS structure_name, \
                t.kind, t.version, t.title, t.body, sig.signer_name, sig.signed_place, sig.signed_at_text \
         FROM children c \
         JOIN structures s ON EXISTS (SELECT 1 FROM registrations r JOIN activities a ON a.id = r.activity_id \
                                      WHERE r.child_id = c.id AND a.structure_id = s.id) \
         JOIN legal_texts t ON t.structure_id = s.id AND t.kind = 'reglement' AND {LATEST} \
         LEFT JOIN reglement_signatures sig ON sig.child_id = c.id AND sig.legal_text_id = t.id \
         WHERE c.family_id = $1 \
         ORDER BY c.birth_date, c.first_name, s.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(family_id)
        .fetch_all(db.reader())
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let signer: Option<String> = r.get("signer_name");
            ChildReglement {
                child_public_id: r.get("public_id"),
                child_first_name: r.get("first_name"),
                child_last_name: r.get("last_name"),
                text: text_from(r),
                signature: signer.map(|signer_name| Signature {
                    signer_name,
                    signed_place: r.get("signed_place"),
                    signed_at_text: r.get("signed_at_text"),
                }),
            }
        })
        .collect())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSignature<'a> {
    pub child_public_id: &'a str,
    pub legal_text_id: LegalTextId,
    pub signer_name: &'a str,
    pub signed_place: &'a str,
    /// The date and time the parent wrote, as shown back to them (« 28/11/2026 à 18h05 »).
    pub signed_at_text: &'a str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignOutcome {
    Signed,
    AlreadySigned,
    /// Not a règlement this family has to sign (another family's child, an old version…).
    NotFound,
}

pub async fn sign(
    db: &Db,
    family_id: FamilyId,
    signature: &NewSignature<'_>,
    now: Timestamp,
) -> Result<SignOutcome, StoreError> {
    let owed = reglements(db, family_id).await?;
    let Some(item) = owed.iter().find(|r| {
        r.child_public_id == signature.child_public_id && r.text.id == signature.legal_text_id
    }) else {
        return Ok(SignOutcome::NotFound);
    };
    if item.signature.is_some() {
        return Ok(SignOutcome::AlreadySigned);
    }
    let inserted = sqlx::query(
        "INSERT INTO reglement_signatures (child_id, legal_text_id, signer_name, signed_place, signed_at_text, recorded_at) \
         SELECT id, $1, $2, $3, $4, $5 FROM children WHERE public_id = $6 AND family_id = $7 \
         ON CONFLICT (child_id, legal_text_id) DO NOTHING",
    )
    .bind(signature.legal_text_id)
    .bind(signature.signer_name)
    .bind(signature.signed_place)
    .bind(signature.signed_at_text)
    .bind(db_time(now))
    .bind(signature.child_public_id)
    .bind(family_id)
    .execute(db.writer())
    .await?;
    Ok(if inserted.rows_affected() == 1 {
        SignOutcome::Signed
    } else {
        SignOutcome::AlreadySigned
    })
}

/// Publishes a new version of a text; families are asked again.
pub async fn publish<'c, E>(
    executor: E,
    structure_id: StructureId,
    kind: &str,
    title: &str,
    body: &str,
    now: Timestamp,
) -> Result<(), StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO legal_texts (structure_id, kind, version, title, body, published_at) \
         SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5 FROM legal_texts WHERE structure_id = $1 AND kind = $2",
    )
    .bind(structure_id)
    .bind(kind)
    .bind(title)
    .bind(body)
    .bind(db_time(now))
    .execute(executor)
    .await?;
    Ok(())
}

//! The pièces justificatives of the dossier famille (R-DOS-6): files deposited on a fiche,
//! kept in an object store under random names, and their rows in `fiche_files`. The
//! family's file name is only displayed, never used as a path.

use ribambelle_domain::ids::{FamilyId, FicheId, StaffId, StructureId};
use std::sync::Arc;

use bytes::Bytes;
use jiff::Timestamp;
use object_store::{
    ObjectStore, ObjectStoreExt, PutPayload, local::LocalFileSystem, path::Path as ObjectPath,
};
use ribambelle_domain::dossier::{Piece, check_file};
use sqlx::{Row, any::AnyRow};

use crate::{Db, StoreError, db_time, dossier::log_health_read};

/// Where the files' content lives: a local folder now, an S3-compatible store later (the
/// rows in the database only name objects).
#[derive(Clone, Debug)]
pub struct FileStore {
    objects: Arc<dyn ObjectStore>,
}

impl FileStore {
    /// A folder on this machine, created if missing. Several instances must share it.
    pub fn local(dir: &std::path::Path) -> Result<FileStore, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Files(format!("{}: {e}", dir.display())))?;
        // A file the family was told is deposited must survive a crash.
        let folder = LocalFileSystem::new_with_prefix(dir)?.with_fsync(true);
        Ok(FileStore {
            objects: Arc::new(folder),
        })
    }

    async fn read(&self, key: &str) -> Result<Bytes, StoreError> {
        Ok(self
            .objects
            .get(&ObjectPath::from(key))
            .await?
            .bytes()
            .await?)
    }

    /// Best effort: a leftover object is only wasted space, never shown.
    async fn remove(&self, key: &str) {
        if let Err(error) = self.objects.delete(&ObjectPath::from(key)).await {
            tracing::warn!(%error, key, "a piece's object could not be removed");
        }
    }
}

impl From<object_store::Error> for StoreError {
    fn from(e: object_store::Error) -> Self {
        StoreError::Files(e.to_string())
    }
}

/// A deposited file, as listed on its fiche.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PieceFile {
    pub id: i64,
    pub public_id: String,
    pub fiche_id: FicheId,
    /// The fiche's public id, to go back to it.
    pub fiche_public_id: String,
    pub piece: Piece,
    object_key: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

/// What became of a deposit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Deposit {
    Stored,
    /// Refused, with the words shown next to the piece.
    Refused(&'static str),
    /// The fiche was transmitted meanwhile: read-only.
    ReadOnly,
}

const FILE_COLUMNS: &str = "ff.id, ff.public_id, ff.fiche_id, f.public_id AS fiche_public_id, ff.piece, ff.object_key, ff.file_name, \
     ff.content_type, ff.size_bytes FROM fiche_files ff JOIN fiches f ON f.id = ff.fiche_id";

fn file_from(r: &AnyRow) -> Result<PieceFile, StoreError> {
    let piece: String = r.get("piece");
    Ok(PieceFile {
        id: r.get("id"),
        public_id: r.get("public_id"),
        fiche_id: r.get("fiche_id"),
        fiche_public_id: r.get("fiche_public_id"),
        piece: Piece::from_code(&piece)
            .ok_or_else(|| StoreError::corrupt("fiche_files.piece", piece))?,
        object_key: r.get("object_key"),
        file_name: r.get("file_name"),
        content_type: r.get("content_type"),
        size_bytes: r.get("size_bytes"),
    })
}

/// The files of a fiche, in the order they were deposited.
pub async fn files_of(db: &Db, fiche_id: FicheId) -> Result<Vec<PieceFile>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FILE_COLUMNS} WHERE ff.fiche_id = $1 ORDER BY ff.id"
    )))
    .bind(fiche_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(file_from).collect()
}

async fn count(
    executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
    fiche_id: FicheId,
    piece: Piece,
) -> Result<usize, StoreError> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM fiche_files WHERE fiche_id = $1 AND piece = $2")
            .bind(fiche_id)
            .bind(piece.code())
            .fetch_one(executor)
            .await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// The name shown for a file: the last part of what the browser sent (some send a whole
/// path), without control characters, at most 150 characters.
fn shown_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last.chars().filter(|c| !c.is_control()).take(150).collect();
    if clean.trim().is_empty() {
        "fichier".to_owned()
    } else {
        clean.trim().to_owned()
    }
}

/// A file the family sends for a piece.
pub struct NewFile<'a> {
    pub piece: Piece,
    pub file_name: &'a str,
    pub content: Bytes,
}

/// Deposits a file on one of the family's fiches, if the domain accepts it and the fiche
/// is still editable. The fiche's state is kept (a draft stays a draft).
pub async fn deposit(
    db: &Db,
    files: &FileStore,
    family_id: FamilyId,
    fiche_id: FicheId,
    file: NewFile<'_>,
    now: Timestamp,
) -> Result<Deposit, StoreError> {
    if let Err(message) = check_file(
        &file.content,
        count(db.reader(), fiche_id, file.piece).await?,
    ) {
        return Ok(Deposit::Refused(message));
    }
    let key = uuid::Uuid::new_v4().to_string();
    // The object first: a row never names a missing object.
    files
        .objects
        .put(
            &ObjectPath::from(key.as_str()),
            PutPayload::from(file.content.clone()),
        )
        .await?;
    let outcome = record(db, family_id, fiche_id, &file, &key, now).await;
    if !matches!(outcome, Ok(Deposit::Stored)) {
        files.remove(&key).await;
    }
    outcome
}

async fn record(
    db: &Db,
    family_id: FamilyId,
    fiche_id: FicheId,
    file: &NewFile<'_>,
    key: &str,
    now: Timestamp,
) -> Result<Deposit, StoreError> {
    let mut tx = db.begin().await?;
    // Touching the fiche locks it: two deposits on one piece at once cannot both be the
    // fourth, and a transmission meanwhile is seen.
    if !touch_editable(&mut tx, family_id, fiche_id, now).await? {
        tx.rollback().await?;
        return Ok(Deposit::ReadOnly);
    }
    let format = match check_file(&file.content, count(&mut *tx, fiche_id, file.piece).await?) {
        Ok(format) => format,
        Err(message) => {
            tx.rollback().await?;
            return Ok(Deposit::Refused(message));
        }
    };
    sqlx::query(
        "INSERT INTO fiche_files (public_id, fiche_id, piece, object_key, file_name, content_type, size_bytes, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(fiche_id)
    .bind(file.piece.code())
    .bind(key)
    .bind(shown_name(file.file_name))
    .bind(format.content_type())
    .bind(i64::try_from(file.content.len()).unwrap_or(i64::MAX))
    .bind(db_time(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Deposit::Stored)
}

/// Marks the family's fiche as changed if the family may still change it.
async fn touch_editable(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    family_id: FamilyId,
    fiche_id: FicheId,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE fiches SET updated_at = $1 WHERE id = $2 AND family_id = $3 AND state IN ('a_completer', 'brouillon', 'refusee')",
    )
    .bind(db_time(now))
    .bind(fiche_id)
    .bind(family_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One of the family's files; None for another family's (answered 404).
pub async fn family_file(
    db: &Db,
    family_id: FamilyId,
    public_id: &str,
) -> Result<Option<PieceFile>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FILE_COLUMNS} WHERE ff.public_id = $1 AND f.family_id = $2"
    )))
    .bind(public_id)
    .bind(family_id)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(file_from).transpose()
}

/// A file of a fiche of one of the structures of the staff member's scope; the reading of
/// a health piece is logged before it is returned (RGPD art. 9).
pub async fn staff_file(
    db: &Db,
    staff_id: StaffId,
    structures: &[StructureId],
    public_id: &str,
    now: Timestamp,
) -> Result<Option<PieceFile>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FILE_COLUMNS} JOIN dossier_campaigns d ON d.id = f.campaign_id \
         WHERE ff.public_id = $1 AND d.structure_id IN {}",
        crate::sql::id_list(structures)
    )))
    .bind(public_id)
    .fetch_optional(db.reader())
    .await?;
    let Some(file) = row.as_ref().map(file_from).transpose()? else {
        return Ok(None);
    };
    if file.piece.is_health_data() {
        log_health_read(db, staff_id, file.fiche_id, Some(file.id), now).await?;
    }
    Ok(Some(file))
}

/// The file's content.
pub async fn content(files: &FileStore, file: &PieceFile) -> Result<Bytes, StoreError> {
    files.read(&file.object_key).await
}

/// Removes one of the family's files while its fiche is editable. False when there is
/// nothing the family may remove (another family's file, or a fiche transmitted meanwhile).
pub async fn remove(
    db: &Db,
    files: &FileStore,
    family_id: FamilyId,
    file: &PieceFile,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    if !touch_editable(&mut tx, family_id, file.fiche_id, now).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    let gone = sqlx::query("DELETE FROM fiche_files WHERE id = $1 AND fiche_id = $2")
        .bind(file.id)
        .bind(file.fiche_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    // The row first: once it is gone nobody can reach the object.
    files.remove(&file.object_key).await;
    Ok(gone.rows_affected() == 1)
}

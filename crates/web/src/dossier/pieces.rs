//! Pièces justificatives (R-DOS-6): the files deposited on a fiche, listed under each piece
//! it asks for; deposits (one file per request, checked by the domain), removals while the
//! fiche is editable, and downloads for the family and for the staff of its structure.

use axum::{
    body::Body,
    extract::{DefaultBodyLimit, Multipart, Path, State, multipart::MultipartError},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use ribambelle_domain::dossier::{FILES_PER_PIECE, MAX_FILE_BYTES, Piece, TOO_BIG};
use ribambelle_usecases::dossier::{self, Deposit, Fiche, NewFile, PieceFile};

use super::{READ_ONLY, own_fiche, render_fiche, render_fiche_with};
use crate::{
    AppState,
    error::AppError,
    forms::{Button, SignedForm, SignedMultipart, invalid},
    session::{Family, Staff},
};

/// One file, as listed under its piece.
pub(crate) struct FileView {
    pub name: String,
    /// « 1234 ko ».
    pub size: String,
    pub href: String,
    pub public_id: String,
}

/// A piece the fiche asks for, with its files and the refusal of the last deposit.
pub(crate) struct PieceView {
    pub code: &'static str,
    pub label: &'static str,
    pub files: Vec<FileView>,
    pub error: Option<&'static str>,
    /// The family may still deposit and remove files.
    pub editable: bool,
}

impl PieceView {
    pub fn full(&self) -> bool {
        self.files.len() >= FILES_PER_PIECE
    }

    pub fn described_by(&self) -> String {
        let help = format!("fichier-{}-aide", self.code);
        if self.error.is_some() {
            format!("{help} fichier-{}-erreur", self.code)
        } else {
            help
        }
    }
}

/// A refused deposit: which piece, and why.
pub(crate) type Refusal = (Piece, &'static str);

/// Where files are downloaded from: the family's portal or the back office.
#[derive(Clone, Copy)]
pub(crate) enum Reader {
    Family,
    Staff,
}

/// The pieces of `fiche` with their files.
pub(crate) async fn views(
    state: &AppState,
    fiche: &Fiche,
    refused: Option<Refusal>,
    reader: Reader,
) -> Result<Vec<PieceView>, AppError> {
    let asked = fiche.kind.pieces();
    if asked.is_empty() {
        return Ok(Vec::new());
    }
    let files = dossier::files_of(&state.db, fiche).await?;
    let base = match reader {
        Reader::Family => "/dossier/fichiers",
        Reader::Staff => "/gestion/fichiers",
    };
    let editable = matches!(reader, Reader::Family) && fiche.state.editable_by_family();
    Ok(asked
        .iter()
        .map(|piece| PieceView {
            code: piece.code(),
            label: piece.label(),
            files: files
                .iter()
                .filter(|f| f.piece == *piece)
                .map(|f| FileView {
                    name: f.file_name.clone(),
                    size: format!("{} ko", (f.size_bytes + 1023) / 1024),
                    href: format!("{base}/{}", f.public_id),
                    public_id: f.public_id.clone(),
                })
                .collect(),
            error: refused
                .filter(|(p, _)| p == piece)
                .map(|(_, message)| message),
            editable,
        })
        .collect())
}

/// The body limit of a deposit: one file at most 2000 KiB, the anti-forgery token and the
/// multipart framing. Over it the deposit is refused like a file too big.
pub(crate) fn body_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(MAX_FILE_BYTES + 64 * 1024)
}

/// `POST /dossier/fiches/{fiche}/pieces/{piece}`: `multipart/form-data` with `_csrf` and
/// `fichier`.
pub(crate) async fn deposit(
    State(state): State<AppState>,
    family: Family,
    Path((id, code)): Path<(String, String)>,
    upload: SignedMultipart,
) -> Result<Response, AppError> {
    // The fiche first: another family's address is not found, whatever the body.
    let fiche = own_fiche(&state, &family, &id).await?;
    let piece = Piece::from_code(&code)
        .filter(|p| fiche.kind.pieces().contains(p))
        .ok_or(AppError::NotFound)?;
    let SignedMultipart::Signed(multipart) = upload else {
        return refuse(&state, &family, fiche, (piece, TOO_BIG)).await;
    };
    let file = match read_form(multipart).await {
        Ok(form) => form,
        Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refuse(&state, &family, fiche, (piece, TOO_BIG)).await;
        }
        Err(error) => {
            tracing::info!(%error, "malformed deposit");
            return Err(AppError::BadRequest);
        }
    };
    if !fiche.state.editable_by_family() {
        return Ok(invalid(
            render_fiche(&state, &family, fiche, None, Some(READ_ONLY)).await?,
        ));
    }
    let (file_name, content) = file.unwrap_or_default();
    let new = NewFile {
        piece,
        file_name: &file_name,
        content,
    };
    match state
        .family_file(&family)
        .deposit(&fiche, new, state.clock.now())
        .await?
    {
        Deposit::Stored => {
            Ok(Redirect::to(&format!("/dossier/fiches/{id}#piece-{code}")).into_response())
        }
        Deposit::Refused(message) => refuse(&state, &family, fiche, (piece, message)).await,
        Deposit::ReadOnly => {
            let fiche = own_fiche(&state, &family, &id).await?;
            Ok(invalid(
                render_fiche(&state, &family, fiche, None, Some(READ_ONLY)).await?,
            ))
        }
    }
}

/// The anti-forgery token and the file (its name as sent, its content).
async fn read_form(
    mut multipart: Multipart,
) -> Result<Option<(String, axum::body::Bytes)>, MultipartError> {
    let mut file = None;
    while let Some(field) = multipart.next_field().await? {
        if field.name() == Some("fichier") {
            let name = field.file_name().unwrap_or_default().to_owned();
            file = Some((name, field.bytes().await?));
        }
    }
    Ok(file)
}

async fn refuse(
    state: &AppState,
    family: &Family,
    fiche: Fiche,
    refusal: Refusal,
) -> Result<Response, AppError> {
    Ok(invalid(
        render_fiche_with(state, family, fiche, None, None, Some(refusal)).await?,
    ))
}

/// `POST /dossier/fichiers/{fichier}/supprimer`.
pub(crate) async fn remove(
    State(state): State<AppState>,
    family: Family,
    Path(id): Path<String>,
    SignedForm(_): SignedForm<Button>,
) -> Result<Response, AppError> {
    let dossier = state.family_file(&family);
    let file = dossier.file(&id).await?.ok_or(AppError::NotFound)?;
    if !dossier.remove(&file, state.clock.now()).await? {
        let fiche = own_fiche(&state, &family, &file.fiche_public_id).await?;
        return Ok(invalid(
            render_fiche(&state, &family, fiche, None, Some(READ_ONLY)).await?,
        ));
    }
    Ok(Redirect::to(&format!(
        "/dossier/fiches/{}#piece-{}",
        file.fiche_public_id,
        file.piece.code()
    ))
    .into_response())
}

/// `GET /dossier/fichiers/{fichier}`: one of the family's own files.
pub(crate) async fn family_download(
    State(state): State<AppState>,
    family: Family,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let file = state
        .family_file(&family)
        .file(&id)
        .await?
        .ok_or(AppError::NotFound)?;
    download(&state, &file).await
}

/// `GET /gestion/fichiers/{fichier}`: a file of a fiche of the staff member's structures;
/// reading a health piece is logged.
pub(crate) async fn staff_download(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let scope = crate::gestion::Scope::of(&state, &staff).await?;
    let file = dossier::staff_file(
        &state.db,
        staff.id(),
        &scope.structure_ids(),
        &id,
        state.clock.now(),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    download(&state, &file).await
}

/// The file as an attachment that the browser never renders in the portal's origin: a
/// PDF with a script, or an image that is really HTML, stays inert.
async fn download(state: &AppState, file: &PieceFile) -> Result<Response, AppError> {
    let content = dossier::content(&state.files, file).await?;
    let headers = [
        (header::CONTENT_TYPE, header_value(&file.content_type)?),
        (
            header::CONTENT_DISPOSITION,
            header_value(&attachment(&file.file_name))?,
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox"),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    Ok((headers, Body::from(content)).into_response())
}

fn header_value(text: &str) -> Result<HeaderValue, AppError> {
    HeaderValue::from_str(text)
        .map_err(|e| AppError::Internal(format!("header value {text:?}: {e}")))
}

/// `attachment` with the name in RFC 6266's two forms: an ASCII fallback, and the exact
/// UTF-8 name percent-encoded as RFC 5987 says (« Relevé CAF.pdf »).
fn attachment(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " .-_()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::attachment;

    #[test]
    fn attachment_names_survive_any_characters() {
        assert_eq!(
            attachment("Relevé CAF.pdf"),
            "attachment; filename=\"Relev_ CAF.pdf\"; filename*=UTF-8''Relev%C3%A9%20CAF.pdf"
        );
        assert_eq!(
            attachment("a\"b;c.pdf"),
            "attachment; filename=\"a_b_c.pdf\"; filename*=UTF-8''a%22b%3Bc.pdf"
        );
    }
}

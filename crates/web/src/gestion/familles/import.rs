//! The CSV import of families and their children. The format is written on the page: « ; »
//! separated, UTF-8 with or without BOM, a header line, one line per child with the family's
//! columns repeated. « Vérifier le fichier » lists every error with its line number and what
//! would be created; « Importer » creates everything in one transaction, or nothing. Each
//! family gets an initial password, shown once with the printable letters of all of them.

use std::collections::HashMap;

use askama::Template;
use axum::{
    extract::{Multipart, State, multipart::MultipartError},
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use jiff::civil::Date;
use ribambelle_documents::initial_password_letters_pdf;
use ribambelle_domain::{family_fields as rules, ids::StructureId};
use ribambelle_usecases::{
    families::{self, ChildFields, FamilyFields, ToImport},
    structures::StructureSummary,
};

use crate::{
    AppState,
    error::AppError,
    forms::{SignedForm, SignedMultipart, invalid},
    layout::Layout,
    portal::payment::pdf_response,
    session::{Editor, Staff},
};

use super::{
    Scope, layout,
    password::{is_initial_password, letter_doc},
};

/// The columns, in the order of the documented header.
const COLUMNS: [&str; 9] = [
    "identifiant",
    "civilite",
    "nom",
    "prenom",
    "emails",
    "enfant_prenom",
    "enfant_nom",
    "enfant_naissance",
    "enfant_ecole",
];

/// More families than this go in several files: each one is hashed a password, which takes
/// a noticeable moment.
const MAX_FAMILIES: usize = 1000;

/// A family read from the file, with the line where it first appears.
struct FileFamily {
    line: u64,
    fields: FamilyFields,
    children: Vec<ChildFields>,
}

/// The columns of a line, by name.
struct Line<'a> {
    number: u64,
    cells: HashMap<&'static str, &'a str>,
}

impl Line<'_> {
    fn get(&self, column: &str) -> &str {
        self.cells.get(column).copied().unwrap_or("").trim()
    }
}

/// Header names are matched without case, accents or surrounding spaces.
fn header_name(raw: &str) -> String {
    raw.trim().to_lowercase().replace(['é', 'è'], "e")
}

/// An error of the file: its line (0 for the whole file) and what is wrong, in words.
type FileError = (u64, String);

/// The file's families and every error found, with its line number.
fn parse(text: &str, structure: StructureId, today: Date) -> (Vec<FileFamily>, Vec<FileError>) {
    // The csv crate miscounts lines that end in CRLF, as spreadsheets write them; the line
    // numbers must be the ones the staff member's editor shows.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut errors = Vec::new();
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(_)) => {
            return (
                Vec::new(),
                vec![(1, "Ligne 1 : l'en-tête n'a pas pu être lu.".to_owned())],
            );
        }
        None => return (Vec::new(), vec![(0, "Le fichier est vide.".to_owned())]),
    };
    let names: Vec<String> = header.iter().map(header_name).collect();
    for column in COLUMNS {
        if !names.iter().any(|n| n == column) {
            errors.push((
                1,
                format!("Ligne 1 : la colonne « {column} » manque dans l'en-tête."),
            ));
        }
    }
    for name in names
        .iter()
        .filter(|n| !n.is_empty() && !COLUMNS.contains(&n.as_str()))
    {
        errors.push((
            1,
            format!("Ligne 1 : la colonne « {name} » n'est pas prévue par le format."),
        ));
    }
    if !errors.is_empty() {
        return (Vec::new(), errors);
    }
    let mut families: Vec<FileFamily> = Vec::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                errors.push((
                    line,
                    format!(
                        "Ligne {line} : la ligne n'a pas pu être lue (guillemets mal fermés ?)."
                    ),
                ));
                continue;
            }
        };
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let number = record.position().map_or(0, csv::Position::line);
        if record.len() != names.len() {
            errors.push((
                number,
                format!(
                    "Ligne {number} : {} colonnes au lieu de {} (le séparateur est « ; »).",
                    record.len(),
                    names.len()
                ),
            ));
            continue;
        }
        let cells = COLUMNS
            .iter()
            .filter_map(|&c| names.iter().position(|n| n == c).map(|i| (c, &record[i])))
            .collect();
        read_line(
            &Line { number, cells },
            structure,
            today,
            &mut families,
            &mut errors,
        );
    }
    if families.is_empty() && errors.is_empty() {
        errors.push((
            0,
            "Le fichier ne contient aucune famille après sa ligne d'en-tête.".to_owned(),
        ));
    }
    if families.len() > MAX_FAMILIES {
        errors.push((
            0,
            format!(
                "Le fichier décrit {} familles : importez-en au plus {MAX_FAMILIES} à la fois.",
                families.len()
            ),
        ));
    }
    (families, errors)
}

fn read_line(
    line: &Line,
    structure: StructureId,
    today: Date,
    families: &mut Vec<FileFamily>,
    errors: &mut Vec<FileError>,
) {
    let before = errors.len();
    let mut problems = Vec::new();
    let mut keep = |column: &str, result: Result<String, String>| -> String {
        result.unwrap_or_else(|message| {
            problems.push((
                line.number,
                format!("Ligne {}, colonne {column} : {message}", line.number),
            ));
            String::new()
        })
    };
    let identifiant = keep("identifiant", rules::identifiant(line.get("identifiant")));
    let civility = keep(
        "civilite",
        rules::civility(line.get("civilite")).map(str::to_owned),
    );
    let last_name = keep("nom", rules::name(line.get("nom"), "le nom", true));
    let first_name = keep(
        "prenom",
        rules::name(line.get("prenom"), "le prénom", false),
    );
    let child_columns = [
        "enfant_prenom",
        "enfant_nom",
        "enfant_naissance",
        "enfant_ecole",
    ];
    let child = if child_columns.iter().all(|c| line.get(c).is_empty()) {
        None
    } else {
        // The child's name defaults to the family's.
        let child_last = if line.get("enfant_nom").is_empty() {
            line.get("nom")
        } else {
            line.get("enfant_nom")
        };
        let first_name = keep(
            "enfant_prenom",
            rules::name(line.get("enfant_prenom"), "le prénom de l'enfant", false),
        );
        let last_name = keep(
            "enfant_nom",
            rules::name(child_last, "le nom de l'enfant", true),
        );
        let school = keep("enfant_ecole", rules::school(line.get("enfant_ecole")));
        Some((first_name, last_name, school))
    };
    let emails = rules::emails(line.get("emails")).map_err(|message| {
        problems.push((
            line.number,
            format!("Ligne {}, colonne emails : {message}", line.number),
        ))
    });
    let birth = match &child {
        Some(_) => rules::birth_date(line.get("enfant_naissance"), today)
            .map(Some)
            .map_err(|message| {
                problems.push((
                    line.number,
                    format!(
                        "Ligne {}, colonne enfant_naissance : {message}",
                        line.number
                    ),
                ))
            }),
        None => Ok(None),
    };
    errors.extend(problems);
    let (Ok(emails), Ok(birth), true) = (emails, birth, errors.len() == before) else {
        return;
    };
    let child = child.zip(birth).map(
        |((first_name, last_name, school), birth_date)| ChildFields {
            first_name,
            last_name,
            birth_date,
            school,
            activities: Vec::new(),
        },
    );
    let fields = FamilyFields {
        civility,
        last_name,
        first_name,
        identifiant,
        emails,
        structures: vec![structure],
    };
    let family = match families
        .iter_mut()
        .find(|f| f.fields.identifiant == fields.identifiant)
    {
        Some(family) if family.fields != fields => {
            errors.push((line.number, format!(
                "Ligne {} : la famille « {} » est déjà décrite ligne {} avec une autre civilité, un autre nom, prénom ou d'autres adresses e-mail.",
                line.number, fields.identifiant, family.line
            )));
            return;
        }
        Some(family) => family,
        None => {
            families.push(FileFamily {
                line: line.number,
                fields,
                children: Vec::new(),
            });
            let last = families.len() - 1;
            &mut families[last]
        }
    };
    if let Some(child) = child {
        if family
            .children
            .iter()
            .any(|c| c.first_name == child.first_name && c.birth_date == child.birth_date)
        {
            errors.push((line.number, format!("Ligne {} : l'enfant {} est déjà sur une ligne précédente de la famille « {} ».", line.number, child.first_name, family.fields.identifiant)));
            return;
        }
        family.children.push(child);
    }
}

/// A family of a checked file, as the summary lists it.
struct Summary {
    identifiant: String,
    name: String,
    children: String,
}

/// A family just imported, with its password shown this once.
struct Issued {
    identifiant: String,
    name: String,
    password: String,
}

#[derive(Template)]
#[template(path = "gestion/familles/import.html")]
struct ImportPage {
    layout: Layout,
    csrf: String,
    structures: Vec<StructureSummary>,
    structure: String,
    errors: Vec<String>,
    /// After a successful check: what would be created, and the file to import.
    checked: Option<(Vec<Summary>, String)>,
    issued: Vec<Issued>,
    children_count: usize,
    /// Why the letters asked for were not made.
    letters_refused: Vec<String>,
}

impl ImportPage {
    fn chosen(&self, id: &StructureId) -> bool {
        self.structure == id.to_string()
    }
}

async fn render(
    state: &AppState,
    staff: &Staff,
    page: impl FnOnce(Layout, Vec<StructureSummary>) -> ImportPage,
) -> Result<Html<String>, AppError> {
    let scope = Scope::of(state, staff).await?;
    let layout = layout(
        state,
        staff,
        "Importer des familles",
        "/gestion/familles/import",
    )
    .await?;
    Ok(Html(page(layout, scope.structures).render()?))
}

fn empty(
    layout: Layout,
    structures: Vec<StructureSummary>,
    csrf: String,
    structure: String,
) -> ImportPage {
    ImportPage {
        layout,
        csrf,
        structures,
        structure,
        errors: Vec::new(),
        checked: None,
        issued: Vec::new(),
        children_count: 0,
        letters_refused: Vec::new(),
    }
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Editor(staff): Editor,
) -> Result<Html<String>, AppError> {
    let csrf = staff.session.csrf_token.clone();
    render(&state, &staff, |layout, structures| {
        empty(layout, structures, csrf, String::new())
    })
    .await
}

/// The form as posted: the file (or the text of a checked file), the structure, the button.
#[derive(Default)]
struct Upload {
    structure: String,
    action: String,
    content: Vec<u8>,
}

async fn read(mut multipart: Multipart) -> Result<Upload, MultipartError> {
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await? {
        match field.name() {
            Some("structure") => upload.structure = field.text().await?,
            Some("action") => upload.action = field.text().await?,
            Some("fichier" | "contenu") => {
                let bytes = field.bytes().await?;
                if !bytes.is_empty() {
                    upload.content = bytes.to_vec();
                }
            }
            _ => {}
        }
    }
    Ok(upload)
}

/// The page with errors, answered 422: nothing was imported.
async fn refuse(
    state: &AppState,
    staff: &Staff,
    structure: String,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let csrf = staff.session.csrf_token.clone();
    let html = render(state, staff, |layout, structures| ImportPage {
        errors,
        ..empty(layout, structures, csrf, structure)
    })
    .await?;
    Ok(invalid(html.into_response()))
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    Editor(staff): Editor,
    upload: SignedMultipart,
) -> Result<Response, AppError> {
    // Too large: nothing is done, and the page only says why.
    let too_large = || {
        let message = "Le fichier dépasse 2 Mo : découpez-le en plusieurs fichiers.";
        refuse(&state, &staff, String::new(), vec![message.to_owned()])
    };
    let SignedMultipart::Signed(multipart) = upload else {
        return too_large().await;
    };
    let upload = match read(multipart).await {
        Ok(upload) => upload,
        Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return too_large().await;
        }
        Err(error) => {
            tracing::info!(%error, "malformed import");
            return Err(AppError::BadRequest);
        }
    };
    let scope = Scope::of(&state, &staff).await?;
    let Some(structure) = scope
        .structures
        .iter()
        .find(|s| s.id.to_string() == upload.structure)
        .map(|s| s.id)
    else {
        return refuse(
            &state,
            &staff,
            upload.structure,
            vec!["Choisissez la structure où les familles seront connues.".to_owned()],
        )
        .await;
    };
    if upload.content.is_empty() {
        return refuse(
            &state,
            &staff,
            upload.structure,
            vec!["Choisissez le fichier CSV à importer.".to_owned()],
        )
        .await;
    }
    let bytes = upload
        .content
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&upload.content);
    let Ok(text) = std::str::from_utf8(bytes) else {
        let message = "Le fichier n'est pas encodé en UTF-8 : dans votre tableur, enregistrez-le au format « CSV UTF-8 (délimité par des points-virgules) ».";
        return refuse(&state, &staff, upload.structure, vec![message.to_owned()]).await;
    };
    let (families, mut errors) = parse(text, structure, state.clock.today());
    let identifiants: Vec<String> = families
        .iter()
        .map(|f| f.fields.identifiant.clone())
        .collect();
    let taken = families::taken_identifiants(&state.db, &identifiants).await?;
    errors.extend(
        families
            .iter()
            .filter(|f| taken.contains(&f.fields.identifiant))
            .map(|f| (f.line, format!("Ligne {}, colonne identifiant : « {} » est déjà l'identifiant d'une famille.", f.line, f.fields.identifiant))),
    );
    if !errors.is_empty() {
        errors.sort_by_key(|(line, _)| *line);
        return refuse(
            &state,
            &staff,
            upload.structure,
            errors.into_iter().map(|(_, message)| message).collect(),
        )
        .await;
    }
    let children_count = families.iter().map(|f| f.children.len()).sum();
    let csrf = staff.session.csrf_token.clone();
    if upload.action != "importer" {
        let summary = families
            .iter()
            .map(|f| Summary {
                identifiant: f.fields.identifiant.clone(),
                name: format!(
                    "{} {} {}",
                    f.fields.civility, f.fields.last_name, f.fields.first_name
                ),
                children: f
                    .children
                    .iter()
                    .map(|c| format!("{} ({})", c.first_name, c.birth_date.strftime("%d/%m/%Y")))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect();
        let content = text.to_owned();
        let html = render(&state, &staff, |layout, structures| ImportPage {
            checked: Some((summary, content)),
            children_count,
            ..empty(layout, structures, csrf, upload.structure)
        })
        .await?;
        return Ok(html.into_response());
    }
    let to_import = families
        .into_iter()
        .map(|f| ToImport {
            fields: f.fields,
            children: f.children,
        })
        .collect();
    let imported = match families::import(
        &state.db,
        &state.hashing,
        staff.id(),
        to_import,
        state.clock.now(),
    )
    .await?
    {
        Ok(imported) => imported,
        Err(taken) => {
            let errors = taken.iter().map(|t| format!("« {t} » est devenu l'identifiant d'une famille pendant l'import : rien n'a été importé.")).collect();
            return refuse(&state, &staff, upload.structure, errors).await;
        }
    };
    let issued = imported
        .into_iter()
        .map(|(f, password)| Issued {
            identifiant: f.fields.identifiant.clone(),
            name: format!(
                "{} {} {}",
                f.fields.civility, f.fields.last_name, f.fields.first_name
            ),
            password,
        })
        .collect();
    let html = render(&state, &staff, |layout, structures| ImportPage {
        issued,
        children_count,
        ..empty(layout, structures, csrf, upload.structure)
    })
    .await?;
    Ok(html.into_response())
}

/// The letters of the families just imported, one per page, from the identifiants and
/// passwords the import's answer showed (posted back, never in an URL).
pub(crate) async fn letters(
    State(state): State<AppState>,
    Editor(staff): Editor,
    SignedForm(pairs): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let identifiants = pairs
        .iter()
        .filter(|(k, _)| k == "identifiant")
        .map(|(_, v)| v);
    let passwords = pairs
        .iter()
        .filter(|(k, _)| k == "mot_de_passe")
        .map(|(_, v)| v);
    let mut families = Vec::new();
    for (identifiant, password) in identifiants.zip(passwords) {
        let family =
            families::family_by_identifiant(&state.db, &scope.structure_ids(), identifiant)
                .await?
                .ok_or(AppError::NotFound)?;
        families.push((family, password.clone()));
    }
    if families.is_empty() {
        return Err(AppError::BadRequest);
    }
    // Each password is checked against the family's, as the password queue allows.
    let checks = futures_util::future::join_all(
        families
            .iter()
            .map(|(family, password)| is_initial_password(&state, family, password)),
    )
    .await;
    let mut errors = Vec::new();
    for ((family, _), current) in families.iter().zip(checks) {
        if !current? {
            errors.push(format!(
                "Pas de courrier pour « {} » : ce mot de passe n'est plus celui de la famille (un autre a été généré depuis, ou la famille a choisi le sien). Générez-en un nouveau depuis la page de la famille.",
                family.identifiant
            ));
        }
    }
    if !errors.is_empty() {
        let csrf = staff.session.csrf_token.clone();
        let html = render(&state, &staff, |layout, structures| ImportPage {
            letters_refused: errors,
            ..empty(layout, structures, csrf, String::new())
        })
        .await?;
        return Ok(invalid(html.into_response()));
    }
    let mut docs = Vec::new();
    for (family, password) in families {
        docs.push(letter_doc(&state, &family, password).await?);
    }
    Ok(pdf_response(
        "courriers-mots-de-passe.pdf",
        initial_password_letters_pdf(&docs),
    ))
}

//! The dossier famille (R-DOS): the fiches a family reviews each year, their fields and
//! formats, their states, and the pièces justificatives each one asks for.

use std::collections::BTreeMap;

use jiff::civil::Date;

/// A fiche of the dossier. Family fiches exist once per family, the others once per child.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FicheKind {
    Famille,
    AutresResponsables,
    Assurance,
    Autorisations,
    Contacts,
    Sanitaire,
}

impl FicheKind {
    pub const FAMILY: [FicheKind; 2] = [FicheKind::Famille, FicheKind::AutresResponsables];
    pub const CHILD: [FicheKind; 4] = [
        FicheKind::Assurance,
        FicheKind::Autorisations,
        FicheKind::Contacts,
        FicheKind::Sanitaire,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FicheKind::Famille => "famille",
            FicheKind::AutresResponsables => "responsables",
            FicheKind::Assurance => "assurance",
            FicheKind::Autorisations => "autorisations",
            FicheKind::Contacts => "contacts",
            FicheKind::Sanitaire => "sanitaire",
        }
    }

    pub fn from_code(code: &str) -> Option<FicheKind> {
        [FicheKind::FAMILY.as_slice(), FicheKind::CHILD.as_slice()]
            .concat()
            .into_iter()
            .find(|k| k.code() == code)
    }

    pub fn title(self) -> &'static str {
        match self {
            FicheKind::Famille => "Fiche famille",
            FicheKind::AutresResponsables => "Autres responsables",
            FicheKind::Assurance => "Fiche assurance",
            FicheKind::Autorisations => "Fiche d'autorisation",
            FicheKind::Contacts => "Fiche de contacts",
            FicheKind::Sanitaire => "Fiche sanitaire",
        }
    }

    /// What the fiche is for, as the guide tells parents.
    pub fn purpose(self) -> &'static str {
        match self {
            FicheKind::Famille => {
                "Renseignements généraux sur les responsables du compte famille : coordonnées, informations allocataires, quotient familial, profession et employeur."
            }
            FicheKind::AutresResponsables => {
                "Renseignements généraux sur les autres responsables rattachés à cette famille, et leur lien avec les enfants."
            }
            FicheKind::Assurance => {
                "La compagnie d'assurance de l'enfant, le numéro de contrat et la date d'échéance."
            }
            FicheKind::Autorisations => {
                "Le droit à l'image et à la publication, et les autorisations médicales en cas d'urgence."
            }
            FicheKind::Contacts => {
                "Les personnes, autres que les responsables de la famille, autorisées à venir chercher l'enfant ou à appeler en cas d'urgence."
            }
            FicheKind::Sanitaire => {
                "Les vaccins, les exigences alimentaires, les allergies, le médecin traitant, les traitements et le PAI."
            }
        }
    }

    /// Health data (RGPD art. 9): every reading by staff is logged.
    pub fn is_health_data(self) -> bool {
        self == FicheKind::Sanitaire
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            FicheKind::Famille => FAMILLE,
            FicheKind::AutresResponsables => RESPONSABLES,
            FicheKind::Assurance => ASSURANCE,
            FicheKind::Autorisations => AUTORISATIONS,
            // The contacts are people of their own (see `CONTACT` and `CONTACT_LINK`).
            FicheKind::Contacts => &[],
            FicheKind::Sanitaire => SANITAIRE,
        }
    }

    /// The pièces justificatives the fiche asks for.
    pub fn pieces(self) -> &'static [Piece] {
        match self {
            FicheKind::Famille => &[
                Piece::AttestationCafMsa,
                Piece::AvisImposition,
                Piece::BulletinsSalaire,
                Piece::JugementDivorce,
            ],
            FicheKind::Assurance => &[Piece::AttestationAssurance],
            FicheKind::Sanitaire => &[Piece::CarnetVaccination, Piece::Ordonnance, Piece::Pai],
            FicheKind::AutresResponsables | FicheKind::Autorisations | FicheKind::Contacts => &[],
        }
    }
}

/// A pièce justificative (R-DOS-6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Piece {
    AttestationCafMsa,
    AvisImposition,
    BulletinsSalaire,
    JugementDivorce,
    AttestationAssurance,
    CarnetVaccination,
    Ordonnance,
    Pai,
}

impl Piece {
    pub const ALL: [Piece; 8] = [
        Piece::AttestationCafMsa,
        Piece::AvisImposition,
        Piece::BulletinsSalaire,
        Piece::JugementDivorce,
        Piece::AttestationAssurance,
        Piece::CarnetVaccination,
        Piece::Ordonnance,
        Piece::Pai,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Piece::AttestationCafMsa => "attestation-caf-msa",
            Piece::AvisImposition => "avis-imposition",
            Piece::BulletinsSalaire => "bulletins-salaire",
            Piece::JugementDivorce => "jugement-divorce",
            Piece::AttestationAssurance => "attestation-assurance",
            Piece::CarnetVaccination => "carnet-vaccination",
            Piece::Ordonnance => "ordonnance",
            Piece::Pai => "pai",
        }
    }

    pub fn from_code(code: &str) -> Option<Piece> {
        Piece::ALL.into_iter().find(|p| p.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Piece::AttestationCafMsa => "Attestation de paiement CAF ou MSA",
            Piece::AvisImposition => "Dernier avis d'imposition",
            Piece::BulletinsSalaire => "Derniers bulletins de salaire",
            Piece::JugementDivorce => "En cas de divorce : le jugement de divorce",
            Piece::AttestationAssurance => "Attestation d'assurance",
            Piece::CarnetVaccination => {
                "Copie du carnet de vaccination (si non vacciné : certificat médical de contre-indication)"
            }
            Piece::Ordonnance => "En cas de traitement médical : l'ordonnance",
            Piece::Pai => "En cas de PAI : copie du PAI",
        }
    }

    pub fn is_health_data(self) -> bool {
        matches!(
            self,
            Piece::CarnetVaccination | Piece::Ordonnance | Piece::Pai
        )
    }
}

/// Up to 4 files per piece, each at most 2000 KB (the guide: « 2000 ko (soit 1,95 Mb) »).
pub const FILES_PER_PIECE: usize = 4;
pub const MAX_FILE_BYTES: usize = 2000 * 1024;

/// The formats a file may have, recognised by its first bytes, never by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    Pdf,
    Jpeg,
    Png,
}

impl FileFormat {
    pub fn sniff(content: &[u8]) -> Option<FileFormat> {
        if content.starts_with(b"%PDF-") {
            Some(FileFormat::Pdf)
        } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileFormat::Jpeg)
        } else if content.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(FileFormat::Png)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileFormat::Pdf => "application/pdf",
            FileFormat::Jpeg => "image/jpeg",
            FileFormat::Png => "image/png",
        }
    }

    pub fn from_content_type(content_type: &str) -> Option<FileFormat> {
        [FileFormat::Pdf, FileFormat::Jpeg, FileFormat::Png]
            .into_iter()
            .find(|f| f.content_type() == content_type)
    }
}

/// Shown for a file over `MAX_FILE_BYTES`, also when its upload is cut short for it.
pub const TOO_BIG: &str = "Le fichier dépasse 2000 ko : réduisez sa taille (par exemple en le numérisant en noir et blanc) et déposez-le à nouveau.";

/// Why a file was refused, in the words shown next to the piece.
pub fn check_file(content: &[u8], files_already: usize) -> Result<FileFormat, &'static str> {
    if files_already >= FILES_PER_PIECE {
        return Err("Cette pièce a déjà 4 fichiers : supprimez-en un avant d'en déposer un autre.");
    }
    if content.is_empty() {
        return Err("Le fichier est vide : choisissez un fichier PDF, JPEG ou PNG.");
    }
    if content.len() > MAX_FILE_BYTES {
        return Err(TOO_BIG);
    }
    FileFormat::sniff(content)
        .ok_or("Ce fichier n'est pas un PDF, un JPEG ou un PNG : seuls ces formats sont acceptés.")
}

/// Where a fiche stands (R-DOS-2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FicheState {
    ACompleter,
    Brouillon,
    Transmise,
    Validee,
    Refusee { reason: String },
}

impl FicheState {
    pub fn code(&self) -> &'static str {
        match self {
            FicheState::ACompleter => "a_completer",
            FicheState::Brouillon => "brouillon",
            FicheState::Transmise => "transmise",
            FicheState::Validee => "validee",
            FicheState::Refusee { .. } => "refusee",
        }
    }

    pub fn from_code(code: &str, reason: Option<String>) -> Option<FicheState> {
        Some(match code {
            "a_completer" => FicheState::ACompleter,
            "brouillon" => FicheState::Brouillon,
            "transmise" => FicheState::Transmise,
            "validee" => FicheState::Validee,
            "refusee" => FicheState::Refusee {
                reason: reason.unwrap_or_default(),
            },
            _ => return None,
        })
    }

    pub fn label(&self) -> &'static str {
        match self {
            FicheState::ACompleter => "À compléter",
            FicheState::Brouillon => "Brouillon",
            FicheState::Transmise => "Transmise",
            FicheState::Validee => "Validée",
            FicheState::Refusee { .. } => "Refusée",
        }
    }

    /// Once transmitted the family can only read it, until the gestionnaire refuses it.
    pub fn editable_by_family(&self) -> bool {
        matches!(
            self,
            FicheState::ACompleter | FicheState::Brouillon | FicheState::Refusee { .. }
        )
    }

    /// Still waiting for the family.
    pub fn is_to_do(&self) -> bool {
        self.editable_by_family()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    LongText,
    Date,
    Phone,
    Postcode,
    Email,
    /// Whole euros, or a number like the quotient familial.
    Number,
    Choice(&'static [&'static str]),
    YesNo,
}

/// One field of a fiche.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    /// The HTML autocomplete token, for parents filling in on a phone.
    pub autocomplete: &'static str,
    pub hint: &'static str,
}

const fn field(name: &'static str, label: &'static str, kind: FieldKind, required: bool) -> Field {
    Field {
        name,
        label,
        kind,
        required,
        autocomplete: "off",
        hint: "",
    }
}

const fn auto(mut f: Field, autocomplete: &'static str) -> Field {
    f.autocomplete = autocomplete;
    f
}

const fn hint(mut f: Field, hint: &'static str) -> Field {
    f.hint = hint;
    f
}

use FieldKind::*;

pub const REGIMES: &[&str] = &["CAF", "MSA", "Autre régime"];
pub const INSURERS: &[&str] = &[
    "MAE",
    "MAIF",
    "MACIF",
    "MATMUT",
    "GMF",
    "AXA",
    "Allianz",
    "Groupama",
    "Crédit Agricole Assurances",
    "Autre compagnie (à préciser)",
];

const FAMILLE: &[Field] = &[
    hint(
        auto(
            field("date_naissance", "Date de naissance", Date, true),
            "bday",
        ),
        "Format : jj/mm/aaaa",
    ),
    auto(field("adresse", "Adresse", Text, true), "street-address"),
    hint(
        auto(
            field("code_postal", "Code postal", Postcode, true),
            "postal-code",
        ),
        "5 chiffres",
    ),
    auto(field("ville", "Ville", Text, true), "address-level2"),
    hint(
        auto(
            field("telephone_portable", "Téléphone portable", Phone, true),
            "tel",
        ),
        "10 chiffres, par exemple 06 12 34 56 78",
    ),
    hint(
        field("telephone_domicile", "Téléphone du domicile", Phone, false),
        "10 chiffres",
    ),
    hint(
        field("telephone_travail", "Téléphone professionnel", Phone, false),
        "10 chiffres",
    ),
    auto(field("email", "Adresse e-mail", Email, true), "email"),
    field("regime", "Régime allocataire", Choice(REGIMES), true),
    hint(
        field("numero_allocataire", "Numéro d'allocataire", Text, false),
        "CAF : 7 chiffres ; MSA : 13 chiffres",
    ),
    hint(
        field("quotient_familial", "Quotient familial", Number, false),
        "En euros, tel qu'il figure sur votre attestation CAF ou MSA",
    ),
    auto(
        field("profession", "Profession", Text, false),
        "organization-title",
    ),
    auto(field("employeur", "Employeur", Text, false), "organization"),
];

/// Left empty by a family with no other responsable; once a name is given, the fields
/// marked in `RESPONSABLE_NEEDS` are required.
const RESPONSABLES: &[Field] = &[
    auto(field("nom", "Nom", Text, false), "family-name"),
    auto(field("prenom", "Prénom", Text, false), "given-name"),
    hint(
        field("lien", "Lien avec les enfants de la famille", Text, false),
        "Par exemple : père de Léa et de Hugo",
    ),
    auto(field("adresse", "Adresse", Text, false), "street-address"),
    hint(
        auto(
            field("code_postal", "Code postal", Postcode, false),
            "postal-code",
        ),
        "5 chiffres",
    ),
    auto(field("ville", "Ville", Text, false), "address-level2"),
    hint(field("telephone", "Téléphone", Phone, false), "10 chiffres"),
    field("email", "Adresse e-mail", Email, false),
];
const RESPONSABLE_NEEDS: [&str; 4] = ["nom", "prenom", "lien", "telephone"];

const ASSURANCE: &[Field] = &[
    field("compagnie", "Compagnie", Choice(INSURERS), true),
    hint(
        field(
            "nouvelle_compagnie",
            "Nom de la compagnie, si elle n'est pas dans la liste",
            Text,
            false,
        ),
        "Avec son adresse et son téléphone si vous les avez",
    ),
    field("adresse_compagnie", "Adresse de la compagnie", Text, false),
    hint(
        field(
            "telephone_compagnie",
            "Téléphone de la compagnie",
            Phone,
            false,
        ),
        "10 chiffres",
    ),
    field("numero_contrat", "N° de contrat", Text, true),
    hint(
        field("echeance", "Date d'échéance", Date, true),
        "Format : jj/mm/aaaa",
    ),
];

const AUTORISATIONS: &[Field] = &[
    field(
        "droit_image",
        "J'autorise la prise de photos et de vidéos de mon enfant pendant les activités",
        YesNo,
        true,
    ),
    field(
        "publication",
        "J'autorise la publication de ces images (journal municipal, site Internet de la commune)",
        YesNo,
        true,
    ),
    field(
        "urgence_medicale",
        "J'autorise le responsable à prendre toutes les mesures médicales d'urgence (hospitalisation, intervention)",
        YesNo,
        true,
    ),
    field(
        "transport_urgence",
        "J'autorise le transport de mon enfant par les services de secours vers l'hôpital le plus proche",
        YesNo,
        true,
    ),
    field(
        "rentrer_seul",
        "Mon enfant peut rentrer seul à la fin des activités",
        YesNo,
        true,
    ),
];

const SANITAIRE: &[Field] = &[
    hint(
        field(
            "vaccin_dtp",
            "Vaccin DT-Polio : date du dernier rappel",
            Date,
            true,
        ),
        "Format : jj/mm/aaaa",
    ),
    hint(
        field("vaccin_ror", "Vaccin ROR : date", Date, false),
        "Format : jj/mm/aaaa",
    ),
    field(
        "regime_alimentaire",
        "Exigences alimentaires",
        Choice(&[
            "Aucune",
            "Sans porc",
            "Sans viande",
            "Végétarien",
            "Autre (à préciser dans les allergies)",
        ]),
        true,
    ),
    field(
        "allergies",
        "Allergies (alimentaires, médicamenteuses, autres) et conduite à tenir",
        LongText,
        false,
    ),
    field("medecin", "Médecin traitant (nom)", Text, true),
    hint(
        field("telephone_medecin", "Téléphone du médecin", Phone, true),
        "10 chiffres",
    ),
    field("traitement", "Traitement médical en cours", LongText, false),
    field(
        "pai",
        "L'enfant a un PAI (projet d'accueil individualisé)",
        YesNo,
        true,
    ),
];

/// A contact of the family (R-DOS-5). Nom and prénom are fixed once created.
pub const CONTACT: &[Field] = &[
    auto(field("nom", "Nom", Text, true), "off"),
    auto(field("prenom", "Prénom", Text, true), "off"),
    field("adresse", "Adresse", Text, false),
    hint(field("telephone", "Téléphone", Phone, true), "10 chiffres"),
    field("email", "Adresse e-mail", Email, false),
];

/// What ties a contact to one child.
pub const CONTACT_LINK: &[Field] = &[
    hint(
        field("lien", "Lien de parenté avec l'enfant", Text, true),
        "Par exemple : grand-mère, voisin, nourrice",
    ),
    field("recuperer", "Autorisé à récupérer l'enfant", YesNo, true),
    field(
        "urgence",
        "À appeler en cas d'urgence (si les parents ne sont pas joignables)",
        YesNo,
        true,
    ),
];

/// A fiche's values, by field name.
pub type Values = BTreeMap<String, String>;

/// A message next to a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// What the family asked: keep the fiche as a draft, or send it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intent {
    Draft,
    Transmit,
}

/// Checks a fiche's values: formats always (a draft keeps what is typed, but not a wrong
/// date), required fields only when it is transmitted. Returns the values cleaned up
/// (trimmed, phones and dates in one notation).
pub fn check(
    kind: FicheKind,
    submitted: &Values,
    intent: Intent,
) -> Result<Values, Vec<FieldError>> {
    let (clean, mut errors) = check_fields(kind.fields(), submitted, intent);
    if kind == FicheKind::Assurance
        && intent == Intent::Transmit
        && clean
            .get("compagnie")
            .is_some_and(|c| c.starts_with("Autre"))
        && !clean.contains_key("nouvelle_compagnie")
    {
        errors.push(FieldError {
            field: "nouvelle_compagnie",
            message: "Saisissez le nom de votre compagnie d'assurance.".to_owned(),
        });
    }
    if kind == FicheKind::Famille {
        check_allocataire(&clean, &mut errors);
    }
    if kind == FicheKind::AutresResponsables && intent == Intent::Transmit && !clean.is_empty() {
        for name in RESPONSABLE_NEEDS {
            if let Some(f) = RESPONSABLES.iter().find(|f| {
                f.name == name
                    && !clean.contains_key(name)
                    && !errors.iter().any(|e| e.field == name)
            }) {
                errors.push(FieldError {
                    field: f.name,
                    message: required_message(f),
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(clean)
    } else {
        Err(errors)
    }
}

/// Checks a set of fields (a contact, its link to a child) as a transmitted fiche's.
pub fn check_all(fields: &[Field], submitted: &Values) -> Result<Values, Vec<FieldError>> {
    let (clean, errors) = check_fields(fields, submitted, Intent::Transmit);
    if errors.is_empty() {
        Ok(clean)
    } else {
        Err(errors)
    }
}

fn check_fields(fields: &[Field], submitted: &Values, intent: Intent) -> (Values, Vec<FieldError>) {
    let mut clean = Values::new();
    let mut errors = Vec::new();
    for f in fields {
        let raw = submitted.get(f.name).map(|v| v.trim()).unwrap_or("");
        if raw.is_empty() {
            if f.required && intent == Intent::Transmit {
                errors.push(FieldError {
                    field: f.name,
                    message: required_message(f),
                });
            }
            continue;
        }
        match normalise(f, raw) {
            Ok(value) => {
                clean.insert(f.name.to_owned(), value);
            }
            Err(message) => {
                errors.push(FieldError {
                    field: f.name,
                    message,
                });
                clean.insert(f.name.to_owned(), raw.to_owned());
            }
        }
    }
    (clean, errors)
}

fn required_message(f: &Field) -> String {
    match f.kind {
        YesNo | Choice(_) => format!("Choisissez une réponse : « {} ».", f.label),
        _ => format!("Renseignez ce champ : « {} ».", f.label),
    }
}

/// The CAF number has 7 digits, the MSA one 13; another régime's is free.
fn check_allocataire(values: &Values, errors: &mut Vec<FieldError>) {
    let Some(number) = values.get("numero_allocataire") else {
        return;
    };
    let digits = number
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>();
    let expected = match values.get("regime").map(String::as_str) {
        Some("CAF") => 7,
        Some("MSA") => 13,
        _ => return,
    };
    if digits.len() != expected || !digits.chars().all(|c| c.is_ascii_digit()) {
        let regime = values.get("regime").map(String::as_str).unwrap_or_default();
        errors.push(FieldError {
            field: "numero_allocataire",
            message: format!("Le numéro d'allocataire {regime} compte {expected} chiffres."),
        });
    }
}

fn normalise(f: &Field, raw: &str) -> Result<String, String> {
    if raw.chars().count() > 500 {
        return Err("Ce champ est limité à 500 caractères.".to_owned());
    }
    match f.kind {
        Text => crate::text::single_line_problem(raw)
            .map_or_else(|| Ok(raw.to_owned()), |problem| Err(problem.to_owned())),
        LongText => crate::text::multi_line_problem(raw)
            .map_or_else(|| Ok(raw.to_owned()), |problem| Err(problem.to_owned())),
        Date => parse_french_date(raw)
            .map(|d| d.to_string())
            .ok_or_else(|| {
                "Saisissez une date au format jj/mm/aaaa, par exemple 15/05/2016.".to_owned()
            }),
        Phone => {
            let digits: String = raw
                .chars()
                .filter(|c| !matches!(c, ' ' | '.' | '-'))
                .collect();
            let national = digits
                .strip_prefix("+33")
                .map(|rest| format!("0{rest}"))
                .unwrap_or(digits);
            if national.len() == 10
                && national.starts_with('0')
                && national.chars().all(|c| c.is_ascii_digit())
            {
                Ok(national
                    .as_bytes()
                    .chunks(2)
                    .map(|pair| String::from_utf8_lossy(pair).into_owned())
                    .collect::<Vec<_>>()
                    .join(" "))
            } else {
                Err("Saisissez un numéro à 10 chiffres, par exemple 06 12 34 56 78.".to_owned())
            }
        }
        Postcode => {
            if raw.len() == 5 && raw.chars().all(|c| c.is_ascii_digit()) {
                Ok(raw.to_owned())
            } else {
                Err("Le code postal compte 5 chiffres, par exemple 75011.".to_owned())
            }
        }
        Email => crate::emails::parse_email_list(raw)
            .ok()
            .filter(|list| list.len() == 1)
            .map(|mut list| list.remove(0))
            .ok_or_else(|| {
                "Saisissez une adresse e-mail valide, par exemple prenom.nom@exemple.fr.".to_owned()
            }),
        Number => {
            let digits = raw.replace([' ', '\u{a0}'], "");
            digits
                .parse::<u32>()
                .map(|n| n.to_string())
                .map_err(|_| "Saisissez un nombre entier, sans virgule ni symbole €.".to_owned())
        }
        Choice(options) => options
            .iter()
            .find(|o| **o == raw)
            .map(|o| (*o).to_owned())
            .ok_or_else(|| "Choisissez une des réponses proposées.".to_owned()),
        YesNo => match raw {
            "oui" | "non" => Ok(raw.to_owned()),
            _ => Err("Répondez par oui ou par non.".to_owned()),
        },
    }
}

/// « 15/05/2016 » (or the browser's « 2016-05-15 ») to a date.
pub fn parse_french_date(raw: &str) -> Option<Date> {
    let raw = raw.trim();
    if let Ok(date) = raw.parse::<Date>() {
        return (1900..=2100).contains(&date.year()).then_some(date);
    }
    let mut parts = raw.split('/');
    let (day, month, year) = (
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse::<i16>().ok()?,
    );
    if parts.next().is_some() || !(1900..=2100).contains(&year) {
        return None;
    }
    Date::new(year, month, day).ok()
}

/// A stored value as the form shows it: dates back in « jj/mm/aaaa ».
pub fn display_value(f: &Field, stored: &str) -> String {
    match (f.kind, stored.parse::<Date>()) {
        (Date, Ok(d)) => format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year()),
        _ => stored.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_draft_keeps_what_is_typed_but_a_transmission_needs_every_required_field() {
        let typed = values(&[
            ("adresse", " 3 rue des Lilas "),
            ("telephone_portable", "06.12.34.56.78"),
        ]);
        let draft = check(FicheKind::Famille, &typed, Intent::Draft).unwrap();
        assert_eq!(draft["adresse"], "3 rue des Lilas");
        assert_eq!(draft["telephone_portable"], "06 12 34 56 78");
        let errors = check(FicheKind::Famille, &typed, Intent::Transmit).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert!(
            fields.contains(&"date_naissance")
                && fields.contains(&"email")
                && fields.contains(&"regime"),
            "{fields:?}"
        );
        assert!(!fields.contains(&"adresse"));
        assert!(
            !fields.contains(&"profession"),
            "optional fields are not required"
        );
    }

    #[test]
    fn formats_get_french_messages_even_in_a_draft() {
        let typed = values(&[
            ("date_naissance", "31/02/1985"),
            ("code_postal", "7501"),
            ("telephone_portable", "12345"),
            ("email", "pas-une-adresse"),
            ("quotient_familial", "650,50 €"),
        ]);
        let errors = check(FicheKind::Famille, &typed, Intent::Draft).unwrap_err();
        let message = |field: &str| {
            errors
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone())
                .unwrap_or_default()
        };
        assert!(message("date_naissance").contains("jj/mm/aaaa"));
        assert!(message("code_postal").contains("5 chiffres"));
        assert!(message("telephone_portable").contains("10 chiffres"));
        assert!(message("email").contains("adresse e-mail valide"));
        assert!(message("quotient_familial").contains("nombre entier"));
    }

    #[test]
    fn the_allocataire_number_follows_the_regime() {
        let caf = values(&[("regime", "CAF"), ("numero_allocataire", "123456")]);
        let errors = check(FicheKind::Famille, &caf, Intent::Draft).unwrap_err();
        assert_eq!(
            errors[0].message,
            "Le numéro d'allocataire CAF compte 7 chiffres."
        );
        assert!(
            check(
                FicheKind::Famille,
                &values(&[("regime", "CAF"), ("numero_allocataire", "1234567")]),
                Intent::Draft
            )
            .is_ok()
        );
        assert!(
            check(
                FicheKind::Famille,
                &values(&[("regime", "MSA"), ("numero_allocataire", "1234567890123")]),
                Intent::Draft
            )
            .is_ok()
        );
        assert!(
            check(
                FicheKind::Famille,
                &values(&[("regime", "Autre régime"), ("numero_allocataire", "X-42")]),
                Intent::Draft
            )
            .is_ok()
        );
    }

    #[test]
    fn dates_are_read_in_both_notations_and_shown_the_french_way() {
        assert_eq!(
            parse_french_date("15/05/2016"),
            Some(jiff::civil::date(2016, 5, 15))
        );
        assert_eq!(
            parse_french_date("2016-05-15"),
            Some(jiff::civil::date(2016, 5, 15))
        );
        assert_eq!(parse_french_date("15/05/16"), None);
        assert_eq!(parse_french_date("15/05/2016/1"), None);
        let f = FAMILLE[0];
        assert_eq!(display_value(&f, "2016-05-15"), "15/05/2016");
    }

    #[test]
    fn another_insurer_must_be_named() {
        let typed = values(&[
            ("compagnie", "Autre compagnie (à préciser)"),
            ("numero_contrat", "A1"),
            ("echeance", "31/08/2027"),
        ]);
        let errors = check(FicheKind::Assurance, &typed, Intent::Transmit).unwrap_err();
        assert_eq!(errors[0].field, "nouvelle_compagnie");
        let mut named = typed.clone();
        named.insert("nouvelle_compagnie".into(), "Mutuelle des Lilas".into());
        assert!(check(FicheKind::Assurance, &named, Intent::Transmit).is_ok());
        // A value not in the list is refused, whatever the browser sent.
        let forged = values(&[("compagnie", "<script>")]);
        assert_eq!(
            check(FicheKind::Assurance, &forged, Intent::Draft).unwrap_err()[0].field,
            "compagnie"
        );
    }

    #[test]
    fn files_are_recognised_by_content_and_limited_in_size_and_number() {
        assert_eq!(check_file(b"%PDF-1.7 ...", 0), Ok(FileFormat::Pdf));
        assert_eq!(
            check_file(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0], 3),
            Ok(FileFormat::Jpeg)
        );
        assert_eq!(
            check_file(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0], 0),
            Ok(FileFormat::Png)
        );
        assert!(
            check_file(b"MZ\x90\x00 an executable named photo.jpg", 0)
                .unwrap_err()
                .contains("n'est pas un PDF")
        );
        assert!(check_file(b"", 0).unwrap_err().contains("vide"));
        assert!(
            check_file(&vec![b'%'; MAX_FILE_BYTES + 1], 0)
                .unwrap_err()
                .contains("2000 ko")
        );
        assert!(
            check_file(b"%PDF-1.7", 4)
                .unwrap_err()
                .contains("4 fichiers")
        );
    }

    #[test]
    fn no_other_responsable_is_fine_but_a_named_one_needs_a_phone_and_a_link() {
        assert!(
            check(
                FicheKind::AutresResponsables,
                &Values::new(),
                Intent::Transmit
            )
            .is_ok()
        );
        let named = values(&[("nom", "MARTIN"), ("prenom", "Paul")]);
        let errors = check(FicheKind::AutresResponsables, &named, Intent::Transmit).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["lien", "telephone"]);
    }

    #[test]
    fn states_say_who_may_edit() {
        assert!(FicheState::ACompleter.editable_by_family());
        assert!(
            FicheState::Refusee {
                reason: "Attestation illisible".into()
            }
            .editable_by_family()
        );
        assert!(!FicheState::Transmise.editable_by_family());
        assert!(!FicheState::Validee.editable_by_family());
        for kind in [FicheKind::FAMILY.as_slice(), FicheKind::CHILD.as_slice()].concat() {
            assert_eq!(FicheKind::from_code(kind.code()), Some(kind));
        }
    }
}

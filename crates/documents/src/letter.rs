//! The letter that hands a family its identifiant and initial password (R-BO-3), printed by the
//! town hall and posted or given at the desk. Several letters make one file, one per page, so a
//! whole import is printed at once.

use pdf_writer::types::StructRole;

use crate::layout::{BODY, Document, STRONG, SUBTITLE, TITLE, name_and_address};

/// What a letter shows; every text is already formatted for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterDoc {
    /// « Mairie de CarteVille ».
    pub structure: String,
    /// The structure's postal address, the letter's sender; empty when unknown.
    pub structure_address: Vec<String>,
    /// « M. DUPONT Jean-Paul ».
    pub family: String,
    /// The family's postal address, empty when unknown.
    pub address: Vec<String>,
    pub identifiant: String,
    /// The initial password, in clear: the letter is the only place it is ever written.
    pub password: String,
    /// The portal's address, « https://famille.carteville.fr ».
    pub portal_url: String,
    /// « 5 mai 2026 ».
    pub date: String,
}

/// One family's letter as a PDF file.
pub fn initial_password_letter_pdf(doc: &LetterDoc) -> Vec<u8> {
    initial_password_letters_pdf(std::slice::from_ref(doc))
}

/// Several letters in one PDF file, each on its own page.
pub fn initial_password_letters_pdf(docs: &[LetterDoc]) -> Vec<u8> {
    let title = match docs {
        [one] => format!("Vos codes d’accès au Portail Famille — {}", one.family),
        _ => format!("Codes d’accès au Portail Famille — {} familles", docs.len()),
    };
    let mut pdf = Document::new(&title);
    for (index, doc) in docs.iter().enumerate() {
        if index > 0 {
            // No room is ever infinite: this starts the next letter on a page of its own.
            pdf.make_room(f32::INFINITY);
        }
        letter(&mut pdf, doc);
    }
    pdf.finish()
}

fn letter(pdf: &mut Document, doc: &LetterDoc) {
    pdf.side_by_side(
        &name_and_address(&doc.structure, SUBTITLE, &doc.structure_address),
        &name_and_address(&doc.family, STRONG, &doc.address),
    );
    pdf.advance(24.0);
    pdf.paragraph(&format!("Le {}", doc.date), BODY);
    pdf.advance(12.0);
    pdf.heading(
        StructRole::H1,
        "Vos codes d’accès au Portail Famille",
        TITLE,
    );
    pdf.paragraph("Madame, Monsieur,", BODY);
    pdf.advance(6.0);
    pdf.paragraph(
        "Votre compte famille est ouvert sur le Portail Famille : vous pourrez y réserver les activités de vos enfants, \
         payer vos factures et tenir votre dossier famille à jour. Voici vos codes d’accès.",
        BODY,
    );
    pdf.advance(12.0);
    pdf.paragraph(&format!("Adresse du portail : {}", doc.portal_url), STRONG);
    pdf.paragraph(&format!("Identifiant : {}", doc.identifiant), STRONG);
    pdf.paragraph(
        &format!("Mot de passe provisoire : {}", doc.password),
        STRONG,
    );
    pdf.advance(12.0);
    pdf.paragraph(
        "Le mot de passe provisoire ne sert qu’une fois : à votre première connexion, le portail vous demandera de choisir \
         votre mot de passe personnel, puis de lire et d’accepter les conditions d’utilisation. Saisissez le mot de passe \
         provisoire exactement comme il est écrit, avec ses tirets ; il ne contient ni zéro ni «\u{a0}o\u{a0}» majuscule, ni «\u{a0}un\u{a0}» \
         ni «\u{a0}l\u{a0}» minuscule.",
        BODY,
    );
    pdf.advance(6.0);
    pdf.paragraph(
        "Gardez ce courrier en lieu sûr ou détruisez-le après votre première connexion. Personne ne vous demandera jamais \
         votre mot de passe, pas même la structure. Si vous l’avez perdu, demandez-en un nouveau à l’accueil.",
        BODY,
    );
    pdf.advance(12.0);
    pdf.paragraph(
        "Veuillez agréer, Madame, Monsieur, nos salutations distinguées.",
        BODY,
    );
    pdf.advance(6.0);
    pdf.paragraph(&doc.structure, STRONG);
}

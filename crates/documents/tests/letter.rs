//! The initial-password letters read back with lopdf: one page per family, the codes as a
//! reader (or a screen reader) gets them, tagged in French.
//!
//! Set RIBAMBELLE_PDF_SAMPLES to a folder to also write a sample letter there.

use lopdf::{Document, Object};
use ribambelle_documents::{LetterDoc, initial_password_letter_pdf, initial_password_letters_pdf};

fn letter(identifiant: &str, password: &str) -> LetterDoc {
    LetterDoc {
        structure: "Mairie de CarteVille".into(),
        structure_address: vec!["Place de la Mairie".into(), "77001 CarteVille".into()],
        family: "Mme LE GOFF Maëlle".into(),
        address: vec!["3 rue des Écoles".into(), "77000 CarteVille".into()],
        identifiant: identifiant.into(),
        password: password.into(),
        portal_url: "https://famille.carteville.fr".into(),
        date: "5 mai 2026".into(),
    }
}

fn pages_text(document: &Document) -> Vec<String> {
    let count = document.get_pages().len() as u32;
    (1..=count)
        .map(|page| document.extract_text(&[page]).expect("page text"))
        .collect()
}

#[test]
fn a_letter_gives_the_codes_on_one_tagged_french_page() {
    let bytes = initial_password_letter_pdf(&letter("legoff", "abcde-FGHJK-23456"));
    if let Some(folder) = std::env::var_os("RIBAMBELLE_PDF_SAMPLES") {
        std::fs::write(std::path::Path::new(&folder).join("courrier.pdf"), &bytes)
            .expect("sample written");
    }
    let document = Document::load_mem(&bytes).expect("a PDF lopdf can read");
    let pages = pages_text(&document);
    assert_eq!(pages.len(), 1);
    for expected in [
        "Mairie de CarteVille",
        "Place de la Mairie",
        "Mme LE GOFF Maëlle",
        "3 rue des Écoles",
        "Le 5 mai 2026",
        "Vos codes d’accès au Portail Famille",
        "Adresse du portail : https://famille.carteville.fr",
        "Identifiant : legoff",
        "Mot de passe provisoire : abcde-FGHJK-23456",
    ] {
        assert!(pages[0].contains(expected), "{expected} in {}", pages[0]);
    }
    let catalog = document.catalog().expect("catalog");
    assert_eq!(
        catalog.get(b"Lang").and_then(Object::as_str).ok(),
        Some(&b"fr-FR"[..])
    );
    assert!(catalog.get(b"StructTreeRoot").is_ok());
}

#[test]
fn several_letters_start_each_on_its_own_page() {
    let docs: Vec<LetterDoc> = (0..3)
        .map(|n| letter(&format!("famille{n}"), &format!("mot-{n}")))
        .collect();
    let document = Document::load_mem(&initial_password_letters_pdf(&docs)).expect("a PDF");
    let pages = pages_text(&document);
    assert_eq!(pages.len(), 3);
    for (n, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("Identifiant : famille{n}"))
                && page.contains(&format!("Mot de passe provisoire : mot-{n}")),
            "{page}"
        );
        assert!(page.contains(&format!("Page {} / 3", n + 1)), "{page}");
    }
}

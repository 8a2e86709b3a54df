//! Reads the produced PDF files back with lopdf: the text a family (or a screen reader) gets,
//! the pagination and the accessibility entries.
//!
//! Set RIBAMBELLE_PDF_SAMPLES to a folder to also write a sample invoice and history there.

use lopdf::{Dictionary, Document, Object};
use ribambelle_documents::{
    DocumentError, HistoryConsommation, HistoryDoc, HistoryReglement, InvoiceDoc, InvoiceLine,
    history_pdf, invoice_pdf,
};
use ribambelle_domain::money::Cents;

fn invoice(lines: usize) -> InvoiceDoc {
    let lines: Vec<InvoiceLine> = (0..lines)
        .map(|index| InvoiceLine {
            day: format!("{:02}/10/2026", index % 28 + 1),
            child: if index % 2 == 0 {
                "Zoé MARTIN".into()
            } else {
                "Léon-François MARTIN-LEFÈVRE".into()
            },
            activity: format!("Accueil périscolaire n° {}", index + 1),
            quantity: 2,
            unit_price: Cents(61_728),
            amount: Cents(123_456),
        })
        .collect();
    let total = Cents(123_456) * lines.len() as i64;
    InvoiceDoc {
        structure: "Mairie de CarteVille".into(),
        structure_address: vec![
            "1 place de l’Hôtel de Ville".into(),
            "12345 CarteVille".into(),
        ],
        wallet: "Restauration scolaire".into(),
        number: "F202610-00001".into(),
        family: "MARTIN Paul".into(),
        family_address: vec!["3 rue des Écoles".into(), "12345 CarteVille".into()],
        period: "octobre 2026".into(),
        issued_on: "05/11/2026".into(),
        due_on: "05/12/2026".into(),
        lines,
        total,
        paid: Cents(1_000),
        remaining: total - Cents(1_000),
    }
}

fn history(consommations: usize, reglements: usize) -> HistoryDoc {
    let consommations: Vec<HistoryConsommation> = (0..consommations)
        .map(|index| HistoryConsommation {
            day: format!("{:02}/11/2026", index % 28 + 1),
            child: "Zoé MARTIN".into(),
            activity: "Cantine — repas végétarien".into(),
            quantity: 1,
            amount: Cents(350),
        })
        .collect();
    HistoryDoc {
        structure: "Mairie de CarteVille".into(),
        family: "MARTIN Paul".into(),
        month: "novembre 2026".into(),
        total: Cents(350) * consommations.len() as i64,
        consommations,
        reglements: (0..reglements)
            .map(|_| HistoryReglement {
                paid_on: "20/11/2026".into(),
                mode: "Carte bancaire".into(),
                amount: Cents(1_050),
                reference: "PAYFIP-2026-000042".into(),
            })
            .collect(),
        generated_on: "03/12/2026".into(),
    }
}

fn load(bytes: &[u8]) -> Document {
    Document::load_mem(bytes).expect("a PDF lopdf can read")
}

/// The text of each page, one line per drawn line.
fn pages_text(document: &Document) -> Vec<String> {
    let count = document.get_pages().len() as u32;
    (1..=count)
        .map(|page| document.extract_text(&[page]).expect("page text"))
        .collect()
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).collect()
}

fn save_sample(name: &str, bytes: &[u8]) {
    if let Some(folder) = std::env::var_os("RIBAMBELLE_PDF_SAMPLES") {
        std::fs::write(std::path::Path::new(&folder).join(name), bytes).expect("sample written");
    }
}

#[test]
fn invoice_shows_its_figures_with_accents_and_euros() {
    let bytes = invoice_pdf(&invoice(3)).expect("invoice");
    save_sample("facture.pdf", &bytes);
    let pages = pages_text(&load(&bytes));
    assert_eq!(pages.len(), 1);
    let text = lines(&pages[0]);
    for expected in [
        "Mairie de CarteVille",
        "1 place de l’Hôtel de Ville",
        "MARTIN Paul",
        "3 rue des Écoles",
        "Facture n° F202610-00001",
        "Période : octobre 2026",
        "Date d’échéance : 05/12/2026",
        "Zoé MARTIN",
        "Accueil périscolaire n° 1",
        "Prix unitaire",
        "617,28 €",
        "Total",
        "3 703,68 €",
        "Déjà réglé",
        "10,00 €",
        "Reste à payer",
        "3 693,68 €",
        "Reste à payer avant le 05/12/2026.",
        "Page 1 / 1",
    ] {
        assert!(
            text.contains(&expected),
            "{expected:?} missing from {text:#?}"
        );
    }
}

#[test]
fn amounts_keep_their_thousands_separator() {
    let mut doc = invoice(0);
    doc.lines = vec![InvoiceLine {
        day: "02/10/2026".into(),
        child: "Zoé".into(),
        activity: "Séjour".into(),
        quantity: 1,
        unit_price: Cents(123_456),
        amount: Cents(123_456),
    }];
    doc.total = Cents(123_456);
    doc.paid = Cents::ZERO;
    doc.remaining = Cents(123_456);
    let text = pages_text(&load(&invoice_pdf(&doc).expect("invoice"))).concat();
    // WinAnsi has no narrow no-break space: the no-break space's glyph (which reads back as a
    // plain space) is the closest Helvetica offers, and the amount stays on one line.
    assert_eq!(
        lines(&text)
            .iter()
            .filter(|line| **line == "1 234,56 €")
            .count(),
        4,
        "{text}"
    );
}

#[test]
fn long_invoices_continue_on_numbered_pages_with_their_headers() {
    let short = load(&invoice_pdf(&invoice(10)).expect("invoice"))
        .get_pages()
        .len();
    let bytes = invoice_pdf(&invoice(120)).expect("invoice");
    save_sample("facture-longue.pdf", &bytes);
    let pages = pages_text(&load(&bytes));
    assert_eq!(short, 1);
    assert!(pages.len() >= 3, "{} pages", pages.len());

    let count = pages.len();
    for (index, page) in pages.iter().enumerate() {
        let text = lines(page);
        let header = [
            "Date",
            "Enfant",
            "Activité",
            "Quantité",
            "Prix unitaire",
            "Montant",
        ];
        assert!(
            text.windows(6).any(|window| window == header),
            "no header on page {}",
            index + 1
        );
        let numbering = format!("Page {} / {count}", index + 1);
        assert!(text.contains(&numbering.as_str()), "{numbering:?} missing");
    }
    // Every line once, in order, the totals after the last one.
    let all = pages.concat();
    let all = lines(&all);
    let positions: Vec<usize> = (1..=120)
        .map(|number| {
            let line = format!("Accueil périscolaire n° {number}");
            assert_eq!(
                all.iter().filter(|text| **text == line).count(),
                1,
                "{line}"
            );
            all.iter()
                .position(|text| *text == line)
                .unwrap_or_default()
        })
        .collect();
    assert!(positions.is_sorted());
    let remaining = all
        .iter()
        .position(|text| *text == "Reste à payer")
        .expect("totals");
    assert!(remaining > positions[119]);
    assert!(
        lines(&pages[count - 1]).contains(&"148 147,20 €"),
        "total on the last page"
    );
}

fn catalog(document: &Document) -> &Dictionary {
    document.catalog().expect("catalog")
}

fn resolve<'a>(document: &'a Document, object: &'a Object) -> &'a Object {
    document.dereference(object).expect("reference resolves").1
}

/// Structure types in reading order, and the (page, MCID) of their marked content.
fn walk(
    document: &Document,
    element: &Object,
    roles: &mut Vec<String>,
    content: &mut Vec<(u32, i64)>,
) {
    let pages: std::collections::BTreeMap<_, _> = document
        .get_pages()
        .into_iter()
        .map(|(number, id)| (id, number))
        .collect();
    let element = resolve(document, element)
        .as_dict()
        .expect("structure element");
    if let Ok(role) = element.get(b"S").and_then(Object::as_name) {
        roles.push(String::from_utf8_lossy(role).into_owned());
    }
    let kids = match element.get(b"K") {
        Ok(Object::Array(kids)) => kids.clone(),
        Ok(kid) => vec![kid.clone()],
        Err(_) => Vec::new(),
    };
    for kid in &kids {
        let dict = resolve(document, kid).as_dict().expect("kid");
        if dict.get(b"Type").and_then(Object::as_name).ok() == Some(b"MCR") {
            let page = dict
                .get(b"Pg")
                .and_then(Object::as_reference)
                .expect("page of the content");
            content.push((
                pages[&page],
                dict.get(b"MCID").and_then(Object::as_i64).expect("MCID"),
            ));
        } else {
            walk(document, kid, roles, content);
        }
    }
}

#[test]
fn invoices_are_tagged_in_french_with_a_title() {
    let document = load(&invoice_pdf(&invoice(120)).expect("invoice"));
    let catalog = catalog(&document);
    assert_eq!(
        catalog.get(b"Lang").and_then(Object::as_str).ok(),
        Some(&b"fr-FR"[..])
    );
    let mark_info = resolve(&document, catalog.get(b"MarkInfo").expect("MarkInfo"))
        .as_dict()
        .expect("dict");
    assert_eq!(
        mark_info.get(b"Marked").and_then(Object::as_bool).ok(),
        Some(true)
    );
    let preferences = resolve(&document, catalog.get(b"ViewerPreferences").expect("prefs"))
        .as_dict()
        .expect("dict");
    assert_eq!(
        preferences
            .get(b"DisplayDocTitle")
            .and_then(Object::as_bool)
            .ok(),
        Some(true)
    );
    let info = resolve(&document, document.trailer.get(b"Info").expect("Info"))
        .as_dict()
        .expect("dict");
    let title = info
        .get(b"Title")
        .and_then(lopdf::decode_text_string)
        .expect("title");
    assert_eq!(title, "Facture n° F202610-00001 — MARTIN Paul");
    let metadata = resolve(&document, catalog.get(b"Metadata").expect("XMP"))
        .as_stream()
        .expect("stream");
    let xmp = String::from_utf8_lossy(&metadata.content);
    assert!(
        xmp.contains("Facture n° F202610-00001") && xmp.contains("fr-FR"),
        "{xmp}"
    );

    let root = resolve(
        &document,
        catalog.get(b"StructTreeRoot").expect("StructTreeRoot"),
    )
    .as_dict()
    .expect("dict");
    let (mut roles, mut content) = (Vec::new(), Vec::new());
    walk(
        &document,
        root.get(b"K").expect("document element"),
        &mut roles,
        &mut content,
    );
    let count = |role: &str| roles.iter().filter(|found| *found == role).count();
    assert_eq!(roles[0], "Document");
    assert_eq!(
        roles[1..]
            .iter()
            .position(|role| role == "H1")
            .map(|p| p < 4),
        Some(true),
        "{roles:?}"
    );
    assert_eq!(count("Table"), 1);
    assert_eq!(
        count("TH"),
        6,
        "headers repeated on later pages are artifacts"
    );
    assert_eq!(count("TR"), 121);
    assert_eq!(count("TD"), 6 * 120);
    assert!(count("P") >= 8);
    // Reading order is the drawing order: page by page, marked content by marked content.
    assert!(
        content.is_sorted(),
        "structure order differs from content order"
    );
    assert_eq!(
        content.len(),
        roles.len() - count("Table") - count("TR") - count("THead") - count("TBody") - 1
    );
}

#[test]
fn histories_list_consommations_and_reglements() {
    let bytes = history_pdf(&history(4, 2)).expect("history");
    save_sample("historique.pdf", &bytes);
    let document = load(&bytes);
    let text = pages_text(&document).concat();
    let text = lines(&text);
    for expected in [
        "Historique — novembre 2026",
        "MARTIN Paul",
        "Édité le 03/12/2026",
        "Consommations",
        "Cantine — repas végétarien",
        "Total",
        "14,00 €",
        "Règlements",
        "Référence",
        "Carte bancaire",
        "10,50 €",
        "PAYFIP-2026-000042",
    ] {
        assert!(
            text.contains(&expected),
            "{expected:?} missing from {text:#?}"
        );
    }
    assert!(!text.contains(&"Aucun règlement."));
    assert_eq!(
        catalog(&document)
            .get(b"Lang")
            .and_then(Object::as_str)
            .ok(),
        Some(&b"fr-FR"[..])
    );
}

#[test]
fn empty_histories_say_so() {
    let text = pages_text(&load(&history_pdf(&history(0, 0)).expect("history"))).concat();
    let text = lines(&text);
    assert!(
        text.contains(&"Aucune consommation ce mois-ci."),
        "{text:#?}"
    );
    assert!(text.contains(&"Aucun règlement."), "{text:#?}");
    assert!(!text.contains(&"Montant"), "no empty table");
}

#[test]
fn documents_that_do_not_add_up_are_refused() {
    let mut doc = invoice(2);
    doc.total = Cents(1);
    assert!(matches!(
        invoice_pdf(&doc),
        Err(DocumentError::TotalIsNotTheSum { .. })
    ));
    let mut doc = invoice(2);
    doc.remaining = doc.total;
    assert!(matches!(
        invoice_pdf(&doc),
        Err(DocumentError::RemainingIsNotTheBalance { .. })
    ));
    let mut doc = history(2, 0);
    doc.total = Cents::ZERO;
    assert!(matches!(
        history_pdf(&doc),
        Err(DocumentError::TotalIsNotTheSum { .. })
    ));
}

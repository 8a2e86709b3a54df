//! The fiche de contacts (R-DOS-5): a contact created once and reused for another child,
//! its name fixed, its deletion refused while a child keeps it, then allowed.

use axum::http::StatusCode;

use ribambelle_testkit::NewFamily;

use crate::{dossier::fiche_link, support::TestApp};

const LINK: &[(&str, &str)] = &[
    ("lien", "Grand-mère"),
    ("recuperer", "oui"),
    ("urgence", "non"),
];

#[tokio::test]
async fn a_contact_is_reused_renamed_never_and_deleted_only_once_detached() {
    let (app, _town) = TestApp::with_dossiers().await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let lea = fiche_link(
        &mut c,
        "Fiche de contacts<span class=\"visually-hidden\"> de Léa</span>",
    )
    .await;
    let hugo = fiche_link(
        &mut c,
        "Fiche de contacts<span class=\"visually-hidden\"> d&#39;Hugo</span>",
    )
    .await;
    c.get(&lea)
        .await
        .assert_contains("DUBOIS Monique")
        .assert_contains("Récupérer l'enfant : <strong>oui</strong>");

    // Léa's grandmother, picked from the family's contacts for Hugo: the link is required.
    let page = c.get(&hugo).await;
    page.assert_contains("Aucun contact n'est encore indiqué pour Hugo.")
        .assert_contains("Choisir un de vos contacts");
    let dubois: String =
        sqlx::query_scalar("SELECT public_id FROM contacts WHERE last_name = 'DUBOIS'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    let action = format!("{hugo}/contacts");
    let no_link = c
        .post_signed(
            &hugo,
            &action,
            &[("action", "ajouter"), ("contact", &dubois)],
        )
        .await;
    assert_eq!(no_link.status, StatusCode::UNPROCESSABLE_ENTITY);
    no_link.assert_contains("Renseignez ce champ : « Lien de parenté avec l'enfant ».");
    let mut fields = vec![("action", "ajouter"), ("contact", dubois.as_str())];
    fields.extend_from_slice(LINK);
    assert_eq!(
        c.post_signed(&hugo, &action, &fields).await.location(),
        hugo
    );
    c.get(&hugo)
        .await
        .assert_contains("DUBOIS Monique")
        .assert_contains("Appel en cas d'urgence : <strong>non</strong>");

    // A new contact: its phone is checked.
    let mut new = vec![
        ("action", "creer"),
        ("nom", "Leroux"),
        ("prenom", "Paul"),
        ("telephone", "12"),
    ];
    new.extend_from_slice(LINK);
    let bad = c.post_signed(&hugo, &action, &new).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Saisissez un numéro à 10 chiffres");
    new[3] = ("telephone", "0611223344");
    assert_eq!(c.post_signed(&hugo, &action, &new).await.location(), hugo);
    c.get(&hugo)
        .await
        .assert_contains("LEROUX Paul")
        .assert_contains("06 11 22 33 44");

    // Its name cannot be changed, even by a forged field; its phone can.
    let edit = format!("/dossier/contacts/{dubois}");
    let form = c.get(&edit).await;
    form.assert_contains("Modifier le contact DUBOIS Monique");
    assert!(form.input_value("nom").is_none());
    let saved = c
        .post_signed(
            &edit,
            &edit,
            &[
                ("nom", "AUTRE"),
                ("prenom", "Nom"),
                ("telephone", "0699999999"),
                ("fiche", &hugo[16..]),
            ],
        )
        .await;
    assert_eq!(saved.location(), hugo);
    c.get(&hugo)
        .await
        .assert_contains("DUBOIS Monique")
        .assert_contains("06 99 99 99 99");

    // Deleting her is refused while a child keeps her, with the steps; allowed once she
    // is removed from both children.
    let delete = format!("/dossier/contacts/{dubois}/supprimer");
    let refused = c
        .post_signed(&hugo, &delete, &[("fiche", &hugo[16..])])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Ce contact est encore rattaché à Léa, Hugo");
    for fiche in [&lea, &hugo] {
        let action = format!("{fiche}/contacts");
        assert_eq!(
            c.post_signed(
                fiche,
                &action,
                &[("action", "retirer"), ("contact", &dubois)]
            )
            .await
            .location(),
            fiche.as_str()
        );
    }
    assert_eq!(
        c.post_signed(&hugo, &delete, &[("fiche", &hugo[16..])])
            .await
            .location(),
        hugo
    );
    assert!(!c.get(&hugo).await.body.contains("DUBOIS"));

    // Transmitted, the fiche's contacts are read-only.
    assert_eq!(
        c.post_signed(&hugo, &hugo, &[("action", "transmettre")])
            .await
            .location(),
        "/dossier?transmise=contacts"
    );
    let late = c
        .post_signed(&hugo, &action, &[("action", "retirer"), ("contact", "x")])
        .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    late.assert_contains("ses contacts ne sont plus modifiables");
}

#[tokio::test]
async fn another_familys_contact_cannot_be_attached_edited_or_deleted() {
    let (app, _town) = TestApp::with_dossiers().await;
    let dubois: String =
        sqlx::query_scalar("SELECT public_id FROM contacts WHERE last_name = 'DUBOIS'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    let mut dupont = app.client();
    dupont.onboard_dupont().await;
    let amalia = fiche_link(
        &mut dupont,
        "Fiche de contacts<span class=\"visually-hidden\"> d&#39;Amalia</span>",
    )
    .await;
    let mut fields = vec![("action", "ajouter"), ("contact", dubois.as_str())];
    fields.extend_from_slice(LINK);
    assert_eq!(
        dupont
            .post_signed(&amalia, &format!("{amalia}/contacts"), &fields)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        dupont
            .get(&format!("/dossier/contacts/{dubois}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        dupont
            .post_signed(
                &amalia,
                &format!("/dossier/contacts/{dubois}/supprimer"),
                &[]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM child_contacts")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(kept, 1, "MARTIN's contact is still tied to Léa only");
}

//! No family may see or change another family's data, on any route; no family session
//! reaches the back office; no form is taken without its session's token; an animateur
//! changes nothing, and a gestionnaire of one structure reaches nothing of another's. Every
//! test walks the application's own route table, so a new route is covered the day it is
//! added (and a new path parameter must be taught here).

use axum::http::StatusCode;
use ribambelle_domain::{
    dossier::Piece,
    ids::{FamilyId, StructureId},
    staff::StaffRole,
};
use ribambelle_store::{
    dossier, payments,
    pieces::{self, Deposit, NewFile},
};
use ribambelle_web::{Access, RouteInfo, route_list};

use crate::support::{Client, STRONG, TestApp};

/// What MARTIN's data looks like in a page; none of it may reach DUPONT.
const MARTIN_MARKERS: &[&str] = &[
    "MARTIN",
    "Léa",
    "Hugo",
    "claire.martin",
    "paul.martin",
    "Écureuils",
    "DUBOIS",
];

async fn martin_snapshot(app: &TestApp) -> Vec<String> {
    let queries: [&'static str; 12] = [
        "SELECT password_hash || '|' || emails || '|' || CAST(must_change_password AS TEXT) || '|' || updated_at FROM families WHERE identifiant = 'martin'",
        "SELECT CAST(COUNT(*) AS TEXT) FROM consents c JOIN families f ON f.id = c.family_id WHERE f.identifiant = 'martin'",
        "SELECT CAST(COUNT(*) AS TEXT) FROM reglement_signatures s JOIN children c ON c.id = s.child_id JOIN families f ON f.id = c.family_id WHERE f.identifiant = 'martin'",
        "SELECT CAST(COUNT(*) AS TEXT) FROM reservations r JOIN families f ON f.id = r.family_id WHERE f.identifiant = 'martin'",
        "SELECT CAST(COUNT(*) AS TEXT) FROM children c JOIN families f ON f.id = c.family_id WHERE f.identifiant = 'martin'",
        "SELECT CAST(COUNT(*) AS TEXT) FROM payments p JOIN families f ON f.id = p.family_id WHERE f.identifiant = 'martin'",
        "SELECT COALESCE(MAX(p.state || p.reference), '') || '|' || CAST((SELECT COUNT(*) FROM payment_allocations) AS TEXT) || '|' || CAST((SELECT COUNT(*) FROM payment_invoices) AS TEXT) FROM payments p JOIN families f ON f.id = p.family_id WHERE f.identifiant = 'martin' AND p.state = 'en_cours'",
        "SELECT CAST(COUNT(*) AS TEXT) FROM pending_changes p JOIN families f ON f.id = p.family_id WHERE f.identifiant = 'martin'",
        "SELECT CAST(COUNT(*) AS TEXT) FROM reservation_requests r JOIN families f ON f.id = r.family_id WHERE f.identifiant = 'martin'",
        "SELECT COALESCE(MAX(fi.updated_at), '') || '|' || CAST(COUNT(*) AS TEXT) FROM fiches fi JOIN families f ON f.id = fi.family_id WHERE f.identifiant = 'martin'",
        "SELECT CAST(COUNT(*) AS TEXT) FROM fiche_files ff JOIN fiches fi ON fi.id = ff.fiche_id JOIN families f ON f.id = fi.family_id WHERE f.identifiant = 'martin'",
        "SELECT COALESCE(MAX(c.phone || c.address || c.email), '') || '|' || CAST(COUNT(*) AS TEXT) || '|' || CAST((SELECT COUNT(*) FROM child_contacts cc JOIN contacts k ON k.id = cc.contact_id JOIN families g ON g.id = k.family_id WHERE g.identifiant = 'martin') AS TEXT) FROM contacts c JOIN families f ON f.id = c.family_id WHERE f.identifiant = 'martin'",
    ];
    let mut snapshot = Vec::new();
    for q in queries {
        let value: String = sqlx::query_scalar(q)
            .fetch_one(app.db().reader())
            .await
            .unwrap();
        snapshot.push(value);
    }
    snapshot
}

/// MARTIN's identifiers, as DUPONT would put them in URLs and forms.
struct Foreign {
    child: String,
    fiche: String,
    /// A pièce justificative of that fiche.
    file: String,
    contact: String,
    structure: String,
    reglement_text: String,
    invoice: String,
    /// An online payment of MARTIN's, under way.
    payment: String,
}

async fn martin_ids(app: &TestApp) -> Foreign {
    let child: String = sqlx::query_scalar(
        "SELECT c.public_id FROM children c JOIN families f ON f.id = c.family_id WHERE f.identifiant = 'martin' ORDER BY c.id LIMIT 1",
    )
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    let structure: i64 = sqlx::query_scalar("SELECT id FROM structures WHERE slug = 'ecureuils'")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    let text: i64 = sqlx::query_scalar("SELECT t.id FROM legal_texts t JOIN structures s ON s.id = t.structure_id WHERE s.slug = 'ecureuils' AND t.kind = 'reglement'")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    // MARTIN has opened his dossier: his fiches exist.
    let (family, carteville): (FamilyId, StructureId) = sqlx::query_as("SELECT f.id, s.id FROM families f, structures s WHERE f.identifiant = 'martin' AND s.slug = 'carteville'")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    let now = app.now();
    let campaign = dossier::open_campaign(
        app.db(),
        carteville,
        ribambelle_domain::clock::paris_date(now),
    )
    .await
    .unwrap()
    .expect("the demo's campaign");
    let fiche = dossier::family_fiches(app.db(), family, &campaign, now)
        .await
        .unwrap()
        .remove(0)
        .public_id;
    let fiche_id = dossier::family_fiche(app.db(), family, &fiche)
        .await
        .unwrap()
        .unwrap()
        .id;
    let pdf = NewFile {
        piece: Piece::AttestationCafMsa,
        file_name: "caf.pdf",
        content: b"%PDF-1.4 MARTIN".as_slice().into(),
    };
    assert_eq!(
        pieces::deposit(app.db(), &app.state.files, family, fiche_id, pdf, now)
            .await
            .unwrap(),
        Deposit::Stored
    );
    let file = pieces::files_of(app.db(), fiche_id)
        .await
        .unwrap()
        .remove(0)
        .public_id;
    let contact: String = sqlx::query_scalar("SELECT c.public_id FROM contacts c JOIN families f ON f.id = c.family_id WHERE f.identifiant = 'martin'")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    let invoice: String = sqlx::query_scalar(
        "SELECT i.public_id FROM invoices i JOIN families f ON f.id = i.family_id WHERE f.identifiant = 'martin' AND i.structure_id = $1 ORDER BY i.period_month DESC LIMIT 1",
    )
    .bind(carteville)
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    let choice = payments::Choice::Invoices(vec![invoice.clone()]);
    let payment = payments::begin(
        app.db(),
        family,
        carteville,
        &choice,
        "paul.martin@example.fr",
        payments::Provider::PayFip,
        now,
    )
    .await
    .unwrap()
    .unwrap()
    .public_id;
    Foreign {
        child,
        fiche,
        file,
        contact,
        structure: structure.to_string(),
        reglement_text: text.to_string(),
        invoice,
        payment,
    }
}

fn fill(path: &str, foreign: &Foreign) -> String {
    let mut filled = path.to_owned();
    while let Some(start) = filled.find('{') {
        let end = filled[start..].find('}').unwrap() + start;
        let value = match &filled[start + 1..end] {
            "enfant" => foreign.child.clone(),
            "fiche" => foreign.fiche.clone(),
            "piece" => Piece::AttestationCafMsa.code().to_owned(),
            "fichier" => foreign.file.clone(),
            "contact" => foreign.contact.clone(),
            "facture" => foreign.invoice.clone(),
            "paiement" => foreign.payment.clone(),
            other => {
                panic!("teach the cross-family test what to put in {{{other}}} (route {path})")
            }
        };
        filled.replace_range(start..=end, &value);
    }
    filled
}

#[tokio::test]
async fn no_family_route_shows_or_changes_another_familys_data() {
    let app = TestApp::with_demo().await;
    let foreign = martin_ids(&app).await;
    let before = martin_snapshot(&app).await;
    let mut dupont = app.client();
    dupont.onboard_dupont().await;
    let today = app.today().to_string();
    // A session's own routes (keep-alive, sign-out) are walked with the family's.
    let family_routes: Vec<_> = route_list()
        .into_iter()
        .filter(|r| matches!(r.access, Access::Family | Access::Session))
        .collect();
    assert!(
        family_routes.len() >= 10,
        "the table lists the family routes"
    );
    for route in family_routes {
        let path = fill(route.path, &foreign);
        for method in ["GET", "POST"] {
            // Some routes end the session (logout); sign in again before each request.
            if dupont.get("/accueil").await.status != StatusCode::OK {
                dupont.login("dupont", STRONG).await;
            }
            let token = dupont.get("/accueil").await.csrf().unwrap();
            let text_box = format!("texte_{}", foreign.reglement_text);
            let fields: Vec<(&str, &str)> = vec![
                ("_csrf", &token),
                ("enfant", &foreign.child),
                ("structure", &foreign.structure),
                ("texte", &foreign.reglement_text),
                (&text_box, "oui"),
                ("lu", "oui"),
                ("nom", "Intrus"),
                ("lieu", "Ailleurs"),
                ("date", &today),
                ("heure", "10:00"),
                ("retour", "/accueil"),
                ("action", "transmettre"),
                ("contact", &foreign.contact),
                ("facture", &foreign.invoice),
                ("porte_monnaie", "1"),
                ("montant", "20"),
                ("fiche", &foreign.fiche),
                ("telephone", "0600000000"),
                ("emails", "intrus@example.fr"),
                ("mois", &today[..7]),
                ("basculer", &today),
                ("tout_le_mois", "1"),
                (
                    "cle",
                    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                ),
                ("actuel", STRONG),
                ("nouveau", STRONG),
                ("confirmation", STRONG),
            ];
            let with_query = format!(
                "{path}?enfant={}&date={today}&mois={}",
                foreign.child,
                &today[..7]
            );
            let pages = if method == "GET" {
                vec![dupont.get(&path).await, dupont.get(&with_query).await]
            } else {
                vec![dupont.post(&path, &fields).await]
            };
            for page in pages {
                assert!(
                    page.status.as_u16() < 500,
                    "{method} {path}: {}",
                    page.status
                );
                for marker in MARTIN_MARKERS {
                    assert!(
                        !page.body.contains(marker),
                        "{method} {path} shows {marker:?} to DUPONT:\n{}",
                        page.body
                    );
                }
                let target = page.location();
                assert!(
                    !target.contains(&foreign.child),
                    "{method} {path} redirects into MARTIN's data: {target}"
                );
            }
        }
    }
    assert_eq!(
        martin_snapshot(&app).await,
        before,
        "MARTIN's data did not change"
    );
}

#[tokio::test]
async fn no_family_session_reaches_any_back_office_route() {
    let app = TestApp::with_demo().await;
    let mut family = app.client();
    family.login("martin", "Martin-Demo-2026!").await;
    let token = family.get("/accueil").await.csrf().unwrap();
    let staff_routes: Vec<_> = route_list()
        .into_iter()
        .filter(|r| r.access == Access::Staff)
        .collect();
    assert!(!staff_routes.is_empty());
    for route in staff_routes {
        assert!(route.path.starts_with("/gestion"), "{}", route.path);
        let get = family.get(route.path).await;
        let post = family.post(route.path, &[("_csrf", &token)]).await;
        for (method, page) in [("GET", get), ("POST", post)] {
            assert!(
                page.status == StatusCode::FORBIDDEN
                    || page.status == StatusCode::METHOD_NOT_ALLOWED,
                "{method} {}: {} {}",
                route.path,
                page.status,
                page.body
            );
            assert!(
                !page.body.contains("Tableau de bord"),
                "{method} {}",
                route.path
            );
        }
    }
    assert_eq!(
        family.get("/accueil").await.status,
        StatusCode::OK,
        "the family session is untouched"
    );
}

#[tokio::test]
async fn every_page_route_is_in_the_table_with_its_access() {
    // The table drives the router; a family page must be classed Family so that the
    // tests above visit it. Public routes are the ones a visitor needs.
    let public: Vec<&str> = route_list()
        .iter()
        .filter(|r| r.access == Access::Public)
        .map(|r| r.path)
        .collect();
    for path in public {
        assert!(
            [
                "/",
                "/healthz",
                "/connexion",
                "/connexion/attente",
                "/mot-de-passe-oublie",
                "/gestion/connexion",
                "/gestion/connexion/attente",
                "/gestion/connexion/code"
            ]
            .contains(&path)
                || path.starts_with("/static/")
                || path.starts_with("/theme/")
                || path.starts_with("/reinitialiser/")
                || path.starts_with("/agenda/")
                || path.starts_with("/paiement/notification/"),
            "{path} is public: is that intended?"
        );
    }
}

/// MARTIN and the administrateur signed in, with what fills every signed-in route's path:
/// MARTIN's own ids, and the demo's staff member, activity, structure and announcement.
struct SignedIn<'a> {
    martin: Client<'a>,
    staff: Client<'a>,
    own: Foreign,
    family: String,
    gestion: i64,
    activity: String,
    carteville: i64,
    announcement: i64,
    registered: String,
    today: String,
}

impl<'a> SignedIn<'a> {
    async fn new(app: &'a TestApp) -> SignedIn<'a> {
        let own = martin_ids(app).await;
        let mut martin = app.client();
        martin.login("martin", "Martin-Demo-2026!").await;
        // The administrateur: every structure, and the staff accounts.
        let mut staff = app.client();
        assert_eq!(
            staff
                .staff_login("admin", "Admin-Demo-2026!")
                .await
                .location(),
            "/gestion"
        );
        let text = |sql: &'static str| async move {
            sqlx::query_scalar::<_, String>(sql)
                .fetch_one(app.db().reader())
                .await
                .unwrap()
        };
        let number = |sql: &'static str| async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(app.db().reader())
                .await
                .unwrap()
        };
        let registered: String = sqlx::query_scalar(
            "SELECT a.public_id FROM registrations r JOIN activities a ON a.id = r.activity_id JOIN children c ON c.id = r.child_id \
             WHERE c.public_id = $1 ORDER BY a.id LIMIT 1",
        )
        .bind(&own.child)
        .fetch_one(app.db().reader())
        .await
        .unwrap();
        SignedIn {
            martin,
            staff,
            family: text("SELECT public_id FROM families WHERE identifiant = 'martin'").await,
            gestion: number("SELECT id FROM staff WHERE login = 'gestion'").await,
            activity: text("SELECT public_id FROM activities ORDER BY id LIMIT 1").await,
            carteville: number("SELECT id FROM structures WHERE slug = 'carteville'").await,
            announcement: number("SELECT id FROM announcements ORDER BY id LIMIT 1").await,
            registered,
            today: app.today().to_string(),
            own,
        }
    }

    /// The client allowed on the route and the route's path with its query, filled with
    /// what it asks for; none for public routes.
    fn route(&mut self, route: &RouteInfo) -> Option<(&mut Client<'a>, String)> {
        let (own, registered, today) = (&self.own, &self.registered, &self.today);
        match route.access {
            Access::Public => None,
            // With what the booking pages ask for in their query.
            Access::Family | Access::Session => {
                let query = format!(
                    "enfant={}&activite={registered}&date={today}&mois={}",
                    own.child,
                    &today[..7]
                );
                Some((
                    &mut self.martin,
                    format!("{}?{query}", fill(route.path, own)),
                ))
            }
            Access::Staff => {
                let path = route
                    .path
                    .replace("{famille}", &self.family)
                    .replace("{enfant}", &own.child)
                    .replace("{fiche}", &own.fiche)
                    .replace("{fichier}", &own.file)
                    .replace("{facture}", &own.invoice)
                    .replace("{id}", &self.gestion.to_string())
                    .replace("{activite}", &self.activity)
                    .replace("{annonce}", &self.announcement.to_string())
                    // Texts are found by the structure's id, settings by its slug.
                    .replace(
                        "/gestion/textes/{structure}",
                        &format!("/gestion/textes/{}", self.carteville),
                    )
                    .replace("{structure}", "carteville")
                    .replace("{texte}", "rgpd");
                assert!(!path.contains('{'), "teach this test what to put in {path}");
                Some((
                    &mut self.staff,
                    format!("{path}?activite={registered}&jour={today}"),
                ))
            }
        }
    }
}

#[tokio::test]
async fn every_signed_in_page_is_kept_by_no_cache() {
    let app = TestApp::with_demo().await;
    let mut signed_in = SignedIn::new(&app).await;
    let mut seen = 0;
    for route in route_list() {
        let Some((client, path)) = signed_in.route(&route) else {
            continue;
        };
        let page = client.get(&path).await;
        if page.status == StatusCode::METHOD_NOT_ALLOWED {
            continue;
        }
        seen += 1;
        assert!(
            page.status == StatusCode::OK || page.status == StatusCode::SEE_OTHER,
            "GET {path}: {}",
            page.status
        );
        assert!(
            page.header("cache-control").contains("no-store"),
            "GET {path} ({}): cache-control {:?}",
            page.status,
            page.header("cache-control")
        );
    }
    assert!(seen >= 40, "{seen} signed-in pages seen");
}

#[tokio::test]
async fn every_signed_in_form_without_its_token_is_refused() {
    // The token is checked by the form's extractor before any handler runs: a route that
    // takes a form some other way answers something else here, and fails.
    let app = TestApp::with_demo().await;
    let mut signed_in = SignedIn::new(&app).await;
    let boundary = "----ribambelle-forged";
    let mut posted = 0;
    for route in route_list() {
        let Some((client, path)) = signed_in.route(&route) else {
            continue;
        };
        for token in [None, Some("forged")] {
            let mut fields = vec![("structure", "1"), ("action", "importer")];
            fields.extend(token.map(|t| ("_csrf", t)));
            let mut page = client.post(&path, &fields).await;
            if page.status == StatusCode::METHOD_NOT_ALLOWED {
                break;
            }
            if page.status == StatusCode::BAD_REQUEST {
                // An upload route: the same forgery as multipart/form-data.
                let parts: String = fields
                    .iter()
                    .map(|(name, value)| {
                        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    })
                    .collect();
                let body = format!("{parts}--{boundary}--\r\n").into_bytes();
                let content_type = format!("multipart/form-data; boundary={boundary}");
                page = client.post_body(&path, &content_type, body).await;
            }
            posted += 1;
            assert_eq!(
                page.status,
                StatusCode::FORBIDDEN,
                "POST {path} with token {token:?}: {}",
                page.body
            );
        }
    }
    assert!(posted >= 100, "{posted} forged forms posted");
    // Nothing forged ended a session.
    for client in [&mut signed_in.martin, &mut signed_in.staff] {
        let home = client.get("/accueil").await;
        assert!(home.status == StatusCode::OK || home.location() == "/gestion");
    }
}

/// What every staff member does on its own account, whatever its role and structures.
const OWN_ACCOUNT: [&str; 5] = [
    "/gestion/deconnexion",
    "/gestion/securite/activer",
    "/gestion/securite/preparer",
    "/gestion/securite/desactiver",
    "/gestion/securite/mot-de-passe",
];

#[tokio::test]
async fn an_animateur_reads_every_back_office_page_and_changes_nothing() {
    let app = TestApp::with_demo().await;
    let mut signed_in = SignedIn::new(&app).await;
    let mut animateur = app
        .staff_member("anim", StaffRole::Animateur, &["carteville", "ecureuils"])
        .await;
    let token = animateur.get("/gestion").await.csrf().unwrap();
    let trail_before = audit_rows(&app).await;
    let (mut read, mut refused, mut forbidden_reads) = (0, 0, Vec::new());
    let (mut offered, mut links) = (Vec::new(), Vec::new());
    for route in route_list() {
        if route.access != Access::Staff {
            continue;
        }
        let Some((_, path)) = signed_in.route(&route) else {
            continue;
        };
        let page = animateur.get(&path).await;
        links.extend(
            gestion_links(&page.body)
                .into_iter()
                .map(|link| format!("{path} → {link}")),
        );
        for action in post_actions(&page.body) {
            let own = OWN_ACCOUNT.iter().any(|p| action.starts_with(p));
            if !own {
                offered.push(format!("{path} → {action}"));
            }
        }
        match page.status {
            StatusCode::OK | StatusCode::SEE_OTHER => read += 1,
            StatusCode::FORBIDDEN => forbidden_reads.push(route.path),
            StatusCode::METHOD_NOT_ALLOWED => {}
            other => panic!("GET {path}: {other}"),
        }
        if OWN_ACCOUNT.contains(&route.path) {
            continue;
        }
        let fields = [("_csrf", token.as_str()), ("action", "importer")];
        let post = animateur.post(&path, &fields).await;
        assert!(
            post.status == StatusCode::FORBIDDEN || post.status == StatusCode::METHOD_NOT_ALLOWED,
            "POST {path}: {} {}",
            post.status,
            post.body
        );
        refused += usize::from(post.status == StatusCode::FORBIDDEN);
    }
    assert!(read >= 18, "{read} back-office pages read");
    // The staff pages are the administrateur's, reading included; the others are forms,
    // only there to change.
    assert_eq!(
        forbidden_reads,
        [
            "/gestion/familles/nouvelle",
            "/gestion/familles/import",
            "/gestion/familles/{famille}/modifier",
            "/gestion/familles/{famille}/enfants/{enfant}",
            "/gestion/activites/{activite}",
            "/gestion/structures/{structure}",
            "/gestion/structures/{structure}/activites/nouvelle",
            "/gestion/reservations/pointage",
            "/gestion/facturation/reglements/nouveau",
            "/gestion/annonces/{annonce}",
            "/gestion/textes/{structure}/{texte}",
            "/gestion/personnel",
            "/gestion/personnel/nouveau",
            "/gestion/personnel/{id}",
        ]
    );
    let dead_ends: Vec<&String> = links
        .iter()
        .filter(|link| {
            forbidden_reads
                .iter()
                .any(|route| route_matches(route, link))
        })
        .collect();
    assert!(
        dead_ends.is_empty(),
        "an animateur is linked to no page its role refuses: {dead_ends:?}"
    );
    assert!(refused >= 25, "{refused} changes refused");
    assert_eq!(
        offered,
        Vec::<String>::new(),
        "an animateur is offered no form it may not send"
    );
    assert_eq!(audit_rows(&app).await, trail_before, "nothing was changed");
    assert_eq!(animateur.get("/gestion").await.status, StatusCode::OK);
}

/// Where the page's POST forms go.
fn post_actions(body: &str) -> Vec<String> {
    body.match_indices("<form")
        .filter_map(|(at, _)| {
            let tag = &body[at..at + body[at..].find('>')?];
            if !tag.contains("method=\"post\"") {
                return None;
            }
            let start = tag.find("action=\"")? + "action=\"".len();
            let end = tag[start..].find('"')? + start;
            Some(tag[start..end].to_owned())
        })
        .collect()
}

/// The back-office addresses the page links to, without their query.
fn gestion_links(body: &str) -> Vec<String> {
    body.match_indices("href=\"/gestion")
        .filter_map(|(at, _)| {
            let start = at + "href=\"".len();
            let end = body[start..].find(['"', '?', '#'])? + start;
            Some(body[start..end].to_owned())
        })
        .collect()
}

/// Whether `link` (« page → address ») goes to `route`, whose `{…}` segments match any.
fn route_matches(route: &str, link: &str) -> bool {
    let Some((_, address)) = link.split_once(" → ") else {
        return false;
    };
    let (route, address): (Vec<&str>, Vec<&str>) =
        (route.split('/').collect(), address.split('/').collect());
    route.len() == address.len()
        && route
            .iter()
            .zip(&address)
            .all(|(r, a)| r.starts_with('{') || r == a)
}

/// How many changes the audit trail holds.
async fn audit_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(app.db().reader())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_gestionnaire_of_another_structure_reaches_nothing_of_carteville() {
    let app = TestApp::with_demo().await;
    let mut signed_in = SignedIn::new(&app).await;
    // CarteVille's own: DUPONT and his child are known to CarteVille only; the fiche, the
    // file, the invoice, the activity, the announcement and the texts are CarteVille's.
    signed_in.family =
        sqlx::query_scalar("SELECT public_id FROM families WHERE identifiant = 'dupont'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    signed_in.own.child = sqlx::query_scalar(
        "SELECT c.public_id FROM children c JOIN families f ON f.id = c.family_id WHERE f.identifiant = 'dupont' ORDER BY c.id LIMIT 1",
    )
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    let mut ecureuils = app
        .staff_member("ecureuils", StaffRole::Gestionnaire, &["ecureuils"])
        .await;
    let token = ecureuils.get("/gestion").await.csrf().unwrap();
    let trail_before = audit_rows(&app).await;
    // (The portal's own name, « Mairie de CarteVille », titles every page: not a datum.)
    let carteville = ["DUPONT", "Amalia", "APS MATIN", "APS SOIR", "RESTAURATION"];
    let mut not_found = 0;
    for route in route_list() {
        if route.access != Access::Staff || OWN_ACCOUNT.contains(&route.path) {
            continue;
        }
        let Some((_, path)) = signed_in.route(&route) else {
            continue;
        };
        let fields = [
            ("_csrf", token.as_str()),
            ("structure", "1"),
            ("action", "importer"),
        ];
        let get = ecureuils.get(&path).await;
        let post = ecureuils.post(&path, &fields).await;
        for (method, page) in [("GET", get), ("POST", post)] {
            for marker in carteville {
                let at = page.body.find(marker).unwrap_or(0);
                let around = &page.body[at.saturating_sub(200)..(at + 40).min(page.body.len())];
                assert!(
                    !page.body.contains(marker),
                    "{method} {path} shows {marker:?}: {around}"
                );
            }
            let done = page.status.is_success() || page.status.is_redirection();
            if method == "POST" {
                // Its own structures' run: the only change it may make here, none of CarteVille's.
                let allowed = route.path == "/gestion/reservations/traitement";
                assert!(!done || allowed, "POST {path}: {}", page.status);
            } else if route.path.contains('{') {
                // Every page of one of CarteVille's things is a page that does not exist.
                assert!(!done, "GET {path}: {}", page.status);
            }
            not_found += usize::from(page.status == StatusCode::NOT_FOUND);
        }
    }
    assert!(not_found >= 25, "{not_found} answers « not found »");
    // Past its own account: its own structures' run (which left CarteVille's requests
    // waiting: see the hardening tests), nothing else.
    let trail: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(app.db().reader())
        .await
        .unwrap();
    assert_eq!(
        trail[usize::try_from(trail_before).unwrap()..],
        ["Traitement des demandes lancé"]
    );
}

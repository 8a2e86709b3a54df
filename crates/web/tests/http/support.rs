use std::net::SocketAddr;

use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{HeaderMap, Request, StatusCode, header},
};
use http_body_util::BodyExt;
use jiff::ToSpan;
use jiff::{Timestamp, civil::Date};
use ribambelle_domain::{clock::Clock, ids::ActivityId, money::BillingMode, staff::StaffRole};
use ribambelle_store::Db;
use ribambelle_testkit::{BuiltFamily, NewActivity, NewChild, NewFamily, NewStaff, TestDb, Town};
use ribambelle_web::{AppState, WebConfig};
use tower::ServiceExt;

pub const PUBLIC_URL: &str = "https://famille.carteville.example";
/// The portal is configured with an HTTPS public URL, so the cookie has the __Host- prefix.
pub const COOKIE: &str = "__Host-ribambelle";
/// The cookie holding the ticket of a login on the waiting page.
pub const WAITING_COOKIE: &str = "__Host-attente-connexion";
pub const STRONG: &str = "Trombone-Vert7!Lune";

/// The password DUPONT starts with, as the town hall gave it.
pub const DUPONT_INITIAL: &str = "bienvenue";

/// DUPONT as the town hall created it: the initial password still to change, nothing
/// accepted or signed; M. Jean-Paul, with Amalia (born 2016) and Paolo (2018), both
/// registered to CarteVille's APS MATIN (made for them).
pub async fn dupont(town: &Town) -> BuiltFamily {
    let aps = town.activity(NewActivity::new("APS MATIN")).await;
    dupont_at(town, &[aps]).await
}

/// DUPONT, its children registered to these activities.
pub async fn dupont_at(town: &Town, activities: &[ActivityId]) -> BuiltFamily {
    town.family(
        NewFamily::new("dupont")
            .parent("M.", "Jean-Paul")
            .emails(&["jean-paul.dupont@example.fr"])
            .password(DUPONT_INITIAL)
            .first_login()
            .child(
                NewChild::new("Amalia")
                    .born(jiff::civil::date(2016, 3, 14))
                    .registered(activities),
            )
            .child(
                NewChild::new("Paolo")
                    .born(jiff::civil::date(2018, 9, 2))
                    .registered(activities),
            ),
    )
    .await
}

/// MARTIN, a family that has used the portal for a while: password chosen, texts
/// accepted; Mme Claire, whose address comes first, and Paul; no child.
pub async fn martin(town: &Town) -> BuiltFamily {
    town.family(
        NewFamily::new("martin").emails(&["claire.martin@example.fr", "paul.martin@example.fr"]),
    )
    .await
}

/// The application on its own database with the demo loaded.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    _db: TestDb,
    _files: tempfile::TempDir,
}

pub use ribambelle_testkit::hashing as test_hashing;

/// The portal as `serve --demo` configures it: the demo's régies pay on the simulated bank.
fn demo_config() -> WebConfig {
    WebConfig {
        simulated_bank: true,
        ..WebConfig::new(PUBLIC_URL)
    }
}

impl TestApp {
    pub async fn with_demo() -> TestApp {
        let db = TestDb::new().await;
        let clock = ribambelle_testkit::clock();
        ribambelle_store::demo::load(&db.db, &test_hashing(), &clock)
            .await
            .unwrap();
        Self::on(db, clock)
    }

    /// The demo, served with a configuration of its own (the password queue's limits, say).
    pub async fn with_demo_configured(configure: impl FnOnce(&mut WebConfig)) -> TestApp {
        let db = TestDb::new().await;
        let clock = ribambelle_testkit::clock();
        ribambelle_store::demo::load(&db.db, &test_hashing(), &clock)
            .await
            .unwrap();
        let mut config = demo_config();
        configure(&mut config);
        Self::configured(db, clock, config)
    }

    /// A portal with CarteVille and nothing else: each test adds what it needs, in the
    /// product's words (`Town::activity`, `Town::family`, `NewStaff`).
    pub async fn with_town() -> (TestApp, Town) {
        Self::with_town_configured(|_| ()).await
    }

    /// CarteVille, served with a configuration of its own (the password queue's limits, say).
    pub async fn with_town_configured(configure: impl FnOnce(&mut WebConfig)) -> (TestApp, Town) {
        let db = TestDb::new().await;
        let clock = ribambelle_testkit::clock();
        let mut config = demo_config();
        configure(&mut config);
        let app = Self::configured(db, clock, config);
        let town = Town::new(app.db(), clock).await;
        (app, town)
    }

    /// CarteVille with its dossier campaign open and Les Écureuils without one; MARTIN
    /// (Mme Claire, who has a second address for Paul), whose Léa (born 2016) and Hugo
    /// (2018) go to APS MATIN, Léa's grandmother DUBOIS Monique on her fiche de contacts;
    /// DUPONT at its first login, Amalia and Paolo at APS MATIN too; « gestion » working
    /// for both structures.
    pub async fn with_dossiers() -> (TestApp, Town) {
        let (app, town) = TestApp::with_town().await;
        app.ecureuils().await;
        let aps = town.activity(NewActivity::new("APS MATIN")).await;
        let registered = |name, born| NewChild::new(name).born(born).registered(&[aps]);
        let martin = town
            .family(
                NewFamily::new("martin")
                    .emails(&["claire.martin@example.fr", "paul.martin@example.fr"])
                    .child(registered("Léa", jiff::civil::date(2016, 5, 12)))
                    .child(registered("Hugo", jiff::civil::date(2018, 10, 3))),
            )
            .await;
        dupont_at(&town, &[aps]).await;
        town.campaign().await;
        let grandmother = [
            ("nom", "DUBOIS"),
            ("prenom", "Monique"),
            ("adresse", "8 allée des Tilleuls, 77000 CarteVille"),
            ("telephone", "06 98 76 54 32"),
            ("email", ""),
        ];
        let link = [
            ("lien", "Grand-mère"),
            ("recuperer", "oui"),
            ("urgence", "oui"),
        ];
        town.contact(&martin, martin.child("Léa"), &grandmother, &link)
            .await;
        app.gestion(&["carteville", "ecureuils"]).await;
        (app, town)
    }

    /// MARTIN at CarteVille: on the last day before this month that APS MATIN (school days)
    /// or ACCUEIL VACANCES (holidays) ran, Léa went there (Périscolaire, invoiced, 1,80 €),
    /// invoiced since; her next two lunches (Restauration, prepaid, 3,50 €) are booked.
    /// Answers that day.
    pub async fn with_martins_month() -> (TestApp, BuiltFamily, Date) {
        let (app, town) = TestApp::with_town().await;
        let school = town
            .activity(NewActivity::new("APS MATIN").price(180))
            .await;
        let holidays = town
            .activity(NewActivity::new("ACCUEIL VACANCES").holidays().price(180))
            .await;
        let lunch = town
            .activity(
                NewActivity::new("RESTAURATION")
                    .price(350)
                    .wallet("Restauration", BillingMode::Prepaiement),
            )
            .await;
        let martin = town
            .family(
                NewFamily::new("martin")
                    .child(NewChild::new("Léa").registered(&[school, holidays, lunch])),
            )
            .await;
        let lea = martin.child("Léa");
        // Last month's last working day: one of the two ran on it.
        let first_of_month = app.today().first_of_month();
        let (at_school, on_holiday) = (
            town.last_opening(school, first_of_month).await,
            town.last_opening(holidays, first_of_month).await,
        );
        let (activity, last_day) = if at_school > on_holiday {
            (school, at_school)
        } else {
            (holidays, on_holiday)
        };
        town.attended(&[(lea, activity, last_day)]).await;
        town.issue_invoices(last_day).await;
        let first = town.next_opening(lunch, app.today() + 14.days()).await;
        let second = town.next_opening(lunch, first).await;
        town.book(&martin, &[(lea, lunch, first), (lea, lunch, second)])
            .await;
        (app, martin, last_day)
    }

    /// Another structure of the portal, « Centre de loisirs Les Écureuils ».
    pub async fn ecureuils(&self) -> Town {
        Town::named(
            self.db(),
            self.state.clock,
            "ecureuils",
            "Centre de loisirs Les Écureuils",
        )
        .await
    }

    /// « gestion », gestionnaire of these structures (by slug) with her address at
    /// CarteVille, signed in (her account is made at the first call).
    pub async fn gestion(&self, structures: &[&str]) -> Client<'_> {
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM staff WHERE login = 'gestion'")
            .fetch_optional(self.db().reader())
            .await
            .unwrap();
        if known.is_none() {
            NewStaff::new("gestion", StaffRole::Gestionnaire)
                .structures(structures)
                .name("Nadia GESTION")
                .email("gestion@carteville.example")
                .add(self.db(), self.now())
                .await;
        }
        let mut client = self.client();
        let signed = client.staff_login("gestion", NewStaff::PASSWORD).await;
        assert_eq!(signed.location(), "/gestion", "gestion signs in");
        client
    }

    /// The demo's gestionnaire, signed in, for the tests that run on the demo.
    pub async fn demo_gestion(&self) -> Client<'_> {
        let account = ribambelle_store::demo::DEMO_ACCOUNTS
            .iter()
            .find(|a| a.identifiant == "gestion")
            .expect("the demo's gestionnaire");
        let mut client = self.client();
        let signed = client
            .staff_login(account.identifiant, account.password)
            .await;
        assert_eq!(signed.location(), "/gestion", "the demo's gestion signs in");
        client
    }

    pub async fn empty() -> TestApp {
        Self::on(TestDb::new().await, ribambelle_testkit::clock())
    }

    fn on(db: TestDb, clock: Clock) -> TestApp {
        Self::configured(db, clock, demo_config())
    }

    fn configured(db: TestDb, clock: Clock, config: WebConfig) -> TestApp {
        let files = tempfile::tempdir().unwrap();
        let store = ribambelle_store::pieces::FileStore::local(files.path()).unwrap();
        let state = AppState::new(db.db.clone(), config, test_hashing(), store, clock);
        TestApp {
            router: ribambelle_web::router(state.clone()),
            state,
            _db: db,
            _files: files,
        }
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// The portal's « now »: the test's clock, never the system's.
    pub fn now(&self) -> Timestamp {
        self.state.clock.now()
    }

    /// Today in Paris, on the portal's clock.
    pub fn today(&self) -> Date {
        self.state.clock.today()
    }

    /// The first day after `day` on which the activity opens (its weekdays, outside the
    /// school and public holidays when it runs in school periods, and its closures): the
    /// tests' days are found from the calendar, whatever the date they run at.
    pub async fn next_opening(&self, activity: &str, day: Date) -> Date {
        let (id, slug): (i64, String) = sqlx::query_as(
            "SELECT a.id, s.slug FROM activities a JOIN structures s ON s.id = a.structure_id WHERE a.name = $1",
        )
        .bind(activity)
        .fetch_one(self.db().reader())
        .await
        .unwrap();
        Town::existing(self.db(), self.state.clock, &slug)
            .await
            .next_opening(ActivityId::new(id), day)
            .await
    }

    /// A staff member of the given role working for the structures named by slug, signed
    /// in with `NewStaff::PASSWORD`.
    pub async fn staff_member(
        &self,
        login: &str,
        role: StaffRole,
        structures: &[&str],
    ) -> Client<'_> {
        NewStaff::new(login, role)
            .structures(structures)
            .add(self.db(), self.now())
            .await;
        let mut client = self.client();
        let signed = client.staff_login(login, NewStaff::PASSWORD).await;
        assert_eq!(signed.location(), "/gestion", "{login} signs in");
        client
    }

    pub async fn get(&self, path: &str) -> Page {
        self.client().get(path).await
    }

    pub async fn send(&self, request: Request<Body>) -> Page {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    /// A browser: keeps the session cookie, comes from its own network address.
    pub fn client(&self) -> Client<'_> {
        self.client_from("192.0.2.10")
    }

    /// Another tab of the same browser: the same session cookie.
    pub fn client_with(&self, cookie: Option<String>) -> Client<'_> {
        Client {
            app: self,
            cookie,
            waiting_ticket: None,
            address: "192.0.2.10:50000".parse().unwrap(),
        }
    }

    pub fn client_from(&self, address: &str) -> Client<'_> {
        Client {
            app: self,
            cookie: None,
            waiting_ticket: None,
            address: format!("{address}:50000").parse().unwrap(),
        }
    }

    /// The number of mails in the outbox whose recipients and body contain `needle`.
    pub async fn mails_matching(&self, recipient: &str, needle: &str) -> Vec<String> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT recipients, body_text FROM outbox ORDER BY id")
                .fetch_all(self.db().reader())
                .await
                .unwrap();
        rows.into_iter()
            .filter(|(to, body)| to.contains(recipient) && body.contains(needle))
            .map(|(_, b)| b)
            .collect()
    }

    pub async fn exec(&self, sql: &'static str, binds: &[&str]) {
        let mut query = sqlx::query(sql);
        for b in binds {
            query = query.bind(b.to_string());
        }
        query.execute(self.db().writer()).await.unwrap();
    }
}

pub struct Client<'a> {
    app: &'a TestApp,
    pub cookie: Option<String>,
    /// The ticket of a login held on the waiting page.
    waiting_ticket: Option<String>,
    address: SocketAddr,
}

impl Client<'_> {
    /// Today in Paris, on the portal's clock.
    pub fn today(&self) -> Date {
        self.app.today()
    }

    fn request(&self, method: &str, path: &str, body: Body, form: bool) -> Request<Body> {
        let mut builder = Request::builder().method(method).uri(path);
        let mut cookies: Vec<String> = self
            .cookie
            .iter()
            .map(|c| format!("{COOKIE}={c}"))
            .collect();
        cookies.extend(
            self.waiting_ticket
                .iter()
                .map(|t| format!("{WAITING_COOKIE}={t}")),
        );
        if !cookies.is_empty() {
            builder = builder.header(header::COOKIE, cookies.join("; "));
        }
        if form {
            builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let mut request = builder.body(body).unwrap();
        request.extensions_mut().insert(ConnectInfo(self.address));
        request
    }

    async fn send(&mut self, request: Request<Body>) -> Page {
        let page = self.app.send(request).await;
        for value in page.headers.get_all(header::SET_COOKIE) {
            let value = value.to_str().unwrap();
            if let Some(rest) = value.strip_prefix(&format!("{COOKIE}=")) {
                let token = rest.split(';').next().unwrap_or("");
                self.cookie = if token.is_empty() {
                    None
                } else {
                    Some(token.to_owned())
                };
            }
            if let Some(rest) = value.strip_prefix(&format!("{WAITING_COOKIE}=")) {
                let ticket = rest.split(';').next().unwrap_or("");
                self.waiting_ticket = if ticket.is_empty() {
                    None
                } else {
                    Some(ticket.to_owned())
                };
            }
        }
        page
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.request("GET", path, Body::empty(), false);
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded_pairs(fields);
        let request = self.request("POST", path, Body::from(body), true);
        self.send(request).await
    }

    /// Posts a body of any type (a `multipart/form-data` upload, say).
    pub async fn post_body(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let mut request = self.request("POST", path, Body::from(body), false);
        request
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type.parse().unwrap());
        self.send(request).await
    }

    /// Posts a form of a signed-in page with the page's anti-forgery token.
    pub async fn post_signed(
        &mut self,
        form_page: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Page {
        let page = self.get(form_page).await;
        let token = page
            .csrf()
            .unwrap_or_else(|| panic!("no anti-forgery token on {form_page}: {}", page.body));
        let mut all = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }

    /// Clicks a day of the calendar `page` (`fields` name it), then « Confirmer » on the
    /// récapitulatif.
    pub async fn toggle_and_confirm(&mut self, page: &str, fields: &[(&str, &str)]) {
        self.post_signed(page, "/reservations/calendrier", fields)
            .await;
        let recap = self.get("/reservations/recapitulatif").await;
        let (token, key) = (recap.csrf().unwrap(), recap.input_value("cle").unwrap());
        assert!(
            self.post(
                "/reservations/confirmer",
                &[("_csrf", &token), ("cle", &key)]
            )
            .await
            .location()
            .starts_with("/reservations/confirmation")
        );
    }

    pub async fn login(&mut self, identifiant: &str, password: &str) -> Page {
        self.post(
            "/connexion",
            &[("identifiant", identifiant), ("mot_de_passe", password)],
        )
        .await
    }

    /// The back office's login form, posted.
    pub async fn staff_login(&mut self, login: &str, password: &str) -> Page {
        self.post(
            "/gestion/connexion",
            &[("identifiant", login), ("mot_de_passe", password)],
        )
        .await
    }

    /// DUPONT through the whole first login: own password, texts, both règlements.
    pub async fn onboard_dupont(&mut self) {
        assert_eq!(
            self.login("dupont", "bienvenue").await.location(),
            "/premiere-connexion"
        );
        let saved = self
            .post_signed(
                "/premiere-connexion",
                "/premiere-connexion",
                &[("nouveau", STRONG), ("confirmation", STRONG)],
            )
            .await;
        assert_eq!(saved.location(), "/premiere-connexion/enregistre");
        let conditions = self.get("/conditions").await;
        let boxes: Vec<String> = conditions.input_names("texte_");
        let token = conditions.csrf().unwrap();
        let mut fields: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        fields.extend(boxes.iter().map(|b| (b.as_str(), "oui")));
        assert_eq!(
            self.post("/conditions", &fields).await.location(),
            "/reglement-interieur"
        );
        for _ in 0..2 {
            let first = self.get("/reglement-interieur").await;
            if first.location() == "/accueil" {
                break;
            }
            let child_page = first.location().to_owned();
            self.sign_reglement(&child_page).await;
        }
    }

    pub async fn sign_reglement(&mut self, child_page: &str) -> Page {
        let page = self.get(child_page).await;
        let text = page.input_value("texte").expect("a règlement to sign");
        let (date, time) = (
            page.input_value("date").unwrap(),
            page.input_value("heure").unwrap(),
        );
        let token = page.csrf().unwrap();
        let fields = [
            ("_csrf", token.as_str()),
            ("texte", text.as_str()),
            ("lu", "oui"),
            ("nom", "DUPONT Jean-Paul"),
            ("lieu", "CarteVille"),
            ("date", date.as_str()),
            ("heure", time.as_str()),
        ];
        self.post(child_page, &fields).await
    }
}

fn serde_urlencoded_pairs(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A response as a test looks at it.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as sent, for files that are not text.
    pub bytes: Vec<u8>,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn location(&self) -> &str {
        self.header("location")
    }

    /// The page's text with the template engine's escapes undone, as a reader sees it.
    pub fn text(&self) -> String {
        self.body
            .replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }

    #[track_caller]
    pub fn assert_contains(&self, text: &str) -> &Self {
        assert!(
            self.body.contains(text) || self.text().contains(text),
            "expected {text:?} in the page ({}):\n{}",
            self.status,
            self.body
        );
        self
    }

    /// The value attribute of the first input named `name`.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(self.body[start..end].to_owned())
    }

    pub fn csrf(&self) -> Option<String> {
        self.input_value("_csrf")
    }

    /// The names of the inputs whose name starts with `prefix`.
    pub fn input_names(&self, prefix: &str) -> Vec<String> {
        let marker = format!("name=\"{prefix}");
        let mut names: Vec<String> = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(i) = rest.find(&marker) {
            let start = i + "name=\"".len();
            let end = rest[start..].find('"').unwrap() + start;
            let name = rest[start..end].to_owned();
            if !names.contains(&name) {
                names.push(name);
            }
            rest = &rest[end..];
        }
        names
    }
}

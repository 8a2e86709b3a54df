use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode},
};
use http_body_util::BodyExt;
use jiff::Timestamp;
use ribambelle_domain::password::{HashParams, PasswordHashing};
use ribambelle_testkit::TestDb;
use ribambelle_web::{AppState, WebConfig};
use tower::ServiceExt;

pub const PUBLIC_URL: &str = "https://famille.carteville.example";

/// The application on its own database with the demo loaded.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    _db: TestDb,
}

/// Cheap hashing parameters: the tests check behaviour, not Argon2's cost.
pub fn test_hashing() -> PasswordHashing {
    PasswordHashing::new(HashParams { memory_kib: 64, iterations: 1, parallelism: 1 }).unwrap()
}

impl TestApp {
    pub async fn with_demo() -> TestApp {
        let db = TestDb::new().await;
        ribambelle_store::demo::load(&db.db, &test_hashing(), Timestamp::now()).await.unwrap();
        Self::on(db)
    }

    pub async fn empty() -> TestApp {
        Self::on(TestDb::new().await)
    }

    fn on(db: TestDb) -> TestApp {
        let state = AppState::new(db.db.clone(), WebConfig { public_url: PUBLIC_URL.to_owned() });
        TestApp { router: ribambelle_web::router(state.clone()), state, _db: db }
    }

    pub async fn get(&self, path: &str) -> Page {
        let request = Request::get(path).body(Body::empty()).unwrap();
        self.send(request).await
    }

    pub async fn send(&self, request: Request<Body>) -> Page {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Page { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }
}

/// A response as a test looks at it.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    #[track_caller]
    pub fn assert_contains(&self, text: &str) -> &Self {
        assert!(self.body.contains(text), "expected {text:?} in the page ({}):\n{}", self.status, self.body);
        self
    }
}

use chrono::{DateTime, Duration, NaiveTime, Utc};
use creator_media::{Application, Settings};
use golmok_runtime::{Actor, Role};
use golmok_testkit::service::{Client, TestService, test_settings};
pub use golmok_testkit::service::{Reply, id_of, official, operator};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

pub struct TestApp {
    app: TestService<Application>,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// The service with its settings changed by `change`.
pub async fn spawn_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(dir.path(), Settings::default());
    change(&mut settings);
    TestApp {
        app: TestService::spawn(dir, settings).await,
    }
}

/// Its calls (`call`, `post`, `patch`) go to the service.
impl std::ops::Deref for TestApp {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.app.client
    }
}

pub fn creator(subject: &str) -> Actor {
    Actor {
        subject: subject.to_owned(),
        role: Role::Creator,
        merchant_id: None,
    }
}

pub fn registration(handle: &str) -> Value {
    json!({
        "handle": handle,
        "displayName": "골목 요리사",
        "channels": [{"platform": "YOUTUBE", "url": format!("https://youtube.com/@{handle}"), "audience": 12000}],
        "categories": ["food"],
        "region": "Seoul Jung-gu",
        "languages": ["ko"]
    })
}

/// 09:00–21:00 KST in slots of an hour.
pub fn studio_body() -> Value {
    json!({"name": "Jung-gu studio A", "region": "Seoul Jung-gu", "slotMinutes": 60, "openHour": 9, "closeHour": 21})
}

/// `hour`:00 KST, two days from now.
pub fn slot(hour: u32) -> DateTime<Utc> {
    let kst = chrono::FixedOffset::east_opt(9 * 3600).unwrap();
    let day = (Utc::now().with_timezone(&kst) + Duration::days(2)).date_naive();
    day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap())
        .and_local_timezone(kst)
        .unwrap()
        .with_timezone(&Utc)
}

impl TestApp {
    /// The built service (its application service, its tables).
    pub fn application(&self) -> &Application {
        &self.app.service
    }

    /// Stops and builds the service again on the same data directory.
    pub async fn restart(self) -> TestApp {
        let app = self
            .app
            .restart(|dir| test_settings(dir.path(), Settings::default()))
            .await;
        TestApp { app }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, Some(&operator()), None, None)
            .await
    }

    /// Registers `handle` for the creator `subject`; answers its id.
    pub async fn register(&self, subject: &str, handle: &str) -> Uuid {
        let reply = self
            .post("/creators", &creator(subject), registration(handle))
            .await;
        id_of(reply.expect(StatusCode::CREATED))
    }

    pub async fn studio(&self) -> Uuid {
        let reply = self.post("/studios", &official(), studio_body()).await;
        id_of(reply.expect(StatusCode::CREATED))
    }

    /// How many items a list answers (one page of up to 100).
    pub async fn count(&self, path: &str) -> usize {
        let reply = self.get(&format!("{path}?first=100")).await;
        reply.expect(StatusCode::OK)["items"]
            .as_array()
            .expect("items")
            .len()
    }
}

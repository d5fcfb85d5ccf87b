//! What the promotion feed tests share: the real subscription clients of
//! `tests/clients` (installed from the npm registry once per machine), run as
//! Node.js processes against the served gateway, and creator-media's
//! promotion and tie-in events appended to its real log through the
//! contract.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use golmok_contracts::creator_media::{
    OfferV1, PromotionPublishedV1, PromotionWithdrawnV1, TieInCreatedV1,
};
use golmok_kernel::{AppendRequest, Envelope, EventLog, ExpectedVersion, sample_envelope};
use golmok_runtime::Service;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};
use uuid::Uuid;

use crate::support::TestApp;

/// How long a client may take to say anything.
const PATIENCE: Duration = Duration::from_secs(20);

/// The folder holding `tests/clients` with its node modules installed
/// (`npm ci`), under `$GOLMOK_CACHE` (default `~/.cache/golmok`), keyed by
/// the digest of the clients' files so a change reinstalls.
pub fn clients() -> PathBuf {
    static INSTALLED: OnceLock<PathBuf> = OnceLock::new();
    INSTALLED.get_or_init(install).clone()
}

fn install() -> PathBuf {
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients");
    let files = ["package.json", "package-lock.json", "subscribe.mjs"];
    let mut digest = Sha256::new();
    for file in files {
        digest.update(std::fs::read(source.join(file)).expect("a client file"));
    }
    let digest: String = digest.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let cache = std::env::var_os("GOLMOK_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/golmok")
        })
        .join("npm");
    let installed = cache.join(format!("gateway-clients-{digest}"));
    if installed.join(".complete").exists() {
        return installed;
    }
    // Installed beside, then renamed into place: test processes racing
    // here each install, and one rename wins.
    let staging = cache.join(format!("staging-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&staging).expect("the npm cache folder");
    for file in files {
        std::fs::copy(source.join(file), staging.join(file)).expect("copying a client file");
    }
    let status = std::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&staging)
        .stdout(Stdio::null())
        .status()
        .expect("npm runs (Node.js is needed for the subscription tests)");
    assert!(status.success(), "npm ci of tests/clients failed: {status}");
    std::fs::write(staging.join(".complete"), b"").expect("marking the install");
    if std::fs::rename(&staging, &installed).is_err() {
        assert!(
            installed.join(".complete").exists(),
            "cannot place the clients in {}",
            installed.display()
        );
        let _ = std::fs::remove_dir_all(&staging);
    }
    installed
}

/// How a client talks to the gateway.
#[derive(Debug, Clone, Copy)]
pub enum Transport {
    /// The `graphql-ws` npm client (protocol graphql-transport-ws).
    Modern,
    /// The legacy protocol graphql-ws (subscriptions-transport-ws), spoken
    /// over the `ws` npm client.
    Legacy,
    /// The `graphql-sse` npm client (distinct connections mode).
    Sse,
}

impl Transport {
    fn arg(self) -> &'static str {
        match self {
            Transport::Modern => "transport-ws",
            Transport::Legacy => "legacy-ws",
            Transport::Sse => "sse",
        }
    }
}

/// What a subscriber asks for.
pub struct Ask<'a> {
    pub transport: Transport,
    pub token: Option<&'a str>,
    pub tie_in: &'a str,
    pub after: Option<&'a str>,
    /// The client exits after this many items.
    pub count: usize,
}

/// A client process following a feed; killed on drop.
pub struct Subscriber {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

/// A feed other than a tie-in's promotions.
#[derive(Debug, Clone, Copy)]
pub enum Followed<'a> {
    /// `orderStatus` of the merchant with this id.
    Orders(&'a str),
    /// `commissionChanges` of the creator with this id.
    Commissions(&'a str),
}

impl Subscriber {
    pub async fn start(app: &TestApp, ask: Ask<'_>) -> Subscriber {
        Subscriber::spawn(app, &ask, &["--tie-in", ask.tie_in])
    }

    /// A client following `followed` (`ask.tie_in` is not read).
    pub async fn follow(app: &TestApp, followed: Followed<'_>, ask: Ask<'_>) -> Subscriber {
        let args = match followed {
            Followed::Orders(merchant) => ["--feed", "orders", "--merchant", merchant],
            Followed::Commissions(creator) => ["--feed", "commissions", "--creator", creator],
        };
        Subscriber::spawn(app, &ask, &args)
    }

    fn spawn(app: &TestApp, ask: &Ask<'_>, feed: &[&str]) -> Subscriber {
        let clients = clients();
        let mut command = Command::new("node");
        command
            .arg(clients.join("subscribe.mjs"))
            .args(["--transport", ask.transport.arg()])
            .args(["--url", &app.url("/graphql")])
            .args(feed)
            .args(["--count", &ask.count.to_string()])
            .args(["--timeout", "60000"])
            .current_dir(&clients)
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        if let Some(token) = ask.token {
            command.args(["--token", token]);
        }
        if let Some(after) = ask.after {
            command.args(["--after", after]);
        }
        let mut child = command.spawn().expect("node runs");
        let stdout = child.stdout.take().expect("piped stdout");
        Subscriber {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }

    /// The next line the client prints, as JSON; `None` once it exited.
    pub async fn line(&mut self) -> Option<Value> {
        let line = tokio::time::timeout(PATIENCE, self.lines.next_line())
            .await
            .expect("the client says something in time")
            .expect("the client's output reads");
        line.map(|line| serde_json::from_str(&line).expect("the client prints JSON lines"))
    }

    /// Waits until the connection is acknowledged (WebSocket transports).
    pub async fn ready(&mut self) {
        let line = self.line().await;
        assert_eq!(line, Some(serde_json::json!({"ready": true})));
        // The subscribe message follows the acknowledgement.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    /// The next `n` items, failing on anything else.
    pub async fn items(&mut self, n: usize) -> Vec<Value> {
        let mut items = Vec::new();
        while items.len() < n {
            match self.line().await {
                Some(line) if line.get("item").is_some() => items.push(line["item"].clone()),
                Some(line) if line.get("ready").is_some() => {}
                other => panic!("expected item {} of {n}, got {other:?}", items.len() + 1),
            }
        }
        items
    }

    /// What the client printed before exiting, after the items it was
    /// asked for (or its refusal).
    pub async fn rest(mut self) -> Vec<Value> {
        let mut rest = Vec::new();
        while let Some(line) = self.line().await {
            if line.get("ready").is_none() {
                rest.push(line);
            }
        }
        let status = self.child.wait().await.expect("the client exits");
        assert!(status.success(), "the client failed: {status}");
        rest
    }
}

/// Appends creator-media's events to its real log, as its commands would.
pub struct CreatorMediaEvents {
    log: Arc<dyn EventLog>,
}

/// A promotion a test publishes.
pub struct Promo<'a> {
    pub title: &'a str,
    pub tags: &'a [&'a str],
    pub region: &'a str,
    pub tie_in: Option<Uuid>,
}

impl CreatorMediaEvents {
    pub fn of(app: &TestApp) -> CreatorMediaEvents {
        CreatorMediaEvents {
            log: app.creator_media().event_log(),
        }
    }

    /// A tie-in of this month read by `partner`, for promotions tagged `kpop`.
    pub async fn tie_in(&self, partner: &str) -> Uuid {
        let id = Uuid::now_v7();
        let created = TieInCreatedV1 {
            tie_in_id: id,
            name: format!("MAMA {partner}"),
            partner: partner.to_owned(),
            starts: days(-10),
            ends: days(20),
            tags: vec!["kpop".to_owned()],
            categories: vec![],
            regions: vec![],
            at: Utc::now(),
        };
        self.append(&format!("tie-in-{id}"), "TieInCreated", &created)
            .await;
        id
    }

    /// Publishes `promo`; returns the promotion's id and its log position.
    pub async fn publish(&self, promo: Promo<'_>) -> (Uuid, u64) {
        let published = published(promo);
        let id = published.promotion_id;
        let position = self
            .append(&format!("promotion-{id}"), "PromotionPublished", &published)
            .await;
        (id, position)
    }

    /// Publishes `promos` in one append (one stream), so that the feed
    /// releases them together.
    pub async fn publish_together(&self, promos: Vec<Promo<'_>>) {
        let stream = format!("promotion-batch-{}", Uuid::now_v7());
        let events = promos
            .into_iter()
            .map(|promo| envelope(&stream, "PromotionPublished", &published(promo)))
            .collect();
        self.log
            .append(AppendRequest {
                stream,
                expected: ExpectedVersion::Any,
                events,
                idempotency: None,
            })
            .await
            .expect("creator-media's log appends");
    }

    pub async fn withdraw(&self, promotion: Uuid) -> u64 {
        let withdrawn = PromotionWithdrawnV1 {
            promotion_id: promotion,
            at: Utc::now(),
        };
        self.append(
            &format!("promotion-{promotion}"),
            "PromotionWithdrawn",
            &withdrawn,
        )
        .await
    }

    /// Appends any other creator-media event (one the feed does not read).
    pub async fn unrelated(&self) -> u64 {
        self.append(
            &format!("creator-handle-{}", Uuid::now_v7().simple()),
            "HandleClaimed",
            &serde_json::json!({"handle": "x", "creatorId": Uuid::now_v7(), "at": Utc::now()}),
        )
        .await
    }

    /// Appends creator-media's event `name` carrying `data` to `stream`;
    /// returns its log position.
    pub async fn append(&self, stream: &str, name: &str, data: &impl Serialize) -> u64 {
        self.log
            .append(AppendRequest {
                stream: stream.to_owned(),
                expected: ExpectedVersion::Any,
                events: vec![envelope(stream, name, data)],
                idempotency: None,
            })
            .await
            .expect("creator-media's log appends")
            .last_position
    }
}

fn days(n: i64) -> DateTime<Utc> {
    Utc::now() + TimeDelta::days(n)
}

/// Creator-media's event `name` (v1) on `stream`, carrying `data`.
fn envelope(stream: &str, name: &str, data: &impl Serialize) -> Envelope {
    Envelope {
        source: "/golmok/creator-media".to_owned(),
        event_type: format!("kr.golmok.creator-media.{name}.v1"),
        data: serde_json::to_value(data).expect("a contract struct serializes"),
        ..sample_envelope(stream, name)
    }
}

/// The publication of `promo`, with a fresh id.
fn published(promo: Promo<'_>) -> PromotionPublishedV1 {
    PromotionPublishedV1 {
        promotion_id: Uuid::now_v7(),
        merchant_id: Uuid::now_v7(),
        collaboration_id: None,
        title: promo.title.to_owned(),
        products: vec![Uuid::now_v7()],
        offer: OfferV1::PercentOff { bps: 1_000 },
        starts: days(-1),
        ends: days(5),
        tags: promo.tags.iter().map(|t| (*t).to_owned()).collect(),
        categories: vec!["food".to_owned()],
        region: promo.region.to_owned(),
        tie_in: promo.tie_in,
        at: Utc::now(),
    }
}

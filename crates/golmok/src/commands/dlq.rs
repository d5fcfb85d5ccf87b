//! `golmok dlq list|replay <consumer>`: an operator's view of a consumer's
//! dead letters, and feeding them back through the same consumer once the
//! cause is fixed. The work happens in the process that runs the consumer
//! (it alone may open the store and runs the handler): this command calls
//! its operator routes, `/ops/dead-letters/…` (docs/operations.md), with an
//! operator token minted from the data directory's signing key.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::{Args, Subcommand};
use golmok_kernel::{LetterStatus, LetterView, ReplayReport};
use golmok_runtime::{ErrorBody, Letters, OperatorGate, Role};
use serde::Serialize;

use super::Common;
use crate::settings::SuiteSettings;

/// How long the token this command mints is valid.
const TOKEN_TTL: Duration = Duration::from_secs(300);

#[derive(Args)]
pub struct DlqArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand)]
enum Action {
    /// The consumer's dead letters, oldest first: cursor, event id, type,
    /// subject, age, status (waiting or replayed) and reason.
    List(Target),
    /// Feed the consumer's waiting dead letters (or the one `--id` names)
    /// through the consumer again; each event is applied at most once, and a
    /// letter that fails again stays a dead letter with the new reason.
    Replay(ReplayArgs),
}

#[derive(Args)]
struct Target {
    /// The consumer, e.g. `voucher.directory` (a service's subscription).
    consumer: String,
    #[command(flatten)]
    common: Common,
    /// Base URL of the process running the consumer; defaults to where
    /// `golmok up` serves (the gateway's `listen` setting). For `golmok
    /// serve <service>`, that service's address.
    #[arg(long)]
    url: Option<String>,
    /// An operator token; by default one is minted with the data
    /// directory's signing key, as `golmok token --role operator` would.
    #[arg(long, env = "GOLMOK_TOKEN")]
    token: Option<String>,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ReplayArgs {
    #[command(flatten)]
    target: Target,
    /// Only the dead letter with this event id or cursor.
    #[arg(long)]
    id: Option<String>,
}

pub async fn run(args: DlqArgs) -> anyhow::Result<()> {
    match args.action {
        Action::List(target) => {
            let letters: Letters = call(&target, reqwest::Method::GET, "", None).await?;
            print_letters(&letters.letters, target.json, None);
            Ok(())
        }
        Action::Replay(args) => {
            let target = &args.target;
            let id = args.id.as_deref();
            let report: ReplayReport = call(target, reqwest::Method::POST, "/replay", id).await?;
            if !target.json {
                println!(
                    "replayed {}, failed again {}, already replayed {}",
                    report.replayed.len(),
                    report.failed_again.len(),
                    report.already_replayed.len()
                );
            }
            print_letters(&report.replayed, target.json, Some("replayed"));
            print_letters(&report.failed_again, target.json, Some("failedAgain"));
            print_letters(
                &report.already_replayed,
                target.json,
                Some("alreadyReplayed"),
            );
            Ok(())
        }
    }
}

/// Calls `path` under the consumer's operator route and decodes the answer;
/// an error answer becomes `CODE: message`.
async fn call<T: serde::de::DeserializeOwned>(
    target: &Target,
    method: reqwest::Method,
    path: &str,
    id: Option<&str>,
) -> anyhow::Result<T> {
    let settings = SuiteSettings::load(&target.common, None)?;
    let base = match &target.url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("http://{}", settings.gateway.listen),
    };
    let token = match &target.token {
        Some(token) => token.clone(),
        None => operator_token(&target.common, &settings)?,
    };
    let url = format!("{base}/ops/dead-letters/{}{path}", target.consumer);
    let mut request = reqwest::Client::new()
        .request(method, &url)
        .bearer_auth(token)
        .timeout(Duration::from_secs(120));
    if let Some(id) = id {
        request = request.query(&[("id", id)]);
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("calling {url} (is the process running the consumer there?)"))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .with_context(|| format!("reading the answer of {url}"))?;
    if !status.is_success() {
        match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(error) => bail!("{}: {}", error.code, error.message),
            Err(_) => bail!("{url} answered {status}"),
        }
    }
    serde_json::from_slice(&body).with_context(|| format!("reading the answer of {url}"))
}

/// A short-lived operator token signed with the data directory's key.
fn operator_token(common: &Common, settings: &SuiteSettings) -> anyhow::Result<String> {
    let auth = &settings.gateway.auth;
    std::fs::create_dir_all(&common.data_dir)
        .with_context(|| format!("creating data dir {}", common.data_dir.display()))?;
    let key = gateway::auth::SigningKey::load_or_create(&auth.signing_key_file)?;
    let claims = gateway::auth::Claims::new("golmok-dlq", Role::Operator, None, TOKEN_TTL, auth);
    Ok(key.mint(&claims))
}

/// Who may call the operator routes of a process with these settings: a
/// bearer token the gateway's verifier accepts (same key, issuer, audience),
/// whose role the routes then check.
pub fn operator_gate(settings: &SuiteSettings) -> anyhow::Result<OperatorGate> {
    let auth = &settings.gateway.auth;
    let key = gateway::auth::SigningKey::load_or_create(&auth.signing_key_file)?;
    let verifier = gateway::auth::TokenVerifier::new(&key, auth);
    Ok(Arc::new(move |headers| {
        let token = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or("the Authorization header must be `Bearer <operator token>`")?;
        verifier
            .verify(token)
            .map(|claims| claims.role)
            .map_err(|error| error.to_string())
    }))
}

/// One letter as `--json` prints it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Line<'a> {
    #[serde(flatten)]
    letter: &'a LetterView,
    age_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'a str>,
}

fn print_letters(letters: &[LetterView], json: bool, outcome: Option<&str>) {
    let now = Utc::now();
    let age = |letter: &LetterView| letter.dead_at.map(|at| (now - at).num_seconds().max(0));
    if json {
        for letter in letters {
            let line = Line {
                letter,
                age_seconds: age(letter),
                outcome,
            };
            println!("{}", serde_json::to_string(&line).unwrap_or_default());
        }
        return;
    }
    if letters.is_empty() {
        if outcome.is_none() {
            println!("no dead letters");
        }
        return;
    }
    println!(
        "{:<28} {:<36} {:<48} {:<44} {:>7} {:<8} REASON",
        "CURSOR", "EVENT ID", "TYPE", "SUBJECT", "AGE", "STATUS"
    );
    for letter in letters {
        let dead = &letter.letter;
        let status = match letter.status {
            LetterStatus::Waiting => "waiting",
            LetterStatus::Replayed => "replayed",
        };
        println!(
            "{:<28} {:<36} {:<48} {:<44} {:>7} {:<8} {}",
            dead.cursor,
            dead.event_id.map(|id| id.to_string()).unwrap_or_default(),
            dead.event_type.as_deref().unwrap_or("-"),
            dead.subject.as_deref().unwrap_or("-"),
            age(letter).map_or_else(|| "-".to_owned(), |s| format!("{s}s")),
            status,
            dead.reason
        );
    }
}

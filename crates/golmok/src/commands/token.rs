use anyhow::{Context, bail};
use clap::Args;
use std::time::SystemTime;

use golmok_runtime::{Actor, Role, TrustRoot};
use uuid::Uuid;

use super::Common;
use crate::registry;
use crate::settings::SuiteSettings;

#[derive(Args)]
pub struct TokenArgs {
    #[command(flatten)]
    common: Common,
    /// merchant, creator, citizen, expert, official, partner or operator.
    #[arg(long)]
    role: String,
    /// The merchant a merchant token acts for; with `--role merchant` and no
    /// `--merchant`, a fresh id that `registerMerchant` then signs up.
    #[arg(long)]
    merchant: Option<Uuid>,
    /// The token subject; a fresh id when omitted.
    #[arg(long)]
    subject: Option<String>,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 86_400)]
    ttl: u64,
    /// Instead of an API token, print the actor assertion the gateway would
    /// send to this service (the `x-golmok-actor` value it trusts, good for
    /// 60 s), to call one service's HTTP API directly.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(registry::names()))]
    service: Option<String>,
}

pub fn run(args: TokenArgs) -> anyhow::Result<()> {
    let Some(role) = Role::parse(&args.role) else {
        bail!(
            "unknown role {:?}; one of merchant, creator, citizen, expert, official, partner, operator",
            args.role
        );
    };
    if args.merchant.is_some() && role != Role::Merchant {
        bail!("--merchant goes only with --role merchant");
    }
    let merchant = match (role, args.merchant) {
        (Role::Merchant, None) => {
            let fresh = Uuid::now_v7();
            eprintln!("this token acts for the new merchant {fresh}; registerMerchant signs it up");
            Some(fresh)
        }
        (_, given) => given,
    };
    let settings = SuiteSettings::load(&args.common, None)?;
    let auth = &settings.gateway.auth;
    std::fs::create_dir_all(&args.common.data_dir)
        .with_context(|| format!("creating data dir {}", args.common.data_dir.display()))?;
    let subject = args
        .subject
        .unwrap_or_else(|| format!("{}-{}", role.as_str(), Uuid::now_v7()));
    if let Some(service) = args.service {
        let actor = Actor {
            subject,
            role,
            merchant_id: merchant,
        };
        let root = TrustRoot::load_or_create(&auth.assertion_key_file)?;
        let assertion = root.key_for(&service).sign(Some(&actor), SystemTime::now());
        println!("{}", assertion.to_str()?);
        return Ok(());
    }
    let key = gateway::auth::SigningKey::load_or_create(&auth.signing_key_file)?;
    let claims = gateway::auth::Claims::new(
        subject,
        role,
        merchant,
        std::time::Duration::from_secs(args.ttl),
        auth,
    );
    println!("{}", key.mint(&claims));
    Ok(())
}

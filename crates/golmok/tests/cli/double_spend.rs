//! RELIABILITY.md 9 through the real API: many concurrent voucher payments
//! against one wallet, the `golmok up` process killed with SIGKILL while they
//! fly, restarted, and every idempotency key retried. Must hold: the balance
//! never goes negative, each key resolves to one outcome and replays return
//! it, a reused key with another amount is refused.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Golmok, REGISTER, bakery, mapo_programme, token, token_command};

const PAYMENTS: usize = 40;
const AMOUNT: i64 = 3_000;
const FACE: i64 = 50_000;

const PAY: &str = "mutation($input: RedeemVoucherInput!) {
  payWithVoucher(input: $input) { redemption { id amount status } userErrors { code } } }";

/// What one payment call answered: the redemption id, a refusal code, or
/// nothing (the process died under it).
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Captured(String),
    Refused(String),
}

async fn pay(base: &str, citizen: &str, input: &Value) -> Option<Outcome> {
    let response = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(citizen)
        .json(&json!({"query": PAY, "variables": {"input": input}}))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .ok()?;
    let body: Value = response.json().await.ok()?;
    let payload = &body["data"]["payWithVoucher"];
    if let Some(code) = payload["userErrors"][0]["code"].as_str() {
        return Some(Outcome::Refused(code.to_owned()));
    }
    let redemption = &payload["redemption"];
    assert_eq!(redemption["status"], "CAPTURED", "{body}");
    assert_eq!(redemption["amount"], input["amount"]);
    Some(Outcome::Captured(redemption["id"].as_str()?.to_owned()))
}

async fn available(suite: &Golmok, citizen: &str, programme: &str) -> i64 {
    let data = suite
        .graphql(
            Some(citizen),
            "query($p: ID!) { myVoucherWallet(programmeId: $p) { available } }",
            json!({"p": programme}),
        )
        .await;
    data["myVoucherWallet"]["available"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_payments_across_a_kill_9_never_overdraw_and_each_key_has_one_outcome() {
    let data = tempfile::tempdir().unwrap();
    let suite = Golmok::up(data.path());

    let merchant = token(data.path(), "merchant");
    let shop = suite
        .graphql(Some(&merchant), REGISTER, bakery("220-81-62517"))
        .await;
    let shop_id = shop["registerMerchant"]["merchant"]["id"].clone();
    let official = token(data.path(), "official");
    let programme = mapo_programme(&suite, &official, FACE, 1_000_000).await;
    let (ok, citizen, stderr) = token_command(
        data.path(),
        &["--role", "citizen", "--subject", "citizen-lee"],
    );
    assert!(ok, "{stderr}");
    let bought = suite
        .graphql(
            Some(&citizen),
            "mutation($p: ID!) { purchaseVoucher(input: {programmeId: $p, faceValue: 50000}) {
               wallet { id balance } userErrors { code } } }",
            json!({"p": programme}),
        )
        .await;
    assert_eq!(bought["purchaseVoucher"]["wallet"]["balance"], FACE);
    let wallet = bought["purchaseVoucher"]["wallet"]["id"].clone();
    let input = |key: usize| {
        json!({"walletId": wallet, "merchantId": shop_id, "amount": AMOUNT,
               "idempotencyKey": format!("pay-{key}")})
    };
    // The voucher service learns of the shop from the storefront's events.
    let probe =
        json!({"walletId": wallet, "merchantId": shop_id, "amount": 1, "idempotencyKey": "probe"});
    for _ in 0..200 {
        match pay(&suite.base, &citizen, &probe).await {
            Some(Outcome::Refused(code)) if code == "MERCHANT_NOT_FOUND" => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => {
                assert!(matches!(other, Some(Outcome::Captured(_))), "{other:?}");
                break;
            }
        }
    }
    let budget = FACE - 1;

    // 40 payments of 3,000 against 49,999 at once; SIGKILL while they fly.
    let mut flying = Vec::new();
    for key in 0..PAYMENTS {
        let (base, citizen, input) = (suite.base.clone(), citizen.clone(), input(key));
        flying.push(tokio::spawn(
            async move { pay(&base, &citizen, &input).await },
        ));
    }
    tokio::time::sleep(Duration::from_millis(60)).await;
    suite.kill_9();
    let mut first: BTreeMap<usize, Outcome> = BTreeMap::new();
    for (key, call) in flying.into_iter().enumerate() {
        if let Some(outcome) = call.await.unwrap() {
            first.insert(key, outcome);
        }
    }

    // Restarted on the same data: every key retried, twice.
    let suite = Golmok::up(data.path());
    let mut settled: BTreeMap<usize, Outcome> = BTreeMap::new();
    for key in 0..PAYMENTS {
        let outcome = pay(&suite.base, &citizen, &input(key))
            .await
            .expect("answered");
        let again = pay(&suite.base, &citizen, &input(key))
            .await
            .expect("answered");
        assert_eq!(outcome, again, "key {key} replays its outcome");
        if let Some(before) = first.get(&key) {
            assert_eq!(&outcome, before, "key {key} answered before the kill");
        }
        settled.insert(key, outcome);
    }
    let captured = settled
        .values()
        .filter(|o| matches!(o, Outcome::Captured(_)))
        .count() as i64;
    let refusals: Vec<&Outcome> = settled
        .values()
        .filter(|o| matches!(o, Outcome::Refused(_)))
        .collect();
    assert!(
        refusals
            .iter()
            .all(|o| **o == Outcome::Refused("INSUFFICIENT_BALANCE".to_owned())),
        "{refusals:?}"
    );
    assert_eq!(
        captured,
        budget / AMOUNT,
        "as many payments as the balance covers"
    );
    assert_eq!(
        available(&suite, &citizen, &programme).await,
        budget - captured * AMOUNT,
        "the balance is what the captured payments left"
    );

    // The same key with another amount is refused, and changes nothing.
    let mut changed = input(0);
    changed["amount"] = json!(1_000);
    let reused = pay(&suite.base, &citizen, &changed).await;
    assert_eq!(
        reused,
        Some(Outcome::Refused("IDEMPOTENCY_KEY_REUSED".to_owned()))
    );
    assert_eq!(
        available(&suite, &citizen, &programme).await,
        budget - captured * AMOUNT
    );
    println!(
        "double spend: {PAYMENTS} payments, {} answered before the kill, {captured} captured, balance {}",
        first.len(),
        budget - captured * AMOUNT
    );
    let (status, _) = suite.terminate();
    assert!(status.success());
}

//! A registration that claimed its business number and then died (crash between
//! the claim and the merchant's first event) must not lock the number forever.

use chrono::{TimeDelta, Utc};
use golmok_embedded::EmbeddedStore;
use golmok_kernel::{CommandHandler, CommandMeta};
use reqwest::StatusCode;
use serde_json::json;
use storefront::app::codec::{ClaimCodec, MerchantCodec};
use storefront::app::merchant_stream;
use storefront::domain::business_number::{BusinessNumber, Claim, ClaimCommand};
use storefront::domain::merchant::{Merchant, MerchantState};
use storefront::startup::STORE_FILE;
use uuid::Uuid;

use crate::helpers::*;

/// Writes a claim of `number` by `holder`, `age` ago, into a fresh data directory.
async fn dir_with_claim(number: &str, holder: Uuid, age: TimeDelta) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join(STORE_FILE)).unwrap();
    let claims = CommandHandler::<Claim, ClaimCodec>::new(store);
    let number = BusinessNumber::parse(number).unwrap();
    let stream = format!("business-number-{}", number.digits());
    let claim = ClaimCommand::Claim {
        number,
        merchant_id: holder,
        at: Utc::now() - age,
    };
    claims
        .execute(&stream, &claim, &CommandMeta::default())
        .await
        .unwrap();
    dir
}

async fn with_number(number: &str) -> serde_json::Value {
    let mut body = retailer();
    body["businessNumber"] = json!(number);
    body
}

#[tokio::test]
async fn a_stale_claim_of_a_registration_that_never_happened_is_taken_over() {
    let number = business_number();
    let ghost = Uuid::now_v7();
    let dir = dir_with_claim(&number, ghost, TimeDelta::minutes(10)).await;
    let settings = settings(&dir);
    let app = spawn_with(dir, settings).await;
    let created = app
        .post("/merchants", &operator(), with_number(&number).await)
        .await;
    assert_ne!(id_of(created.expect(StatusCode::CREATED)), ghost);
    app.post("/merchants", &operator(), with_number(&number).await)
        .await
        .error(
            StatusCode::CONFLICT,
            "BUSINESS_NUMBER_TAKEN",
            Some("businessNumber"),
        );

    // The dead registration can never complete later.
    let dir = app.stop().await;
    let store = EmbeddedStore::open(&dir.path().join(STORE_FILE)).unwrap();
    let merchants = CommandHandler::<Merchant, MerchantCodec>::new(store);
    let (state, _) = merchants.load(&merchant_stream(ghost)).await.unwrap();
    assert_eq!(*state, MerchantState::Abandoned);
}

#[tokio::test]
async fn a_fresh_claim_is_respected_while_its_registration_may_be_in_flight() {
    let number = business_number();
    let dir = dir_with_claim(&number, Uuid::now_v7(), TimeDelta::seconds(5)).await;
    let settings = settings(&dir);
    let app = spawn_with(dir, settings).await;
    app.post("/merchants", &operator(), with_number(&number).await)
        .await
        .error(
            StatusCode::CONFLICT,
            "BUSINESS_NUMBER_TAKEN",
            Some("businessNumber"),
        );
}

#[tokio::test]
async fn an_old_claim_of_a_merchant_registered_with_it_still_holds() {
    let number = business_number();
    let holder = Uuid::now_v7();
    let dir = dir_with_claim(&number, holder, TimeDelta::minutes(10)).await;
    let settings = settings(&dir);
    let app = spawn_with(dir, settings).await;
    // The holder completes its registration (its own claim is no obstacle) ...
    let created = app
        .post(
            "/merchants",
            &merchant_actor(holder),
            with_number(&number).await,
        )
        .await;
    assert_eq!(id_of(created.expect(StatusCode::CREATED)), holder);
    // ... and however old the claim, nobody else gets the number.
    app.post("/merchants", &operator(), with_number(&number).await)
        .await
        .error(
            StatusCode::CONFLICT,
            "BUSINESS_NUMBER_TAKEN",
            Some("businessNumber"),
        );
}

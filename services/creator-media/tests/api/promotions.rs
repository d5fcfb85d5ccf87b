//! Event tie-ins and promotions over HTTP: officials create tie-ins,
//! merchants publish and withdraw promotions, partners read only their
//! tie-ins and the promotions those include, and promotions expire by
//! themselves when they end.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use golmok_runtime::{Actor, Role};
use golmok_testkit::idempotency::{Replayable, assert_idempotent};
use golmok_testkit::service::{citizen, merchant_actor};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

fn partner(subject: &str) -> Actor {
    Actor {
        subject: subject.to_owned(),
        role: Role::Partner,
        merchant_id: None,
    }
}

/// "MAMA 2026" for the partner `mama`: K-pop promotions in Mapo, this month.
fn mama_body() -> Value {
    json!({
        "name": "MAMA 2026", "partner": "mama",
        "starts": Utc::now() - Duration::days(1), "ends": Utc::now() + Duration::days(30),
        "tags": ["K-Pop"], "regions": ["Seoul-Mapo"]
    })
}

fn promotion_body(merchant: Uuid, tags: &[&str], tie_in: Option<Uuid>) -> Value {
    let mut body = json!({
        "merchantId": merchant, "title": "팬 응원 세트",
        "products": [Uuid::now_v7()],
        "offer": {"kind": "percentOff", "bps": 1500},
        "starts": Utc::now(), "ends": Utc::now() + Duration::days(7),
        "tags": tags, "categories": ["food"], "region": "seoul-mapo"
    });
    if let Some(tie_in) = tie_in {
        body["tieIn"] = json!(tie_in);
    }
    body
}

impl TestApp {
    async fn tie_in(&self, body: Value) -> Uuid {
        let reply = self.post("/tie-ins", &official(), body).await;
        id_of(reply.expect(StatusCode::CREATED))
    }

    async fn publish(&self, merchant: Uuid, body: Value) -> Uuid {
        let reply = self
            .post("/promotions", &merchant_actor(merchant), body)
            .await;
        id_of(reply.expect(StatusCode::CREATED))
    }

    async fn read_as(&self, actor: &Actor, path: &str) -> crate::helpers::Reply {
        self.call(Method::GET, path, Some(actor), None, None).await
    }

    /// The ids of a list's items, as `actor` reads them.
    async fn ids_as(&self, actor: &Actor, path: &str) -> Vec<Uuid> {
        let reply = self.read_as(actor, path).await;
        reply.expect(StatusCode::OK)["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(id_of)
            .collect()
    }
}

#[tokio::test]
async fn a_partner_reads_its_tie_in_and_only_the_promotions_it_includes() {
    let app = spawn_app().await;
    let mama = app.tie_in(mama_body()).await;
    let other_body = json!({
        "name": "Busan festival", "partner": "busan",
        "starts": Utc::now(), "ends": Utc::now() + Duration::days(30)
    });
    let other = app.tie_in(other_body).await;
    let merchant = Uuid::now_v7();
    let matching = app
        .publish(
            merchant,
            promotion_body(merchant, &["k-pop", "snack"], None),
        )
        .await;
    let unrelated = app
        .publish(merchant, promotion_body(merchant, &["snack"], None))
        .await;
    let restricted = app
        .publish(merchant, promotion_body(merchant, &[], Some(mama)))
        .await;
    let elsewhere = app
        .publish(merchant, promotion_body(merchant, &["k-pop"], Some(other)))
        .await;

    let mama_partner = partner("mama");
    let tie_in = app
        .read_as(&mama_partner, &format!("/tie-ins/{mama}"))
        .await;
    let tie_in = tie_in.expect(StatusCode::OK);
    assert_eq!(tie_in["tags"], json!(["k-pop"]), "normalised: {tie_in}");
    assert_eq!(tie_in["regions"], json!(["seoul-mapo"]));
    let included = app
        .ids_as(&mama_partner, &format!("/tie-ins/{mama}/promotions"))
        .await;
    assert_eq!(included, [matching, restricted]);
    // One at a time, with cursors.
    let first = app
        .read_as(
            &mama_partner,
            &format!("/tie-ins/{mama}/promotions?first=1"),
        )
        .await;
    let first = first.expect(StatusCode::OK).clone();
    assert_eq!(id_of(&first["items"][0]), matching);
    let cursor = first["nextCursor"].as_str().expect("a cursor");
    let rest = app
        .ids_as(
            &mama_partner,
            &format!("/tie-ins/{mama}/promotions?first=1&after={cursor}"),
        )
        .await;
    assert_eq!(rest, [restricted]);
    assert_eq!(app.ids_as(&mama_partner, "/tie-ins").await, [mama]);
    for visible in [matching, restricted] {
        let read = app
            .read_as(&mama_partner, &format!("/promotions/{visible}"))
            .await;
        read.expect(StatusCode::OK);
    }

    // Never another tie-in, nor a promotion its tie-in does not include.
    let hidden = [
        format!("/tie-ins/{other}"),
        format!("/tie-ins/{other}/promotions"),
    ];
    for path in hidden {
        app.read_as(&mama_partner, &path).await.error(
            StatusCode::NOT_FOUND,
            "TIE_IN_NOT_FOUND",
            None,
        );
    }
    for promotion in [elsewhere, unrelated] {
        app.read_as(&mama_partner, &format!("/promotions/{promotion}"))
            .await
            .error(StatusCode::NOT_FOUND, "PROMOTION_NOT_FOUND", None);
    }
    app.read_as(&mama_partner, &format!("/merchants/{merchant}/promotions"))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);

    // A merchant cannot read a tie-in; anybody reads a public promotion, a
    // restricted one only its merchant, officials and its partner.
    let owner = merchant_actor(merchant);
    app.read_as(&owner, &format!("/tie-ins/{mama}"))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.read_as(&owner, "/tie-ins")
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let buyer = citizen("buyer");
    app.read_as(&buyer, &format!("/promotions/{unrelated}"))
        .await
        .expect(StatusCode::OK);
    app.read_as(&buyer, &format!("/promotions/{restricted}"))
        .await
        .error(StatusCode::NOT_FOUND, "PROMOTION_NOT_FOUND", None);
    for reader in [owner, official()] {
        app.read_as(&reader, &format!("/promotions/{restricted}"))
            .await
            .expect(StatusCode::OK);
    }
    assert_eq!(app.ids_as(&official(), "/tie-ins").await, [mama, other]);
    let everything = app
        .ids_as(&operator(), &format!("/merchants/{merchant}/promotions"))
        .await;
    assert_eq!(everything, [matching, unrelated, restricted, elsewhere]);
}

#[tokio::test]
async fn a_merchant_publishes_for_itself_only_and_withdraws_while_live() {
    let app = spawn_app().await;
    let merchant = Uuid::now_v7();
    let intruder = merchant_actor(Uuid::now_v7());
    app.post(
        "/promotions",
        &intruder,
        promotion_body(merchant, &[], None),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.post("/tie-ins", &merchant_actor(merchant), mama_body())
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let published = app
        .post(
            "/promotions",
            &merchant_actor(merchant),
            promotion_body(merchant, &[], None),
        )
        .await;
    let published = published.expect(StatusCode::CREATED).clone();
    assert_eq!(published["status"], "LIVE");
    assert_eq!(
        published["offer"],
        json!({"kind": "percentOff", "bps": 1500})
    );
    let id = id_of(&published);
    let withdraw = format!("/promotions/{id}/withdrawal");
    app.post(&withdraw, &intruder, json!({}))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let withdrawn = app
        .post(&withdraw, &merchant_actor(merchant), json!({}))
        .await;
    let withdrawn = withdrawn.expect(StatusCode::OK);
    assert_eq!(withdrawn["status"], "WITHDRAWN");
    assert!(withdrawn["endedAt"].is_string());
    app.post(&withdraw, &merchant_actor(merchant), json!({}))
        .await
        .error(StatusCode::CONFLICT, "PROMOTION_NOT_LIVE", None);
    app.post(
        &format!("/promotions/{}/withdrawal", Uuid::now_v7()),
        &operator(),
        json!({}),
    )
    .await
    .error(StatusCode::NOT_FOUND, "PROMOTION_NOT_FOUND", None);
    let read = app.get(&format!("/promotions/{id}")).await;
    assert_eq!(read.expect(StatusCode::OK)["status"], "WITHDRAWN");
}

#[tokio::test]
async fn bad_input_is_refused_with_a_code_and_leaves_nothing() {
    let app = spawn_app().await;
    let merchant = Uuid::now_v7();
    let actor = merchant_actor(merchant);
    let with = |change: Value| {
        let mut body = promotion_body(merchant, &["k-pop"], None);
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let product = Uuid::now_v7();
    let cases = [
        (
            json!({"title": " "}),
            StatusCode::BAD_REQUEST,
            "FIELD_REQUIRED",
            "title",
        ),
        (
            json!({"products": []}),
            StatusCode::BAD_REQUEST,
            "LIST_EMPTY",
            "products",
        ),
        (
            json!({"products": [product, product]}),
            StatusCode::BAD_REQUEST,
            "DUPLICATE_ENTRY",
            "products[1]",
        ),
        (
            json!({"offer": {"kind": "percentOff", "bps": 10001}}),
            StatusCode::BAD_REQUEST,
            "OFFER_INVALID",
            "offer",
        ),
        (
            json!({"offer": {"kind": "amountOff", "won": 0}}),
            StatusCode::BAD_REQUEST,
            "OFFER_INVALID",
            "offer",
        ),
        (
            json!({"offer": {"kind": "code", "code": "lower"}}),
            StatusCode::BAD_REQUEST,
            "OFFER_INVALID",
            "offer",
        ),
        (
            json!({"ends": Utc::now() - Duration::days(30)}),
            StatusCode::BAD_REQUEST,
            "PERIOD_INVALID",
            "ends",
        ),
        (
            json!({"starts": Utc::now() - Duration::days(3), "ends": Utc::now() - Duration::days(1)}),
            StatusCode::BAD_REQUEST,
            "PROMOTION_ENDS_IN_PAST",
            "ends",
        ),
        (
            json!({"tags": ["a\u{7}b"]}),
            StatusCode::BAD_REQUEST,
            "INVALID_TEXT",
            "tags[0]",
        ),
    ];
    for (change, status, code, field) in cases {
        app.post("/promotions", &actor, with(change.clone()))
            .await
            .error(status, code, Some(field));
    }
    // A restricted promotion needs its tie-in; refused, it claims nothing:
    // its key then publishes the good promotion.
    let ghost = with(json!({"tieIn": Uuid::now_v7()}));
    let refused = app
        .call(
            Method::POST,
            "/promotions",
            Some(&actor),
            Some("p-1"),
            Some(ghost),
        )
        .await;
    refused.error(StatusCode::NOT_FOUND, "TIE_IN_NOT_FOUND", None);
    let path = format!("/merchants/{merchant}/promotions");
    assert_eq!(app.count(&path).await, 0);
    let good = app
        .call(
            Method::POST,
            "/promotions",
            Some(&actor),
            Some("p-1"),
            Some(with(json!({}))),
        )
        .await;
    good.expect(StatusCode::CREATED);
    assert_eq!(app.count(&path).await, 1);

    let tie_in_cases = [
        (json!({"partner": ""}), "FIELD_REQUIRED", "partner"),
        (
            json!({"ends": Utc::now() - Duration::days(2)}),
            "PERIOD_INVALID",
            "ends",
        ),
        (json!({"tags": ["ok", ""]}), "FIELD_REQUIRED", "tags[1]"),
    ];
    for (change, code, field) in tie_in_cases {
        let mut body = mama_body();
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        app.post("/tie-ins", &official(), body).await.error(
            StatusCode::BAD_REQUEST,
            code,
            Some(field),
        );
    }
    assert_eq!(app.count("/tie-ins").await, 0);
}

#[tokio::test]
async fn publishing_and_creating_tie_ins_keep_the_idempotency_contract() {
    let app = spawn_app().await;
    let merchant = Uuid::now_v7();
    let command = Replayable {
        method: Method::POST,
        path: "/promotions".into(),
        body: promotion_body(merchant, &["k-pop"], None),
        other_body: promotion_body(merchant, &["snack"], None),
    };
    let path = format!("/merchants/{merchant}/promotions");
    assert_idempotent(&app, &merchant_actor(merchant), &command, || {
        app.count(&path)
    })
    .await;
    let mut other = mama_body();
    other["name"] = json!("MAMA 2027");
    let command = Replayable {
        method: Method::POST,
        path: "/tie-ins".into(),
        body: mama_body(),
        other_body: other,
    };
    assert_idempotent(&app, &official(), &command, || app.count("/tie-ins")).await;
}

#[tokio::test]
async fn a_promotion_expires_by_itself_when_it_ends_and_a_withdrawn_one_never_does() {
    let app = spawn_app().await;
    let merchant = Uuid::now_v7();
    let ending = |seconds: i64| {
        let mut body = promotion_body(merchant, &[], None);
        body["ends"] = json!(Utc::now() + Duration::seconds(seconds));
        body
    };
    let expiring = app.publish(merchant, ending(2)).await;
    let withdrawn = app.publish(merchant, ending(2)).await;
    let lasting = app.publish(merchant, ending(3_600)).await;
    let withdraw = format!("/promotions/{withdrawn}/withdrawal");
    let reply = app
        .post(&withdraw, &merchant_actor(merchant), json!({}))
        .await;
    let before = reply.expect(StatusCode::OK).clone();

    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(20);
    let expired = loop {
        let read = app.get(&format!("/promotions/{expiring}")).await;
        let read = read.expect(StatusCode::OK).clone();
        if read["status"] == "EXPIRED" {
            break read;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never expired: {read}"
        );
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    };
    assert!(expired["endedAt"].as_str().unwrap() >= expired["ends"].as_str().unwrap());
    // Give the task a few more looks: nothing else changes.
    tokio::time::sleep(StdDuration::from_millis(1_500)).await;
    let after = app.get(&format!("/promotions/{withdrawn}")).await;
    assert_eq!(
        after.expect(StatusCode::OK),
        &before,
        "a withdrawn one stays withdrawn"
    );
    let read = app.get(&format!("/promotions/{expiring}")).await;
    assert_eq!(read.expect(StatusCode::OK)["version"], 2, "expired once");
    let read = app.get(&format!("/promotions/{lasting}")).await;
    assert_eq!(read.expect(StatusCode::OK)["status"], "LIVE");
    app.post(
        &format!("/promotions/{expiring}/withdrawal"),
        &merchant_actor(merchant),
        json!({}),
    )
    .await
    .error(StatusCode::CONFLICT, "PROMOTION_NOT_LIVE", None);
}

#[tokio::test]
async fn tie_ins_and_promotions_survive_a_restart_and_expiry_resumes() {
    let app = spawn_app().await;
    let mama = app.tie_in(mama_body()).await;
    let merchant = Uuid::now_v7();
    let mut body = promotion_body(merchant, &[], Some(mama));
    body["ends"] = json!(Utc::now() + Duration::seconds(2));
    let promotion = app.publish(merchant, body).await;
    let tie_in_path = format!("/tie-ins/{mama}");
    let tie_in_before = app.get(&tie_in_path).await.body;

    let app = app.restart().await;
    assert_eq!(
        app.get(&tie_in_path).await.expect(StatusCode::OK),
        &tie_in_before
    );
    let included = app
        .ids_as(&partner("mama"), &format!("/tie-ins/{mama}/promotions"))
        .await;
    assert_eq!(included, [promotion]);
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(20);
    loop {
        let read = app.get(&format!("/promotions/{promotion}")).await;
        if read.expect(StatusCode::OK)["status"] == "EXPIRED" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never expired after the restart"
        );
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
}

//! Creator media through the gateway over the real creator-media service:
//! creators register with a unique handle, officials open studios, creators
//! book their slots, each slot once.

use chrono::{DateTime, Duration, DurationRound, Utc};
use golmok_runtime::Role;
use serde_json::{Value, json};

use crate::support::{TestApp, spawn_app};

const REGISTER: &str = "mutation($input: RegisterCreatorInput!) {
  registerCreator(input: $input) {
    creator { id handle displayName channels { platform url audience } categories region languages }
    userErrors { field code message }
  }
}";

const CREATE_STUDIO: &str = "mutation($input: CreateStudioInput!) {
  createStudio(input: $input) {
    studio { id name slotMinutes openHour closeHour }
    userErrors { field code message }
  }
}";

const BOOK: &str = "mutation($input: BookStudioSlotInput!) {
  bookStudioSlot(input: $input) {
    booking { id start end status creator { handle } studio { name } }
    userErrors { field code message }
  }
}";

fn profile(handle: &str) -> Value {
    json!({
        "handle": handle, "displayName": "골목 크리에이터",
        "channels": [{"platform": "YOUTUBE", "url": format!("https://youtube.com/@{}", handle.trim_start_matches('@')), "audience": 6_000_000_000_i64}],
        "categories": ["food"], "region": "마포구", "languages": ["ko", "en"],
    })
}

/// Registers a creator for `token`; returns the mutation's payload.
async fn register(app: &TestApp, token: &str, handle: &str) -> Value {
    let data = app
        .data(Some(token), REGISTER, json!({"input": profile(handle)}))
        .await;
    data["registerCreator"].clone()
}

/// Registers a creator for `token`; returns its global id.
pub(crate) async fn creator(app: &TestApp, token: &str, handle: &str) -> String {
    let payload = register(app, token, handle).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["creator"]["id"].as_str().unwrap().to_owned()
}

/// An official opens a studio open around the clock in hour slots; returns its global id.
async fn studio(app: &TestApp) -> String {
    let official = app.token(Role::Official, None);
    let input = json!({"name": "망원 스튜디오", "region": "마포구", "slotMinutes": 60, "openHour": 0, "closeHour": 24});
    let data = app
        .data(Some(&official), CREATE_STUDIO, json!({"input": input}))
        .await;
    let payload = &data["createStudio"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["studio"]["id"].as_str().unwrap().to_owned()
}

/// A slot start tomorrow, on an hour boundary.
fn tomorrow() -> DateTime<Utc> {
    (Utc::now() + Duration::days(1))
        .duration_trunc(Duration::hours(1))
        .unwrap()
}

async fn book(app: &TestApp, token: &str, studio: &str, creator: &str, start: &str) -> Value {
    let input = json!({"studioId": studio, "creatorId": creator, "start": start});
    let data = app.data(Some(token), BOOK, json!({"input": input})).await;
    data["bookStudioSlot"].clone()
}

#[tokio::test]
async fn a_creator_registers_once_per_handle_and_is_a_node() {
    let app = spawn_app().await;
    let token = app.token(Role::Creator, None);
    let payload = register(&app, &token, "@Golmok.Eats").await;
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    let registered = &payload["creator"];
    assert_eq!(registered["handle"], "golmok.eats");
    assert_eq!(
        registered["channels"][0],
        json!({"platform": "YOUTUBE", "url": "https://youtube.com/@Golmok.Eats", "audience": 6_000_000_000_i64})
    );
    assert_eq!(registered["languages"], json!(["ko", "en"]));

    let other = app.token(Role::Creator, None);
    let taken = register(&app, &other, "GOLMOK.EATS").await;
    assert_eq!(taken["creator"], Value::Null);
    assert_eq!(taken["userErrors"][0]["code"], "HANDLE_TAKEN", "{taken}");
    assert_eq!(taken["userErrors"][0]["field"], json!(["input", "handle"]));

    let id = registered["id"].as_str().unwrap();
    let data = app
        .data(
            Some(&other),
            "query($id: ID!) { node(id: $id) { __typename id ... on Creator { handle } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        data["node"],
        json!({"__typename": "Creator", "id": id, "handle": "golmok.eats"})
    );
    let data = app
        .data(
            None,
            "query($id: ID!) { creator(id: $id) { displayName region } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        data["creator"],
        json!({"displayName": "골목 크리에이터", "region": "마포구"})
    );
}

#[tokio::test]
async fn refusals_name_the_input_at_fault() {
    let app = spawn_app().await;
    let token = app.token(Role::Creator, None);
    let mut input = profile("golmok_eats");
    input["channels"][0]["url"] = json!("ftp://nowhere");
    let data = app
        .data(Some(&token), REGISTER, json!({"input": input}))
        .await;
    let payload = &data["registerCreator"];
    assert_eq!(
        payload["userErrors"][0]["code"], "CHANNEL_URL_INVALID",
        "{payload}"
    );
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["input", "channels", "0", "url"])
    );

    let id = creator(&app, &token, "golmok_eats").await;
    let update = "mutation($input: UpdateCreatorInput!) {
      updateCreator(input: $input) { creator { displayName handle } userErrors { field code } }
    }";
    let data = app
        .data(
            Some(&token),
            update,
            json!({"input": {"creatorId": id, "displayName": "골목 먹방"}}),
        )
        .await;
    assert_eq!(
        data["updateCreator"],
        json!({"creator": {"displayName": "골목 먹방", "handle": "golmok_eats"}, "userErrors": []})
    );
    // Another creator may not change it.
    let stranger = app.token(Role::Creator, None);
    let data = app
        .data(
            Some(&stranger),
            update,
            json!({"input": {"creatorId": id, "displayName": "남의 채널"}}),
        )
        .await;
    assert_eq!(data["updateCreator"]["creator"], Value::Null);
    assert_eq!(
        data["updateCreator"]["userErrors"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_slot_is_booked_once_and_read_from_its_studio() {
    let app = spawn_app().await;
    let first = app.token(Role::Creator, None);
    let second = app.token(Role::Creator, None);
    let first_id = creator(&app, &first, "first_creator").await;
    let second_id = creator(&app, &second, "second_creator").await;
    let studio = studio(&app).await;
    let start = tomorrow();
    let at = start.to_rfc3339();

    let booked = book(&app, &first, &studio, &first_id, &at).await;
    assert_eq!(booked["userErrors"], json!([]), "{booked}");
    let booking = &booked["booking"];
    assert_eq!(booking["status"], "BOOKED");
    assert_eq!(booking["creator"]["handle"], "first_creator");
    assert_eq!(booking["studio"]["name"], "망원 스튜디오");
    let end: DateTime<Utc> = booking["end"].as_str().unwrap().parse().unwrap();
    assert_eq!(end - start, Duration::hours(1));

    let again = book(&app, &second, &studio, &second_id, &at).await;
    assert_eq!(again["booking"], Value::Null);
    assert_eq!(again["userErrors"][0]["code"], "SLOT_TAKEN", "{again}");
    assert_eq!(again["userErrors"][0]["field"], json!(["input", "start"]));

    // A creator books only for itself.
    let for_other = book(
        &app,
        &second,
        &studio,
        &first_id,
        &(start + Duration::hours(1)).to_rfc3339(),
    )
    .await;
    assert_eq!(for_other["booking"], Value::Null, "{for_other}");

    let day = (start + Duration::hours(9)).format("%Y-%m-%d").to_string();
    let read = "query($id: ID!, $day: Date!) {
      studio(id: $id) { name bookings(day: $day) { id status creator { handle } } }
    }";
    let data = app
        .data(None, read, json!({"id": studio, "day": day}))
        .await;
    let bookings = &data["studio"]["bookings"];
    assert_eq!(bookings.as_array().unwrap().len(), 1, "{data}");
    assert_eq!(bookings[0]["id"], booking["id"]);
    assert_eq!(bookings[0]["creator"]["handle"], "first_creator");

    // Cancelled, the slot is free again.
    let cancel = "mutation($input: CancelStudioBookingInput!) {
      cancelStudioBooking(input: $input) { booking { status } userErrors { code } }
    }";
    let data = app
        .data(
            Some(&first),
            cancel,
            json!({"input": {"bookingId": booking["id"]}}),
        )
        .await;
    assert_eq!(
        data["cancelStudioBooking"],
        json!({"booking": {"status": "CANCELLED"}, "userErrors": []})
    );
    let rebooked = book(&app, &second, &studio, &second_id, &at).await;
    assert_eq!(rebooked["userErrors"], json!([]), "{rebooked}");

    // A booking is not fetched alone; a studio is.
    let data = app
        .data(
            None,
            "query($id: ID!) { node(id: $id) { __typename } }",
            json!({"id": studio}),
        )
        .await;
    assert_eq!(data["node"]["__typename"], "Studio");
    let (_, body) = app
        .graphql(
            None,
            "query($id: ID!) { node(id: $id) { __typename } }",
            json!({"id": booking["id"]}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "NOT_A_NODE",
        "{body}"
    );
}

#[tokio::test]
async fn a_booking_retried_with_its_key_is_the_same_booking() {
    let app = spawn_app().await;
    let token = app.token(Role::Creator, None);
    let id = creator(&app, &token, "retrying").await;
    let studio = studio(&app).await;
    let input = json!({"studioId": studio, "creatorId": id, "start": tomorrow().to_rfc3339(), "idempotencyKey": "book-1"});
    let first = app.data(Some(&token), BOOK, json!({"input": input})).await;
    let again = app.data(Some(&token), BOOK, json!({"input": input})).await;
    assert_eq!(first["bookStudioSlot"]["userErrors"], json!([]), "{first}");
    assert_eq!(first, again);
}

#[tokio::test]
async fn creators_page_with_relay_cursors() {
    let app = spawn_app().await;
    for n in 0..5 {
        let token = app.token(Role::Creator, None);
        creator(&app, &token, &format!("paged_{n}")).await;
    }
    let query = "query($after: String) {
      creators(first: 2, after: $after) {
        edges { cursor node { handle } }
        pageInfo { hasNextPage endCursor }
      }
    }";
    let mut handles = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let data = app.data(None, query, json!({"after": after})).await;
        let connection = &data["creators"];
        for edge in connection["edges"].as_array().unwrap() {
            handles.push(edge["node"]["handle"].as_str().unwrap().to_owned());
        }
        pages += 1;
        if connection["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..5).map(|n| format!("paged_{n}")).collect();
    assert_eq!(handles, expected);
}

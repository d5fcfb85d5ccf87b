use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn creators_handles_and_bookings_survive_a_restart() {
    let app = spawn_app().await;
    let kim = app.register("creator-kim", "alley.cook").await;
    let studio = app.studio().await;
    let path = format!("/studios/{studio}/bookings");
    let body = json!({"creatorId": kim, "start": slot(10)});
    let booked = app.post(&path, &creator("creator-kim"), body.clone()).await;
    let booked = booked.expect(StatusCode::CREATED).clone();
    let creator_before = app.get(&format!("/creators/{kim}")).await.body;

    let app = app.restart().await;
    assert_eq!(
        app.get(&format!("/creators/{kim}"))
            .await
            .expect(StatusCode::OK),
        &creator_before
    );
    let booking = format!("/bookings/{}", id_of(&booked));
    assert_eq!(app.get(&booking).await.expect(StatusCode::OK), &booked);
    // The claim and the slot are still held: they live in the log, not in memory.
    app.post(
        "/creators",
        &creator("creator-lee"),
        registration("alley.cook"),
    )
    .await
    .error(StatusCode::CONFLICT, "HANDLE_TAKEN", Some("handle"));
    app.post(&path, &operator(), body).await.error(
        StatusCode::CONFLICT,
        "SLOT_TAKEN",
        Some("start"),
    );
}

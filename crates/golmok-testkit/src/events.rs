//! Events put straight into a service's log, as another part of the service
//! will write them (an API test of a consumer whose producer is built
//! elsewhere), and a wait for a projection to apply them.

use std::time::{Duration, Instant};

use golmok_kernel::{
    AppendRequest, Consumer, Envelope, EventLog, ExpectedVersion, LogTail, Tables,
};
use serde_json::Value;
use uuid::Uuid;

/// Appends the event `kr.golmok.<service>.<name>.v1` with payload `data` to
/// `stream`; answers its id and log position.
pub async fn append(
    log: &dyn EventLog,
    service: &str,
    stream: &str,
    name: &str,
    data: Value,
) -> (Uuid, u64) {
    let id = Uuid::now_v7();
    let envelope = Envelope {
        id,
        source: format!("/golmok/{service}"),
        event_type: format!("kr.golmok.{service}.{name}.v1"),
        subject: stream.into(),
        time: chrono::Utc::now(),
        stream_version: 0,
        correlation_id: id,
        causation_id: id,
        traceparent: None,
        data,
    };
    let appended = log
        .append(AppendRequest {
            stream: stream.into(),
            expected: ExpectedVersion::Any,
            events: vec![envelope],
            idempotency: None,
        })
        .await
        .expect("the event is appended");
    (id, appended.last_position)
}

/// Waits until the projection `consumer` has applied the event at
/// `position`; panics after 10 seconds.
pub async fn applied(tables: &dyn Tables, consumer: &str, position: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let checkpoint = Consumer::<LogTail>::stored_checkpoint(tables, consumer)
            .await
            .expect("the checkpoint is read");
        if checkpoint >= position {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{consumer} is at {checkpoint}, not {position}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

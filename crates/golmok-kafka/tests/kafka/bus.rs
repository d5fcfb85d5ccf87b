//! Both bus adapters pass the kernel's bus suite: the in-process log tail
//! over the embedded store, and Kafka (relay + consumer group) over Apache Kafka.

use golmok_embedded::EmbeddedStore;
use golmok_kernel::conformance::{self, LogTailBus};

use crate::support::KafkaBus;

fn log_tail() -> (tempfile::TempDir, LogTailBus) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = EmbeddedStore::open(&dir.path().join("store.redb")).expect("open");
    let bus = LogTailBus {
        log: store.clone(),
        tables: store,
    };
    (dir, bus)
}

macro_rules! both {
    ($($suite:ident: $log_tail:ident, $kafka:ident;)+) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $log_tail() {
            let (_dir, bus) = log_tail();
            conformance::$suite(&bus).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $kafka() {
            let bus = KafkaBus::start().await;
            conformance::$suite(&bus).await;
        }
    )+};
}

both! {
    bus_delivers_in_order_per_stream: log_tail_delivers_in_order_per_stream, kafka_delivers_in_order_per_stream;
    bus_commits_only_durable_effects: log_tail_commits_only_durable_effects, kafka_commits_only_durable_effects;
    bus_dead_letters_and_continues: log_tail_dead_letters_and_continues, kafka_dead_letters_and_continues;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_tail_redelivers_nothing_after_a_kill() {
    let (_dir, bus) = log_tail();
    let seen = conformance::bus_redelivery_has_no_second_effect(&bus).await;
    assert_eq!(
        seen.redelivered, 0,
        "the log tail commits its checkpoint with the effects"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_redelivery_after_a_kill_has_no_second_effect() {
    let bus = KafkaBus::start().await;
    let seen = conformance::bus_redelivery_has_no_second_effect(&bus).await;
    assert!(
        seen.redelivered > 0,
        "Kafka did not redeliver the batch whose offsets were never committed: {seen:?}"
    );
}

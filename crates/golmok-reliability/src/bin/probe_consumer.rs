//! A consumer process for RELIABILITY.md 2: a kernel `Consumer` over a
//! Kafka consumer group, counting each event's effect in its store (table
//! `effects`: one counter per event id, and a total), exactly as a service's
//! consumer writes its effects. The store is an embedded file (one process
//! per store) or a CQL keyspace that several processes share
//! (`cql:HOST:PORT/KEYSPACE`, the `golmok-scylla` adapter). It runs until
//! killed, until SIGTERM (it then stops cleanly, leaving the group, and exits
//! 0), or with `--until N` until the total reaches N.
//!
//! `probe_consumer STORE BROKERS TOPIC GROUP [--until N] [--max-poll-ms MS] [--client-id ID]`

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use async_trait::async_trait;
use golmok_embedded::EmbeddedStore;
use golmok_kafka::{KafkaSettings, KafkaSource};
use golmok_kernel::{
    Consumer, EventHandler, HandleError, RecordedEvent, StorageError, Tables, Transaction,
};
use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

/// The table of effects; its partition `events` counts per event id,
/// partition `all` holds the total.
pub const EFFECTS: &str = "effects";
/// How a STORE argument names a CQL keyspace: `cql:HOST:PORT/KEYSPACE`.
const CQL: &str = "cql:";

struct CountEffects {
    group: &'static str,
}

fn counter(bytes: Option<Vec<u8>>) -> u64 {
    bytes.map_or(0, |b| u64::from_be_bytes(b.try_into().unwrap_or([0; 8])))
}

#[async_trait]
impl EventHandler for CountEffects {
    fn name(&self) -> &'static str {
        self.group
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let id = event.envelope.id.to_string();
        let once = counter(tx.get(EFFECTS, "events", &id).await?) + 1;
        let total = counter(tx.get(EFFECTS, "all", "total").await?) + 1;
        tx.put(EFFECTS, "events", &id, once.to_be_bytes().to_vec());
        tx.put(EFFECTS, "all", "total", total.to_be_bytes().to_vec());
        // What was handed to the handler, committed or not: the test counts
        // these lines as deliveries.
        println!("handled {id}");
        Ok(())
    }
}

async fn total(tables: &dyn Tables) -> Result<u64, StorageError> {
    Ok(counter(tables.get(EFFECTS, "all", "total").await?))
}

/// Opens the embedded file or the CQL keyspace `store` names.
async fn open(store: &str) -> anyhow::Result<Arc<dyn Tables>> {
    let Some(cql) = store.strip_prefix(CQL) else {
        let store = EmbeddedStore::open(&PathBuf::from(store)).context("opening the store")?;
        return Ok(store);
    };
    let Some((contact_point, keyspace)) = cql.split_once('/') else {
        bail!("a CQL store is {CQL}HOST:PORT/KEYSPACE, not {store}");
    };
    let settings = golmok_scylla::Settings::new(vec![contact_point.to_owned()], keyspace);
    let store = golmok_scylla::CqlStore::open(settings)
        .await
        .context("opening the CQL store")?;
    Ok(store)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [store, brokers, topic, group, options @ ..] = args.as_slice() else {
        bail!(
            "usage: probe_consumer STORE BROKERS TOPIC GROUP [--until N] [--max-poll-ms MS] [--client-id ID]"
        );
    };
    let mut until = None;
    let mut settings = KafkaSettings::new(brokers);
    for pair in options.chunks(2) {
        match pair {
            [flag, value] if flag == "--until" => until = Some(value.parse::<u64>()?),
            [flag, value] if flag == "--max-poll-ms" => {
                // Operator properties reach every client of the source (its
                // dead-letter producer too), and librdkafka checks the pair on
                // each: keep the consumer's session timeout next to it.
                let properties = &mut settings.properties;
                properties.insert("max.poll.interval.ms".to_owned(), value.clone());
                properties.insert("session.timeout.ms".to_owned(), "6000".to_owned());
            }
            [flag, value] if flag == "--client-id" => {
                // The group's member list names each member by it.
                settings
                    .properties
                    .insert("client.id".to_owned(), value.clone());
            }
            other => bail!("unknown option {other:?}"),
        }
    }
    let mut terminate = signal(SignalKind::terminate()).context("SIGTERM handler")?;
    let tables = open(store).await?;
    let source = KafkaSource::new(&settings, std::slice::from_ref(topic))?;
    let group: &'static str = Box::leak(group.clone().into_boxed_str());
    let shutdown = CancellationToken::new();
    let consumer = Consumer::with_source(
        source,
        Arc::clone(&tables),
        Arc::new(CountEffects { group }),
    )
    .spawn(shutdown.clone())
    .await?;
    println!("consuming");
    loop {
        tokio::select! {
            _ = terminate.recv() => break,
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        if let Some(until) = until
            && total(tables.as_ref()).await? >= until
        {
            break;
        }
    }
    // Stopping the consumer drops its Kafka client, which leaves the group
    // (after committing the offsets of durable effects on revoke).
    shutdown.cancel();
    consumer.stopped().await;
    println!("done");
    Ok(())
}

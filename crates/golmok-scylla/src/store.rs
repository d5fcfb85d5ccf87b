//! The store: one driver session, prepared statements, the committer task.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use golmok_kernel::StorageError;
use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;
use scylla::statement::prepared::PreparedStatement;
use scylla::statement::{Consistency, SerialConsistency};
use tokio::sync::{mpsc, watch};

use crate::log::{Committer, Pending};
use crate::{OpenError, Settings, schema};

/// Connects to the contact points of `settings`.
pub(crate) async fn connect(settings: &Settings) -> Result<Session, OpenError> {
    if settings.contact_points.is_empty() {
        return Err(OpenError::Settings(
            "contact_points is empty: name at least one host:port".to_owned(),
        ));
    }
    SessionBuilder::new()
        .known_nodes(&settings.contact_points)
        .connection_timeout(Duration::from_millis(settings.connect_timeout_ms))
        .build()
        .await
        .map_err(|e| OpenError::Unreachable {
            contact_points: settings.contact_points.clone(),
            reason: e.to_string(),
        })
}

/// Counters of the log's group commit, for benchmarks and the ADR.
#[derive(Debug, Default)]
pub struct LogStats {
    /// Conditional batches that were applied.
    pub conditional_writes: AtomicU64,
    /// Conditional batches that were not applied (another writer moved the head) and were retried.
    pub conditional_retries: AtomicU64,
    /// Events committed.
    pub events: AtomicU64,
}

pub(crate) struct Statements {
    pub advance_head: PreparedStatement,
    pub read_head: PreparedStatement,
    pub init_head: PreparedStatement,
    pub new_stream: PreparedStatement,
    pub bump_stream: PreparedStatement,
    pub claim_event: PreparedStatement,
    pub index_event: PreparedStatement,
    pub claim_idempotency: PreparedStatement,
    pub record_group: PreparedStatement,
    pub read_versions: PreparedStatement,
    pub read_ids: PreparedStatement,
    pub read_idempotency: PreparedStatement,
    pub read_groups: PreparedStatement,
    pub read_stream: PreparedStatement,
    pub stage: PreparedStatement,
    pub unstage: PreparedStatement,
    pub read_batch: PreparedStatement,
    pub get_row: PreparedStatement,
    pub put_row: PreparedStatement,
    pub delete_row: PreparedStatement,
    pub scan_asc: PreparedStatement,
    pub scan_desc: PreparedStatement,
    pub scan_asc_after: PreparedStatement,
    pub scan_desc_after: PreparedStatement,
    pub state_get: PreparedStatement,
    pub state_get_serial: PreparedStatement,
    pub state_scan: PreparedStatement,
    pub state_claim: PreparedStatement,
    pub state_put: PreparedStatement,
    pub state_delete: PreparedStatement,
    pub state_release: PreparedStatement,
    pub state_advance: PreparedStatement,
    pub state_pending: PreparedStatement,
    pub state_control: PreparedStatement,
    pub index_partition: PreparedStatement,
    pub list_partitions: PreparedStatement,
    pub list_partitions_after: PreparedStatement,
    pub count_partition: PreparedStatement,
    pub delete_partition: PreparedStatement,
    pub forget_table: PreparedStatement,
}

pub(crate) struct Inner {
    pub session: Session,
    pub settings: Settings,
    pub statements: Statements,
    pub consistency: Consistency,
    pub serial: SerialConsistency,
    pub head: watch::Sender<u64>,
    pub stats: LogStats,
    /// Per consumer: the write sequence seen when its current batch began (first inbox read).
    pub observed: std::sync::Mutex<std::collections::HashMap<String, u64>>,
}

/// The CQL adapter of `EventLog` and `Tables` over one keyspace.
pub struct CqlStore {
    pub(crate) inner: Arc<Inner>,
    pub(crate) appends: mpsc::Sender<Pending>,
    head_rx: watch::Receiver<u64>,
    reachable: watch::Receiver<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for CqlStore {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

pub(crate) fn io(what: &str, error: impl std::fmt::Display) -> StorageError {
    StorageError::Io(format!("{what}: {error}"))
}

impl CqlStore {
    /// Connects, checks the keyspace and schema version, and starts the log's
    /// committer. Fails with a clear [`OpenError`] on unreachable contact
    /// points, a missing keyspace or another schema version.
    pub async fn open(settings: Settings) -> Result<Arc<Self>, OpenError> {
        schema::valid_keyspace(&settings.keyspace)?;
        let session = connect(&settings).await?;
        schema::check(&session, &settings.keyspace).await?;
        let consistency: Consistency = settings.consistency.into();
        let serial: SerialConsistency = settings.serial_consistency.into();
        let timeout = Duration::from_millis(settings.request_timeout_ms);
        let ks = settings.keyspace.clone();
        let prepare = |cql: String, serial_read: bool| {
            let session = &session;
            async move {
                let mut statement = session
                    .prepare(cql.clone())
                    .await
                    .map_err(|e| OpenError::Query(format!("prepare {cql}: {e}")))?;
                statement.set_consistency(if serial_read {
                    Consistency::Serial
                } else {
                    consistency
                });
                statement.set_serial_consistency(Some(serial));
                statement.set_request_timeout(Some(timeout));
                Ok::<_, OpenError>(statement)
            }
        };
        let s = format!("{ks}.sequencer");
        let statements = Statements {
            advance_head: prepare(format!("UPDATE {s} SET head = ? WHERE log = ? IF head = ?"), false).await?,
            read_head: prepare(format!("SELECT head FROM {s} WHERE log = ? LIMIT 1"), false).await?,
            init_head: prepare(format!("UPDATE {s} SET head = 0 WHERE log = ? IF head = null"), false).await?,
            new_stream: prepare(format!("INSERT INTO {s} (log, kind, name, num, version) VALUES (?, 's', ?, 0, ?) IF NOT EXISTS"), false).await?,
            bump_stream: prepare(format!("UPDATE {s} SET version = ? WHERE log = ? AND kind = 's' AND name = ? AND num = 0 IF version = ?"), false).await?,
            claim_event: prepare(format!("INSERT INTO {s} (log, kind, name, num, position) VALUES (?, 'e', ?, 0, ?) IF NOT EXISTS"), false).await?,
            index_event: prepare(format!("INSERT INTO {s} (log, kind, name, num, position, grp, first_pos) VALUES (?, 'v', ?, ?, ?, ?, ?)"), false).await?,
            claim_idempotency: prepare(format!("INSERT INTO {s} (log, kind, name, num, fingerprint, response) VALUES (?, 'i', ?, 0, ?, ?) IF NOT EXISTS"), false).await?,
            record_group: prepare(format!("INSERT INTO {s} (log, kind, name, num, grp, first_pos) VALUES (?, 'g', '-', ?, ?, ?)"), false).await?,
            read_versions: prepare(format!("SELECT name, version FROM {s} WHERE log = ? AND kind = 's' AND name IN ? AND num = 0"), false).await?,
            read_ids: prepare(format!("SELECT name FROM {s} WHERE log = ? AND kind = 'e' AND name IN ? AND num = 0"), false).await?,
            read_idempotency: prepare(format!("SELECT name, fingerprint, response FROM {s} WHERE log = ? AND kind = 'i' AND name IN ? AND num = 0"), false).await?,
            read_groups: prepare(format!("SELECT num, first_pos, grp FROM {s} WHERE log = ? AND kind = 'g' AND name = '-' AND num >= ? LIMIT ?"), false).await?,
            read_stream: prepare(format!("SELECT num, position, grp, first_pos FROM {s} WHERE log = ? AND kind = 'v' AND name = ? AND num >= ? LIMIT ?"), false).await?,
            stage: prepare(format!("INSERT INTO {ks}.batches (grp, events) VALUES (?, ?)"), false).await?,
            unstage: prepare(format!("DELETE FROM {ks}.batches WHERE grp = ?"), false).await?,
            read_batch: prepare(format!("SELECT events FROM {ks}.batches WHERE grp = ?"), false).await?,
            get_row: prepare(format!("SELECT value FROM {ks}.rows WHERE tbl = ? AND part = ? AND clustering = ?"), false).await?,
            put_row: prepare(format!("INSERT INTO {ks}.rows (tbl, part, clustering, value) VALUES (?, ?, ?, ?)"), false).await?,
            delete_row: prepare(format!("DELETE FROM {ks}.rows WHERE tbl = ? AND part = ? AND clustering = ?"), false).await?,
            scan_asc: prepare(format!("SELECT clustering, value FROM {ks}.rows WHERE tbl = ? AND part = ? ORDER BY clustering ASC LIMIT ?"), false).await?,
            scan_desc: prepare(format!("SELECT clustering, value FROM {ks}.rows WHERE tbl = ? AND part = ? ORDER BY clustering DESC LIMIT ?"), false).await?,
            scan_asc_after: prepare(format!("SELECT clustering, value FROM {ks}.rows WHERE tbl = ? AND part = ? AND clustering > ? ORDER BY clustering ASC LIMIT ?"), false).await?,
            scan_desc_after: prepare(format!("SELECT clustering, value FROM {ks}.rows WHERE tbl = ? AND part = ? AND clustering < ? ORDER BY clustering DESC LIMIT ?"), false).await?,
            state_get: prepare(format!("SELECT value FROM {ks}.consumer_state WHERE consumer = ? AND key = ?"), false).await?,
            state_get_serial: prepare(format!("SELECT value FROM {ks}.consumer_state WHERE consumer = ? AND key = ?"), true).await?,
            state_scan: prepare(format!("SELECT key, value FROM {ks}.consumer_state WHERE consumer = ? AND key > ? AND key < ? LIMIT ?"), false).await?,
            state_claim: prepare(format!("INSERT INTO {ks}.consumer_state (consumer, key, value) VALUES (?, ?, ?) IF NOT EXISTS"), false).await?,
            state_put: prepare(format!("INSERT INTO {ks}.consumer_state (consumer, key, value) VALUES (?, ?, ?)"), false).await?,
            state_delete: prepare(format!("DELETE FROM {ks}.consumer_state WHERE consumer = ? AND key = ?"), false).await?,
            state_advance: prepare(format!("UPDATE {ks}.consumer_state SET value = ? WHERE consumer = ? AND key = ? IF value = ?"), false).await?,
            state_release: prepare(format!("DELETE FROM {ks}.consumer_state WHERE consumer = ? AND key = ? IF value = ?"), false).await?,
            state_control: prepare(format!("SELECT key, value FROM {ks}.consumer_state WHERE consumer = ? AND key >= 'p' AND key <= 's'"), true).await?,
            state_pending: prepare(format!("SELECT consumer FROM {ks}.consumer_state WHERE key = 'p' ALLOW FILTERING"), false).await?,
            index_partition: prepare(format!("INSERT INTO {ks}.table_partitions (tbl, part) VALUES (?, ?)"), false).await?,
            list_partitions: prepare(format!("SELECT part FROM {ks}.table_partitions WHERE tbl = ? LIMIT ?"), false).await?,
            list_partitions_after: prepare(format!("SELECT part FROM {ks}.table_partitions WHERE tbl = ? AND part > ? LIMIT ?"), false).await?,
            count_partition: prepare(format!("SELECT COUNT(*) FROM {ks}.rows WHERE tbl = ? AND part = ?"), false).await?,
            delete_partition: prepare(format!("DELETE FROM {ks}.rows WHERE tbl = ? AND part = ?"), false).await?,
            forget_table: prepare(format!("DELETE FROM {ks}.table_partitions WHERE tbl = ?"), false).await?,
        };
        let mut read_head_serial = statements.read_head.clone();
        read_head_serial.set_consistency(Consistency::Serial);
        session
            .execute_unpaged(&statements.init_head, (&settings.log,))
            .await
            .map_err(|e| OpenError::Query(format!("create the log's sequencer row: {e}")))?;
        let head = crate::log::read_head(&session, &read_head_serial, &settings.log)
            .await
            .map_err(|e| OpenError::Query(e.to_string()))?;
        let (head_tx, head_rx) = watch::channel(head);
        let inner = Arc::new(Inner {
            session,
            settings,
            statements,
            consistency,
            serial,
            head: head_tx,
            stats: LogStats::default(),
            observed: std::sync::Mutex::new(std::collections::HashMap::new()),
        });
        crate::tables::recover_all_pending(&inner)
            .await
            .map_err(|e| OpenError::Query(format!("finish pending consumer writes: {e}")))?;
        let (appends, requests) = mpsc::channel(4_096);
        let committer = Committer::new(Arc::clone(&inner), read_head_serial.clone(), head);
        let mut tasks = vec![tokio::spawn(committer.run(requests))];
        // A plain read: a serial one would be a Paxos round competing with appends.
        let read_head = inner.statements.read_head.clone();
        tasks.push(tokio::spawn(crate::log::poll_head(
            Arc::clone(&inner),
            read_head.clone(),
        )));
        let (reachable_tx, reachable) = watch::channel(true);
        crate::health::Reachability::new(&inner, None).emit();
        tasks.push(tokio::spawn(crate::health::probe(
            Arc::clone(&inner),
            read_head,
            reachable_tx,
        )));
        Ok(Arc::new(Self {
            inner,
            appends,
            head_rx,
            reachable,
            tasks,
        }))
    }

    /// The group-commit counters of this process.
    pub fn stats(&self) -> &LogStats {
        &self.inner.stats
    }

    /// Whether the cluster answers the store's health probe (`true` at
    /// open); it changes as the probe sees the cluster go and come back.
    pub fn reachable(&self) -> watch::Receiver<bool> {
        self.reachable.clone()
    }

    pub(crate) fn head_receiver(&self) -> watch::Receiver<u64> {
        self.head_rx.clone()
    }
}

/// Increments a counter.
pub(crate) fn bump(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

//! Rebuilding read models from event 0 of the log (`golmok replay`).
//!
//! A rebuild feeds the whole log to fresh instances of a service's
//! projections, writing into the next generation of each of their tables
//! (`generations.rs`), so the live tables are untouched until the end. Many
//! events go into one atomic write, together with the rebuild's progress
//! (its plan and the position reached): killed at any point, the next run
//! reads the progress and continues after that position. At the end one
//! write swaps every table to its new generation, moves each rebuilt
//! consumer's checkpoint to the position reached and marks the plan swapped;
//! then the old generations are deleted and the plan with them. A run that
//! finds a swapped plan only finishes that clean-up: a finished rebuild is
//! not redone.
//!
//! No inbox entries are written: the inbox makes a redelivered event
//! harmless to a live consumer, and a rebuild reads each position once, in
//! order, its progress moving in the same write as the rows. The live inbox
//! entries stay valid after the swap (they name the same events, all at or
//! below the new checkpoint). Events a projection refuses for good are
//! skipped, as the live consumer skips them; their dead letters stay where
//! the live consumer wrote them.
//!
//! A rebuild runs while the service is stopped: the service reads its
//! tables through the generations it found when it started.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::consumer::Writes;
use crate::generations::{
    Generations, WholeTables, clear_table, current_generations, generation_write, physical_table,
};
use crate::{Consumer, EventHandler, EventLog, HandleError, Mutation, StorageError, Transaction};

/// The rebuild's progress (partition [`PROGRESS_PARTITION`], clustering "",
/// JSON of the plan): at most one rebuild per store at a time.
pub const REBUILD_PROGRESS: &str = "rebuild_progress";
const PROGRESS_PARTITION: &str = "current";

/// Events per write transaction, unless told otherwise.
pub const DEFAULT_BATCH: usize = 4_096;

/// One projection of a service's own log and the tables it alone writes
/// (tables shared with another projection name both; they are rebuilt
/// together).
#[derive(Clone)]
pub struct ReadModel {
    pub handler: Arc<dyn EventHandler>,
    pub tables: &'static [&'static str],
}

impl ReadModel {
    pub fn new(handler: Arc<dyn EventHandler>, tables: &'static [&'static str]) -> Self {
        Self { handler, tables }
    }

    pub fn name(&self) -> &'static str {
        self.handler.name()
    }

    /// Each of `handlers` with the tables `tables_of` its consumer name
    /// gives (a handler it gives none fails its rebuild with
    /// `UNDECLARED_TABLE` at its first write).
    pub fn declared(
        handlers: Vec<Arc<dyn EventHandler>>,
        tables_of: fn(&str) -> &'static [&'static str],
    ) -> Vec<ReadModel> {
        handlers
            .into_iter()
            .map(|handler| {
                let tables = tables_of(handler.name());
                ReadModel::new(handler, tables)
            })
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    /// Another set of projections is half rebuilt: finish it first.
    #[error(
        "REBUILD_IN_PROGRESS: a rebuild of {0} is unfinished; run it again with the same projections to finish it"
    )]
    InProgress(String),
    /// A projection wrote a table it does not declare: the rebuild would
    /// have changed a live table, so nothing of that batch was written.
    #[error(
        "UNDECLARED_TABLE: a projection of {consumers} wrote the table {table}, which none of them declares"
    )]
    UndeclaredTable { consumers: String, table: String },
    #[error("corrupt rebuild progress: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Where a rebuild is, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Last position applied (durably).
    pub position: u64,
    /// The log's head when this run started: the rebuild's end.
    pub head: u64,
    /// Position this run started after (0 for a fresh rebuild).
    pub resumed_from: u64,
    /// Events applied by this run.
    pub events: u64,
    /// Seconds since this run started.
    pub seconds: f64,
}

/// What a finished rebuild did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuildReport {
    /// The consumers rebuilt, sorted.
    pub consumers: Vec<String>,
    /// Each table and the generation now current.
    pub generations: BTreeMap<String, u64>,
    /// The position the rebuilt read models reflect.
    pub position: u64,
    /// Position this run started after.
    pub resumed_from: u64,
    /// Events applied by this run.
    pub events: u64,
    /// Events a projection refused for good (skipped, as live).
    pub refused: u64,
    /// Whether this run only finished the clean-up of an earlier swap.
    pub already_swapped: bool,
}

/// The plan kept in [`REBUILD_PROGRESS`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Plan {
    consumers: Vec<String>,
    /// Logical table → (generation being replaced, generation being built).
    tables: BTreeMap<String, (u64, u64)>,
    position: u64,
    swapped: bool,
}

impl Plan {
    fn write(&self) -> Mutation {
        let value = serde_json::to_vec(self).expect("a plan serializes");
        Mutation::put(REBUILD_PROGRESS, PROGRESS_PARTITION, "", value)
    }
}

/// A rebuild of `models` from `log` into `store`.
pub struct Rebuild {
    log: Arc<dyn EventLog>,
    store: Arc<dyn WholeTables>,
    models: Vec<ReadModel>,
    batch: usize,
}

impl Rebuild {
    pub fn new(
        log: Arc<dyn EventLog>,
        store: Arc<dyn WholeTables>,
        models: Vec<ReadModel>,
    ) -> Self {
        Self {
            log,
            store,
            models,
            batch: DEFAULT_BATCH,
        }
    }

    /// Events per write transaction (at least 1).
    pub fn batch_size(mut self, events: usize) -> Self {
        self.batch = events.max(1);
        self
    }

    /// Runs (or resumes) the rebuild to the log's head, reporting progress
    /// after every durable batch.
    pub async fn run(
        &self,
        mut on_progress: impl FnMut(&Progress),
    ) -> Result<RebuildReport, RebuildError> {
        let started = Instant::now();
        let mut plan = self.plan().await?;
        let resumed_from = plan.position;
        let mut report = RebuildReport {
            consumers: plan.consumers.clone(),
            generations: plan
                .tables
                .iter()
                .map(|(t, (_, to))| (t.clone(), *to))
                .collect(),
            position: plan.position,
            resumed_from,
            events: 0,
            refused: 0,
            already_swapped: plan.swapped,
        };
        if !plan.swapped {
            let head = *self.log.head().borrow();
            let reads = self.read_view(&plan).await?;
            let physical = physical_names(&plan);
            // The next batch is read while this one is applied, and this one
            // is applied while the one before it is written: its reads see
            // that batch's rows first ([`Transaction::over`]). Batches are
            // written one at a time, in order, each with the position it
            // reaches, so a kill leaves a prefix of them durable.
            let mut next = (plan.position < head).then(|| self.read_ahead(plan.position + 1));
            let mut writing: Option<Writing> = None;
            while let Some(reading) = next.take() {
                let earlier = writing.as_ref().map(|w| &w.rows);
                let step = async {
                    let events = reading
                        .await
                        .map_err(|e| StorageError::Io(format!("reading the log: {e}")))??;
                    let Some(last) = events.last().map(|e| e.position) else {
                        return Ok(None);
                    };
                    next = (last < head).then(|| self.read_ahead(last + 1));
                    let (rows, refused) = self.apply(&events, &reads, earlier).await?;
                    Ok::<_, StorageError>(Some((last, events.len() as u64, rows, refused)))
                }
                .await;
                // The batch before is durable and reported before this one is
                // sent, and also when this one failed: a resumed run starts
                // where the last report said.
                if let Some(done) = writing.take() {
                    done.written(&mut report, head, resumed_from, started, &mut on_progress)
                        .await?;
                }
                let Some((last, events, rows, refused)) = step? else {
                    break;
                };
                report.refused += refused;
                plan.position = last;
                let mut writes = to_new_generation(&plan, &physical, &rows)?;
                writes.push(plan.write());
                let store = Arc::clone(&self.store);
                writing = Some(Writing {
                    rows,
                    position: last,
                    events,
                    task: tokio::spawn(async move { store.write(writes).await }),
                });
            }
            if let Some(done) = writing.take() {
                done.written(&mut report, head, resumed_from, started, &mut on_progress)
                    .await?;
            }
            plan.swapped = true;
            let mut swap: Vec<Mutation> = plan
                .tables
                .iter()
                .map(|(table, (_, to))| generation_write(table, *to))
                .collect();
            swap.extend(
                plan.consumers
                    .iter()
                    .map(|consumer| Consumer::checkpoint_write(consumer, plan.position)),
            );
            swap.push(plan.write());
            self.store.write(swap).await?;
        }
        for (table, (from, _)) in &plan.tables {
            clear_table(self.store.as_ref(), &physical_table(table, *from)).await?;
        }
        self.store
            .write(vec![Mutation::delete(
                REBUILD_PROGRESS,
                PROGRESS_PARTITION,
                "",
            )])
            .await?;
        report.position = plan.position;
        Ok(report)
    }

    /// Applies `events` to every model, reading `earlier`'s rows and then
    /// `reads`; returns the batch's rows and how many events a projection
    /// refused (skipped, as the live consumer skips them).
    async fn apply(
        &self,
        events: &[crate::RecordedEvent],
        reads: &Generations,
        earlier: Option<&Writes>,
    ) -> Result<(Writes, u64), StorageError> {
        let mut tx = Transaction::over(reads, earlier);
        let mut refused = 0;
        for event in events {
            for model in &self.models {
                match model.handler.handle(event, &mut tx).await {
                    Ok(()) => tx.keep_current(),
                    Err(HandleError::Permanent(reason)) => {
                        tx.drop_current();
                        refused += 1;
                        tracing::warn!(
                            consumer = model.name(),
                            position = event.position,
                            %reason,
                            "rebuild skipped an event the projection refuses"
                        );
                    }
                    Err(HandleError::Storage(error)) => return Err(error),
                }
            }
        }
        Ok((tx.into_writes(), refused))
    }

    /// Starts reading `batch` events from `position` on.
    fn read_ahead(
        &self,
        position: u64,
    ) -> tokio::task::JoinHandle<Result<Vec<crate::RecordedEvent>, StorageError>> {
        let (log, batch) = (Arc::clone(&self.log), self.batch);
        tokio::spawn(async move { log.read_all(position, batch).await })
    }

    /// The unfinished plan of the same consumers, or a new one whose tables
    /// go from their current generation to the next (their new generation
    /// cleared first: an aborted plan may have left rows there).
    async fn plan(&self) -> Result<Plan, RebuildError> {
        let consumers: BTreeSet<String> = self.models.iter().map(|m| m.name().to_owned()).collect();
        let consumers: Vec<String> = consumers.into_iter().collect();
        if let Some(bytes) = self
            .store
            .get(REBUILD_PROGRESS, PROGRESS_PARTITION, "")
            .await?
        {
            let plan: Plan =
                serde_json::from_slice(&bytes).map_err(|e| RebuildError::Corrupt(e.to_string()))?;
            if plan.consumers != consumers {
                return Err(RebuildError::InProgress(plan.consumers.join(", ")));
            }
            return Ok(plan);
        }
        let current = current_generations(self.store.as_ref()).await?;
        let mut tables = BTreeMap::new();
        for table in self.models.iter().flat_map(|m| m.tables.iter()) {
            let from = current.get(*table).copied().unwrap_or(0);
            tables.insert((*table).to_owned(), (from, from + 1));
        }
        for (table, (_, to)) in &tables {
            clear_table(self.store.as_ref(), &physical_table(table, *to)).await?;
        }
        Ok(Plan {
            consumers,
            tables,
            position: 0,
            swapped: false,
        })
    }

    /// What the projections read while rebuilding: their own tables at the
    /// generation being built, every other table at its current one.
    async fn read_view(&self, plan: &Plan) -> Result<Generations, StorageError> {
        let mut generations: HashMap<String, u64> =
            current_generations(self.store.as_ref()).await?;
        for (table, (_, to)) in &plan.tables {
            generations.insert(table.clone(), *to);
        }
        let inner: Arc<dyn crate::Tables> = Arc::clone(&self.store) as Arc<dyn crate::Tables>;
        Ok(Generations::with(inner, generations))
    }
}

/// A batch being written: its rows (what the next batch reads first), the
/// position it reaches and its write.
struct Writing {
    rows: Writes,
    position: u64,
    events: u64,
    task: tokio::task::JoinHandle<Result<(), StorageError>>,
}

impl Writing {
    /// Waits until the batch is durable, then counts and reports it.
    async fn written(
        self,
        report: &mut RebuildReport,
        head: u64,
        resumed_from: u64,
        started: Instant,
        on_progress: &mut impl FnMut(&Progress),
    ) -> Result<(), RebuildError> {
        self.task
            .await
            .map_err(|e| StorageError::Io(format!("writing a batch: {e}")))??;
        report.events += self.events;
        on_progress(&Progress {
            position: self.position,
            head,
            resumed_from,
            events: report.events,
            seconds: started.elapsed().as_secs_f64(),
        });
        Ok(())
    }
}

/// Each table of `plan` → its physical name at the generation being built.
fn physical_names(plan: &Plan) -> HashMap<String, String> {
    plan.tables
        .iter()
        .map(|(table, (_, to))| (table.clone(), physical_table(table, *to)))
        .collect()
}

/// A batch's rows as writes under the physical names of the new generation;
/// a write to any other table fails the rebuild.
fn to_new_generation(
    plan: &Plan,
    physical: &HashMap<String, String>,
    rows: &Writes,
) -> Result<Vec<Mutation>, RebuildError> {
    rows.iter()
        .map(|((table, partition, clustering), value)| {
            let Some(physical) = physical.get(table.as_str()) else {
                return Err(RebuildError::UndeclaredTable {
                    consumers: plan.consumers.join(", "),
                    table: table.clone(),
                });
            };
            let (table, partition, clustering) =
                (physical.clone(), partition.clone(), clustering.clone());
            Ok(match value {
                Some(value) => Mutation::Put {
                    table,
                    partition,
                    clustering,
                    value: value.clone(),
                },
                None => Mutation::Delete {
                    table,
                    partition,
                    clustering,
                },
            })
        })
        .collect()
}

/// The read models to rebuild: all of `models` when `only` is `None`, else
/// the one named and every other that shares a table with it (they are
/// rebuilt together). `Err` lists the valid names.
pub fn select_read_models(
    models: Vec<ReadModel>,
    only: Option<&str>,
) -> Result<Vec<ReadModel>, Vec<&'static str>> {
    let Some(only) = only else {
        return Ok(models);
    };
    let names: Vec<&'static str> = models.iter().map(ReadModel::name).collect();
    if !names.contains(&only) {
        return Err(names);
    }
    let mut chosen = BTreeSet::from([only]);
    let mut tables: BTreeSet<&'static str> = models
        .iter()
        .filter(|m| m.name() == only)
        .flat_map(|m| m.tables.iter().copied())
        .collect();
    let mut grew = true;
    while grew {
        grew = false;
        for model in &models {
            if model.tables.iter().any(|t| tables.contains(t)) && chosen.insert(model.name()) {
                tables.extend(model.tables.iter().copied());
                grew = true;
            }
        }
    }
    Ok(models
        .into_iter()
        .filter(|m| chosen.contains(m.name()))
        .collect())
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;

    use super::*;
    use crate::RecordedEvent;

    struct Named(&'static str);

    #[async_trait]
    impl EventHandler for Named {
        fn name(&self) -> &'static str {
            self.0
        }

        async fn handle(
            &self,
            _: &RecordedEvent,
            _: &mut Transaction<'_>,
        ) -> Result<(), HandleError> {
            Ok(())
        }
    }

    fn models() -> Vec<ReadModel> {
        vec![
            ReadModel::new(Arc::new(Named("a")), &["t1", "shared"]),
            ReadModel::new(Arc::new(Named("b")), &["t2"]),
            ReadModel::new(Arc::new(Named("c")), &["shared", "t3"]),
            ReadModel::new(Arc::new(Named("d")), &["t3"]),
        ]
    }

    fn names(models: &[ReadModel]) -> Vec<&'static str> {
        models.iter().map(ReadModel::name).collect()
    }

    #[test]
    fn a_projection_is_rebuilt_with_every_projection_sharing_its_tables() {
        let all = select_read_models(models(), None).map_err(|_| ()).unwrap();
        assert_eq!(names(&all), ["a", "b", "c", "d"]);
        let one = select_read_models(models(), Some("b"))
            .map_err(|_| ())
            .unwrap();
        assert_eq!(names(&one), ["b"]);
        // d shares t3 with c, which shares `shared` with a: all three.
        let group = select_read_models(models(), Some("d"))
            .map_err(|_| ())
            .unwrap();
        assert_eq!(names(&group), ["a", "c", "d"]);
        let unknown = select_read_models(models(), Some("x")).err().unwrap();
        assert_eq!(unknown, ["a", "b", "c", "d"]);
    }

    #[test]
    fn generation_zero_is_the_logical_table() {
        assert_eq!(physical_table("views", 0), "views");
        assert_eq!(physical_table("views", 3), "views~g3");
    }
}

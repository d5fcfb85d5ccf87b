use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use golmok_kafka::{KafkaSettings, TopicOutcome, TopicSpec, migrate};
use golmok_runtime::StorageSettings;

use super::Common;
use crate::bus::{DEFAULT_PARTITIONS, DEFAULT_RETENTION_HOURS};
use crate::registry;
use crate::settings::SuiteSettings;

#[derive(Args)]
pub struct MigrateArgs {
    #[command(subcommand)]
    target: Target,
}

#[derive(Subcommand)]
enum Target {
    /// Create the services' Kafka topics that do not exist yet (safe to rerun).
    Kafka(KafkaArgs),
    /// Create the keyspace and tables of every service whose settings say
    /// `[<service>.storage] kind = "scylla"`, with the replication they name
    /// (safe to rerun).
    Scylla(ScyllaArgs),
}

#[derive(Args)]
struct ScyllaArgs {
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
struct KafkaArgs {
    /// `host:port[,host:port…]` of the brokers.
    #[arg(long, env = "GOLMOK_BROKERS")]
    brokers: String,
    /// Services whose events topic (`golmok.<service>.events.v1`) to create.
    #[arg(long = "service", default_values_t = registry::names().into_iter().map(str::to_owned))]
    services: Vec<String>,
    /// Partitions of a new events topic; a stream's events share one.
    #[arg(long, default_value_t = DEFAULT_PARTITIONS)]
    partitions: i32,
    /// Replicas per partition (3 on a production cluster).
    #[arg(long, default_value_t = 1)]
    replication: i32,
    /// Hours records are kept; 0 keeps them forever.
    #[arg(long, default_value_t = DEFAULT_RETENTION_HOURS)]
    retention_hours: u64,
}

pub async fn run(args: MigrateArgs) -> anyhow::Result<()> {
    match args.target {
        Target::Kafka(args) => kafka(args).await,
        Target::Scylla(args) => scylla(args).await,
    }
}

async fn scylla(args: ScyllaArgs) -> anyhow::Result<()> {
    let settings = SuiteSettings::load(&args.common, None)?;
    let mut migrated = 0;
    for (service, section) in &settings.services {
        let StorageSettings::Scylla(cql) = &section.storage else {
            continue;
        };
        golmok_scylla::migrate(cql).await.with_context(|| {
            format!("migrating keyspace {} of {}", cql.keyspace, service.name())
        })?;
        println!(
            "migrated {} keyspace {} (schema version {})",
            service.name(),
            cql.keyspace,
            golmok_scylla::SCHEMA_VERSION
        );
        migrated += 1;
    }
    if migrated == 0 {
        bail!(
            "no service's settings say [<service>.storage] kind = \"scylla\"; nothing to migrate"
        );
    }
    Ok(())
}

async fn kafka(args: KafkaArgs) -> anyhow::Result<()> {
    let retention =
        (args.retention_hours > 0).then(|| Duration::from_secs(args.retention_hours * 3_600));
    let topics: Vec<TopicSpec> = args
        .services
        .iter()
        .map(|service| {
            TopicSpec::events(service, args.partitions, retention).replicated(args.replication)
        })
        .collect();
    let settings = KafkaSettings::new(&args.brokers);
    let outcomes = migrate(&settings, &topics)
        .await
        .with_context(|| format!("creating topics on {}", args.brokers))?;
    for (topic, outcome) in outcomes {
        match outcome {
            TopicOutcome::Created => {
                println!("created {topic} ({} partitions)", args.partitions);
            }
            TopicOutcome::Existed { partitions } => {
                println!("exists  {topic} ({partitions} partitions, left as it is)");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use golmok_kafka::partition_count;
    use golmok_testkit::Kafka;

    use super::*;

    #[derive(Parser)]
    struct Golmok {
        #[command(flatten)]
        migrate: MigrateArgs,
    }

    fn args(line: &[&str]) -> MigrateArgs {
        let line = std::iter::once("migrate").chain(line.iter().copied());
        Golmok::try_parse_from(line)
            .expect("valid arguments")
            .migrate
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn migrate_kafka_creates_the_events_topics_and_can_run_again() {
        let broker = tokio::task::spawn_blocking(Kafka::shared)
            .await
            .expect("the shared broker");
        let servers = broker.bootstrap_servers();
        // The broker is shared with other tests: services of this test's own.
        let unique = uuid::Uuid::now_v7().simple();
        let services = [format!("storefront{unique}"), format!("voucher{unique}")];
        let line = [
            "kafka",
            "--brokers",
            &servers,
            "--service",
            &services[0],
            "--service",
            &services[1],
            "--partitions",
            "4",
        ];
        run(args(&line)).await.expect("first migration");
        run(args(&line))
            .await
            .expect("a second migration changes nothing");
        let settings = KafkaSettings::new(&servers);
        let counts = tokio::task::spawn_blocking(move || {
            services.map(|service| {
                partition_count(&settings, &golmok_kafka::events_topic(&service))
                    .expect("topic metadata")
            })
        })
        .await
        .expect("join");
        assert_eq!(counts, [4, 4]);
    }
}

//! `golmok up` with both services on a CQL store (Apache Cassandra 5.0
//! standing in for ScyllaDB, see docs/adr/0007): the settings choose the
//! storage, `golmok migrate scylla` creates the keyspaces (and can run
//! again), a missing keyspace fails at start naming it, and a restart finds
//! the data on the cluster, not in the data directory.

use std::path::Path;
use std::process::{Command, Output};

use golmok_testkit::Cassandra;
use serde_json::json;

use crate::support::{GOLMOK, Golmok, REGISTER, bakery, token};

fn golmok(args: &[&str], config: &Path, data_dir: &Path) -> Output {
    Command::new(GOLMOK)
        .args(args)
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("golmok runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn golmok_up_runs_on_cassandra_once_migrate_scylla_made_the_keyspaces() {
    let node = tokio::task::spawn_blocking(Cassandra::shared)
        .await
        .expect("a Cassandra node");
    let data = tempfile::tempdir().unwrap();
    let unique = uuid::Uuid::now_v7().simple();
    let config = data.path().join("golmok.toml");
    let contact_point = node.contact_point();
    let storage = |service: &str| {
        format!(
            "[{service}.storage]\nkind = \"scylla\"\ncontact_points = [\"{contact_point}\"]\nkeyspace = \"{service}_{unique}\"\n"
        )
    };
    std::fs::write(
        &config,
        format!("{}{}", storage("storefront"), storage("voucher")),
    )
    .unwrap();

    let early = golmok(&["up", "--listen", "127.0.0.1:0"], &config, data.path());
    assert!(!early.status.success());
    let stderr = String::from_utf8_lossy(&early.stderr);
    assert!(stderr.contains("CQL_KEYSPACE_MISSING"), "{stderr}");
    assert!(stderr.contains(&format!("storefront_{unique}")), "{stderr}");

    for _ in 0..2 {
        let migrated = golmok(&["migrate", "scylla"], &config, data.path());
        let stdout = String::from_utf8_lossy(&migrated.stdout);
        assert!(
            migrated.status.success(),
            "{}",
            String::from_utf8_lossy(&migrated.stderr)
        );
        for service in ["storefront", "voucher"] {
            let line = format!("migrated {service} keyspace {service}_{unique}");
            assert!(stdout.contains(&line), "{stdout}");
        }
    }

    let suite = Golmok::up_configured(data.path(), &config);
    let merchant = token(data.path(), "merchant");
    let registered = suite
        .graphql(Some(&merchant), REGISTER, bakery("220-81-62517"))
        .await;
    assert_eq!(registered["registerMerchant"]["userErrors"], json!([]));
    let id = registered["registerMerchant"]["merchant"]["id"].clone();
    let lookup = "query($id: ID!) { merchant(id: $id) { name status } }";
    let (status, _) = suite.terminate();
    assert!(status.success());
    for service in ["storefront", "voucher"] {
        let file = data.path().join(service).join(format!("{service}.redb"));
        assert!(!file.exists(), "{} was written", file.display());
    }

    let suite = Golmok::up_configured(data.path(), &config);
    let found = suite.graphql(None, lookup, json!({"id": id})).await;
    assert_eq!(
        found["merchant"],
        json!({"name": "망원 빵집", "status": "ACTIVE"})
    );
    let (status, _) = suite.terminate();
    assert!(status.success());
}

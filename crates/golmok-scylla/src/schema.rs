//! Keyspace and tables: `migrate` creates them (and brings an older schema
//! version to this one), `check` verifies them at open.

use futures::StreamExt;
use scylla::client::session::Session;

use crate::{OpenError, Settings};

/// The schema version this build writes and expects. Version 2 added
/// `table_partitions`, the partition index of `rows`.
pub const SCHEMA_VERSION: i32 = 2;

/// The table DDL, from `schemas/cql/golmok.cql` (with `{keyspace}` to replace).
pub const TABLES_CQL: &str = include_str!("../../../schemas/cql/golmok.cql");

/// The statements of [`TABLES_CQL`] for `keyspace`, comments removed.
pub fn table_statements(keyspace: &str) -> Vec<String> {
    let text: String = TABLES_CQL
        .lines()
        .filter(|line| !line.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    text.split(";\n")
        .map(|s| s.trim().trim_end_matches(';').trim().to_owned())
        .filter(|s| !s.is_empty())
        .map(|s| s.replace("{keyspace}", keyspace))
        .collect()
}

/// Names of the tables [`TABLES_CQL`] creates.
pub fn table_names() -> Vec<String> {
    table_statements("k")
        .iter()
        .filter_map(|s| {
            s.strip_prefix("CREATE TABLE IF NOT EXISTS k.")
                .and_then(|rest| rest.split_whitespace().next())
                .map(str::to_owned)
        })
        .collect()
}

pub(crate) fn valid_keyspace(keyspace: &str) -> Result<(), OpenError> {
    let ok = !keyspace.is_empty()
        && keyspace.len() <= 48
        && keyspace
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && keyspace
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic());
    if ok {
        Ok(())
    } else {
        Err(OpenError::Settings(format!(
            "keyspace {keyspace:?} must be 1-48 letters, digits or underscores, starting with a letter"
        )))
    }
}

fn query_error(what: &str, error: impl std::fmt::Display) -> OpenError {
    OpenError::Query(format!("{what}: {error}"))
}

/// Creates the keyspace (with the settings' replication) and the tables and
/// records the schema version. Safe to rerun: every statement is `IF NOT
/// EXISTS`. A keyspace at an older version (1: no `table_partitions`) gets
/// the new table, filled from `rows`, before its version row moves; a run
/// stopped half-way is finished by the next. Run it with the services of the
/// keyspace stopped: a process of the older build still writing would add
/// rows the index does not list.
pub async fn migrate(settings: &Settings) -> Result<(), OpenError> {
    valid_keyspace(&settings.keyspace)?;
    let session = crate::store::connect(settings).await?;
    let keyspace = &settings.keyspace;
    session
        .query_unpaged(
            format!(
                "CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = {}",
                settings.replication.cql()
            ),
            (),
        )
        .await
        .map_err(|e| query_error("create keyspace", e))?;
    let found = stored_version(&session, keyspace).await?;
    for statement in table_statements(keyspace) {
        session
            .query_unpaged(statement.as_str(), ())
            .await
            .map_err(|e| query_error("create table", e))?;
    }
    session
        .await_schema_agreement()
        .await
        .map_err(|e| query_error("schema agreement", e))?;
    if found != Some(SCHEMA_VERSION) {
        index_partitions(&session, keyspace).await?;
    }
    session
        .query_unpaged(
            format!("INSERT INTO {keyspace}.schema_version (id, version) VALUES (0, ?)"),
            (SCHEMA_VERSION,),
        )
        .await
        .map_err(|e| query_error("record the schema version", e))?;
    session
        .await_schema_agreement()
        .await
        .map_err(|e| query_error("schema agreement", e))?;
    Ok(())
}

/// Fills `table_partitions` with every (table, partition) of `rows`, read
/// page by page; the inserts are idempotent.
async fn index_partitions(session: &Session, keyspace: &str) -> Result<u64, OpenError> {
    let insert = session
        .prepare(format!(
            "INSERT INTO {keyspace}.table_partitions (tbl, part) VALUES (?, ?)"
        ))
        .await
        .map_err(|e| query_error("prepare the partition index insert", e))?;
    let mut partitions = session
        .query_iter(
            format!("SELECT DISTINCT tbl, part FROM {keyspace}.rows"),
            (),
        )
        .await
        .map_err(|e| query_error("list the partitions of rows", e))?
        .rows_stream::<(String, String)>()
        .map_err(|e| query_error("list the partitions of rows", e))?;
    let mut indexed = 0;
    while let Some(partition) = partitions.next().await {
        let (table, part) = partition.map_err(|e| query_error("list the partitions of rows", e))?;
        session
            .execute_unpaged(&insert, (table, part))
            .await
            .map_err(|e| query_error("index a partition of rows", e))?;
        indexed += 1;
    }
    Ok(indexed)
}

/// The schema version recorded in `keyspace` (`None`: not migrated).
async fn stored_version(session: &Session, keyspace: &str) -> Result<Option<i32>, OpenError> {
    match session
        .query_unpaged(
            format!("SELECT version FROM {keyspace}.schema_version WHERE id = 0"),
            (),
        )
        .await
    {
        Ok(result) => Ok(result
            .into_rows_result()
            .map_err(|e| query_error("read the schema version", e))?
            .maybe_first_row::<(Option<i32>,)>()
            .map_err(|e| query_error("read the schema version", e))?
            .and_then(|(v,)| v)),
        // The keyspace exists but the version table does not: not migrated.
        Err(_) => Ok(None),
    }
}

/// Checks that the keyspace exists and holds this build's schema version.
pub(crate) async fn check(session: &Session, keyspace: &str) -> Result<(), OpenError> {
    let exists = session
        .query_unpaged(
            "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?",
            (keyspace,),
        )
        .await
        .map_err(|e| query_error("look up the keyspace", e))?
        .into_rows_result()
        .map_err(|e| query_error("look up the keyspace", e))?
        .rows_num()
        > 0;
    if !exists {
        return Err(OpenError::KeyspaceMissing {
            keyspace: keyspace.to_owned(),
        });
    }
    let found = stored_version(session, keyspace).await?;
    if found != Some(SCHEMA_VERSION) {
        return Err(OpenError::SchemaVersion {
            keyspace: keyspace.to_owned(),
            found,
            expected: SCHEMA_VERSION,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_file_holds_the_tables_the_adapter_uses() {
        let mut names = table_names();
        names.sort();
        assert_eq!(
            names,
            [
                "batches",
                "consumer_state",
                "rows",
                "schema_version",
                "sequencer",
                "table_partitions"
            ]
        );
        let statements = table_statements("golmok");
        assert_eq!(statements.len(), names.len(), "one statement per table");
        assert!(
            statements
                .iter()
                .all(|s| !s.contains("{keyspace}") && !s.contains("--"))
        );
        assert!(TABLES_CQL.contains(&format!("schema version {SCHEMA_VERSION}")));
    }

    #[test]
    fn keyspace_names_are_checked_before_use_in_cql() {
        assert!(valid_keyspace("storefront_1").is_ok());
        for bad in ["", "1abc", "a-b", "a; DROP", &"k".repeat(49)] {
            let error = valid_keyspace(bad).expect_err("invalid keyspace");
            assert_eq!(error.code(), "CQL_SETTINGS_INVALID", "{bad}");
        }
    }
}

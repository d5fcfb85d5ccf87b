//! Errors a partner or operator sees when opening or migrating a CQL store.

/// Why a CQL store could not be opened or migrated. Each has a stable code.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("CQL_SETTINGS_INVALID: {0}")]
    Settings(String),
    #[error(
        "CQL_UNREACHABLE: none of the CQL contact points {contact_points:?} answered ({reason}); check that the cluster is up and the addresses are right"
    )]
    Unreachable {
        contact_points: Vec<String>,
        reason: String,
    },
    #[error(
        "CQL_KEYSPACE_MISSING: keyspace {keyspace} does not exist; create it and its tables with `golmok migrate scylla` (golmok_scylla::migrate)"
    )]
    KeyspaceMissing { keyspace: String },
    #[error(
        "CQL_SCHEMA_VERSION_MISMATCH: keyspace {keyspace} has schema version {found:?}, this build needs {expected}; run the migration for this build"
    )]
    SchemaVersion {
        keyspace: String,
        found: Option<i32>,
        expected: i32,
    },
    #[error("CQL_QUERY_FAILED: {0}")]
    Query(String),
}

impl OpenError {
    /// The stable code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Settings(_) => "CQL_SETTINGS_INVALID",
            Self::Unreachable { .. } => "CQL_UNREACHABLE",
            Self::KeyspaceMissing { .. } => "CQL_KEYSPACE_MISSING",
            Self::SchemaVersion { .. } => "CQL_SCHEMA_VERSION_MISMATCH",
            Self::Query(_) => "CQL_QUERY_FAILED",
        }
    }
}

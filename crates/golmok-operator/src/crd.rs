//! The `ReadModelRebuild` custom resource (group `golmok.io`, version `v1alpha1`): a
//! request to rebuild a service's read models with `golmok replay`, and the status the
//! operator reports. The CRD is generated from these types (`golmok operator crd`);
//! charts/golmok/crds/ ships the same text, which a test keeps equal.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::CustomResource;
use kube::core::CustomResourceExt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What to rebuild: `golmok replay <service> [--projection <projection>]`, run as a Job
/// while the service's Deployment is scaled to 0.
#[derive(CustomResource, Deserialize, Serialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "golmok.io",
    version = "v1alpha1",
    kind = "ReadModelRebuild",
    namespaced,
    status = "ReadModelRebuildStatus",
    shortname = "rebuild",
    category = "golmok",
    printcolumn = r#"{"name":"Service","type":"string","jsonPath":".spec.service"}"#,
    printcolumn = r#"{"name":"Projection","type":"string","jsonPath":".spec.projection"}"#,
    printcolumn = r#"{"name":"Phase","type":"string","jsonPath":".status.phase"}"#,
    printcolumn = r#"{"name":"Job","type":"string","jsonPath":".status.jobName"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "rule": "self == oldSelf",
    "message": "a rebuild's spec cannot change: create another rebuild"
}]))]
pub struct ReadModelRebuildSpec {
    /// The service whose read models are rebuilt (storefront, voucher, creator-media).
    #[schemars(
        length(min = 1, max = 63),
        regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    )]
    pub service: String,
    /// Only this projection (its consumer name, e.g. `storefront.shop`) and any other
    /// that shares a table with it; every projection of the service when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub projection: Option<String>,
    /// The Deployment running the service, in this namespace. When absent, the one
    /// labelled `app.kubernetes.io/part-of=golmok` and
    /// `app.kubernetes.io/component=<service>` (the chart's and k8s/'s labels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub deployment: Option<String>,
}

/// Where a rebuild is.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum Phase {
    /// Accepted: the service's Deployment is scaled to 0; waiting for its pods to stop.
    Stopping,
    /// The replay Job runs.
    Running,
    /// The Job succeeded; the Deployment is back at its replica count.
    Complete,
    /// The Job failed (or was deleted); the Deployment is back at its replica count.
    Failed,
    /// Not started: another rebuild of the service runs, or its Deployment is missing.
    Refused,
}

impl Phase {
    /// Whether the rebuild is over (nothing more happens to it).
    pub fn is_final(self) -> bool {
        matches!(self, Phase::Complete | Phase::Failed | Phase::Refused)
    }
}

/// What the operator reports.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReadModelRebuildStatus {
    /// Stopping, Running, Complete, Failed or Refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// `Accepted`, `Running`, `Complete`, `Failed`, `Refused`; the reason is a stable
    /// SCREAMING_SNAKE code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// The generation of the spec this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// The service's Deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<String>,
    /// The Deployment's replica count before the rebuild scaled it to 0, restored when
    /// the rebuild ends (also kept in the Deployment's `golmok.io/replicas-before-rebuild`
    /// annotation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_replicas: Option<i32>,
    /// The Job running `golmok replay`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_name: Option<String>,
    /// When the replay Job was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Time>,
    /// When the rebuild ended (completed, failed or was refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Time>,
}

/// The CustomResourceDefinition as YAML, as `golmok operator crd` prints it and the chart
/// ships it.
pub fn crd_yaml() -> String {
    let crd = ReadModelRebuild::crd();
    // Plain data built from our own types: serialising it cannot fail.
    let yaml = serde_norway::to_string(&crd).expect("the CustomResourceDefinition serialises");
    format!(
        "# Generated from crates/golmok-operator/src/crd.rs by `golmok operator crd`; do not edit.\n{yaml}"
    )
}

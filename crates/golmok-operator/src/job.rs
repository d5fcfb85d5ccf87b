//! The Job running `golmok replay` for a rebuild, made from the service's own
//! Deployment: the same image, settings, volumes, environment, service account and
//! security contexts as the service's pods (what the chart gives its workloads), with
//! the replay's arguments instead of `golmok serve`, no ports or probes, and labels of
//! its own so that the service's Service and disruption budget do not select it.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use kube::Resource;
use kube::api::ObjectMeta;

use crate::crd::ReadModelRebuild;

/// The container of the chart's workloads that runs `golmok`.
const CONTAINER: &str = "golmok";
/// Labels copied from the service's pods (what the namespace's policies select on).
const KEPT_LABELS: [&str; 4] = [
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/version",
];
/// The label naming the rebuild a Job and its pod belong to.
pub const REBUILD_LABEL: &str = "golmok.io/rebuild";
/// The longest name a Job can have (its pods carry it in a label).
const MAX_JOB_NAME: usize = 63;
/// Retries of a failed replay: it resumes where it stopped.
const BACKOFF_LIMIT: i32 = 2;

/// The Job's name for a rebuild; `None` when it would be too long for a label value.
pub fn job_name(rebuild: &str) -> Option<String> {
    let name = format!("{rebuild}-replay");
    (name.len() <= MAX_JOB_NAME).then_some(name)
}

/// Why no Job can be made from a Deployment.
#[derive(Debug, PartialEq, Eq)]
pub struct NoJob(pub String);

/// `golmok replay <service> [--projection P] [--config C] [--data-dir D]`, where `C` and
/// `D` are what the Deployment's `golmok serve` is given.
pub fn replay_args(service: &str, projection: Option<&str>, serve_args: &[String]) -> Vec<String> {
    let mut args = vec!["replay".to_owned(), service.to_owned()];
    if let Some(projection) = projection {
        args.extend(["--projection".to_owned(), projection.to_owned()]);
    }
    for flag in ["--config", "--data-dir"] {
        if let Some(pair) = serve_args.windows(2).find(|pair| pair[0] == flag) {
            args.extend(pair.iter().cloned());
        }
    }
    args
}

/// The replay Job of `rebuild`, named `name`, from the service's `deployment`.
pub fn replay_job(
    rebuild: &ReadModelRebuild,
    name: &str,
    deployment: &Deployment,
) -> Result<Job, NoJob> {
    let rebuild_name = rebuild.metadata.name.clone().unwrap_or_default();
    let template = deployment
        .spec
        .as_ref()
        .map(|spec| spec.template.clone())
        .unwrap_or_default();
    let mut pod = template
        .spec
        .ok_or_else(|| NoJob("the Deployment has no pod template".into()))?;
    let position = pod
        .containers
        .iter()
        .position(|c| c.name == CONTAINER)
        .ok_or_else(|| NoJob(format!("the Deployment has no `{CONTAINER}` container")))?;
    let mut container = pod.containers.swap_remove(position);
    let serve_args = container.args.take().unwrap_or_default();
    container.args = Some(replay_args(
        &rebuild.spec.service,
        rebuild.spec.projection.as_deref(),
        &serve_args,
    ));
    container.ports = None;
    container.liveness_probe = None;
    container.readiness_probe = None;
    container.startup_probe = None;
    // Only the replay: a sidecar would keep the Job from ever completing.
    pod.containers = vec![container];
    pod.init_containers = None;
    pod.restart_policy = Some("Never".into());

    let pod_labels = template.metadata.and_then(|m| m.labels).unwrap_or_default();
    let mut labels: BTreeMap<String, String> = KEPT_LABELS
        .iter()
        .filter_map(|key| pod_labels.get(*key).map(|v| ((*key).to_owned(), v.clone())))
        .collect();
    labels.insert("app.kubernetes.io/component".into(), "replay".into());
    labels.insert(
        "app.kubernetes.io/managed-by".into(),
        "golmok-operator".into(),
    );
    labels.insert(REBUILD_LABEL.into(), rebuild_name);

    Ok(Job {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: rebuild.metadata.namespace.clone(),
            labels: Some(labels.clone()),
            owner_references: rebuild.controller_owner_ref(&()).map(|o| vec![o]),
            ..ObjectMeta::default()
        },
        spec: Some(JobSpec {
            backoff_limit: Some(BACKOFF_LIMIT),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod),
            },
            ..JobSpec::default()
        }),
        status: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn the_replay_reads_the_settings_and_data_the_service_reads() {
        let serve = strings(&[
            "serve",
            "voucher",
            "--config",
            "/etc/golmok/golmok.toml",
            "--data-dir",
            "/var/lib/golmok",
            "--bus",
            "kafka",
            "--brokers",
            "kafka:9092",
        ]);
        assert_eq!(
            replay_args("voucher", Some("voucher.views"), &serve),
            strings(&[
                "replay",
                "voucher",
                "--projection",
                "voucher.views",
                "--config",
                "/etc/golmok/golmok.toml",
                "--data-dir",
                "/var/lib/golmok",
            ])
        );
        assert_eq!(
            replay_args("storefront", None, &strings(&["serve", "storefront"])),
            strings(&["replay", "storefront"])
        );
    }

    #[test]
    fn a_job_name_fits_a_label_value() {
        assert_eq!(job_name("shop").as_deref(), Some("shop-replay"));
        assert_eq!(job_name(&"a".repeat(56)).map(|n| n.len()), Some(63));
        assert_eq!(job_name(&"a".repeat(57)), None);
    }
}

//! The reconciler of `ReadModelRebuild`s.
//!
//! A rebuild goes `Stopping` → `Running` → `Complete` or `Failed` (or straight to
//! `Refused`). Accepting it claims the service's Deployment in one write guarded by its
//! `resourceVersion`: annotations naming the rebuild and the replica count, and
//! `replicas: 0` (replay opens the service's store, so the service must be stopped). A
//! Deployment claimed by a rebuild that is not over refuses every other rebuild of the
//! service (`REBUILD_IN_PROGRESS`). Once no pod of the service is left the replay Job is
//! created; when it ends, the Deployment gets its replica count back (from the
//! annotation, so a restarted operator still knows it) before the final status is
//! written. Each step looks at what exists first, so reconciling again does nothing
//! new. Deleting a rebuild (finalizer) deletes its Job and gives the Deployment back.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams, PropagationPolicy};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType, Recorder};
use kube::runtime::finalizer::{self, finalizer};
use kube::{Api, Client, Resource, ResourceExt};
use serde_json::json;

use crate::crd::{Phase, ReadModelRebuild, ReadModelRebuildStatus};
use crate::job::{NoJob, job_name, replay_job};

/// The finalizer that gives the Deployment back when a rebuild is deleted.
pub const FINALIZER: &str = "golmok.io/rebuild-cleanup";
/// On the Deployment: the rebuild that stopped it.
pub const REBUILD_ANNOTATION: &str = "golmok.io/rebuild";
/// On the Deployment: its replica count before the rebuild.
pub const REPLICAS_ANNOTATION: &str = "golmok.io/replicas-before-rebuild";
/// How often a rebuild waiting for the service's pods to stop looks again.
const POD_POLL: Duration = Duration::from_secs(2);
/// A safety net: a running rebuild looks at its Job at least this often.
const JOB_POLL: Duration = Duration::from_secs(60);

/// What the reconciler shares.
pub struct Context {
    pub client: Client,
    pub recorder: Recorder,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("kubernetes API: {0}")]
    Kube(#[from] kube::Error),
    #[error("rebuild {0} has no namespace")]
    NoNamespace(String),
}

/// A rebuild's step failed in a way the status reports (a stable code and a message).
struct Outcome {
    reason: &'static str,
    message: String,
}

impl Outcome {
    fn new(reason: &'static str, message: impl Into<String>) -> Self {
        Outcome {
            reason,
            message: message.into(),
        }
    }
}

pub async fn reconcile(
    rebuild: Arc<ReadModelRebuild>,
    ctx: Arc<Context>,
) -> Result<Action, finalizer::Error<Error>> {
    let namespace = rebuild
        .namespace()
        .ok_or_else(|| finalizer::Error::ApplyFailed(Error::NoNamespace(rebuild.name_any())))?;
    let api: Api<ReadModelRebuild> = Api::namespaced(ctx.client.clone(), &namespace);
    let step = Step {
        ctx: &ctx,
        namespace: &namespace,
        rebuilds: api.clone(),
    };
    finalizer(&api, FINALIZER, rebuild, |event| async move {
        match event {
            finalizer::Event::Apply(rebuild) => step.apply(&rebuild).await,
            finalizer::Event::Cleanup(rebuild) => step.cleanup(&rebuild).await,
        }
    })
    .await
}

/// What to do after a failed reconcile: look again shortly.
pub fn error_policy(
    rebuild: Arc<ReadModelRebuild>,
    error: &finalizer::Error<Error>,
    _ctx: Arc<Context>,
) -> Action {
    tracing::warn!(rebuild = %rebuild.name_any(), error = %error, "reconcile failed; retrying");
    Action::requeue(Duration::from_secs(3))
}

struct Step<'a> {
    ctx: &'a Context,
    namespace: &'a str,
    rebuilds: Api<ReadModelRebuild>,
}

impl Step<'_> {
    fn deployments(&self) -> Api<Deployment> {
        Api::namespaced(self.ctx.client.clone(), self.namespace)
    }

    fn jobs(&self) -> Api<Job> {
        Api::namespaced(self.ctx.client.clone(), self.namespace)
    }

    async fn apply(&self, rebuild: &ReadModelRebuild) -> Result<Action, Error> {
        let status = rebuild.status.clone().unwrap_or_default();
        match status.phase {
            None => self.accept(rebuild).await,
            Some(Phase::Stopping) => self.launch(rebuild, status).await,
            Some(Phase::Running) => self.watch(rebuild, status).await,
            Some(_) => Ok(Action::await_change()),
        }
    }

    /// A new rebuild: find and claim the service's Deployment, or refuse.
    async fn accept(&self, rebuild: &ReadModelRebuild) -> Result<Action, Error> {
        let name = rebuild.name_any();
        if job_name(&name).is_none() {
            let outcome = Outcome::new(
                "NAME_TOO_LONG",
                "a rebuild's name is at most 56 characters (its Job is named <name>-replay)",
            );
            return self.refuse(rebuild, outcome).await;
        }
        let deployment = match self.find_deployment(rebuild).await? {
            Ok(deployment) => deployment,
            Err(outcome) => return self.refuse(rebuild, outcome).await,
        };
        let deployment_name = deployment.name_any();
        let annotations = deployment.annotations();
        let recorded = annotations
            .get(REPLICAS_ANNOTATION)
            .and_then(|r| r.parse::<i32>().ok());
        let previous = match annotations.get(REBUILD_ANNOTATION) {
            Some(holder) if *holder == name => recorded,
            Some(holder) => {
                let other = self.rebuilds.get_opt(holder).await?;
                if other.as_ref().is_some_and(|o| !is_over(o)) {
                    let outcome = Outcome::new(
                        "REBUILD_IN_PROGRESS",
                        format!(
                            "rebuild {holder} of {} is in progress; a service runs one replay at a time",
                            rebuild.spec.service
                        ),
                    );
                    return self.refuse(rebuild, outcome).await;
                }
                // Its rebuild is gone: the recorded count is still the service's own.
                recorded
            }
            None => None,
        };
        let previous = previous.unwrap_or_else(|| replicas(&deployment));
        if annotations.get(REBUILD_ANNOTATION) != Some(&name) {
            let claim = json!({
                "metadata": {
                    "resourceVersion": deployment.resource_version(),
                    "annotations": {
                        REBUILD_ANNOTATION: name,
                        REPLICAS_ANNOTATION: previous.to_string(),
                    },
                },
                "spec": {"replicas": 0},
            });
            match self
                .deployments()
                .patch(
                    &deployment_name,
                    &PatchParams::default(),
                    &Patch::Merge(&claim),
                )
                .await
            {
                Ok(_) => {}
                // Another rebuild claimed it since we read it: decide again.
                Err(kube::Error::Api(status)) if status.code == 409 => {
                    return Ok(Action::requeue(Duration::from_millis(200)));
                }
                Err(e) => return Err(e.into()),
            }
            self.publish(
                rebuild,
                EventType::Normal,
                "ServiceStopped",
                format!("scaled Deployment {deployment_name} from {previous} to 0 replicas"),
            )
            .await;
        }
        let mut status = ReadModelRebuildStatus {
            phase: Some(Phase::Stopping),
            observed_generation: rebuild.metadata.generation,
            deployment: Some(deployment_name.clone()),
            previous_replicas: Some(previous),
            ..ReadModelRebuildStatus::default()
        };
        set_condition(
            &mut status.conditions,
            "Accepted",
            "True",
            "SERVICE_STOPPING",
            &format!(
                "Deployment {deployment_name} scaled to 0; the replay starts once its pods are gone"
            ),
        );
        self.write_status(rebuild, &status).await?;
        self.publish(
            rebuild,
            EventType::Normal,
            "Accepted",
            format!("rebuilding the read models of {}", describe(rebuild)),
        )
        .await;
        Ok(Action::requeue(Duration::from_millis(200)))
    }

    /// The service is scaled to 0: once its pods are gone, create the replay Job.
    async fn launch(
        &self,
        rebuild: &ReadModelRebuild,
        mut status: ReadModelRebuildStatus,
    ) -> Result<Action, Error> {
        let deployment_name = status.deployment.clone().unwrap_or_default();
        let Some(deployment) = self.deployments().get_opt(&deployment_name).await? else {
            let outcome = Outcome::new(
                "DEPLOYMENT_DELETED",
                format!("Deployment {deployment_name} was deleted before the replay started"),
            );
            return self.finish(rebuild, status, Phase::Failed, outcome).await;
        };
        let running = self.pods_of(&deployment).await?;
        if running > 0 {
            tracing::info!(rebuild = %rebuild.name_any(), pods = running, "waiting for the service's pods to stop");
            return Ok(Action::requeue(POD_POLL));
        }
        let name = job_name(&rebuild.name_any()).unwrap_or_default();
        let job = match replay_job(rebuild, &name, &deployment) {
            Ok(job) => job,
            Err(NoJob(why)) => {
                let outcome = Outcome::new("DEPLOYMENT_UNUSABLE", why);
                return self.finish(rebuild, status, Phase::Failed, outcome).await;
            }
        };
        match self.jobs().create(&PostParams::default(), &job).await {
            Ok(_) => {}
            // Created before a restart: it is ours (its name is ours, and its owner).
            Err(kube::Error::Api(e)) if e.code == 409 => {}
            Err(e) => return Err(e.into()),
        }
        status.phase = Some(Phase::Running);
        status.job_name = Some(name.clone());
        status.started_at = Some(Time(Timestamp::now()));
        set_condition(
            &mut status.conditions,
            "Running",
            "True",
            "JOB_CREATED",
            &format!("Job {name} runs golmok replay"),
        );
        self.write_status(rebuild, &status).await?;
        self.publish(
            rebuild,
            EventType::Normal,
            "Started",
            format!("Job {name} runs golmok replay {}", describe(rebuild)),
        )
        .await;
        Ok(Action::requeue(JOB_POLL))
    }

    /// The Job runs: when it ends, give the service back and report.
    async fn watch(
        &self,
        rebuild: &ReadModelRebuild,
        status: ReadModelRebuildStatus,
    ) -> Result<Action, Error> {
        let name = status.job_name.clone().unwrap_or_default();
        let Some(job) = self.jobs().get_opt(&name).await? else {
            let outcome = Outcome::new(
                "JOB_DELETED",
                format!("Job {name} was deleted before it ended"),
            );
            return self.finish(rebuild, status, Phase::Failed, outcome).await;
        };
        let conditions = job
            .status
            .as_ref()
            .and_then(|s| s.conditions.clone())
            .unwrap_or_default();
        let ended = |kind: &str| {
            conditions
                .iter()
                .find(|c| c.type_ == kind && c.status == "True")
        };
        if ended("Complete").is_some() {
            let outcome = Outcome::new("REPLAY_SUCCEEDED", format!("Job {name} succeeded"));
            return self.finish(rebuild, status, Phase::Complete, outcome).await;
        }
        if let Some(failed) = ended("Failed") {
            let why = failed.reason.clone().unwrap_or_default();
            let message = format!(
                "Job {name} failed ({why}): {}; `kubectl logs job/{name}` shows replay's error code",
                failed.message.clone().unwrap_or_default()
            );
            let outcome = Outcome::new("REPLAY_FAILED", message);
            return self.finish(rebuild, status, Phase::Failed, outcome).await;
        }
        Ok(Action::requeue(JOB_POLL))
    }

    /// Ends a rebuild: the Deployment back first, then the final status.
    async fn finish(
        &self,
        rebuild: &ReadModelRebuild,
        mut status: ReadModelRebuildStatus,
        phase: Phase,
        outcome: Outcome,
    ) -> Result<Action, Error> {
        self.restore(
            rebuild,
            status.deployment.as_deref(),
            status.previous_replicas,
        )
        .await?;
        status.phase = Some(phase);
        status.completed_at = Some(Time(Timestamp::now()));
        let (kind, event, severity) = match phase {
            Phase::Complete => ("Complete", "Completed", EventType::Normal),
            _ => ("Failed", "Failed", EventType::Warning),
        };
        set_condition(
            &mut status.conditions,
            "Running",
            "False",
            outcome.reason,
            &outcome.message,
        );
        set_condition(
            &mut status.conditions,
            kind,
            "True",
            outcome.reason,
            &outcome.message,
        );
        self.write_status(rebuild, &status).await?;
        self.publish(rebuild, severity, event, outcome.message)
            .await;
        Ok(Action::await_change())
    }

    async fn refuse(&self, rebuild: &ReadModelRebuild, outcome: Outcome) -> Result<Action, Error> {
        let mut status = ReadModelRebuildStatus {
            phase: Some(Phase::Refused),
            observed_generation: rebuild.metadata.generation,
            completed_at: Some(Time(Timestamp::now())),
            ..ReadModelRebuildStatus::default()
        };
        for (kind, value) in [("Accepted", "False"), ("Refused", "True")] {
            set_condition(
                &mut status.conditions,
                kind,
                value,
                outcome.reason,
                &outcome.message,
            );
        }
        self.write_status(rebuild, &status).await?;
        self.publish(
            rebuild,
            EventType::Warning,
            "Refused",
            format!("{}: {}", outcome.reason, outcome.message),
        )
        .await;
        Ok(Action::await_change())
    }

    /// The rebuild is being deleted: its Job goes, the Deployment comes back.
    async fn cleanup(&self, rebuild: &ReadModelRebuild) -> Result<Action, Error> {
        let status = rebuild.status.clone().unwrap_or_default();
        if let Some(name) = status.job_name.as_deref()
            && !status.phase.is_some_and(Phase::is_final)
        {
            let params = DeleteParams {
                propagation_policy: Some(PropagationPolicy::Background),
                ..DeleteParams::default()
            };
            match self.jobs().delete(name, &params).await {
                Ok(_) => {}
                Err(kube::Error::Api(e)) if e.code == 404 => {}
                Err(e) => return Err(e.into()),
            }
            self.publish(
                rebuild,
                EventType::Normal,
                "Cancelled",
                format!("the rebuild was deleted: Job {name} deleted"),
            )
            .await;
        }
        // Claimed but stopped before its status named the Deployment: find it again.
        let deployment = match status.deployment.clone() {
            Some(name) => Some(name),
            None => self
                .find_deployment(rebuild)
                .await?
                .ok()
                .map(|d| d.name_any()),
        };
        self.restore(rebuild, deployment.as_deref(), status.previous_replicas)
            .await?;
        Ok(Action::await_change())
    }

    /// Gives the Deployment its replica count back, if this rebuild still holds it.
    async fn restore(
        &self,
        rebuild: &ReadModelRebuild,
        deployment: Option<&str>,
        previous: Option<i32>,
    ) -> Result<(), Error> {
        let Some(name) = deployment else {
            return Ok(());
        };
        let Some(deployment) = self.deployments().get_opt(name).await? else {
            return Ok(());
        };
        let annotations = deployment.annotations();
        if annotations.get(REBUILD_ANNOTATION) != Some(&rebuild.name_any()) {
            return Ok(());
        }
        let replicas = annotations
            .get(REPLICAS_ANNOTATION)
            .and_then(|r| r.parse::<i32>().ok())
            .or(previous)
            .unwrap_or(1);
        let give_back = json!({
            "metadata": {
                "resourceVersion": deployment.resource_version(),
                "annotations": {REBUILD_ANNOTATION: null, REPLICAS_ANNOTATION: null},
            },
            "spec": {"replicas": replicas},
        });
        self.deployments()
            .patch(name, &PatchParams::default(), &Patch::Merge(&give_back))
            .await?;
        self.publish(
            rebuild,
            EventType::Normal,
            "ServiceRestored",
            format!("scaled Deployment {name} back to {replicas} replicas"),
        )
        .await;
        Ok(())
    }

    /// The Deployment of the rebuild's service, or why there is none to use.
    async fn find_deployment(
        &self,
        rebuild: &ReadModelRebuild,
    ) -> Result<Result<Deployment, Outcome>, Error> {
        if let Some(name) = rebuild.spec.deployment.as_deref() {
            return Ok(self.deployments().get_opt(name).await?.ok_or_else(|| {
                Outcome::new(
                    "DEPLOYMENT_NOT_FOUND",
                    format!("no Deployment {name} in namespace {}", self.namespace),
                )
            }));
        }
        let selector = format!(
            "app.kubernetes.io/part-of=golmok,app.kubernetes.io/component={}",
            rebuild.spec.service
        );
        let mut found = self
            .deployments()
            .list(&ListParams::default().labels(&selector))
            .await?
            .items;
        Ok(match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(Outcome::new(
                "DEPLOYMENT_NOT_FOUND",
                format!(
                    "no Deployment labelled {selector} in namespace {}; name it in spec.deployment",
                    self.namespace
                ),
            )),
            n => Err(Outcome::new(
                "DEPLOYMENT_AMBIGUOUS",
                format!("{n} Deployments are labelled {selector}; name one in spec.deployment"),
            )),
        })
    }

    /// How many pods the Deployment's selector still matches.
    async fn pods_of(&self, deployment: &Deployment) -> Result<usize, Error> {
        let labels = deployment
            .spec
            .as_ref()
            .and_then(|s| s.selector.match_labels.clone())
            .unwrap_or_default();
        let selector: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let pods: Api<Pod> = Api::namespaced(self.ctx.client.clone(), self.namespace);
        let list = pods
            .list(&ListParams::default().labels(&selector.join(",")))
            .await?;
        Ok(list.items.len())
    }

    async fn write_status(
        &self,
        rebuild: &ReadModelRebuild,
        status: &ReadModelRebuildStatus,
    ) -> Result<(), Error> {
        self.rebuilds
            .patch_status(
                &rebuild.name_any(),
                &PatchParams::default(),
                &Patch::Merge(json!({"status": status})),
            )
            .await?;
        Ok(())
    }

    /// Publishes a Kubernetes Event about the rebuild; a failure is logged, not fatal.
    async fn publish(
        &self,
        rebuild: &ReadModelRebuild,
        type_: EventType,
        reason: &str,
        note: String,
    ) {
        let event = Event {
            type_,
            reason: reason.to_owned(),
            note: Some(note),
            action: "Rebuild".to_owned(),
            secondary: None,
        };
        if let Err(e) = self
            .ctx
            .recorder
            .publish(&event, &rebuild.object_ref(&()))
            .await
        {
            tracing::warn!(rebuild = %rebuild.name_any(), error = %e, "could not publish an event");
        }
    }
}

/// Whether a rebuild has ended (or never started).
fn is_over(rebuild: &ReadModelRebuild) -> bool {
    rebuild
        .status
        .as_ref()
        .and_then(|s| s.phase)
        .is_some_and(Phase::is_final)
}

/// The Deployment's replica count (the API server defaults an absent one to 1).
fn replicas(deployment: &Deployment) -> i32 {
    deployment
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1)
}

fn describe(rebuild: &ReadModelRebuild) -> String {
    match rebuild.spec.projection.as_deref() {
        Some(projection) => format!("{} (projection {projection})", rebuild.spec.service),
        None => rebuild.spec.service.clone(),
    }
}

/// Sets a condition; its transition time changes only when its status does.
fn set_condition(
    conditions: &mut Vec<Condition>,
    kind: &str,
    status: &str,
    reason: &str,
    message: &str,
) {
    let now = Time(Timestamp::now());
    match conditions.iter_mut().find(|c| c.type_ == kind) {
        Some(condition) => {
            if condition.status != status {
                condition.last_transition_time = now;
            }
            condition.status = status.to_owned();
            condition.reason = reason.to_owned();
            condition.message = message.to_owned();
        }
        None => conditions.push(Condition {
            type_: kind.to_owned(),
            status: status.to_owned(),
            reason: reason.to_owned(),
            message: message.to_owned(),
            last_transition_time: now,
            observed_generation: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_condition_keeps_its_transition_time_until_its_status_changes() {
        let mut conditions = Vec::new();
        set_condition(&mut conditions, "Running", "True", "JOB_CREATED", "a");
        let first = conditions[0].last_transition_time.clone();
        std::thread::sleep(Duration::from_millis(5));
        set_condition(&mut conditions, "Running", "True", "JOB_CREATED", "b");
        assert_eq!(conditions[0].last_transition_time, first);
        assert_eq!(conditions[0].message, "b");
        set_condition(&mut conditions, "Running", "False", "REPLAY_SUCCEEDED", "c");
        assert_ne!(conditions[0].last_transition_time, first);
        assert_eq!(conditions.len(), 1);
    }
}

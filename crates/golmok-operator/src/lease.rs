//! Leader election on a `coordination.k8s.io/v1` Lease, so that of several operator
//! replicas exactly one reconciles. kube-rs has none built in; this follows client-go's
//! `leaderelection`: the holder renews `renewTime` every retry period; another replica
//! takes the Lease over once the record it observed has not changed for
//! `leaseDurationSeconds` by its own clock (no clock comparison across machines); every
//! write carries the `resourceVersion` it read, so of two replicas racing for the Lease
//! the API server lets one win and answers the other 409 Conflict.

use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;
use kube::api::{ObjectMeta, PostParams};
use kube::{Api, Client};

/// Who may hold which Lease, and for how long.
#[derive(Clone, Debug)]
pub struct LeaseSettings {
    pub namespace: String,
    /// The Lease's name.
    pub name: String,
    /// This replica's identity (its pod name in a cluster).
    pub identity: String,
    /// How long a Lease not renewed stays held.
    pub duration: Duration,
}

impl LeaseSettings {
    /// How often the holder renews and the others look: a quarter of the duration.
    pub fn retry_period(&self) -> Duration {
        self.duration / 4
    }
}

/// What to do with the Lease as last read.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// No Lease yet: create it, held by us.
    Create,
    /// We hold it: renew it.
    Renew,
    /// Released, or not renewed within its duration: take it over.
    TakeOver,
    /// Another replica holds it.
    Wait { holder: String },
}

/// The decision for `lease` seen by `identity`, whose record has not changed for
/// `unchanged_for` by our clock.
pub fn decide(lease: Option<&LeaseSpec>, identity: &str, unchanged_for: Duration) -> Decision {
    let Some(spec) = lease else {
        return Decision::Create;
    };
    let duration =
        Duration::from_secs(u64::try_from(spec.lease_duration_seconds.unwrap_or(0)).unwrap_or(0));
    match spec.holder_identity.as_deref() {
        Some(holder) if holder == identity => Decision::Renew,
        None | Some("") => Decision::TakeOver,
        Some(_) if unchanged_for >= duration => Decision::TakeOver,
        Some(holder) => Decision::Wait {
            holder: holder.to_owned(),
        },
    }
}

/// One replica's view of the Lease.
pub struct Elector {
    api: Api<Lease>,
    settings: LeaseSettings,
    /// The record last seen (holder, renew time, transitions) and when we first saw it.
    observed: Option<(String, Instant)>,
}

impl Elector {
    pub fn new(client: Client, settings: LeaseSettings) -> Self {
        Elector {
            api: Api::namespaced(client, &settings.namespace),
            settings,
            observed: None,
        }
    }

    pub fn settings(&self) -> &LeaseSettings {
        &self.settings
    }

    /// One round: acquires, renews or waits. `Ok(true)` when we hold the Lease now.
    pub async fn try_acquire_or_renew(&mut self) -> Result<bool, kube::Error> {
        let current = self.api.get_opt(&self.settings.name).await?;
        let spec = current.as_ref().and_then(|l| l.spec.as_ref());
        let unchanged_for = self.unchanged_for(spec);
        let now = MicroTime(Timestamp::now());
        let held = |acquire_time: Option<MicroTime>, transitions: i32| LeaseSpec {
            holder_identity: Some(self.settings.identity.clone()),
            lease_duration_seconds: Some(
                i32::try_from(self.settings.duration.as_secs()).unwrap_or(i32::MAX),
            ),
            acquire_time,
            renew_time: Some(now.clone()),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        };
        let written = match decide(spec, &self.settings.identity, unchanged_for) {
            Decision::Wait { .. } => return Ok(false),
            Decision::Create => {
                let lease = Lease {
                    metadata: ObjectMeta {
                        name: Some(self.settings.name.clone()),
                        ..ObjectMeta::default()
                    },
                    spec: Some(held(Some(now.clone()), 0)),
                };
                self.api.create(&PostParams::default(), &lease).await
            }
            Decision::Renew | Decision::TakeOver => {
                let mut lease = current.unwrap_or_default();
                let old = lease.spec.take().unwrap_or_default();
                let ours = old.holder_identity.as_deref() == Some(self.settings.identity.as_str());
                lease.spec = Some(if ours {
                    held(old.acquire_time, old.lease_transitions.unwrap_or(0))
                } else {
                    held(Some(now.clone()), old.lease_transitions.unwrap_or(0) + 1)
                });
                // `replace` sends the resourceVersion read above: optimistic concurrency.
                self.api
                    .replace(&self.settings.name, &PostParams::default(), &lease)
                    .await
            }
        };
        match written {
            Ok(lease) => {
                self.observe(lease.spec.as_ref());
                Ok(true)
            }
            // Another replica wrote first (409 Conflict, or AlreadyExists on create).
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Gives the Lease up (on shutdown), so another replica takes over at once.
    pub async fn release(&mut self) -> Result<(), kube::Error> {
        let Some(mut lease) = self.api.get_opt(&self.settings.name).await? else {
            return Ok(());
        };
        let Some(spec) = lease.spec.as_mut() else {
            return Ok(());
        };
        if spec.holder_identity.as_deref() != Some(self.settings.identity.as_str()) {
            return Ok(());
        }
        spec.holder_identity = None;
        spec.renew_time = Some(MicroTime(Timestamp::now()));
        match self
            .api
            .replace(&self.settings.name, &PostParams::default(), &lease)
            .await
        {
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
            other => other.map(drop),
        }
    }

    /// How long the record has been as it is now, by our clock.
    fn unchanged_for(&mut self, spec: Option<&LeaseSpec>) -> Duration {
        self.observe(spec);
        self.observed
            .as_ref()
            .map_or(Duration::ZERO, |(_, since)| since.elapsed())
    }

    fn observe(&mut self, spec: Option<&LeaseSpec>) {
        let record = spec.map(|s| {
            format!(
                "{:?}|{:?}|{:?}",
                s.holder_identity,
                s.renew_time.as_ref().map(|t| t.0),
                s.lease_transitions
            )
        });
        let Some(record) = record else {
            self.observed = None;
            return;
        };
        if self
            .observed
            .as_ref()
            .is_none_or(|(seen, _)| *seen != record)
        {
            self.observed = Some((record, Instant::now()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held_by(holder: Option<&str>) -> LeaseSpec {
        LeaseSpec {
            holder_identity: holder.map(str::to_owned),
            lease_duration_seconds: Some(15),
            ..LeaseSpec::default()
        }
    }

    #[test]
    fn no_lease_is_created_ours_is_renewed() {
        assert_eq!(decide(None, "a", Duration::ZERO), Decision::Create);
        let ours = held_by(Some("a"));
        assert_eq!(
            decide(Some(&ours), "a", Duration::from_secs(99)),
            Decision::Renew
        );
    }

    #[test]
    fn anothers_lease_is_taken_over_only_once_unchanged_for_its_duration() {
        let theirs = held_by(Some("b"));
        assert_eq!(
            decide(Some(&theirs), "a", Duration::from_secs(14)),
            Decision::Wait { holder: "b".into() }
        );
        assert_eq!(
            decide(Some(&theirs), "a", Duration::from_secs(15)),
            Decision::TakeOver
        );
    }

    #[test]
    fn a_released_lease_is_taken_over_at_once() {
        for released in [held_by(None), held_by(Some(""))] {
            assert_eq!(
                decide(Some(&released), "a", Duration::ZERO),
                Decision::TakeOver
            );
        }
    }
}

//! Runs services in this process: builds them from the registry, feeds each
//! one the other services' events it subscribes to (a tail of the
//! producer's log in process, or a Kafka consumer), starts their relays, and
//! stops it all. Nothing here is written per service.

use anyhow::{Context, bail};
use golmok_kernel::LogTail;
use golmok_runtime::{DeadLetterDesk, Following, Need, Readiness, Service};

use crate::bus::{Bus, Relays, ensure_topics, kafka_source};
use crate::registry;
use crate::settings::SuiteSettings;

/// Services running in this process, wired over the bus.
pub struct Host {
    services: Vec<Box<dyn Service>>,
    following: Following,
    relays: Relays,
}

impl Host {
    /// Builds the services of `settings` that `wanted` names, in registry
    /// order, and wires them over `bus`.
    pub async fn start(
        settings: &SuiteSettings,
        wanted: impl Fn(&str) -> bool,
        bus: &Bus,
    ) -> anyhow::Result<Host> {
        let mut host = Host {
            services: Vec::new(),
            following: Following::default(),
            relays: Relays::default(),
        };
        let mut started = Ok(());
        for (factory, section) in &settings.services {
            if !wanted(factory.name()) {
                continue;
            }
            match factory.build(section.clone()).await {
                Ok(service) => host.services.push(service),
                Err(error) => {
                    started = Err(error).with_context(|| format!("starting {}", factory.name()));
                    break;
                }
            }
        }
        if started.is_ok() {
            started = host.wire(bus).await;
        }
        match started {
            Ok(()) => Ok(host),
            Err(error) => {
                host.stop().await;
                Err(error)
            }
        }
    }

    async fn wire(&mut self, bus: &Bus) -> anyhow::Result<()> {
        let hosted: Vec<&dyn Service> = self.services.iter().map(AsRef::as_ref).collect();
        match bus {
            Bus::InProcess => {
                for service in &hosted {
                    for subscription in service.subscriptions() {
                        let producer_here = hosted
                            .iter()
                            .any(|producer| producer.name() == subscription.producer);
                        if subscription.need == Need::Essential && !producer_here {
                            bail!(
                                "golmok serve {} needs --bus kafka: {} consumes the {}'s events",
                                service.name(),
                                subscription.purpose,
                                subscription.producer
                            );
                        }
                    }
                }
                self.following = Following::in_process(&hosted).await?;
            }
            Bus::Kafka(kafka) => {
                ensure_topics(kafka, &registry::names()).await?;
                for service in &hosted {
                    self.relays
                        .start(kafka, service.name(), service.event_log(), service.tables())
                        .await?;
                }
                for service in &hosted {
                    self.following
                        .start(*service, |subscription| {
                            kafka_source(kafka, subscription.producer).map(Some)
                        })
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// The running service called `name`.
    pub fn service(&self, name: &str) -> anyhow::Result<&dyn Service> {
        self.services
            .iter()
            .map(AsRef::as_ref)
            .find(|service| service.name() == name)
            .with_context(|| format!("the service {name} does not run in this process"))
    }

    /// Ready while serving and while every service's store answers.
    pub fn readiness(&self) -> Readiness {
        let readiness = Readiness::default();
        for service in &self.services {
            readiness.require(service.storage().health.clone());
        }
        readiness
    }

    /// The dead letters of the consumers this process runs, for operators.
    pub fn dead_letters(&self) -> DeadLetterDesk {
        self.following.dead_letters()
    }

    /// Stops the relays, the consumers and the services (last started first).
    pub async fn stop(self) {
        self.relays.stop().await;
        self.following.stop().await;
        for service in self.services.iter().rev() {
            service.shutdown().await;
        }
    }
}

/// The gateway over the services, reaching each through `client(name)`:
/// the one place the CLI builds it.
pub async fn gateway(
    settings: &SuiteSettings,
    client: impl Fn(&str) -> anyhow::Result<gateway::ServiceClient>,
) -> anyhow::Result<gateway::Application> {
    let mut upstreams = gateway::Upstreams::default();
    for name in registry::names()
        .into_iter()
        .filter(|name| gateway::Upstreams::calls(name))
    {
        upstreams = upstreams.with(name, client(name)?);
    }
    gateway::Application::build(settings.gateway.clone(), upstreams)
        .await
        .context("starting gateway")
}

/// Feeds the gateway's feeds from their producers' events over `bus`: a
/// tail of a producer's log when `services` runs it in this process, its
/// Kafka topic (in the consumer group the gateway's settings name) otherwise.
/// In process, a feed whose producer does not run here follows nothing (it
/// serves what it stored); `None` when no feed follows anything.
pub async fn follow_feed(
    gateway: &gateway::Application,
    services: Option<&Host>,
    bus: &Bus,
) -> anyhow::Result<Option<gateway::FeedFollower>> {
    let mut followers: Option<gateway::FeedFollower> = None;
    for producer in gateway::FEED_PRODUCERS {
        let follower = match bus {
            Bus::InProcess => {
                let Some(service) = services.and_then(|host| host.service(producer).ok()) else {
                    tracing::warn!(producer, "a feed follows nothing without --bus kafka");
                    continue;
                };
                gateway
                    .follow_feed(producer, LogTail::after(service.event_log(), 0))
                    .await?
            }
            Bus::Kafka(kafka) => {
                ensure_topics(kafka, &[producer]).await?;
                gateway
                    .follow_feed(producer, kafka_source(kafka, producer)?)
                    .await?
            }
        };
        followers = Some(match followers {
            Some(followers) => followers.and(follower),
            None => follower,
        });
    }
    Ok(followers)
}

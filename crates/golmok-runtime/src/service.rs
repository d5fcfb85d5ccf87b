//! The shape every service has, as a trait, and what a host needs to run
//! any of them: build one from its settings section, wire the events it
//! consumes from other services, serve its router, shut it down.

use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use golmok_kernel::{
    EventHandler, EventLog, EventSource, LogTail, Projections, ReadModel, StorageError, Tables,
};

use crate::dead_letters::DeadLetterDesk;
use crate::settings::{Section, ServiceSettings, SettingsError, SettingsValue};
use crate::storage::{StartupError, Storage};
use crate::trust::{AssertionKey, TrustRoot, trust_gateway};

/// A running service: its HTTP API, its store, and the other services'
/// events it consumes, which the host feeds to it (in-process log tails or
/// Kafka consumers).
#[async_trait]
pub trait Service: Send + Sync + 'static {
    /// What [`build`] gave it: name, listen address, timeout, opened store.
    fn hosted(&self) -> &Hosted;

    /// The service's name: its settings section, events topic and log label.
    fn name(&self) -> &'static str {
        self.hosted().name
    }

    /// Where it listens when it runs as its own process.
    fn listen(&self) -> SocketAddr {
        self.hosted().listen
    }

    /// How long a command waits for the read models (read-your-writes).
    fn consistency_timeout(&self) -> Duration {
        self.hosted().consistency_timeout
    }

    /// Its opened store.
    fn storage(&self) -> &Storage {
        &self.hosted().storage
    }

    /// Its HTTP API's routes, as the service writes them; served only
    /// through [`Service::router`].
    fn routes(&self) -> axum::Router;

    /// Its HTTP API (no ops routes), answering only calls the gateway signed
    /// for it ([`trust_gateway`]): in-process and over HTTP alike; each
    /// request a server span when traces are recorded ([`crate::trace_requests`]).
    fn router(&self) -> axum::Router {
        trust_gateway(self.routes(), self.hosted().assertions.clone())
            .layer(axum::middleware::from_fn(crate::trace_requests))
    }

    /// The other services' events it consumes, one entry per consumer.
    fn subscriptions(&self) -> Vec<Subscription> {
        Vec::new()
    }

    /// Stops its projections and background work and waits for them. The
    /// store closes once the last router clone is dropped.
    async fn shutdown(&self);

    /// Its event log: what its relay publishes and in-process consumers of
    /// its events tail.
    fn event_log(&self) -> Arc<dyn EventLog> {
        Arc::clone(&self.storage().log)
    }

    /// Its tables (where its relay keeps its checkpoint).
    fn tables(&self) -> Arc<dyn Tables> {
        Arc::clone(&self.storage().tables)
    }
}

/// How a service is made: its name, its settings section, and how it is
/// assembled over an opened store. `build` is the one construction path.
#[async_trait]
pub trait Blueprint: Service + Sized {
    const NAME: &'static str;
    /// The service's own settings section.
    type Section: Section;

    /// Builds the service over `hosted.storage`: projections, processes,
    /// background work. The service keeps `hosted` for [`Service::hosted`].
    async fn assemble(
        settings: ServiceSettings<Self::Section>,
        hosted: Hosted,
    ) -> Result<Self, StartupError>;

    /// Fresh instances of the projections of its own log, each with the
    /// tables it writes, for a rebuild from event 0 (`golmok replay`); the
    /// same handlers `assemble` starts. None by default.
    fn read_models(settings: &ServiceSettings<Self::Section>, storage: &Storage) -> Vec<ReadModel> {
        let _ = (settings, storage);
        Vec::new()
    }
}

/// What a host knows of any service, from the settings every service shares,
/// with its opened store.
#[derive(Clone)]
pub struct Hosted {
    pub name: &'static str,
    pub listen: SocketAddr,
    pub consistency_timeout: Duration,
    pub storage: Storage,
    /// Verifies the gateway's actor assertions for this service.
    pub assertions: AssertionKey,
}

impl Hosted {
    /// Starts `handlers` as the service's projections: each tails the
    /// service's own log into its tables from the start, and reads wait for
    /// them up to the consistency timeout.
    pub async fn start_projections(
        &self,
        handlers: Vec<Arc<dyn EventHandler>>,
    ) -> Result<Arc<Projections>, StartupError> {
        Ok(Projections::start_handlers(
            Arc::clone(&self.storage.log),
            Arc::clone(&self.storage.tables),
            handlers,
            self.consistency_timeout,
        )
        .await?)
    }
}

/// Checks `settings`, opens the store they choose and assembles `B`.
pub async fn build<B: Blueprint>(settings: ServiceSettings<B::Section>) -> Result<B, StartupError> {
    settings.validate().map_err(StartupError::Settings)?;
    let assertions = TrustRoot::load_or_create(&settings.assertion_key())?.key_for(B::NAME);
    let storage = Storage::open(B::NAME, &settings.data_dir, &settings.storage).await?;
    let hosted = Hosted {
        name: B::NAME,
        listen: settings.listen,
        consistency_timeout: settings.consistency_timeout(),
        storage,
        assertions,
    };
    B::assemble(settings, hosted).await
}

/// Whether a service can run without one of its subscriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// It cannot do its work without these events: as its own process it
    /// needs a broker.
    Essential,
    /// One feature waits for these events; the rest works without them.
    Optional,
}

/// Events one consumer of a service needs from another service.
#[derive(Clone)]
pub struct Subscription {
    /// The service whose events are consumed.
    pub producer: &'static str,
    /// What consumes them, for people ("its merchant directory").
    pub purpose: &'static str,
    pub need: Need,
    /// The consumer; its name is the consumer's name (checkpoint, inbox,
    /// Kafka group).
    pub handler: Arc<dyn EventHandler>,
}

impl Subscription {
    pub fn consumer(&self) -> &'static str {
        self.handler.name()
    }
}

/// The consumers a host started for services' subscriptions.
#[derive(Default)]
pub struct Following {
    running: Vec<Arc<Projections>>,
    dead_letters: DeadLetterDesk,
}

impl Following {
    /// Starts a consumer for each of `service`'s subscriptions that `source`
    /// answers a source for, writing to the service's tables.
    pub async fn start<S, E, F>(&mut self, service: &dyn Service, mut source: F) -> Result<(), E>
    where
        S: EventSource,
        E: From<StorageError>,
        F: FnMut(&Subscription) -> Result<Option<S>, E>,
    {
        for subscription in service.subscriptions() {
            let Some(events) = source(&subscription)? else {
                continue;
            };
            let events =
                self.dead_letters
                    .register(events, &subscription.handler, service.tables());
            let consumers = vec![(events, subscription.handler)];
            let timeout = service.consistency_timeout();
            let started = Projections::start_sources(consumers, service.tables(), timeout).await?;
            self.running.push(started);
        }
        Ok(())
    }

    /// Feeds each of `services`' subscriptions from a tail of its producer's
    /// log, when the producer is among `services` (`golmok up`, tests).
    pub async fn in_process(services: &[&dyn Service]) -> Result<Following, StorageError> {
        let mut following = Following::default();
        for service in services {
            following
                .start(*service, |subscription| {
                    let producer = services
                        .iter()
                        .find(|producer| producer.name() == subscription.producer);
                    Ok::<_, StorageError>(
                        producer.map(|producer| LogTail::after(producer.event_log(), 0)),
                    )
                })
                .await?;
        }
        Ok(following)
    }

    /// Their dead letters, for operators (`golmok dlq`).
    pub fn dead_letters(&self) -> DeadLetterDesk {
        self.dead_letters.clone()
    }

    /// Stops every consumer and waits for them.
    pub async fn stop(self) {
        for consumers in self.running {
            consumers.stop().await;
        }
    }
}

/// A service as the host sees it before it runs: one entry of the registry.
#[async_trait]
pub trait ServiceFactory: Send + Sync {
    fn name(&self) -> &'static str;

    /// Where the service listens by default as its own process.
    fn default_listen(&self) -> SocketAddr;

    /// Reads its section of the suite settings: the shared keys, and its own
    /// keys checked (unknown keys and broken rules fail now).
    fn settings(
        &self,
        section: SettingsValue,
    ) -> Result<ServiceSettings<SettingsValue>, SettingsError>;

    /// Builds it from settings read by [`ServiceFactory::settings`].
    async fn build(
        &self,
        settings: ServiceSettings<SettingsValue>,
    ) -> Result<Box<dyn Service>, StartupError>;

    /// Opens its store (nothing started) with its read models, for a rebuild.
    async fn open_read_models(
        &self,
        settings: ServiceSettings<SettingsValue>,
    ) -> Result<(Storage, Vec<ReadModel>), StartupError>;
}

/// The registry entry of the service `B`: `pub const SERVICE: Registration<Application> = Registration::new();`.
pub struct Registration<B>(PhantomData<fn() -> B>);

impl<B> Registration<B> {
    pub const fn new() -> Self {
        Registration(PhantomData)
    }
}

impl<B> Default for Registration<B> {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl<B: Blueprint> ServiceFactory for Registration<B> {
    fn name(&self) -> &'static str {
        B::NAME
    }

    fn default_listen(&self) -> SocketAddr {
        ServiceSettings::<B::Section>::default().listen
    }

    fn settings(
        &self,
        section: SettingsValue,
    ) -> Result<ServiceSettings<SettingsValue>, SettingsError> {
        let settings = ServiceSettings::split(section, <B::Section as Section>::PORT)?;
        settings.clone().typed::<B::Section>()?;
        Ok(settings)
    }

    async fn build(
        &self,
        settings: ServiceSettings<SettingsValue>,
    ) -> Result<Box<dyn Service>, StartupError> {
        let settings = settings
            .typed::<B::Section>()
            .map_err(|e| StartupError::Settings(e.reason()))?;
        Ok(Box::new(build::<B>(settings).await?))
    }

    async fn open_read_models(
        &self,
        settings: ServiceSettings<SettingsValue>,
    ) -> Result<(Storage, Vec<ReadModel>), StartupError> {
        let settings = settings
            .typed::<B::Section>()
            .map_err(|e| StartupError::Settings(e.reason()))?;
        settings.validate().map_err(StartupError::Settings)?;
        let storage = Storage::open(B::NAME, &settings.data_dir, &settings.storage).await?;
        let models = B::read_models(&settings, &storage);
        Ok((storage, models))
    }
}

use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use futures::{StreamExt, stream};
use golmok_runtime::Actor;
use uuid::Uuid;

use crate::upstream::{CallError, Caller, Clients, Lookup, Routes};

/// How many lookups one loader batch runs at once.
const LOOKUP_CONCURRENCY: usize = 8;

/// How long a loader waits to gather keys. The executor polls every sibling
/// field before the load task runs, so one request's lookups batch without a
/// timer; async-graphql's default 1 ms made every nested lookup cost a
/// millisecond (gateway_bench: 2.7 ms p50 for a two-lookup query).
const BATCH_WINDOW: Duration = Duration::ZERO;

/// Everything a resolver needs to know about the request it serves. Nothing
/// here names a service: resolvers reach one through [`RequestContext::upstream`].
pub(crate) struct RequestContext {
    /// The verified caller; `None` for anonymous requests.
    pub(crate) actor: Option<Actor>,
    caller: Caller,
    clients: Arc<Clients>,
    /// Objects by id ([`Lookup`]), each fetched at most once per request.
    lookups: DataLoader<Lookups, HashMapCache>,
}

impl RequestContext {
    pub(crate) fn new(caller: Caller, clients: &Arc<Clients>) -> Arc<RequestContext> {
        let lookups = Lookups {
            caller: caller.clone(),
            clients: clients.clone(),
        };
        Arc::new(RequestContext {
            actor: caller.actor.clone(),
            caller,
            clients: clients.clone(),
            lookups: DataLoader::with_cache(lookups, tokio::spawn, HashMapCache::default())
                .delay(BATCH_WINDOW),
        })
    }

    /// A service's routes, called as this request's caller.
    pub(crate) fn upstream<'a, R: Routes<'a>>(&'a self) -> R {
        R::new(self.clients.upstream(R::SERVICE, &self.caller))
    }

    /// The request's caller with another actor (the same trace): the
    /// gateway acting for a merchant on a delegating creator's behalf.
    pub(crate) fn acting_as(&self, actor: Actor) -> Caller {
        Caller {
            actor: Some(actor),
            trace: self.caller.trace,
        }
    }

    /// A service's routes, called as `caller` rather than the request's.
    pub(crate) fn upstream_as<'a, R: Routes<'a>>(&'a self, caller: &'a Caller) -> R {
        R::new(self.clients.upstream(R::SERVICE, caller))
    }

    /// The object `id` through the request's loader; `None` when there is
    /// none or the caller may not see it.
    pub(crate) async fn lookup<T: Lookup>(&self, id: Uuid) -> Result<Option<T>, CallError> {
        self.lookups.load_one::<ById<T>>((id, PhantomData)).await
    }

    /// Keeps `value` (a command's answer) for the rest of the request.
    pub(crate) async fn remember<T: Lookup>(&self, id: Uuid, value: T) {
        self.lookups
            .feed_one::<ById<T>>((id, PhantomData), value)
            .await;
    }
}

/// Access to the request context from a resolver.
pub(crate) trait ContextExt {
    fn request(&self) -> &RequestContext;
}

impl ContextExt for Context<'_> {
    fn request(&self) -> &RequestContext {
        self.data_unchecked::<Arc<RequestContext>>()
    }
}

/// A loader key: the id of a `T`.
type ById<T> = (Uuid, PhantomData<fn() -> T>);

pub(crate) struct Lookups {
    caller: Caller,
    clients: Arc<Clients>,
}

impl<T: Lookup> Loader<ById<T>> for Lookups {
    type Value = T;
    type Error = CallError;

    async fn load(&self, keys: &[ById<T>]) -> Result<HashMap<ById<T>, T>, CallError> {
        let upstream = self.clients.upstream(T::SERVICE, &self.caller);
        let ids: Vec<Uuid> = keys.iter().map(|(id, _)| *id).collect();
        let found = load_each(ids, |id| async move { upstream.find(&T::path(id)).await }).await?;
        Ok(found
            .into_iter()
            .map(|(id, value)| ((id, PhantomData), value))
            .collect())
    }
}

/// Fetches every key once (the service has no batch lookup): what the caller
/// may not see is left out, a failing service fails the batch.
async fn load_each<T, F, Fut>(keys: Vec<Uuid>, fetch: F) -> Result<HashMap<Uuid, T>, CallError>
where
    F: Fn(Uuid) -> Fut,
    Fut: Future<Output = Result<Option<T>, CallError>>,
{
    let answers: Vec<(Uuid, Result<Option<T>, CallError>)> = stream::iter(keys)
        .map(|id| {
            let fetched = fetch(id);
            async move { (id, fetched.await) }
        })
        .buffer_unordered(LOOKUP_CONCURRENCY)
        .collect()
        .await;
    let mut found = HashMap::with_capacity(answers.len());
    for (id, answer) in answers {
        match answer {
            Ok(Some(value)) => {
                found.insert(id, value);
            }
            Ok(None) | Err(CallError::Rejected { .. }) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(found)
}

//! The `golmok` binary as users run it: real processes over HTTP.

mod cassandra;
mod commerce;
mod cql_outage;
mod dlq;
mod double_spend;
mod feed;
mod hostile;
mod kafka;
mod metrics;
mod replay;
mod replay_cql;
mod serve;
mod support;
mod traces;
mod up;

//! The Kafka adapter against a real Tansu broker started by each test
//! (`golmok_testkit::Tansu`; `scripts/test` installs the broker).

mod bus;
mod consumer;
mod migrate;
mod relay;
mod support;

//! The Kafka adapter against a real Apache Kafka broker: the test run's
//! shared one (`golmok_testkit::Kafka::shared`; each test uses topics and
//! groups of its own), or one the test owns when it kills the broker.
//! `scripts/test` resolves the broker's jars.

mod bus;
mod consumer;
mod lag;
mod migrate;
mod rejoin;
mod relay;
mod support;

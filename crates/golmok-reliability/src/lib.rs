//! Fault-injection checks of RELIABILITY.md against real processes; the
//! checks are the integration tests of this crate (`tests/`). Each prints its
//! figures; `GOLMOK_LONG=1` runs the long versions.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

//! API tests: every test builds the service with `golmok_runtime::build` on a
//! temporary data directory (the testkit's harness) and talks HTTP to it.

mod creators;
mod helpers;
mod persistence;
mod studios;
mod webhooks;

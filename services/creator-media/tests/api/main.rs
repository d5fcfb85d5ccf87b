//! API tests: every test builds the service with `golmok_runtime::build` on a
//! temporary data directory (the testkit's harness) and talks HTTP to it.

mod collaborations;
mod commissions;
mod creators;
mod helpers;
mod lives;
mod matching;
mod persistence;
mod promotions;
mod studios;
mod training;
mod videos;
mod webhooks;

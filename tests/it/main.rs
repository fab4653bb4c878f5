//! Integration tests: the real `interlock` binary, real processes, real files.

// A test reports a broken expectation by panicking; `expect` says which one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod check;
mod common;
mod corpus;
mod explain;
mod hooks;
mod layers;
mod plans;
mod properties;
mod pty;
mod quorum;
mod rules_test;
mod rulesets;
mod run;
mod sequence;
mod tiers;
mod trace;

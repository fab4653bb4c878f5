//! Integration tests: the real `interlock` binary, real processes, real files.

mod check;
mod common;
mod corpus;
mod explain;
mod properties;
mod rulesets;

//! Rulesets: the TOML schema, program grammars, the pattern language, path classes, loading
//! (embedded or from disk) and the inline examples every rule carries.

pub mod error;
pub mod examples;
pub mod grammar;
pub mod lint;
pub mod load;
pub mod paths;
pub mod pattern;
pub mod ruleset;
pub mod schema;
pub mod script;
pub mod script_syntax;

pub use error::RulesError;
pub use paths::{PathClass, PathEnv};
pub use ruleset::Ruleset;

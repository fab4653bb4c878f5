//! agent-interlock: classifies the commands an AI coding agent runs and holds the destructive
//! ones for a human.
//!
//! One [`Action`] enters (a shell line or an argv), the shell front end ([`shell`]) turns it into
//! invocations, the rules ([`rules`]) match them, and one [`Verdict`] leaves with a [`Decision`].
//!
//! ```
//! use interlock::{Action, Decision, Engine, Environment, rules};
//! let engine = Engine::new(rules::load::shipped().unwrap(), Environment::detect(Some("/home/u/repo".into()), None));
//! let verdict = engine.classify(&Action::Shell("aws --profile prod cloudformation delete-stack --stack-name api".into()));
//! assert_eq!(verdict.decision, Decision::Confirm);
//! assert!(verdict.rules.contains(&"aws.cloudformation.delete-stack".to_string()));
//! ```

pub mod approval;
pub mod audit;
pub mod classify;
pub mod cli;
pub mod ids;
pub mod intercept;
pub mod layers;
pub mod level;
pub mod plans;
pub mod rules;
pub mod sequence;
pub mod shell;
pub mod supervisor;
pub mod tiers;
pub mod url;
pub mod verdict;

pub use classify::{Action, Engine, Environment};
pub use level::{Decision, Severity};
pub use verdict::{RuleMatch, Verdict};

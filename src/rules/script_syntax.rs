//! How a `script` pattern is read and compiled: shared by the build script, which compiles the
//! shipped patterns ahead of time, and by the runtime, which compiles any other pattern on first
//! use. One definition keeps the two automata identical in what they match.

use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::syntax;

/// Upper bound on the compiled automaton's size; a pattern beyond it is rejected when rules are
/// checked.
const SIZE_LIMIT: usize = 2 << 20;

/// ASCII classes (`\w`, `\s`, `\b`, `(?i)` are ASCII) over arbitrary bytes.
pub fn syntax_config() -> syntax::Config {
    syntax::Config::new().unicode(false).utf8(false)
}

/// No captures: a rule only asks whether code matches.
pub fn thompson_config() -> thompson::Config {
    thompson::Config::new()
        .which_captures(WhichCaptures::None)
        .nfa_size_limit(Some(SIZE_LIMIT))
}

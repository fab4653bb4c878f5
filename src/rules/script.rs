//! A rule's `script` pattern: a regular expression searched in inline interpreter code.
//!
//! Compiled lazily, on the first invocation that reaches it, into a forward-only lazy DFA with
//! ASCII classes (`\w`, `\s`, `\b`, `(?i)` are ASCII): a rule only asks *whether* code matches,
//! and a full regex (reverse automata, literal prefilters, Unicode tables) costs milliseconds to
//! build in a process that lives for one command.

use regex_automata::Input;
use regex_automata::hybrid::dfa::DFA;
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::syntax;

/// Upper bound on the compiled automaton's size; a pattern beyond it is rejected when rules are
/// checked.
const SIZE_LIMIT: usize = 2 << 20;

/// A compiled `script` pattern.
#[derive(Debug)]
pub struct ScriptPattern {
    dfa: DFA,
}

impl ScriptPattern {
    /// Compiles `pattern`, or says why it is not a valid pattern.
    pub fn new(pattern: &str) -> Result<ScriptPattern, String> {
        DFA::builder()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .thompson(
                thompson::Config::new()
                    .which_captures(WhichCaptures::None)
                    .nfa_size_limit(Some(SIZE_LIMIT)),
            )
            .build(pattern)
            .map(|dfa| ScriptPattern { dfa })
            .map_err(|e| describe(&e))
    }

    /// Whether `code` contains a match. A search the automaton cannot finish counts as a match:
    /// code that cannot be scanned is treated as if it did what the rule looks for (fail closed).
    pub fn is_match(&self, code: &str) -> bool {
        let mut cache = self.dfa.create_cache();
        let input = Input::new(code.as_bytes()).earliest(true);
        self.dfa
            .try_search_fwd(&mut cache, &input)
            .map_or(true, |found| found.is_some())
    }
}

/// The error and its causes, outermost first: the builder's own message only says which stage
/// failed, the parser's (its source) says what is wrong and where.
fn describe(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_match_anywhere_in_the_code() {
        let p = ScriptPattern::new(r"shutil\.rmtree|\bunlink\b").unwrap();
        assert!(p.is_match("import shutil; shutil.rmtree('/srv')"));
        assert!(p.is_match("perl -e 'unlink glob q{*}'"));
        assert!(!p.is_match("print('unlinked')"));
        assert!(!p.is_match(""));
    }

    #[test]
    fn classes_and_case_folding_are_ascii() {
        let p = ScriptPattern::new(r"(?i:drop\s+table)").unwrap();
        assert!(p.is_match("cur.execute('DROP  TABLE users')"));
        assert!(p.is_match("drop\ttable x"));
        assert!(!p.is_match("drop\u{a0}table x"));
        let w = ScriptPattern::new(r"\bdel\b").unwrap();
        assert!(w.is_match("é del x"));
    }

    #[test]
    fn invalid_patterns_are_reported() {
        let err = ScriptPattern::new("(unclosed").unwrap_err();
        assert!(err.contains("unclosed"), "{err}");
    }
}

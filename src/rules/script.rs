//! A rule's `script` pattern: a regular expression searched in inline interpreter code.
//!
//! Forward-only automata with ASCII classes (`\w`, `\s`, `\b`, `(?i)` are ASCII): a rule only
//! asks *whether* code matches, and a full regex (reverse automata, literal prefilters, Unicode
//! tables) costs milliseconds to build in a process that lives for one command. The shipped
//! patterns are compiled into dense DFAs by the build script and only deserialized here; any
//! other pattern (a ruleset from disk) is compiled on first use into a lazy DFA.

use regex_automata::Input;
use regex_automata::dfa::Automaton;
use regex_automata::dfa::dense;
use regex_automata::hybrid::dfa::DFA;

use super::script_syntax;

include!(concat!(env!("OUT_DIR"), "/script-dfas.rs"));

/// Bytes aligned for in-place deserialization (a dense DFA is read as `u32`s).
#[repr(C, align(8))]
struct Aligned<B: ?Sized>(B);

/// The dense DFAs of the shipped patterns, laid out as [`PRECOMPILED`] says.
static PRECOMPILED_BYTES: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(
    env!("OUT_DIR"),
    "/script-dfas.bin"
)));

/// A compiled `script` pattern.
#[derive(Debug)]
pub struct ScriptPattern {
    automaton: Compiled,
}

#[derive(Debug)]
enum Compiled {
    /// Compiled at build time, read in place from the binary.
    Dense(dense::DFA<&'static [u32]>),
    /// Compiled here, its states built as the search needs them.
    Lazy(DFA),
}

impl ScriptPattern {
    /// Compiles `pattern`, or says why it is not a valid pattern.
    pub fn new(pattern: &str) -> Result<ScriptPattern, String> {
        if let Some(dfa) = precompiled(pattern) {
            return Ok(ScriptPattern {
                automaton: Compiled::Dense(dfa),
            });
        }
        DFA::builder()
            .syntax(script_syntax::syntax_config())
            .thompson(script_syntax::thompson_config())
            .build(pattern)
            .map(|dfa| ScriptPattern {
                automaton: Compiled::Lazy(dfa),
            })
            .map_err(|e| describe(&e))
    }

    /// Whether `code` contains a match. A search the automaton cannot finish counts as a match:
    /// code that cannot be scanned is treated as if it did what the rule looks for (fail closed).
    pub fn is_match(&self, code: &str) -> bool {
        let input = Input::new(code.as_bytes()).earliest(true);
        let found = match &self.automaton {
            Compiled::Dense(dfa) => dfa.try_search_fwd(&input),
            Compiled::Lazy(dfa) => dfa.try_search_fwd(&mut dfa.create_cache(), &input),
        };
        found.map_or(true, |m| m.is_some())
    }

    /// Whether the pattern was compiled at build time.
    #[cfg(test)]
    fn is_precompiled(&self) -> bool {
        matches!(self.automaton, Compiled::Dense(_))
    }
}

/// The build-time DFA of `pattern`, if it is a shipped one. Deserializing validates the bytes, so
/// a damaged table is an error here (and the pattern is compiled afresh), never a wrong answer.
fn precompiled(pattern: &str) -> Option<dense::DFA<&'static [u32]>> {
    let &(_, start, len) = PRECOMPILED.iter().find(|(p, _, _)| *p == pattern)?;
    let bytes = PRECOMPILED_BYTES.0.get(start..start + len)?;
    dense::DFA::from_bytes(bytes).ok().map(|(dfa, _)| dfa)
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
    fn shipped_patterns_are_read_precompiled_and_agree_with_compiling_them() {
        assert!(!PRECOMPILED.is_empty());
        let samples = [
            "import shutil; shutil.rmtree('/srv')",
            "fs.rmSync('dist', {recursive: true})",
            "client.delete_stack(StackName='prod')",
            "db.dropDatabase()",
            "open('/etc/hosts', 'w').write(x)",
            "print(json.load(open('package.json'))['version'])",
            "console.log(require('./package.json').version)",
            "",
        ];
        for &(pattern, _, _) in PRECOMPILED {
            let shipped = ScriptPattern::new(pattern).unwrap();
            assert!(
                shipped.is_precompiled(),
                "{pattern} was compiled at run time"
            );
            let fresh = ScriptPattern {
                automaton: Compiled::Lazy(
                    DFA::builder()
                        .syntax(script_syntax::syntax_config())
                        .thompson(script_syntax::thompson_config())
                        .build(pattern)
                        .unwrap(),
                ),
            };
            for code in samples {
                assert_eq!(
                    shipped.is_match(code),
                    fresh.is_match(code),
                    "{pattern} on {code:?}"
                );
            }
        }
    }

    #[test]
    fn other_patterns_are_compiled_at_run_time() {
        assert!(!ScriptPattern::new(r"\bfoo\b").unwrap().is_precompiled());
    }

    #[test]
    fn invalid_patterns_are_reported() {
        let err = ScriptPattern::new("(unclosed").unwrap_err();
        assert!(err.contains("unclosed"), "{err}");
    }
}

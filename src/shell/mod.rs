//! Shell analysis: from a command line (or an argv) to every program invocation it could run.
//!
//! Invariant: nothing the line could execute is dropped. What can be resolved statically is
//! resolved (quotes, escapes, `~`, literal variables, `cd`, wrappers, nested shells, SQL); what
//! cannot is kept and marked dynamic or opaque; a parse failure is reported in
//! [`Analysis::errors`] so the classifier can refuse to allow it.

mod inline;
mod invocation;
mod producer;
mod sql;
mod unwrap;
mod walk;
mod word;

pub use invocation::{Arg, Invocation, Opaque, Step, StepKind, quote_for_display};
pub use sql::{SQL_PROGRAM, statements as sql_statements};
pub use walk::{join_path, normalize};

/// What the analysis needs to know about where the line runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShellContext {
    /// The directory the line starts in (absolute), when known.
    pub cwd: Option<String>,
    /// `$HOME`, for `~` and `$HOME`.
    pub home: Option<String>,
    /// `$TMPDIR`, when set.
    pub tmpdir: Option<String>,
}

/// The result of analysing one command line.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Every invocation found, in source order (outer before inner).
    pub invocations: Vec<Invocation>,
    /// Parse errors, of the line itself or of nested code; non-empty means "not fully seen".
    pub errors: Vec<String>,
    /// The analysis stopped early because the line expands to too many invocations.
    pub truncated: bool,
}

/// Analyses a shell command line as an agent would hand it to `bash -c`.
pub fn analyze(text: &str, ctx: &ShellContext) -> Analysis {
    let mut walker = walk::Walker::new(ctx);
    let st = walker.top_state();
    walker.run_text(text, &st, None);
    walker.finish()
}

/// Analyses one argv as seen at exec time: no shell parsing of the argv itself, but wrappers,
/// nested shells and inline code inside it are unwrapped as for a command line.
pub fn analyze_argv(argv: &[String], ctx: &ShellContext) -> Analysis {
    let mut walker = walk::Walker::new(ctx);
    let st = walker.top_state();
    if argv.is_empty() {
        return walker.finish();
    }
    let inv = Invocation {
        args: argv.iter().map(Arg::literal).collect(),
        provenance: st.prov.clone(),
        cwd: st.cwd.clone(),
        remote: false,
        redirects: Vec::new(),
        script: None,
        opaque: Vec::new(),
    };
    walker.emit(inv, None, &[], &st);
    walker.finish()
}

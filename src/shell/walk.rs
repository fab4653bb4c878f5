//! Walks a brush-parser AST and emits every program invocation the line could run.
//!
//! Invariant: every simple command reachable in the text — in lists, pipelines, compound
//! commands, function bodies, command and process substitutions, heredocs and here-strings fed to
//! a shell — yields an [`Invocation`]; wrappers and nested code are then unwrapped by
//! [`super::unwrap`]. The current directory is tracked through `cd`/`pushd`/`popd`, and
//! variables assigned literal values earlier in the line are substituted.

use brush_parser::ParserOptions;
use brush_parser::ast;

use super::invocation::{Arg, Invocation, Opaque, Step, StepKind, single_quoted};
use super::producer::producer_output;
use super::word::{self, Assign, Vars, has_substitution};
use super::{Analysis, ShellContext};

/// How deep nested code (`bash -c "bash -c '...'"`) is followed before giving up.
const MAX_DEPTH: usize = 12;
/// Upper bound on invocations emitted for one line, so hostile input cannot blow up.
const MAX_INVOCATIONS: usize = 2048;
/// Upper bound on commands walked (emitted or not) for one line: loops unrolled inside loops
/// cannot make the analysis slow.
const MAX_STEPS: usize = 20_000;
/// Upper bound on syntactic nesting (brackets, compound commands) of text handed to the parser,
/// whose recursion would otherwise overflow the stack on hostile input. 100 levels fit a 2 MiB
/// thread stack even in a debug build (checked by a test); real commands nest a few levels.
const MAX_NESTING: usize = 100;
/// Upper bound on literal values a `for` loop is unrolled over.
const MAX_LOOP_VALUES: usize = 8;

/// What a command writes to its standard output, as far as it can be told statically; this is
/// the standard input of the next pipeline stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stdin {
    /// Known text (from `echo`, `printf`, a heredoc, a here-string, `cat <<EOF`).
    Text(String, StepKind),
    /// The contents of a file (`< file`, `cat file`).
    File(String),
    /// Bytes downloaded by the named program (`curl`, `wget`).
    Network(String),
    /// Output of the named program, not knowable statically (`base64 -d`, `git ls-files`).
    Opaque(String),
    /// The items a PowerShell lister writes to the pipeline (`Get-ChildItem C:\data -Recurse`):
    /// the path it lists and whether it descends. A cmdlet that takes them (`Remove-Item`)
    /// acts on that tree.
    Listing {
        /// The listed path (`.` when none is named).
        path: String,
        /// Listed with `-Recurse`.
        recursive: bool,
        /// Only some of its items are listed (`-Filter *.log`, `-Include`, `-Exclude`).
        filtered: bool,
    },
    /// The paths `find` lists (`find . -name '*.orig' -print0 | xargs -0 rm`): its start
    /// directories, and whether a test narrows them to some paths beneath (else the start
    /// directories themselves are among them).
    Found(super::unwrap::find::Listed),
    /// Secrets printed by the named command (`aws secretsmanager get-secret-value`,
    /// `vault kv get`, `gh auth token`).
    Secret(String),
    /// Output a filter (`base64`, `gzip -c`, `sort`, `xxd`) computed from a known input, named by
    /// the filter: not knowable as text, but still the input's content in another form
    /// (`base64 ~/.ssh/id_rsa | curl -d @- ...` sends the key).
    Derived(String, Box<Stdin>),
    /// Every process a listing no filter narrows shows (`ps -e`, `ps aux | awk '{print $2}'`,
    /// `Get-Process`; see [`super::processes`]).
    Processes,
    /// The outputs of a brace group's or subshell's commands, one after another, when some are
    /// known text and some are not (`{ crontab -l; echo "* * * * * job"; }`). Never all text:
    /// that is one [`Stdin::Text`].
    Group(Vec<Stdin>),
}

impl Stdin {
    /// The opaque kind of running this input as code.
    pub fn as_code_opacity(&self) -> Option<Opaque> {
        match self {
            Stdin::Text(..) => None,
            // Bash's `/dev/tcp/HOST/PORT` is a connection, not a file: `bash < /dev/tcp/h/80`.
            Stdin::File(path) if is_network_pseudo_file(path) => Some(Opaque::NetworkCode),
            Stdin::File(_) => Some(Opaque::ScriptFile),
            Stdin::Network(_) => Some(Opaque::NetworkCode),
            Stdin::Opaque(_)
            | Stdin::Secret(_)
            | Stdin::Listing { .. }
            | Stdin::Found(_)
            | Stdin::Processes
            | Stdin::Derived(..) => Some(Opaque::PipedCode),
            Stdin::Group(parts) => {
                let kinds: Vec<Opaque> = parts.iter().filter_map(Stdin::as_code_opacity).collect();
                kinds
                    .iter()
                    .find(|k| **k == Opaque::NetworkCode)
                    .or(kinds.first())
                    .copied()
            }
        }
    }

    /// The output of commands run one after another, each writing `parts` (`None`: nothing
    /// known to be written): one text when every part is text, else a [`Stdin::Group`].
    pub fn concatenated(parts: Vec<Option<Stdin>>) -> Stdin {
        let mut parts: Vec<Stdin> = parts.into_iter().flatten().collect();
        // One part is that part (`{ cat; } < ~/.ssh/id_rsa | curl -d @- …` sends the key).
        if parts.len() == 1 {
            return parts.remove(0);
        }
        if parts.iter().all(|p| matches!(p, Stdin::Text(..))) {
            let text = parts
                .iter()
                .filter_map(|p| match p {
                    Stdin::Text(t, _) => Some(t.as_str()),
                    _ => None,
                })
                .collect::<String>();
            return Stdin::Text(text, StepKind::PipedStdin);
        }
        Stdin::Group(parts)
    }
}

/// The walking state that flows through a list of commands.
#[derive(Debug, Clone)]
pub struct State {
    /// Current directory, when known.
    pub cwd: Option<String>,
    /// `pushd` stack.
    pub dirstack: Vec<Option<String>>,
    /// Variables with statically known values.
    pub vars: Vars,
    /// Provenance of commands walked in this state.
    pub prov: Vec<Step>,
    /// Commands walked in this state run on another host or container.
    pub remote: bool,
    /// Standard input inherited by the first command (`ssh host bash -s <<EOF`).
    pub stdin: Option<Stdin>,
    /// Files written earlier in the line (absolute path → what was written), so a script that
    /// is written and then run (`echo 'rm -rf ~' > x.sh && bash x.sh`) is analysed.
    pub written: std::collections::HashMap<String, Stdin>,
    /// Aliases defined earlier in the line (name → text), expanded where the name is run
    /// (`alias del='rm -rf'; del ~`).
    pub aliases: std::collections::HashMap<String, String>,
    /// What earlier commands of the line moved, copied or linked elsewhere (see
    /// [`super::moves`]).
    pub placed: Vec<super::moves::Placed>,
    /// Host directories bound into the container the commands walked in this state run in
    /// (see [`super::mounts`]).
    pub mounts: Vec<super::mounts::Mount>,
    /// Functions defined earlier in the line, by name.
    pub functions: std::collections::HashMap<String, std::sync::Arc<Function>>,
}

/// A function defined in the line (`f() { git push "$@"; }`). Its body is walked at each call,
/// with the arguments given; one the line never calls is walked at the end, as it was defined
/// and with its arguments unknown, as a later command may call it.
#[derive(Debug)]
pub struct Function {
    /// The body and its redirections.
    body: ast::FunctionBody,
    /// The state at the definition, for the walk when it is never called.
    defined_in: State,
    /// Whether the line calls it.
    called: std::sync::atomic::AtomicBool,
}

impl State {
    /// Takes on what a group walked in a copy of this state (`{ ...; }`, an `if`) did in the
    /// same shell: its directory, variables, written files, aliases and moves.
    fn take_effects(&mut self, sub: State) {
        self.cwd = sub.cwd;
        self.dirstack = sub.dirstack;
        self.vars = sub.vars;
        self.written = sub.written;
        self.aliases = sub.aliases;
        self.placed = sub.placed;
        self.functions = sub.functions;
    }
}

/// The walker: accumulates invocations and errors for one analysis.
pub struct Walker<'c> {
    pub(super) ctx: &'c ShellContext,
    pub(super) options: ParserOptions,
    pub(super) out: Analysis,
    depth: usize,
    steps: usize,
    /// Code given to `trap` in the shell being walked: it runs when that shell exits (or takes
    /// a signal), so it is walked in the state the shell's code leaves.
    traps: Vec<String>,
    /// The functions whose call is being walked, innermost last: a call of one of them inside
    /// (recursion, `:(){ :|:& };:`) is not walked again.
    calling: Vec<String>,
    /// Every function the line defines, by name, for those it never calls.
    defined: Vec<(String, std::sync::Arc<Function>)>,
}

impl<'c> Walker<'c> {
    /// A walker for one command line.
    pub fn new(ctx: &'c ShellContext) -> Walker<'c> {
        Walker {
            ctx,
            options: ParserOptions::default(),
            out: Analysis::default(),
            depth: 0,
            steps: 0,
            traps: Vec::new(),
            calling: Vec::new(),
            defined: Vec::new(),
        }
    }

    /// The initial state for a top-level line.
    pub fn top_state(&self) -> State {
        let mut vars = Vars::default();
        if let Some(home) = &self.ctx.home {
            vars.known.insert("HOME".into(), home.clone());
        }
        if let Some(cwd) = &self.ctx.cwd {
            vars.known.insert("PWD".into(), cwd.clone());
        }
        if let Some(tmp) = &self.ctx.tmpdir {
            vars.known.insert("TMPDIR".into(), tmp.clone());
        }
        State {
            cwd: self.ctx.cwd.clone(),
            dirstack: Vec::new(),
            vars,
            prov: vec![Step::new(StepKind::TopLevel)],
            remote: false,
            stdin: None,
            written: std::collections::HashMap::new(),
            aliases: std::collections::HashMap::new(),
            placed: Vec::new(),
            mounts: Vec::new(),
            functions: std::collections::HashMap::new(),
        }
    }

    /// Finishes and returns the analysis: the bodies of functions the line defines but never
    /// calls are walked first, with their arguments unknown.
    pub fn finish(mut self) -> Analysis {
        let mut k = 0;
        while let Some((name, function)) = self.defined.get(k).cloned() {
            k += 1;
            if function.called.load(std::sync::atomic::Ordering::Relaxed) {
                continue;
            }
            let mut sub = function.defined_in.clone();
            sub.vars.positional = None;
            self.walk_body(&name, &function, &mut sub, None);
        }
        self.out
    }

    fn error(&mut self, message: String) {
        if self.out.errors.len() < 16 {
            self.out.errors.push(message);
        }
    }

    fn budget_left(&mut self) -> bool {
        self.steps += 1;
        if self.steps > MAX_STEPS && !self.out.truncated {
            self.out.truncated = true;
            self.error(format!(
                "the command takes more than {MAX_STEPS} analysis steps"
            ));
        }
        if self.out.truncated {
            return false;
        }
        if self.out.invocations.len() >= MAX_INVOCATIONS {
            if !self.out.truncated {
                self.out.truncated = true;
                self.error(format!(
                    "the command expands to more than {MAX_INVOCATIONS} invocations"
                ));
            }
            return false;
        }
        true
    }

    /// Walks `code`, given to `trap`, when the shell that set it has been walked to its end.
    pub fn defer_trap(&mut self, code: String) {
        self.traps.push(code);
    }

    /// Parses `text` as shell and walks it in `st`, with `step` appended to the provenance.
    pub fn run_text(&mut self, text: &str, st: &State, step: Option<Step>) {
        let mut sub = st.clone();
        if let Some(step) = step {
            sub.prov.push(step);
        }
        self.walk_text_in(text, &mut sub);
    }

    /// Parses `text` as shell and walks it in `sub` itself, which keeps what it changes.
    fn walk_text_in(&mut self, text: &str, sub: &mut State) {
        if self.depth >= MAX_DEPTH {
            self.error(format!(
                "nesting deeper than {MAX_DEPTH} levels is not analysed"
            ));
            return;
        }
        let nesting = nesting_depth(text);
        if nesting > MAX_NESTING {
            self.error(format!(
                "the text is nested {nesting} levels deep; more than {MAX_NESTING} is not analysed"
            ));
            return;
        }
        match parse_program(text, &self.options) {
            Ok(program) => {
                self.depth += 1;
                let traps_before = self.traps.len();
                for cc in &program.complete_commands {
                    self.walk_list(cc, sub);
                }
                // `trap 'rm -rf "$tmp"' EXIT; tmp=$(mktemp -d)`: the trap sees `tmp` set.
                let traps = self.traps.split_off(traps_before);
                for code in traps {
                    self.run_text(&code, sub, Some(Step::via(StepKind::Eval, "trap")));
                }
                self.depth -= 1;
            }
            Err(e) => {
                let what = if sub.prov.len() > 1 {
                    "nested shell code"
                } else {
                    "the command line"
                };
                self.error(format!("cannot parse {what}: {e}"));
            }
        }
    }

    /// Walks `text` as [`Walker::run_text`] does when it parses as shell. Text that does not
    /// (a statement of another language that is only mostly shell-like, whose whole code the
    /// `script` rules already see) is left alone instead of being reported unparseable.
    pub fn run_text_if_shell(&mut self, text: &str, st: &State, step: Option<Step>) {
        if self.parses(text) {
            self.run_text(text, st, step);
        }
    }

    /// Walks the command substitutions inside `text`, text that bash expands as a word
    /// (a prompt string), reached through `via`.
    pub fn run_substitutions(&mut self, text: &str, st: &State, via: &str) {
        for (sub, kind) in word::substitutions(text, &st.vars, &self.options) {
            self.run_text(&sub, st, Some(Step::via(kind, via)));
        }
    }

    /// Whether the shell reads `text` as commands.
    pub fn parses(&self, text: &str) -> bool {
        parse_program(text, &self.options).is_ok()
    }

    fn walk_list(&mut self, list: &ast::CompoundList, st: &mut State) {
        self.walk_items(list, st);
    }

    /// Walks a list whose standard output is read (a brace group or subshell in a pipeline);
    /// returns what it writes: each command's output in turn.
    fn walk_list_output(&mut self, list: &ast::CompoundList, st: &mut State) -> Stdin {
        let outputs = self.walk_items(list, st);
        Stdin::concatenated(outputs)
    }

    /// Walks the commands of a list; returns what each writes, in turn (a command in the
    /// background writes at any time, so its output is not known).
    fn walk_items(&mut self, list: &ast::CompoundList, st: &mut State) -> Vec<Option<Stdin>> {
        let mut outputs = Vec::new();
        for item in &list.0 {
            if matches!(item.1, ast::SeparatorOperator::Async) {
                let mut bg = st.clone();
                self.walk_and_or(&item.0, &mut bg);
                outputs.push(Some(Stdin::Opaque("a command in the background".into())));
            } else {
                outputs.extend(self.walk_and_or(&item.0, st));
            }
        }
        outputs
    }

    /// Walks `a && b || c`; returns what each part writes (every part may run).
    fn walk_and_or(&mut self, list: &ast::AndOrList, st: &mut State) -> Vec<Option<Stdin>> {
        let mut outputs = vec![self.walk_pipeline(&list.first, st)];
        for next in &list.additional {
            let (ast::AndOr::And(p) | ast::AndOr::Or(p)) = next;
            outputs.push(self.walk_pipeline(p, st));
        }
        outputs
    }

    /// Walks a pipeline; returns what its last command writes.
    fn walk_pipeline(&mut self, pipeline: &ast::Pipeline, st: &mut State) -> Option<Stdin> {
        let inherited = st.stdin.take();
        if pipeline.seq.len() == 1 {
            return pipeline
                .seq
                .first()
                .and_then(|cmd| self.walk_command(cmd, st, inherited));
        }
        let mut stdin = inherited;
        for cmd in &pipeline.seq {
            let mut sub = st.clone();
            sub.prov.push(Step::new(StepKind::Pipeline));
            stdin = self.walk_command(cmd, &mut sub, stdin);
            // A stage runs in a subshell: its variables are lost, the files it writes stay
            // (`echo ... | tee run.sh; bash run.sh`).
            st.written = sub.written;
        }
        stdin
    }

    /// Walks one command; returns what it writes to stdout, for the next pipeline stage.
    fn walk_command(
        &mut self,
        cmd: &ast::Command,
        st: &mut State,
        stdin: Option<Stdin>,
    ) -> Option<Stdin> {
        if !self.budget_left() {
            return None;
        }
        match cmd {
            ast::Command::Simple(sc) => self.walk_simple(sc, st, stdin),
            ast::Command::Compound(compound, redirects) => {
                let mut stdin = stdin;
                if let Some(list) = redirects {
                    let mut targets = Vec::new();
                    for r in &list.0 {
                        self.redirect(r, st, &mut targets, &mut stdin);
                    }
                    // `{ …; } > ~/.bashrc`, `if …; fi >> ~/.ssh/authorized_keys`: the files
                    // the compound command writes.
                    self.emit_redirections(
                        vec![Arg::literal(compound_keyword(compound))],
                        targets,
                        st,
                    );
                }
                let mut sub = st.clone();
                sub.stdin = stdin;
                let output = match compound {
                    ast::CompoundCommand::BraceGroup(g) => {
                        let output = self.walk_list_output(&g.list, &mut sub);
                        st.take_effects(sub);
                        output
                    }
                    ast::CompoundCommand::Subshell(s) => {
                        sub.prov.push(Step::new(StepKind::Subshell));
                        self.walk_list_output(&s.list, &mut sub)
                    }
                    ast::CompoundCommand::Coprocess(_) => {
                        self.walk_compound(compound, &mut sub);
                        Stdin::Opaque("a compound command".into())
                    }
                    // `if`, `case` and loops run in this shell: what their branches may have
                    // changed (`if true; then cd ~; fi; rm -rf .ssh`) is not known after them.
                    _ => {
                        self.walk_compound(compound, &mut sub);
                        st.take_effects(sub);
                        Stdin::Opaque("a compound command".into())
                    }
                };
                Some(output)
            }
            ast::Command::Function(def) => {
                let function = std::sync::Arc::new(Function {
                    body: def.body.clone(),
                    defined_in: st.clone(),
                    called: std::sync::atomic::AtomicBool::new(false),
                });
                self.defined
                    .push((def.fname.value.clone(), std::sync::Arc::clone(&function)));
                st.functions.insert(def.fname.value.clone(), function);
                None
            }
            ast::Command::ExtendedTest(test, _) => {
                self.walk_test_expr(&test.expr, st);
                None
            }
        }
    }

    fn walk_test_expr(&mut self, expr: &ast::ExtendedTestExpr, st: &mut State) {
        match expr {
            ast::ExtendedTestExpr::And(a, b) | ast::ExtendedTestExpr::Or(a, b) => {
                self.walk_test_expr(a, st);
                self.walk_test_expr(b, st);
            }
            ast::ExtendedTestExpr::Not(a) | ast::ExtendedTestExpr::Parenthesized(a) => {
                self.walk_test_expr(a, st)
            }
            ast::ExtendedTestExpr::UnaryTest(_, w) => {
                self.resolve_word(w, st);
            }
            ast::ExtendedTestExpr::BinaryTest(_, a, b) => {
                self.resolve_word(a, st);
                self.resolve_word(b, st);
            }
        }
    }

    /// Walks a compound command in `st`. The branches of `if` and `case` and the bodies of
    /// loops are walked in copies of `st`, as each may run or not: whatever one of them changes
    /// (the directory, a variable) is left unknown in `st` afterwards.
    fn walk_compound(&mut self, compound: &ast::CompoundCommand, st: &mut State) {
        let before = st.clone();
        let mut branches: Vec<State> = Vec::new();
        self.walk_compound_parts(compound, st, &mut branches);
        for branch in &branches {
            forget_changes(st, &before, branch);
        }
    }

    fn walk_compound_parts(
        &mut self,
        compound: &ast::CompoundCommand,
        st: &mut State,
        branches: &mut Vec<State>,
    ) {
        match compound {
            ast::CompoundCommand::BraceGroup(g) => self.walk_list(&g.list, st),
            ast::CompoundCommand::Subshell(s) => {
                let mut sub = st.clone();
                sub.prov.push(Step::new(StepKind::Subshell));
                self.walk_list(&s.list, &mut sub);
            }
            ast::CompoundCommand::ForClause(f) => {
                let mut values: Vec<Arg> = Vec::new();
                if let Some(words) = &f.values {
                    for w in words {
                        values.extend(self.resolve_word(w, st));
                    }
                }
                // A glob value (`for f in *.tmp`) is one pass for all the files it matches.
                let literal = values.iter().all(|v| !v.dynamic) && values.len() <= MAX_LOOP_VALUES;
                if literal && !values.is_empty() {
                    for v in &values {
                        if !self.budget_left() {
                            break;
                        }
                        let mut sub = st.clone();
                        sub.prov.push(Step::via(
                            StepKind::Loop,
                            format!("{}={}", f.variable_name, v.text),
                        ));
                        if v.glob {
                            sub.vars.set_glob(&f.variable_name, &v.text);
                        } else {
                            sub.vars.set(&f.variable_name, Some(v.text.clone()));
                        }
                        self.walk_list(&f.body.list, &mut sub);
                        branches.push(sub);
                    }
                } else {
                    let mut sub = st.clone();
                    sub.vars.set(&f.variable_name, None);
                    self.walk_list(&f.body.list, &mut sub);
                    branches.push(sub);
                }
            }
            ast::CompoundCommand::ArithmeticForClause(f) => {
                branches.push(self.walk_branch(&f.body.list, st));
            }
            ast::CompoundCommand::CaseClause(c) => {
                self.resolve_word(&c.value, st);
                for item in &c.cases {
                    if let Some(list) = &item.cmd {
                        branches.push(self.walk_branch(list, st));
                    }
                }
            }
            ast::CompoundCommand::IfClause(i) => {
                self.walk_list(&i.condition, st);
                branches.push(self.walk_branch(&i.then, st));
                for e in i.elses.iter().flatten() {
                    if let Some(cond) = &e.condition {
                        branches.push(self.walk_branch(cond, st));
                    }
                    branches.push(self.walk_branch(&e.body, st));
                }
            }
            ast::CompoundCommand::WhileClause(w) | ast::CompoundCommand::UntilClause(w) => {
                self.walk_list(&w.0, st);
                branches.push(self.walk_branch(&w.1.list, st));
            }
            ast::CompoundCommand::Coprocess(c) => {
                let mut sub = st.clone();
                self.walk_command(&c.body, &mut sub, None);
            }
            ast::CompoundCommand::Arithmetic(a) => {
                if has_substitution(&a.expr.value) {
                    self.resolve_raw(&format!("$(({}))", a.expr.value), st);
                }
            }
        }
    }

    /// Walks `list` in a copy of `st` (a branch that may or may not run); returns the copy.
    fn walk_branch(&mut self, list: &ast::CompoundList, st: &State) -> State {
        let mut sub = st.clone();
        self.walk_list(list, &mut sub);
        sub
    }

    /// Resolves a word, walking the command substitutions inside it.
    fn resolve_word(&mut self, w: &ast::Word, st: &State) -> Vec<Arg> {
        self.resolve_raw(&w.value, st)
    }

    fn resolve_raw(&mut self, raw: &str, st: &State) -> Vec<Arg> {
        let resolved = word::resolve(raw, &st.vars, &self.options);
        if let Some(e) = resolved.error {
            self.error(e);
        }
        for (text, kind) in resolved.substitutions {
            self.run_text(&text, st, Some(Step::new(kind)));
        }
        resolved.args
    }

    fn walk_simple(
        &mut self,
        sc: &ast::SimpleCommand,
        st: &mut State,
        stdin: Option<Stdin>,
    ) -> Option<Stdin> {
        let mut parts = SimpleParts {
            stdin,
            ..SimpleParts::default()
        };
        for item in sc.prefix.iter().flat_map(|p| p.0.iter()) {
            self.simple_item(item, true, st, &mut parts);
        }
        if let Some(w) = &sc.word_or_name {
            let resolved = self.resolve_word(w, st);
            parts.args.extend(resolved);
        }
        for item in sc.suffix.iter().flat_map(|s| s.0.iter()) {
            self.simple_item(item, false, st, &mut parts);
        }
        if parts.args.is_empty() && !parts.redirects.is_empty() {
            // `> file` alone truncates the file, exactly as `: > file` does.
            parts.args.push(Arg::literal(":"));
        }
        if parts.args.is_empty() {
            for (name, what) in parts.assignments {
                if let Some(value) = what.environment_value() {
                    super::unwrap::assigned_code(self, &name, &value, st);
                }
                st.vars.assign(&name, what);
            }
            return None;
        }
        // What the line set: earlier assignments and exports, then this command's prefix.
        let mut env: Vec<(String, String)> = st
            .vars
            .known
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "HOME" | "PWD" | "TMPDIR"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (name, what) in &parts.assignments {
            env.retain(|(k, _)| k != name);
            if let Some(v) = what.environment_value() {
                env.push((name.clone(), v));
            }
        }
        env.sort();
        remove_listed(&mut parts.args, parts.stdin.as_ref());
        name_listed_paths(&mut parts.args);
        name_uploaded_content(&mut parts.args, parts.stdin.as_ref(), &parts.procsubs, st);
        let mut provenance = st.prov.clone();
        if spawns_itself(&parts.args, &provenance) {
            provenance.push(Step::new(StepKind::SelfSpawn));
        }
        let inv = Invocation {
            args: parts.args,
            provenance,
            cwd: st.cwd.clone(),
            remote: st.remote,
            redirects: parts.redirects,
            script: None,
            opaque: Vec::new(),
            code_args: Vec::new(),
            env,
        };
        let produced = producer_output(&inv, parts.stdin.as_ref())
            .map(|p| substituted_file(p, &inv, &parts.procsubs));
        record_writes(&inv, produced.as_ref(), st);
        if let Some(output) = self.call_function(&inv, parts.stdin.clone(), st) {
            return Some(output);
        }
        self.apply_builtin_effects(&inv, st);
        self.expand_alias(&inv, st);
        let first = self.out.invocations.len();
        self.emit(inv, parts.stdin, &parts.procsubs, st);
        // What this command (or one it runs: `sudo mv ...`) moved or copied, for the rest of
        // the line.
        for inv in self.out.invocations.get(first..).unwrap_or(&[]) {
            if !inv.remote {
                super::moves::record(inv, &mut st.placed);
            }
        }
        produced
    }

    fn simple_item(
        &mut self,
        item: &ast::CommandPrefixOrSuffixItem,
        in_prefix: bool,
        st: &State,
        parts: &mut SimpleParts,
    ) {
        match item {
            ast::CommandPrefixOrSuffixItem::IoRedirect(r) => {
                self.redirect(r, st, &mut parts.redirects, &mut parts.stdin)
            }
            ast::CommandPrefixOrSuffixItem::Word(w) => {
                let resolved = self.resolve_word(w, st);
                parts.args.extend(resolved);
            }
            ast::CommandPrefixOrSuffixItem::AssignmentWord(a, w) => {
                if in_prefix {
                    let value = self.assignment_value(a, st);
                    parts.assignments.push((assignment_name(a), value));
                } else {
                    let resolved = self.resolve_word(w, st);
                    parts.args.extend(resolved);
                }
            }
            ast::CommandPrefixOrSuffixItem::ProcessSubstitution(kind, sub) => {
                let produced = self.process_substitution(sub, st);
                if matches!(kind, ast::ProcessSubstitutionKind::Read) {
                    parts.procsubs.push((parts.args.len(), produced));
                }
                parts.args.push(Arg::unknown(PROCESS_SUBSTITUTION));
            }
        }
    }

    /// What assignment `a` does, with the values that are known; the substitutions in its
    /// words are walked.
    fn assignment_value(&mut self, a: &ast::Assignment, st: &State) -> Assign {
        // `a[$(cmd)]=1`: the index is expanded, and its substitutions run, too.
        let index = match &a.name {
            ast::AssignmentName::ArrayElementName(_, index) => {
                self.resolve_raw(index, st);
                Some(index.trim().parse::<usize>().ok())
            }
            ast::AssignmentName::VariableName(_) => None,
        };
        match &a.value {
            ast::AssignmentValue::Scalar(w) => {
                let args = self.resolve_word(w, st);
                let value = match args.as_slice() {
                    [one] if !one.dynamic => Some(one.text.clone()),
                    [one] if index.is_none() && !a.append && has_substitution(&one.text) => {
                        return Assign::Output(one.text.clone());
                    }
                    _ => None,
                };
                match (index, a.append) {
                    (Some(i), false) => Assign::Element(i, value),
                    // `a[1]+=x`: not followed.
                    (Some(_), true) => Assign::Element(None, None),
                    (None, false) => Assign::Scalar(value),
                    (None, true) => Assign::AppendScalar(value),
                }
            }
            ast::AssignmentValue::Array(items) => {
                let mut elements = Some(Vec::new());
                for (k, v) in items {
                    if let Some(k) = k {
                        // `a=([2]=x)`: elements placed by index are not followed.
                        self.resolve_word(k, st);
                        elements = None;
                    }
                    let args = self.resolve_word(v, st);
                    match elements.as_mut() {
                        Some(list) if args.iter().all(|a| !a.dynamic && !a.glob) => {
                            list.extend(args.into_iter().map(|a| a.text));
                        }
                        _ => elements = None,
                    }
                }
                if a.append {
                    Assign::AppendArray(elements)
                } else {
                    Assign::Array(elements)
                }
            }
        }
    }

    fn process_substitution(&mut self, sub: &ast::SubshellCommand, st: &State) -> Stdin {
        let mut inner = st.clone();
        inner.prov.push(Step::new(StepKind::ProcessSubstitution));
        let before = self.out.invocations.len();
        self.walk_list(&sub.list, &mut inner);
        let first = self.out.invocations.get(before).cloned();
        first
            .map(|inv| {
                producer_output(&inv, None).unwrap_or(Stdin::Opaque(inv.program_name().to_string()))
            })
            .unwrap_or(Stdin::Opaque(PROCESS_SUBSTITUTION.into()))
    }

    fn redirect(
        &mut self,
        r: &ast::IoRedirect,
        st: &State,
        targets: &mut Vec<Arg>,
        stdin: &mut Option<Stdin>,
    ) {
        match r {
            ast::IoRedirect::File(fd, kind, target) => match target {
                ast::IoFileRedirectTarget::Filename(w) => {
                    let resolved = self.resolve_word(w, st);
                    match kind {
                        ast::IoFileRedirectKind::Read => {
                            if let Some(a) = resolved.first() {
                                let written = written_content(a, st.cwd.as_deref(), st);
                                *stdin =
                                    Some(written.unwrap_or_else(|| Stdin::File(a.text.clone())));
                            }
                        }
                        ast::IoFileRedirectKind::Write
                        | ast::IoFileRedirectKind::Append
                        | ast::IoFileRedirectKind::Clobber
                        | ast::IoFileRedirectKind::ReadAndWrite => targets.extend(resolved),
                        ast::IoFileRedirectKind::DuplicateInput
                        | ast::IoFileRedirectKind::DuplicateOutput => {}
                    }
                }
                ast::IoFileRedirectTarget::ProcessSubstitution(_, sub) => {
                    let produced = self.process_substitution(sub, st);
                    if matches!(kind, ast::IoFileRedirectKind::Read) {
                        *stdin = Some(produced);
                    }
                }
                ast::IoFileRedirectTarget::Duplicate(w) => {
                    let resolved = self.resolve_word(w, st);
                    // `>& FILE` and `N>& FILE` write to FILE (stdout and stderr for the first)
                    // unless the word is a descriptor (`2`, `3-`) or `-`: bash decides after
                    // expansion, so a word only known at run time may be a file too.
                    if matches!(kind, ast::IoFileRedirectKind::DuplicateInput)
                        && fd.is_none_or(|fd| fd == 0)
                    {
                        // `bash <&3`: standard input is whatever descriptor 3 holds (`exec
                        // 3<<<"rm -rf ~"` earlier), which is not followed here.
                        if let Some(from) = resolved.first().filter(|a| a.text != "0") {
                            *stdin = Some(Stdin::Opaque(format!("<&{}", from.text)));
                        }
                    } else if matches!(kind, ast::IoFileRedirectKind::DuplicateOutput) {
                        targets.extend(resolved.into_iter().filter(|a| !is_descriptor(a)));
                    }
                }
                ast::IoFileRedirectTarget::Fd(_) => {}
            },
            ast::IoRedirect::HereDocument(_, doc) => {
                let body = if doc.remove_tabs {
                    doc.doc
                        .value
                        .lines()
                        .map(|l| l.trim_start_matches('\t'))
                        .collect::<Vec<_>>()
                        .join("\n")
                } else {
                    doc.doc.value.clone()
                };
                let resolved =
                    word::resolve_heredoc(&body, doc.requires_expansion, &st.vars, &self.options);
                if let Some(e) = resolved.error {
                    self.error(e);
                }
                for (text, kind) in resolved.substitutions {
                    self.run_text(&text, st, Some(Step::new(kind)));
                }
                let text = resolved
                    .args
                    .into_iter()
                    .next()
                    .map(|a| a.text)
                    .unwrap_or_default();
                *stdin = Some(Stdin::Text(text, StepKind::Heredoc));
            }
            ast::IoRedirect::HereString(_, w) => {
                let resolved = self.resolve_word(w, st);
                let text: Vec<String> = resolved.into_iter().map(|a| a.text).collect();
                *stdin = Some(Stdin::Text(
                    format!("{}\n", text.join(" ")),
                    StepKind::HereString,
                ));
            }
            ast::IoRedirect::OutputAndError(w, _) => targets.extend(self.resolve_word(w, st)),
        }
    }

    /// Records an invocation and unwraps what it runs.
    pub(super) fn emit(
        &mut self,
        inv: Invocation,
        stdin: Option<Stdin>,
        procsubs: &[(usize, Stdin)],
        st: &State,
    ) {
        if !self.budget_left() {
            return;
        }
        if is_powershell_env_assignment(&inv.args) {
            return;
        }
        let index = self.out.invocations.len();
        let mut inv = inv;
        super::processes::name_every_process(&mut inv.args, stdin.as_ref());
        if inv.remote && !st.mounts.is_empty() && super::mounts::to_host(&mut inv, &st.mounts) {
            inv.remote = false;
        }
        if inv.args.first().is_some_and(|a| a.dynamic) {
            inv.opaque.push(Opaque::DynamicProgram);
        }
        let mut alternatives = self.program_glob_alternatives(&mut inv);
        // Seen on the originals of what the line moved or copied (not again for that view): a
        // copied program is that program, with all it runs; moved operands are only judged
        // here, as what it runs gets a view of its own.
        let placed_view = inv
            .provenance
            .last()
            .is_some_and(|s| s.kind == StepKind::Placed);
        let mut on_originals = None;
        if !placed_view && let Some(view) = super::moves::as_original(&inv, &st.placed) {
            if view.program() == inv.program() {
                on_originals = Some(view);
            } else {
                alternatives.push(view);
            }
        }
        self.out.invocations.push(inv);
        let alternatives_stdin = if alternatives.is_empty() {
            None
        } else {
            stdin.clone()
        };
        super::unwrap::unwrap(self, index, stdin, procsubs, st);
        if let Some(mut view) = on_originals {
            // What unwrapping learnt of the original's words (inline code, opacity) holds for
            // the view.
            if let Some(original) = self.out.invocations.get(index) {
                view.code_args.clone_from(&original.code_args);
                view.opaque.clone_from(&original.opaque);
                view.script.clone_from(&original.script);
            }
            self.out.invocations.push(view);
        }
        for alternative in alternatives {
            self.emit(alternative, alternatives_stdin.clone(), procsubs, st);
        }
    }

    /// `/bin/r? -rf ~`: the invocation as each known program its globbed name could run. A glob
    /// matching too many names leaves the program unknown (marked on `inv`).
    fn program_glob_alternatives(&self, inv: &mut Invocation) -> Vec<Invocation> {
        let Some(first) = inv.args.first() else {
            return Vec::new();
        };
        if !first.glob {
            let other_case = self.other_case_alternative(inv);
            return other_case
                .into_iter()
                .chain(self.windows_drive_alternative(inv))
                .collect();
        }
        let word = first.text.clone();
        let Some(names) = super::program_glob::names(&word, &self.ctx.programs) else {
            inv.opaque.push(Opaque::DynamicProgram);
            return Vec::new();
        };
        names
            .into_iter()
            .map(|name| {
                let mut args = inv.args.clone();
                args[0] = Arg::literal(name);
                inv.nested(args, [Step::via(StepKind::ProgramGlob, word.clone())])
            })
            .collect()
    }

    /// `RM -rf ~`, `Git push -f`: a case-insensitive file system (macOS's default) runs a
    /// program whatever the letter case of its name, so a name that is a known program's in
    /// other letters is judged as that program too.
    fn other_case_alternative(&self, inv: &Invocation) -> Option<Invocation> {
        let first = inv.args.first().filter(|a| !a.dynamic)?;
        let (dir, base) = match first.text.rsplit_once('/') {
            Some((dir, base)) => (Some(dir), base),
            None => (None, first.text.as_str()),
        };
        if !base.bytes().any(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let lower = base.to_ascii_lowercase();
        self.ctx.programs.binary_search(&lower).ok()?;
        let name = match dir {
            Some(dir) => format!("{dir}/{lower}"),
            None => lower,
        };
        let mut args = inv.args.clone();
        args[0] = Arg::literal(name);
        Some(inv.nested(args, [Step::via(StepKind::ProgramGlob, first.text.clone())]))
    }

    /// `C:\tools\terraform.exe destroy`: bash takes a Windows path's backslashes for escapes
    /// and runs `C:toolsterraform.exe`, but the agent meant (and PowerShell runs) the program
    /// at that path. A drive-letter word without separators that ends with a known program's
    /// name (`.exe` aside, in any letter case) is judged as that program too, the longest name
    /// that fits.
    fn windows_drive_alternative(&self, inv: &Invocation) -> Option<Invocation> {
        let first = inv.args.first().filter(|a| !a.dynamic)?;
        let text = first.text.as_str();
        let drive = text.as_bytes();
        let on_drive = drive.len() > 2 && drive[0].is_ascii_alphabetic() && drive[1] == b':';
        if !on_drive || text.contains(['/', '\\']) {
            return None;
        }
        let lower = text[2..].to_ascii_lowercase();
        let stem = lower.strip_suffix(".exe").unwrap_or(&lower);
        let name = (self.ctx.programs.iter())
            .filter(|p| p.len() >= 2 && stem.ends_with(p.as_str()))
            .max_by_key(|p| p.len())?;
        let mut args = inv.args.clone();
        args[0] = Arg::literal(name.clone());
        Some(inv.nested(args, [Step::via(StepKind::ProgramGlob, text.to_string())]))
    }

    /// The text of `stream` that invocation `index` runs as code, when it is known; otherwise
    /// marks the invocation opaque in the way the stream is not known (a program's output, a
    /// network connection) and gives `None`.
    pub(super) fn code_text<'s>(
        &mut self,
        index: usize,
        stream: Option<&'s Stdin>,
    ) -> Option<(&'s str, StepKind)> {
        match stream? {
            Stdin::Text(text, kind) => Some((text, *kind)),
            other => {
                if let Some(kind) = other.as_code_opacity() {
                    self.mark_opaque(index, kind);
                }
                None
            }
        }
    }

    /// Marks invocation `index` opaque.
    pub(super) fn mark_opaque(&mut self, index: usize, kind: Opaque) {
        if let Some(inv) = self.out.invocations.get_mut(index)
            && !inv.opaque.contains(&kind)
        {
            inv.opaque.push(kind);
        }
    }

    /// Records that argument `arg` of invocation `index` is inline code, not an operand.
    pub(super) fn mark_code_arg(&mut self, index: usize, arg: usize) {
        if let Some(inv) = self.out.invocations.get_mut(index)
            && !inv.code_args.contains(&arg)
        {
            inv.code_args.push(arg);
        }
    }

    /// Sets the inline code of invocation `index`.
    pub(super) fn set_script(&mut self, index: usize, script: String) {
        if let Some(inv) = self.out.invocations.get_mut(index) {
            match &mut inv.script {
                Some(existing) => {
                    existing.push('\n');
                    existing.push_str(&script);
                }
                None => inv.script = Some(script),
            }
        }
    }

    /// Runs an alias defined earlier in the line where its name is run: the alias's text with
    /// the invocation's arguments after it. An alias is not expanded again inside itself.
    fn expand_alias(&mut self, inv: &Invocation, st: &mut State) {
        let Some(name) = inv.args.first().filter(|a| !a.dynamic) else {
            return;
        };
        let Some(value) = st.aliases.get(&name.text) else {
            return;
        };
        let mut text = value.clone();
        for arg in &inv.args[1..] {
            text.push(' ');
            if arg.dynamic {
                // An expansion stays one, so that it is judged as unknown.
                text.push_str(&arg.text);
            } else {
                text.push_str(&single_quoted(&arg.text));
            }
        }
        // The alias's text runs in this shell (`alias c='cd ~'; c; rm -rf .ssh`): what it
        // changes holds after it. Its own name is not expanded again inside it.
        let mut sub = st.clone();
        sub.aliases.remove(&name.text);
        sub.prov.push(Step::via(StepKind::Alias, name.text.clone()));
        self.walk_text_in(&text, &mut sub);
        let value = value.clone();
        st.take_effects(sub);
        st.aliases.entry(name.text.clone()).or_insert(value);
    }

    /// A call of a function the line defined (`f() { git push "$@"; }; f --force`): its body
    /// is walked in this shell with the call's arguments as `$1`, `$2`, … (unknown when one
    /// is), given the call's standard input. What the body may change is not known after the
    /// call (`f() { cd ~; }; f; rm -rf .ssh`). `None` when `inv` does not call a function, or
    /// calls one whose call is being walked (recursion), which is then judged as a program.
    fn call_function(
        &mut self,
        inv: &Invocation,
        stdin: Option<Stdin>,
        st: &mut State,
    ) -> Option<Stdin> {
        let name = inv.args.first().filter(|a| !a.dynamic)?;
        if st.aliases.contains_key(&name.text) || self.calling.contains(&name.text) {
            return None;
        }
        let function = st.functions.get(&name.text).cloned()?;
        function
            .called
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let arguments = &inv.args[1..];
        let mut sub = st.clone();
        sub.vars.positional = known_texts(arguments.iter());
        sub.prov = inv.provenance.clone();
        let output = self.walk_body(&name.text, &function, &mut sub, stdin);
        // `f > ~/.ssh/authorized_keys`: the files the call writes.
        self.emit_redirections(inv.args.clone(), inv.redirects.clone(), st);
        let before = st.clone();
        forget_changes(st, &before, &sub);
        st.vars.positional = before.vars.positional;
        Some(output.unwrap_or(Stdin::Opaque("a function".into())))
    }

    /// The files a compound command or a function call writes through its redirections: an
    /// invocation of `args` (the call, or the compound's keyword) with them, for the rules on
    /// what is written where.
    fn emit_redirections(&mut self, args: Vec<Arg>, redirects: Vec<Arg>, st: &State) {
        if redirects.is_empty() {
            return;
        }
        let inv = Invocation {
            args,
            provenance: st.prov.clone(),
            cwd: st.cwd.clone(),
            remote: st.remote,
            redirects,
            script: None,
            opaque: Vec::new(),
            code_args: Vec::new(),
            env: Vec::new(),
        };
        self.emit(inv, None, &[], st);
    }

    /// Walks the body of function `name` in `sub`, with `stdin`; returns what it prints.
    fn walk_body(
        &mut self,
        name: &str,
        function: &Function,
        sub: &mut State,
        stdin: Option<Stdin>,
    ) -> Option<Stdin> {
        sub.prov
            .push(Step::via(StepKind::FunctionBody, name.to_string()));
        self.calling.push(name.to_string());
        let (body, redirects) = (&function.body.0, &function.body.1);
        let output = self.walk_command(
            &ast::Command::Compound(body.clone(), redirects.clone()),
            sub,
            stdin,
        );
        self.calling.pop();
        output
    }

    /// `cd`, `pushd`, `popd`, `export`, `alias` and friends change the walking state.
    fn apply_builtin_effects(&mut self, inv: &Invocation, st: &mut State) {
        let name = inv.program_name();
        let rest = inv.args.get(1..).unwrap_or(&[]);
        // `builtin cd ..`, `command cd ..`: the builtin itself.
        if matches!(name, "builtin" | "command")
            && rest.first().is_some_and(|a| !a.text.starts_with('-'))
        {
            let mut inner = inv.clone();
            inner.args = rest.to_vec();
            self.apply_builtin_effects(&inner, st);
            return;
        }
        match name {
            "cd" | "pushd" => {
                let target = rest
                    .iter()
                    .find(|a| !a.text.starts_with('-') || a.text == "-");
                let new = match target {
                    None if name == "cd" => st.vars.known.get("HOME").cloned(),
                    None => None,
                    Some(a) if a.dynamic || a.text == "-" => None,
                    // With CDPATH set in the line, `cd .ssh` may go to `$CDPATH/.ssh`.
                    Some(a) if cdpath_applies(inv, &a.text) => None,
                    Some(a) => join_path(st.cwd.as_deref(), &a.text),
                };
                if name == "pushd" {
                    st.dirstack.push(st.cwd.clone());
                }
                st.cwd = new;
                st.vars.set("PWD", st.cwd.clone());
            }
            "popd" => st.cwd = st.dirstack.pop().flatten(),
            "set" => {
                if let Some(values) = set_positional(rest) {
                    st.vars.positional = values;
                }
            }
            "shift" => {
                let count = match rest.first() {
                    None => Some(1),
                    Some(a) if a.dynamic => None,
                    Some(a) => a.text.parse::<usize>().ok(),
                };
                st.vars.positional = match (st.vars.positional.take(), count) {
                    (Some(mut values), Some(n)) if n <= values.len() => {
                        values.drain(..n);
                        Some(values)
                    }
                    // Shifting more than there are fails and shifts nothing.
                    (Some(values), Some(_)) => Some(values),
                    _ => None,
                };
            }
            "export" | "declare" | "typeset" | "local" | "readonly" => {
                // `declare -n ref=HOME`: `$ref` is `$HOME`.
                let nameref = name != "export"
                    && name != "readonly"
                    && rest.iter().any(|a| {
                        a.text.len() > 1
                            && a.text.starts_with('-')
                            && a.text[1..].bytes().all(|b| b.is_ascii_alphabetic())
                            && a.text.contains('n')
                    });
                for a in rest {
                    if let Some((k, v)) = a.text.split_once('=')
                        && is_name(k)
                    {
                        let value = if nameref {
                            (!a.dynamic)
                                .then(|| st.vars.known.get(v).cloned())
                                .flatten()
                        } else if v.starts_with('(') {
                            // `declare -a c=(git push --force)`: an array, whose elements are
                            // not followed here; unknown, not the text `(git push --force)`.
                            None
                        } else if a.dynamic && has_substitution(v) {
                            st.vars.assign(k, Assign::Output(v.to_string()));
                            continue;
                        } else {
                            (!a.dynamic).then(|| v.to_string())
                        };
                        if let Some(code) = &value {
                            super::unwrap::assigned_code(self, k, code, st);
                        }
                        st.vars.set(k, value);
                    }
                }
            }
            "unset" => {
                for a in rest {
                    st.vars.set(&a.text, None);
                }
            }
            // Builtins that set variables from input or arithmetic: the values are not known.
            "read" | "printf" | "mapfile" | "readarray" | "getopts" | "let" | "wait" => {
                for target in set_variables(name, rest) {
                    st.vars.set(&target, None);
                }
            }
            // Code run in this shell (`eval x=rm`, `. ./env.sh`) may set any variable, and eval
            // may change directory: none is known after it but the home and temp directories.
            "eval" | "source" | "." => {
                let anchors = ["HOME", "TMPDIR", "PWD"];
                let names: Vec<String> = st
                    .vars
                    .names()
                    .filter(|k| !anchors.contains(&k.as_str()))
                    .cloned()
                    .collect();
                for n in names {
                    st.vars.set(&n, None);
                }
                st.vars.positional = None;
                // The builtins that change directory (`cd`, `pushd`, `popd`) anywhere in its words.
                let changes_directory = |a: &Arg| {
                    a.dynamic || ["cd", "pushd", "popd"].iter().any(|b| a.text.contains(b))
                };
                if name == "eval" && rest.iter().any(changes_directory) {
                    st.cwd = None;
                    st.vars.set("PWD", None);
                }
            }
            "alias" => {
                for a in rest {
                    if let Some((k, v)) = a.text.split_once('=') {
                        self.run_text(v, st, Some(Step::via(StepKind::Alias, k)));
                        if a.dynamic {
                            st.aliases.remove(k);
                        } else {
                            st.aliases.insert(k.to_string(), v.to_string());
                        }
                    }
                }
            }
            // `hash -p PATH NAME`: NAME now runs PATH, as an alias would.
            "hash" => {
                if let [flag, path, name, ..] = rest
                    && flag.text == "-p"
                {
                    if path.dynamic || name.dynamic {
                        st.aliases.remove(&name.text);
                    } else {
                        st.aliases.insert(name.text.clone(), path.text.clone());
                    }
                }
            }
            "unalias" => {
                if rest.iter().any(|a| a.text == "-a") {
                    st.aliases.clear();
                }
                for a in rest {
                    st.aliases.remove(&a.text);
                }
            }
            _ => {}
        }
    }
}

/// The positional parameters `set` run with `args` gives: `Some(None)` when they become
/// unknown, `None` when it leaves them as they are (`set -e`, `set -o pipefail`). Options end
/// at `--`, `-` or the first word that is not one (`set -- a b`, `set -e a b`, `set x`).
fn set_positional(args: &[Arg]) -> Option<Option<Vec<String>>> {
    let mut words = args.iter();
    while let Some(a) = words.next() {
        let t = a.text.as_str();
        if a.dynamic {
            return Some(None);
        }
        if t == "--" || t == "-" {
            break;
        }
        if (t.starts_with('-') || t.starts_with('+')) && t.len() > 1 {
            if t.ends_with('o') {
                words.next();
            }
            continue;
        }
        let rest = std::iter::once(a).chain(words);
        return Some(known_texts(rest));
    }
    let rest: Vec<&Arg> = words.collect();
    if rest.is_empty() && !args.iter().any(|a| a.text == "--") {
        return None;
    }
    Some(known_texts(rest.into_iter()))
}

/// The texts of `args` when every one is known (positional parameters given by `set`, a call
/// or `sh -c CODE NAME ARGS`).
pub(super) fn known_texts<'a>(args: impl Iterator<Item = &'a Arg>) -> Option<Vec<String>> {
    args.map(|a| (!a.dynamic).then(|| a.text.clone())).collect()
}

/// Parses `text` as a shell program. A redirection from a file descriptor whose number does not
/// fit (`echo x 11111111111>f`, which bash refuses too) is an error here: the parser would
/// panic on it.
fn parse_program(text: &str, options: &ParserOptions) -> Result<ast::Program, String> {
    // Ten digits or more just before `<` or `>`: the tokens tell whether they are a number
    // joined to a redirection operator (not quoted text, not part of a word).
    let bytes = text.as_bytes();
    let long_number = bytes.iter().enumerate().any(|(i, b)| {
        matches!(b, b'<' | b'>') && i >= 10 && bytes[i - 10..i].iter().all(u8::is_ascii_digit)
    });
    if long_number {
        let tokens = brush_parser::tokenize_str(text).map_err(|e| e.to_string())?;
        for pair in tokens.windows(2) {
            if let [
                brush_parser::Token::Word(word, left),
                brush_parser::Token::Operator(op, right),
            ] = pair
                && left.end.index == right.start.index
                && op.starts_with(['<', '>'])
                && word.bytes().all(|b| b.is_ascii_digit())
                && word.parse::<ast::IoFd>().is_err()
            {
                return Err(format!(
                    "the file descriptor `{word}` of a redirection is out of range"
                ));
            }
        }
    }
    let reader = std::io::BufReader::new(text.as_bytes());
    brush_parser::Parser::new(reader, options)
        .parse_program()
        .map_err(|e| e.to_string())
}

/// The word that opens `compound` (`{`, `(`, `if`, `for`, …), naming it where its redirections
/// are judged.
fn compound_keyword(compound: &ast::CompoundCommand) -> &'static str {
    match compound {
        ast::CompoundCommand::Arithmetic(_) => "((",
        ast::CompoundCommand::ArithmeticForClause(_) | ast::CompoundCommand::ForClause(_) => "for",
        ast::CompoundCommand::BraceGroup(_) => "{",
        ast::CompoundCommand::Subshell(_) => "(",
        ast::CompoundCommand::CaseClause(_) => "case",
        ast::CompoundCommand::IfClause(_) => "if",
        ast::CompoundCommand::WhileClause(_) => "while",
        ast::CompoundCommand::UntilClause(_) => "until",
        ast::CompoundCommand::Coprocess(_) => "coproc",
    }
}

/// Whether `cd target` in `inv` may search CDPATH: a relative target whose first part is not
/// `.` or `..`, with CDPATH set (non-empty) in the line.
fn cdpath_applies(inv: &Invocation, target: &str) -> bool {
    let first = target.split('/').next().unwrap_or_default();
    let relative = !target.starts_with('/') && first != "." && first != "..";
    relative && inv.env.iter().any(|(k, v)| k == "CDPATH" && !v.is_empty())
}

/// The variables builtin `name` run with `args` sets: `read a b` (REPLY without names),
/// `read -a arr`, `printf -v v`, `mapfile arr` (MAPFILE), `getopts spec opt`, `let x=1 y++`,
/// `wait -p id`.
fn set_variables(name: &str, args: &[Arg]) -> Vec<String> {
    // Options of each that take the next word as their value, and the one naming a variable.
    let (valued, naming): (&[&str], &str) = match name {
        "read" => (&["-d", "-i", "-n", "-N", "-p", "-t", "-u"], "-a"),
        "printf" => (&[], "-v"),
        "wait" => (&[], "-p"),
        "mapfile" | "readarray" => (&["-d", "-n", "-O", "-s", "-u", "-C", "-c"], ""),
        _ => (&[], ""),
    };
    let mut out = Vec::new();
    let mut operands = Vec::new();
    let mut words = args.iter();
    while let Some(a) = words.next() {
        let t = a.text.as_str();
        if t == naming {
            out.extend(words.next().map(|v| v.text.clone()));
        } else if let Some(v) = t
            .strip_prefix(naming)
            .filter(|v| !naming.is_empty() && !v.is_empty())
        {
            out.push(v.to_string());
        } else if valued.contains(&t) {
            words.next();
        } else if !t.starts_with('-') || t == "-" {
            operands.push(t.to_string());
        }
    }
    match name {
        "read" if out.is_empty() && operands.is_empty() => out.push("REPLY".into()),
        "read" => out.extend(operands),
        "mapfile" | "readarray" => out.push(operands.pop().unwrap_or_else(|| "MAPFILE".into())),
        "getopts" => out.extend(
            operands
                .get(1)
                .cloned()
                .into_iter()
                .chain(["OPTARG".into(), "OPTIND".into()]),
        ),
        "let" => out.extend(operands.iter().map(|e| {
            e.trim_start_matches(['+', '-'])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })),
        _ => {}
    }
    out.retain(|n| is_name(n));
    out
}

/// Merges into `st` what `branch`, walked from `before`, may have done: the directory and each
/// variable it changed are left unknown; the files it wrote, the aliases it defined and what it
/// moved are kept, as they may be what a later command runs.
fn forget_changes(st: &mut State, before: &State, branch: &State) {
    for (path, text) in &branch.written {
        st.written.insert(path.clone(), text.clone());
    }
    for (name, text) in &branch.aliases {
        st.aliases.insert(name.clone(), text.clone());
    }
    for placed in &branch.placed {
        if !st.placed.contains(placed) {
            st.placed.push(placed.clone());
        }
    }
    if branch.cwd != before.cwd {
        st.cwd = None;
        st.vars.set("PWD", None);
    }
    if branch.vars.positional != before.vars.positional {
        st.vars.positional = None;
    }
    let (was, now) = (&before.vars, &branch.vars);
    for name in was.names().chain(now.names()) {
        if !was.same(now, name) {
            st.vars.set(name, None);
        }
    }
}

/// The pieces of one simple command gathered while walking its words.
#[derive(Default)]
struct SimpleParts {
    args: Vec<Arg>,
    redirects: Vec<Arg>,
    stdin: Option<Stdin>,
    assignments: Vec<(String, Assign)>,
    procsubs: Vec<(usize, Stdin)>,
}

/// PowerShell's `$env:NAME = value` (or `+=`): sets an environment variable and runs nothing.
/// Bash would run the value of `$env` with `:NAME` appended, so only a `$env` the line does not
/// define (an unresolved reference) counts.
fn is_powershell_env_assignment(args: &[Arg]) -> bool {
    let [first, op, ..] = args else { return false };
    let name = first.text.strip_prefix("${env}:").unwrap_or_default();
    first.dynamic && matches!(op.text.as_str(), "=" | "+=") && !op.dynamic && is_name(name)
}

/// Whether the word of a `>&` redirection names a file descriptor (`2`, `3-`) or closes one
/// (`-`) rather than a file.
fn is_descriptor(word: &Arg) -> bool {
    let digits = word.text.strip_suffix('-').unwrap_or(&word.text);
    !word.dynamic && digits.bytes().all(|b| b.is_ascii_digit())
}

fn assignment_name(a: &ast::Assignment) -> String {
    match &a.name {
        ast::AssignmentName::VariableName(n) => n.clone(),
        ast::AssignmentName::ArrayElementName(n, _) => n.clone(),
    }
}

/// Whether `path` is one of bash's network pseudo-files, `/dev/tcp/HOST/PORT` or
/// `/dev/udp/HOST/PORT`: opening it opens a connection.
pub fn is_network_pseudo_file(path: &str) -> bool {
    path.starts_with("/dev/tcp/") || path.starts_with("/dev/udp/")
}

/// Whether `s` is a shell variable name (letters, digits, `_`, not starting with a digit).
pub(super) fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !s.as_bytes()[0].is_ascii_digit()
}

/// What follows `dir` in `path` when `path` is `dir` or lies beneath it (`""`, `/x/y`): `None`
/// for any other path, and for one that only starts with the same letters (`/srcx` is not
/// beneath `/src`).
pub fn rest_beneath<'p>(path: &'p str, dir: &str) -> Option<&'p str> {
    path.strip_prefix(dir)
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Joins a path to a directory, normalising `.` and `..`; `None` when the base is unknown and
/// the path is relative.
pub fn join_path(base: Option<&str>, path: &str) -> Option<String> {
    let full = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{}", base?, path)
    };
    Some(normalize(&full))
}

/// Normalises an absolute path lexically: removes `.`, empty components and resolves `..`.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

/// An upper bound on the syntactic nesting of shell text: brackets (quoted or not) plus
/// compound-command keywords. Cheap, and never lower than what the parser will recurse into.
pub fn nesting_depth(text: &str) -> usize {
    // Brackets and keywords are counted apart, so that a `case` pattern's lone `)` cannot
    // cancel the `case` that opened it.
    let (mut brackets, mut keywords, mut max) = (0usize, 0usize, 0usize);
    let mut word = String::new();
    let flush = |word: &mut String, keywords: &mut usize| {
        match word.as_str() {
            "if" | "for" | "while" | "until" | "case" | "select" | "function" => *keywords += 1,
            "fi" | "done" | "esac" => *keywords = keywords.saturating_sub(1),
            _ => {}
        }
        word.clear();
    };
    for c in text.chars() {
        match c {
            '(' | '{' | '[' => {
                flush(&mut word, &mut keywords);
                brackets += 1;
            }
            ')' | '}' | ']' => {
                flush(&mut word, &mut keywords);
                brackets = brackets.saturating_sub(1);
            }
            c if c.is_alphanumeric() || c == '_' => word.push(c),
            _ => flush(&mut word, &mut keywords),
        }
        max = max.max(brackets + keywords);
    }
    flush(&mut word, &mut keywords);
    max.max(brackets + keywords)
}

/// The output of a command substitution when it is knowable without running anything:
/// `$(echo x)`, `$(printf x)`, `$(pwd)`, `$(mktemp ...)` (some new path in the temp dir), and
/// `$(which NAME)` (`command -v NAME`, `type -P NAME`: the program NAME, shown in `/usr/bin`,
/// wherever PATH has it).
pub fn static_output(text: &str, vars: &Vars) -> Option<String> {
    // Only simple, non-nested substitutions: anything else stays dynamic, which also keeps
    // nested `$(...)` from being analysed twice at every level.
    let t = text.trim();
    let simple = [
        "echo", "printf", "pwd", "mktemp", "which", "command", "type",
    ]
    .iter()
    .any(|p| t == *p || t.starts_with(&format!("{p} ")));
    if !simple || t.len() > 4096 || has_substitution(t) || t.contains("<(") {
        return None;
    }
    let ctx = ShellContext {
        cwd: vars.known.get("PWD").cloned(),
        home: vars.known.get("HOME").cloned(),
        tmpdir: vars.known.get("TMPDIR").cloned(),
        programs: Default::default(),
    };
    let analysis = super::analyze(text, &ctx);
    let [inv] = analysis.invocations.as_slice() else {
        return None;
    };
    if !analysis.errors.is_empty()
        || !inv.redirects.is_empty()
        || inv.args.iter().any(|a| a.dynamic)
    {
        return None;
    }
    match inv.program_name() {
        "echo" | "printf" => match producer_output(inv, None) {
            Some(Stdin::Text(out, _)) => Some(out.trim_end_matches('\n').to_string()),
            _ => None,
        },
        "pwd" => inv.cwd.clone(),
        "which" | "command" | "type" => {
            let words = inv.argv();
            let name = match words.as_slice() {
                [_, name] if inv.program_name() == "which" => name,
                [_, flag, name] if flag == "-v" && inv.program_name() == "command" => name,
                [_, flag, name]
                    if (flag == "-P" || flag == "-p") && inv.program_name() == "type" =>
                {
                    name
                }
                _ => return None,
            };
            let plain = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
                && !name.starts_with('-');
            plain.then(|| format!("/usr/bin/{name}"))
        }
        "mktemp" => {
            let tmp = ctx.tmpdir.unwrap_or_else(|| "/tmp".to_string());
            Some(format!("{}/tmp.XXXXXXXXXX", tmp.trim_end_matches('/')))
        }
        _ => None,
    }
}

/// Remembers the files `inv` writes with known (or downloaded) content, or another file's.
fn record_writes(inv: &Invocation, produced: Option<&Stdin>, st: &mut State) {
    if st.remote {
        return;
    }
    let cwd = inv.cwd.as_deref();
    for target in inv.redirects.iter().filter(|t| !t.dynamic) {
        if let Some(path) = join_path(cwd, &target.text) {
            let content = produced
                .cloned()
                .unwrap_or_else(|| Stdin::Opaque(inv.program_name().to_string()));
            st.written.insert(path, content);
        }
    }
    // `tee FILE <<EOF`: FILE holds what tee read.
    if inv.program_name() == "tee"
        && let Some(content) = produced
    {
        let files = inv.args.iter().skip(1);
        for file in files.filter(|a| !a.dynamic && !a.text.starts_with('-')) {
            if let Some(path) = join_path(cwd, &file.text) {
                st.written.insert(path, content.clone());
            }
        }
    }
    for (file, content) in super::producer::files_written(inv) {
        if let Some(path) = join_path(cwd, &file) {
            st.written.insert(path, content);
        }
    }
    let name = inv.program_name();
    if NETWORK_PROGRAMS.contains(&name) {
        let args = &inv.args;
        for (i, a) in args.iter().enumerate() {
            let file = match a.text.as_str() {
                "-o" | "--output" | "-O" | "--output-document"
                    if name != "curl" || a.text != "-O" =>
                {
                    args.get(i + 1).map(|f| f.text.clone())
                }
                t if t.starts_with("--output=") || t.starts_with("--output-document=") => {
                    t.split_once('=').map(|(_, v)| v.to_string())
                }
                t if name == "curl" && t.starts_with("-o") && t.len() > 2 => {
                    Some(t[2..].to_string())
                }
                _ => None,
            };
            if let Some(path) = file.and_then(|f| join_path(cwd, &f)) {
                st.written.insert(path, Stdin::Network(name.to_string()));
            }
        }
    }
}

/// How an upload of secrets printed by `command` is shown in the uploader's arguments, in
/// place of `-` (`curl -d @-` becomes `curl -d @(secret printed by vault kv get)`): the rules
/// on secret uploads match it.
fn secret_source(command: &str) -> String {
    format!("(secret printed by {command})")
}

/// Programs whose output is the environment, as `/proc/self/environ` holds it.
const ENVIRONMENT_DUMPERS: [&str; 3] = ["env", "printenv", "export"];

/// curl's and wget's flags whose value is a file to upload (`-` for standard input).
const UPLOAD_FILE_FLAGS: [&str; 4] = ["-T", "--upload-file", "--post-file", "--body-file"];

/// How a `<(...)` argument is shown: its output's path is known only at run time.
const PROCESS_SUBSTITUTION: &str = "<(…)";

/// `cat <(cmd)`: a file read from a process substitution is that command's output.
fn substituted_file(produced: Stdin, inv: &Invocation, procsubs: &[(usize, Stdin)]) -> Stdin {
    if !matches!(&produced, Stdin::File(f) if f == PROCESS_SUBSTITUTION) {
        return produced;
    }
    let at = inv
        .args
        .iter()
        .rposition(|a| a.text == PROCESS_SUBSTITUTION);
    at.and_then(|at| procsubs.iter().find(|(i, _)| *i == at))
        .map_or(produced, |(_, output)| output.clone())
}

/// Programs that send their standard input to another machine as it is.
pub const STDIN_SENDERS: [&str; 6] = ["nc", "ncat", "netcat", "socat", "telnet", "openssl"];

/// Whether `program` (a path or a name) is PowerShell's `Remove-Item` or one of its aliases.
fn is_remover(program: &str) -> bool {
    super::powershell::is_removal(program.rsplit(['/', '\\']).next().unwrap_or(program))
}

/// Whether `args` run a remover with no path of its own (only parameters): it removes what
/// the pipeline hands it.
fn removes_piped_items(args: &[Arg]) -> bool {
    args.first().is_some_and(|a| is_remover(&a.text))
        && args.iter().skip(1).all(|a| a.text.starts_with('-'))
}

/// The command inside `ForEach-Object { ... }` (also `%` and `foreach`), when `args` is one.
fn for_each_block(args: &[Arg]) -> Option<&[Arg]> {
    let for_each = ["%", "foreach", "foreach-object"]
        .iter()
        .any(|f| args.first().is_some_and(|a| a.text.eq_ignore_ascii_case(f)));
    let inner = super::powershell::block_words(args)
        .filter(|r| for_each && r.start == 2 && r.end + 1 == args.len())?;
    args.get(inner)
}

/// Whether a command calls the function whose body it is in from a pipeline stage of that
/// body (`bomb() { bomb | bomb & }`): see [`StepKind::SelfSpawn`].
fn spawns_itself(args: &[Arg], provenance: &[Step]) -> bool {
    let Some(program) = args.first().filter(|a| !a.dynamic) else {
        return false;
    };
    provenance
        .iter()
        .rposition(|s| {
            s.kind == StepKind::FunctionBody && s.via.as_deref() == Some(program.text.as_str())
        })
        .is_some_and(|at| {
            provenance[at + 1..]
                .iter()
                .any(|s| s.kind == StepKind::Pipeline)
        })
}

/// PowerShell's `Remove-Item` (or an alias) with no path of its own deletes what the pipeline
/// hands it: after a lister (`gci C:\data -Recurse | ri -Force`), the listed path is named as
/// its operand, with `-Recurse` when the listing descends, so it is judged as the deletion of
/// that tree it is.
fn remove_listed(args: &mut Vec<Arg>, stdin: Option<&Stdin>) {
    let Some(Stdin::Listing {
        path,
        recursive,
        filtered,
    }) = stdin
    else {
        // Items from anything else (`Get-Content list.txt | Remove-Item`) are paths known only
        // at run time, or the lines of a known text.
        if removes_piped_items(args) {
            match stdin {
                Some(Stdin::Text(text, _)) => args.extend(
                    text.lines()
                        .map(|l| l.trim().trim_matches(['"', '\'']))
                        .filter(|l| !l.is_empty())
                        .map(Arg::implied),
                ),
                Some(_) => args.push(Arg::unknown("(the pipeline's items)")),
                None => {}
            }
        }
        return;
    };
    // A filtered listing (`gci C:\ -Recurse -Include *.orig`) hands some entries beneath its
    // path, not all: they are named as a pattern there that is not every entry (`*.*`).
    let path = match filtered {
        true => {
            let dir = path.trim_end_matches(['/', '\\']);
            let mut pattern = Arg::implied(format!("{dir}/*.*"));
            pattern.glob = true;
            pattern
        }
        false => Arg::implied(path.clone()),
    };
    // `gci C:\data | % { Remove-Item $_.FullName -Recurse }`: the block runs once per item,
    // with `$_` (or `$PSItem`) the item.
    if let Some(inner) = for_each_block(args) {
        *args = inner
            .iter()
            .map(|a| {
                match ["$_", "${_}", "$PSItem", "${PSItem}"]
                    .iter()
                    .any(|item| a.text.starts_with(item))
                {
                    true => path.clone(),
                    false => a.clone(),
                }
            })
            .collect();
        let remover = args.first().is_some_and(|a| is_remover(&a.text));
        if remover && *recursive && !args.iter().any(|a| a.text.eq_ignore_ascii_case("-Recurse")) {
            args.push(Arg::implied("-Recurse"));
        }
        return;
    }
    if !removes_piped_items(args) {
        return;
    }
    args.push(path);
    if *recursive {
        args.push(Arg::implied("-Recurse"));
    }
}

/// PowerShell's `Remove-Item` (or an alias) given a list (`Remove-Item .\build,C:\data`)
/// removes each path of it: each is named as an operand of its own, so it is judged as the
/// path it is. (A POSIX `rm` given a name with a comma in it is judged by each part too.)
fn name_listed_paths(args: &mut Vec<Arg>) {
    if !args.first().is_some_and(|a| is_remover(&a.text)) {
        return;
    }
    let parts: Vec<Arg> = args[1..]
        .iter()
        .filter(|a| !a.dynamic && !a.text.starts_with('-') && a.text.contains(','))
        .flat_map(|a| {
            a.text
                .split(',')
                .filter(|p| !p.is_empty())
                .map(Arg::implied)
        })
        .collect();
    args.extend(parts);
}

/// What an HTTP client or a raw sender uploads, named for the rules on secret uploads: when the
/// upload is its standard input (`curl -d @-`, `curl -T -`, `-F f=@-`), a file written earlier
/// in the line (`... > /tmp/k; curl -T /tmp/k`) or a process substitution (`curl -T <(cmd)`)
/// and that content is a file (`< path`, `cat path |`, also encoded or compressed on the way:
/// `base64 path |`), the environment (`env |`) or a secret store's output (`vault kv get x |`),
/// the upload's word names that origin instead (`/proc/self/environ` for the environment,
/// [`secret_source`] for a secret): what is sent is then judged as what it is (`cat
/// ~/.ssh/id_rsa | curl -d @- https://...`). A program that sends its input as it is (`nc host
/// 4444 < file`) gets the origin as one more argument.
fn name_uploaded_content(
    args: &mut Vec<Arg>,
    stdin: Option<&Stdin>,
    procsubs: &[(usize, Stdin)],
    st: &State,
) {
    let program = args.first().and_then(|a| a.text.rsplit('/').next());
    if program.is_some_and(|p| STDIN_SENDERS.contains(&p)) {
        if let Some(origin) = stdin.and_then(origin_name) {
            args.push(Arg::implied(origin));
        }
        return;
    }
    if !matches!(program, Some("curl" | "wget")) {
        return;
    }
    // The content of the upload word `file` (after its `@` or flag), at index `at`.
    let content = |file: &str, at: usize| -> Option<Stdin> {
        if file == "-" {
            return stdin.cloned();
        }
        if file == PROCESS_SUBSTITUTION {
            return procsubs
                .iter()
                .find(|(i, _)| *i == at)
                .map(|(_, s)| s.clone());
        }
        written_content(&Arg::literal(file), st.cwd.as_deref(), st)
    };
    let mut upload_next = false;
    for i in 1..args.len() {
        let text = args[i].text.clone();
        let after_at = i > 1 && {
            let before = &args[i - 1].text;
            before == "@" || before.ends_with("=@")
        };
        let is_upload_flag = UPLOAD_FILE_FLAGS.contains(&text.as_str());
        let (prefix, file) = if args[i].dynamic && text != PROCESS_SUBSTITUTION {
            (String::new(), None)
        } else if upload_next || after_at {
            (String::new(), Some(text.as_str()))
        } else if let Some(rest) = text.strip_prefix('@') {
            ("@".to_string(), Some(rest))
        } else if let Some((field, rest)) = text.split_once("=@") {
            (format!("{field}=@"), Some(rest))
        } else if let Some((flag, rest)) = text.split_once('=')
            && flag.starts_with("--")
            && UPLOAD_FILE_FLAGS.contains(&flag)
        {
            (format!("{flag}="), Some(rest))
        } else {
            (String::new(), None)
        };
        upload_next = is_upload_flag;
        // `echo "$AWS_SECRET_ACCESS_KEY" | curl -d @-`: the data read from standard input is
        // that text, with the run-time values in it, as if given in place of `@-`.
        if prefix == "@"
            && file == Some("-")
            && let Some(Stdin::Text(text, _)) = stdin
            && text.contains("${")
        {
            args[i] = Arg::unknown(text.trim_end_matches('\n'));
            continue;
        }
        if let Some(origin) = file
            .filter(|f| !f.is_empty())
            .and_then(|f| content(f, i))
            .and_then(|c| origin_name(&c))
        {
            if after_at {
                // `-d @<(cmd)` comes as two words, `@` and the substitution.
                let before = args[i - 1].text.clone();
                args[i - 1] = Arg::literal(format!("{before}{origin}"));
            } else {
                args[i] = Arg::literal(format!("{prefix}{origin}"));
            }
        }
    }
}

/// The name of what `content` holds when it is sensitive at its origin, through any encoding
/// on the way: a file's path, `/proc/self/environ` for the environment, [`secret_source`] for
/// a secret store's output. `None` for text, downloads and other programs' output.
fn origin_name(content: &Stdin) -> Option<String> {
    let mut origin = content;
    while let Stdin::Derived(_, source) = origin {
        origin = source;
    }
    match origin {
        Stdin::File(path) => Some(path.clone()),
        Stdin::Opaque(program) if ENVIRONMENT_DUMPERS.contains(&program.as_str()) => {
            Some("/proc/self/environ".to_string())
        }
        Stdin::Secret(command) => Some(secret_source(command)),
        _ => None,
    }
}

/// The largest local script read to judge what it runs elsewhere.
const MAX_SCRIPT_BYTES: u64 = 256 * 1024;

/// `stdin` with a local file (`ssh host bash < deploy.sh`, `psql < drop.sql`) replaced by its
/// text, when it is a readable text file of at most [`MAX_SCRIPT_BYTES`]: what runs on another
/// host, in a container or in a database server is out of the exec tracer's sight, so it is
/// judged here from its text. Anything else (or a path on another host) is returned as it was.
pub fn local_script(stdin: Option<Stdin>, st: &State) -> Option<Stdin> {
    let Some(Stdin::File(path)) = &stdin else {
        return stdin;
    };
    if st.remote {
        return stdin;
    }
    match read_local_text(path, st.cwd.as_deref()) {
        Some(text) => Some(Stdin::Text(text, StepKind::ScriptFile)),
        None => stdin,
    }
}

/// The text of the local file `path` (relative to `cwd`), when it is a regular text file of at
/// most [`MAX_SCRIPT_BYTES`].
pub fn read_local_text(path: &str, cwd: Option<&str>) -> Option<String> {
    use std::io::Read;
    let full = join_path(cwd, path)?;
    let file = std::fs::File::open(&full).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(MAX_SCRIPT_BYTES + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    let small = u64::try_from(bytes.len()).is_ok_and(|n| n <= MAX_SCRIPT_BYTES);
    (small && !bytes.contains(&0)).then(|| String::from_utf8(bytes).ok())?
}

/// What was written earlier in the line to the file `arg` names, if anything.
pub fn written_content(arg: &Arg, cwd: Option<&str>, st: &State) -> Option<Stdin> {
    if arg.dynamic {
        return None;
    }
    join_path(cwd, &arg.text).and_then(|p| st.written.get(&p).cloned())
}

/// Programs whose standard output is downloaded content.
pub const NETWORK_PROGRAMS: &[&str] = &[
    "curl",
    "wget",
    "fetch",
    "http",
    "https",
    "xh",
    "aria2c",
    "nc",
    "ncat",
    "socat",
    "lynx",
    "w3m",
    "iwr",
    "irm",
    "Invoke-WebRequest",
    "Invoke-RestMethod",
    "invoke-webrequest",
    "invoke-restmethod",
];

//! Resolves one shell word to the argv word(s) a program would receive.
//!
//! Walks brush-parser's word pieces (never `unquote_str`, which mangles text): quotes and escapes
//! are removed, `~`, `$HOME` and variables assigned earlier in the line are substituted, brace
//! expansion `{a,b}` is applied, and anything else that expands at run time makes the word
//! dynamic. Command substitutions found inside the word are returned so their commands are
//! classified too.

use std::collections::HashMap;

use brush_parser::ParserOptions;
use brush_parser::word::{
    Parameter, ParameterExpr, SpecialParameter, TildeExpr, WordPiece, WordPieceWithSource,
};

use super::invocation::{Arg, StepKind};
use super::walk::rest_beneath;

/// Upper bound on the words one brace expansion may produce.
const MAX_BRACE_WORDS: usize = 64;

/// What the resolver knows about the environment of the line.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    /// Variables with a value known statically (`HOME`, or `a=reset` earlier in the line).
    pub known: HashMap<String, String>,
    /// Loop variables bound to one file a glob matches (`for f in *.tmp`): the glob, by which
    /// an expansion of the variable is judged (as the files it may be). Kept apart from
    /// `known`, whose values are exact; [`Vars::set`] keeps the two consistent.
    pub globbed: HashMap<String, String>,
    /// Arrays whose every element is known (`a=(cargo test)`), in index order from 0. The
    /// first element is also in `known`: `$a` is `${a[0]}`.
    pub arrays: HashMap<String, Vec<String>>,
    /// Variables holding the output of command substitutions (`t=$(gh auth token)`), by the
    /// text that shows them (`$(gh auth token)`). The value is known only at run time; an
    /// expansion of one is shown as that text, so that rules see where what a command is given
    /// came from, as when the substitution is written in place.
    pub shown: HashMap<String, String>,
    /// The positional parameters `$1`, `$2`, … when known: set by `set -- a b`, a function's
    /// arguments where it is called, `sh -c CODE NAME ARGS`. `None` when not known (the
    /// shell the line runs in was given some).
    pub positional: Option<Vec<String>>,
    /// `$0` when known (`sh -c CODE NAME`).
    pub shell_name: Option<String>,
}

/// What an assignment does to a variable, with the values that are known (`None`: known only
/// at run time).
#[derive(Debug, Clone, PartialEq)]
pub enum Assign {
    /// `name=value`.
    Scalar(Option<String>),
    /// `name=$(cmd)`: a value known only at run time, shown as the text of the word assigned
    /// (`$(cmd)`), which holds a command substitution.
    Output(String),
    /// `name+=value`.
    AppendScalar(Option<String>),
    /// `name=(one two)`: the elements, when all are known and none is given an index.
    Array(Option<Vec<String>>),
    /// `name+=(three)`.
    AppendArray(Option<Vec<String>>),
    /// `name[index]=value`, with the index when it is a plain number.
    Element(Option<usize>, Option<String>),
}

impl Assign {
    /// The value the variable has in a command's environment after this assignment in its
    /// prefix (`x=1 cmd`), when known.
    pub fn environment_value(&self) -> Option<String> {
        match self {
            Assign::Scalar(v) => v.clone(),
            _ => None,
        }
    }
}

impl Vars {
    /// Sets `name` to a known value, or to an unknown one with `None`.
    pub fn set(&mut self, name: &str, value: Option<String>) {
        self.globbed.remove(name);
        self.arrays.remove(name);
        self.shown.remove(name);
        match value {
            Some(v) => self.known.insert(name.to_string(), v),
            None => self.known.remove(name),
        };
    }

    /// Applies an assignment to `name`. What cannot be followed exactly (an element of an array
    /// not known, an append to a value not known) leaves the variable unknown: `a[0]=rm;
    /// a[1]=ls; $a` runs `rm`, `x=r; x+=m; $x` runs `rm`.
    pub fn assign(&mut self, name: &str, what: Assign) {
        let elements = self.elements(name);
        let shown = self.shown.remove(name);
        let after = match what {
            Assign::Output(text) => {
                self.set(name, None);
                self.shown.insert(name.to_string(), text);
                return;
            }
            Assign::Scalar(value) => {
                return match (value, self.arrays.get_mut(name)) {
                    (Some(v), Some(array)) => {
                        array[0].clone_from(&v);
                        self.known.insert(name.to_string(), v);
                    }
                    (value, _) => self.set(name, value),
                };
            }
            Assign::AppendScalar(value) => match (elements, value, shown) {
                (Some(mut elements), Some(v), _) => {
                    elements[0].push_str(&v);
                    Some(elements)
                }
                // `k=$(cat key); k+=x`: still shown as what it came from.
                (None, value, Some(shown)) => {
                    let text = shown + value.as_deref().unwrap_or("${…}");
                    self.shown.insert(name.to_string(), text);
                    return;
                }
                _ => None,
            },
            Assign::Array(list) => list,
            Assign::AppendArray(list) => match (elements, list) {
                (Some(mut elements), Some(list)) => {
                    elements.extend(list);
                    Some(elements)
                }
                _ => None,
            },
            Assign::Element(index, value) => match (elements, index, value) {
                (Some(mut elements), Some(i), Some(v)) if i < elements.len() => {
                    elements[i] = v;
                    Some(elements)
                }
                (Some(mut elements), Some(i), Some(v)) if i == elements.len() => {
                    elements.push(v);
                    Some(elements)
                }
                _ => None,
            },
        };
        self.globbed.remove(name);
        match after {
            Some(elements) if !elements.is_empty() => {
                self.known.insert(name.to_string(), elements[0].clone());
                self.arrays.insert(name.to_string(), elements);
            }
            _ => {
                self.known.remove(name);
                self.arrays.remove(name);
            }
        }
    }

    /// The elements `${name[@]}` expands to, when known: a scalar is an array of one.
    fn elements(&self, name: &str) -> Option<Vec<String>> {
        self.arrays
            .get(name)
            .cloned()
            .or_else(|| self.known.get(name).map(|v| vec![v.clone()]))
    }

    /// Every variable something is known of (a value, elements, a glob, the substitution it
    /// holds the output of).
    pub fn names(&self) -> impl Iterator<Item = &String> {
        self.known
            .keys()
            .chain(self.globbed.keys())
            .chain(self.arrays.keys())
            .chain(self.shown.keys())
    }

    /// Whether `name` is known alike here and in `other`.
    pub fn same(&self, other: &Vars, name: &str) -> bool {
        self.known.get(name) == other.known.get(name)
            && self.globbed.get(name) == other.globbed.get(name)
            && self.arrays.get(name) == other.arrays.get(name)
            && self.shown.get(name) == other.shown.get(name)
    }

    /// The field separators: `IFS` when known, else bash's default.
    fn ifs(&self) -> &str {
        self.known.get("IFS").map_or(" \t\n", String::as_str)
    }

    /// Binds `name` to one file matching `glob`.
    pub fn set_glob(&mut self, name: &str, glob: &str) {
        self.known.remove(name);
        self.arrays.remove(name);
        self.shown.remove(name);
        self.globbed.insert(name.to_string(), glob.to_string());
    }
}

/// A word resolved: one or more argv words, plus the command substitutions it contains.
#[derive(Debug, Default)]
pub struct Resolved {
    /// The argv words (more than one after brace expansion).
    pub args: Vec<Arg>,
    /// Shell text run by `$(...)` or backticks inside the word.
    pub substitutions: Vec<(String, StepKind)>,
    /// A piece could not be parsed.
    pub error: Option<String>,
}

/// Resolves `raw` (the word as written in the source) with `vars`.
pub fn resolve(raw: &str, vars: &Vars, options: &ParserOptions) -> Resolved {
    let mut out = Resolved::default();
    let pieces = match brush_parser::word::parse(raw, options) {
        Ok(p) => p,
        Err(e) => {
            out.error = Some(format!("cannot parse word `{raw}`: {e}"));
            out.args.push(Arg::unknown(raw));
            return out;
        }
    };
    let mut b = Builder::default();
    let source = Source { text: raw, options };
    b.pieces(&pieces, false, vars, &mut out.substitutions, &source);
    if b.has_brace && !b.dynamic {
        let expanded = expand_braces(&b.pattern);
        if expanded.len() > 1 {
            let home = vars.known.get("HOME");
            out.args = expanded
                .iter()
                .map(|p| {
                    // Tilde expansion follows brace expansion: `{rm,-rf,~}` removes the home
                    // directory.
                    let tilde = rest_beneath(p, "~");
                    let (text, dynamic) = match (tilde, home) {
                        (Some(rest), Some(home)) => {
                            (format!("{home}{}", unescape_pattern(rest)), false)
                        }
                        (Some(_), None) => (unescape_pattern(p), true),
                        (None, _) => (unescape_pattern(p), false),
                    };
                    Arg {
                        static_len: if dynamic { 0 } else { text.len() },
                        glob: has_active_glob(p),
                        text,
                        dynamic,
                        implied: false,
                    }
                })
                .collect();
            return out;
        }
    }
    // `"${a[@]}"` (or `"$@"`) standing alone is the array's elements, one word each (split
    // again when unquoted); `"${a[*]}"` is one word of them all.
    if let Some((elements, all, quoted)) = lone_list_expansion(&pieces, vars) {
        let ifs = vars.ifs();
        out.args = match (all, quoted) {
            (true, true) => elements.into_iter().map(Arg::literal).collect(),
            (false, true) => {
                let sep = ifs.chars().next().map(String::from).unwrap_or_default();
                vec![Arg::literal(elements.join(&sep))]
            }
            (_, false) => elements.iter().flat_map(|e| fields(e, ifs)).collect(),
        };
        return out;
    }
    // An unquoted expansion standing alone is split into words, as bash does: `git $cmd` with
    // cmd='push --force' runs `git push --force`.
    if !b.dynamic && is_lone_unquoted_expansion(&pieces) {
        out.args = fields(&b.text, vars.ifs()).collect();
        return out;
    }
    let static_len = b.static_len.unwrap_or(b.text.len());
    out.args.push(Arg {
        text: b.text,
        dynamic: b.dynamic,
        static_len,
        glob: b.glob,
        implied: false,
    });
    out
}

/// The words an unquoted expansion of `text` is split into at the characters of `ifs`.
fn fields<'t>(text: &'t str, ifs: &'t str) -> impl Iterator<Item = Arg> + 't {
    text.split(|c| ifs.contains(c))
        .filter(|w| !w.is_empty())
        .map(Arg::literal)
}

/// `${a[@]}`, `"${a[@]}"`, `"$@"`, `${a[*]}`, `"$*"` … as a whole word, of an array or of
/// positional parameters known element by element: the elements, whether each is a word of its
/// own (`@`), and whether the expansion is quoted.
fn lone_list_expansion(
    pieces: &[WordPieceWithSource],
    vars: &Vars,
) -> Option<(Vec<String>, bool, bool)> {
    let (piece, quoted) = match pieces {
        [p] => match &p.piece {
            WordPiece::DoubleQuotedSequence(inner) => match inner.as_slice() {
                [q] => (&q.piece, true),
                _ => return None,
            },
            other => (other, false),
        },
        _ => return None,
    };
    let WordPiece::ParameterExpansion(ParameterExpr::Parameter {
        parameter,
        indirect: false,
    }) = piece
    else {
        return None;
    };
    match parameter {
        Parameter::NamedWithAllIndices { name, concatenate } => {
            Some((vars.elements(name)?, !concatenate, quoted))
        }
        Parameter::Special(SpecialParameter::AllPositionalParameters { concatenate }) => {
            Some((vars.positional.clone()?, !concatenate, quoted))
        }
        _ => None,
    }
}

fn is_lone_unquoted_expansion(pieces: &[WordPieceWithSource]) -> bool {
    matches!(
        pieces,
        [p] if matches!(
            p.piece,
            WordPiece::ParameterExpansion(_) | WordPiece::CommandSubstitution(_) | WordPiece::BackquotedCommandSubstitution(_)
        )
    )
}

/// Resolves a heredoc body: returns its text (expansions resolved where known) and the command
/// substitutions it runs when its delimiter is unquoted.
pub fn resolve_heredoc(body: &str, expand: bool, vars: &Vars, options: &ParserOptions) -> Resolved {
    let mut out = Resolved::default();
    if !expand {
        out.args.push(Arg::literal(body));
        return out;
    }
    match brush_parser::word::parse_heredoc(body, options) {
        Ok(pieces) => {
            let mut b = Builder::default();
            let source = Source {
                text: body,
                options,
            };
            b.pieces(&pieces, true, vars, &mut out.substitutions, &source);
            let static_len = b.static_len.unwrap_or(b.text.len());
            out.args.push(Arg {
                text: b.text,
                dynamic: b.dynamic,
                static_len,
                glob: false,
                implied: false,
            });
        }
        Err(e) => {
            out.error = Some(format!("cannot parse heredoc: {e}"));
            out.args.push(Arg::unknown(body));
        }
    }
    out
}

#[derive(Default)]
struct Builder {
    text: String,
    /// `text` with quoted glob and brace characters escaped by a backslash.
    pattern: String,
    dynamic: bool,
    static_len: Option<usize>,
    glob: bool,
    has_brace: bool,
}

impl Builder {
    fn literal(&mut self, s: &str, quoted: bool) {
        self.text.push_str(s);
        for c in s.chars() {
            if quoted && matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | ',' | '\\') {
                self.pattern.push('\\');
            } else if !quoted {
                match c {
                    '*' | '?' | '[' => self.glob = true,
                    '{' => self.has_brace = true,
                    _ => {}
                }
            }
            self.pattern.push(c);
        }
    }

    /// The unquoted text that starts a word. When the word looks like an assignment
    /// (`NAME=value`, as `export`, `declare` and `make` take them), bash expands a `~` at the
    /// start of the value and after each `:` as it does in an assignment: `export T=~` sets T
    /// to the home directory, `PATH=~/bin:~/.local/bin` names two directories in it.
    fn assignment_like(&mut self, s: &str, vars: &Vars) {
        let value_at = s
            .find('=')
            .filter(|&eq| super::walk::is_name(&s[..eq]))
            .map(|eq| eq + 1);
        let Some(value_at) = value_at else {
            return self.literal(s, false);
        };
        self.literal(&s[..value_at], false);
        for (i, part) in s[value_at..].split(':').enumerate() {
            if i > 0 {
                self.literal(":", false);
            }
            match rest_beneath(part, "~") {
                Some(rest) => {
                    self.home(vars);
                    self.literal(rest, false);
                }
                None => self.literal(part, false),
            }
        }
    }

    /// A `~` standing for the home directory: its path when known, else a run-time value.
    fn home(&mut self, vars: &Vars) {
        match vars.known.get("HOME") {
            Some(home) => {
                let home = home.clone();
                self.literal(&home, true);
            }
            None => self.dynamic("~"),
        }
    }

    fn dynamic(&mut self, display: &str) {
        if self.static_len.is_none() {
            self.static_len = Some(self.text.len());
        }
        self.dynamic = true;
        self.text.push_str(display);
        self.pattern.push_str(display);
    }

    /// Adds `pieces`, parsed from `source`, to the word; the command substitutions they run go
    /// to `subs`.
    fn pieces(
        &mut self,
        pieces: &[WordPieceWithSource],
        in_dq: bool,
        vars: &Vars,
        subs: &mut Vec<(String, StepKind)>,
        source: &Source<'_>,
    ) {
        for p in pieces {
            match &p.piece {
                WordPiece::Text(s) if !in_dq && self.text.is_empty() => {
                    self.assignment_like(s, vars)
                }
                WordPiece::Text(s) => self.literal(s, in_dq),
                WordPiece::SingleQuotedText(s) => self.literal(s, true),
                WordPiece::AnsiCQuotedText(s) => self.literal(&decode_ansi_c(s), true),
                WordPiece::DoubleQuotedSequence(inner)
                | WordPiece::GettextDoubleQuotedSequence(inner) => {
                    self.pieces(inner, true, vars, subs, source)
                }
                WordPiece::EscapeSequence(s) => {
                    let c = s.strip_prefix('\\').unwrap_or(s);
                    if in_dq && !matches!(c, "$" | "`" | "\"" | "\\" | "\n") {
                        self.literal(s, true);
                    } else if c != "\n" {
                        self.literal(c, true);
                    }
                }
                WordPiece::TildeExpansion(t) => match t {
                    TildeExpr::Home => self.home(vars),
                    TildeExpr::WorkingDir if vars.known.contains_key("PWD") => {
                        let pwd = vars.known.get("PWD").cloned().unwrap_or_default();
                        self.literal(&pwd, true)
                    }
                    TildeExpr::UserHome(user) => self.dynamic(&format!("~{user}")),
                    _ => self.dynamic("~"),
                },
                WordPiece::ParameterExpansion(expr) => {
                    let text = source
                        .text
                        .get(p.start_index..p.end_index)
                        .unwrap_or_default();
                    if let Some(inner) = text.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
                        // `${x:-$(cmd)}`, `${a[$(cmd)]}`, `${x/p/`cmd`}`: the words inside
                        // run their substitutions when bash expands the parameter.
                        substitutions_in(inner, vars, subs, source.options);
                    }
                    self.parameter(expr, p, vars)
                }
                WordPiece::CommandSubstitution(s) => {
                    subs.push((s.clone(), StepKind::CommandSubstitution));
                    match super::walk::static_output(s, vars) {
                        Some(out) => self.literal(&out, true),
                        None => self.dynamic(&format!("$({s})")),
                    }
                }
                WordPiece::BackquotedCommandSubstitution(s) => {
                    subs.push((s.clone(), StepKind::Backticks));
                    match super::walk::static_output(s, vars) {
                        Some(out) => self.literal(&out, true),
                        // Shown in the `$(...)` spelling, which rules on what a command is
                        // given name: the two run alike.
                        None => self.dynamic(&format!("$({s})")),
                    }
                }
                WordPiece::ArithmeticExpression(e) => {
                    substitutions_in(&e.value, vars, subs, source.options);
                    self.dynamic(&format!("$(({}))", e.value))
                }
            }
        }
    }

    /// A parameter expansion: its value when known, else a run-time value.
    fn parameter(&mut self, expr: &ParameterExpr, p: &WordPieceWithSource, vars: &Vars) {
        match known_parameter(expr, vars) {
            Some(value) => self.literal(&value, true),
            None => match globbed_parameter(expr, vars) {
                // Quoted or not, the value is one of the files the glob matches.
                Some(glob) => self.literal(glob, false),
                None => match plain_name(expr).and_then(|name| vars.shown.get(name)) {
                    Some(shown) => self.dynamic(shown),
                    None => self.dynamic(&source_text(p)),
                },
            },
        }
    }
}

/// The text word pieces were parsed from (their indices point into it), and how.
struct Source<'a> {
    text: &'a str,
    options: &'a ParserOptions,
}

/// The command substitutions bash runs when it expands `text` as a word (a prompt string).
pub fn substitutions(text: &str, vars: &Vars, options: &ParserOptions) -> Vec<(String, StepKind)> {
    let mut subs = Vec::new();
    substitutions_in(text, vars, &mut subs, options);
    subs
}

/// Finds the command substitutions in `text`, the inside of an expansion (`x:-$(cmd)` of
/// `${x:-$(cmd)}`, `$(cmd) + 1` of `$(( $(cmd) + 1 ))`), parsed as a word. Text that does not
/// parse is walked as a command itself, so it is reported rather than passed.
fn substitutions_in(
    text: &str,
    vars: &Vars,
    subs: &mut Vec<(String, StepKind)>,
    options: &ParserOptions,
) {
    if !has_substitution(text) {
        return;
    }
    match brush_parser::word::parse(text, options) {
        Ok(pieces) => {
            let source = Source { text, options };
            Builder::default().pieces(&pieces, false, vars, subs, &source);
        }
        Err(_) => subs.push((text.to_string(), StepKind::CommandSubstitution)),
    }
}

/// Whether `text` holds a command substitution, `$(cmd)` or `` `cmd` `` (raw shell text, or a
/// word as resolved, where a run-time value shows the substitution it comes from).
pub fn has_substitution(text: &str) -> bool {
    text.contains("$(") || text.contains('`')
}

fn source_text(p: &WordPieceWithSource) -> String {
    match &p.piece {
        WordPiece::ParameterExpansion(ParameterExpr::Parameter { parameter, .. }) => {
            format!("{parameter}")
        }
        _ => "${…}".to_string(),
    }
}

/// The glob a plain `$name` of a glob-bound loop variable stands for.
fn globbed_parameter<'v>(expr: &ParameterExpr, vars: &'v Vars) -> Option<&'v str> {
    plain_name(expr)
        .and_then(|name| vars.globbed.get(name))
        .map(String::as_str)
}

/// The variable a plain `$name` or `${name}` expands.
fn plain_name(expr: &ParameterExpr) -> Option<&str> {
    match expr {
        ParameterExpr::Parameter {
            parameter: Parameter::Named(name),
            indirect: false,
        } => Some(name),
        _ => None,
    }
}

fn known_parameter(expr: &ParameterExpr, vars: &Vars) -> Option<String> {
    match expr {
        ParameterExpr::Parameter {
            parameter,
            indirect: false,
        } => known_value(parameter, vars),
        // `${HOME:?}`, `${HOME:-x}`, `${HOME:=x}` of a variable known to be set and non-empty
        // expand to its value; the fallback matters only when it is unset or empty.
        ParameterExpr::UseDefaultValues {
            parameter,
            indirect: false,
            ..
        }
        | ParameterExpr::AssignDefaultValues {
            parameter,
            indirect: false,
            ..
        }
        | ParameterExpr::IndicateErrorIfNullOrUnset {
            parameter,
            indirect: false,
            ..
        } if matches!(parameter, Parameter::Named(_) | Parameter::Positional(_)) => {
            known_value(parameter, vars).filter(|v| !v.is_empty())
        }
        _ => None,
    }
}

/// The value of `parameter` when known: a variable, an element of an array known element by
/// element (`${a[1]}`), a positional parameter (`$1`, `$0`) or their count (`$#`).
fn known_value(parameter: &Parameter, vars: &Vars) -> Option<String> {
    match parameter {
        Parameter::Named(name) => vars.known.get(name).cloned(),
        Parameter::NamedWithIndex { name, index } => {
            let i: usize = index.trim().parse().ok()?;
            vars.elements(name)?.get(i).cloned()
        }
        Parameter::Positional(0) | Parameter::Special(SpecialParameter::ShellName) => {
            vars.shell_name.clone()
        }
        // Past the last one, a positional parameter is empty.
        Parameter::Positional(n) => {
            let i = usize::try_from(*n).ok()? - 1;
            Some(
                vars.positional
                    .as_ref()?
                    .get(i)
                    .cloned()
                    .unwrap_or_default(),
            )
        }
        Parameter::Special(SpecialParameter::PositionalParameterCount) => {
            Some(vars.positional.as_ref()?.len().to_string())
        }
        _ => None,
    }
}

/// Decodes the body of `$'...'`.
pub fn decode_ansi_c(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'e' | 'E' => out.push('\u{1b}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\\' | '\'' | '"' | '?' => out.push(e),
            'x' | 'u' | 'U' => {
                let max = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut digits = String::new();
                while digits.len() < max {
                    match chars.peek() {
                        Some(d) if d.is_ascii_hexdigit() => {
                            digits.push(*d);
                            chars.next();
                        }
                        _ => break,
                    }
                }
                match u32::from_str_radix(&digits, 16)
                    .ok()
                    .and_then(char::from_u32)
                {
                    Some(ch) => out.push(ch),
                    None => {
                        out.push('\\');
                        out.push(e);
                        out.push_str(&digits);
                    }
                }
            }
            '0'..='7' => {
                let mut digits = String::from(e);
                while digits.len() < 3 {
                    match chars.peek() {
                        Some(d @ '0'..='7') => {
                            digits.push(*d);
                            chars.next();
                        }
                        _ => break,
                    }
                }
                match u32::from_str_radix(&digits, 8)
                    .ok()
                    .and_then(char::from_u32)
                {
                    Some(ch) => out.push(ch),
                    None => out.push_str(&digits),
                }
            }
            'c' => {
                if let Some(ctl) = chars.next() {
                    out.push(char::from_u32(u32::from(ctl) & 0x1f).unwrap_or(ctl));
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

fn has_active_glob(pattern: &str) -> bool {
    let mut escaped = false;
    for c in pattern.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if matches!(c, '*' | '?' | '[') {
            return true;
        }
    }
    false
}

fn unescape_pattern(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut escaped = false;
    for c in p.chars() {
        if escaped {
            out.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else {
            out.push(c);
        }
    }
    out
}

/// Expands unescaped `{a,b,...}` groups (nested allowed) in an escaped pattern. Ranges and
/// groups without a comma stay literal, as in bash.
pub fn expand_braces(pattern: &str) -> Vec<String> {
    let mut out = Vec::new();
    expand_into(pattern, &mut out);
    if out.is_empty() {
        out.push(pattern.to_string());
    }
    out
}

fn expand_into(pattern: &str, out: &mut Vec<String>) {
    if out.len() >= MAX_BRACE_WORDS {
        return;
    }
    let Some((open, close, alternatives)) = first_group(pattern) else {
        out.push(pattern.to_string());
        return;
    };
    let (head, tail) = (&pattern[..open], &pattern[close + 1..]);
    for alt in alternatives {
        expand_into(&format!("{head}{alt}{tail}"), out);
        if out.len() >= MAX_BRACE_WORDS {
            return;
        }
    }
}

/// Finds the first unescaped `{...}` group containing a top-level comma: (open, close, parts).
fn first_group(p: &str) -> Option<(usize, usize, Vec<&str>)> {
    let bytes = p.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'{' => {
                let mut depth = 0usize;
                let mut commas = Vec::new();
                let mut j = i;
                while j < bytes.len() {
                    match bytes[j] {
                        b'\\' => j += 1,
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        b',' if depth == 1 => commas.push(j),
                        _ => {}
                    }
                    j += 1;
                }
                if j < bytes.len() && !commas.is_empty() {
                    let mut parts = Vec::new();
                    let mut start = i + 1;
                    for c in commas {
                        parts.push(&p[start..c]);
                        start = c + 1;
                    }
                    parts.push(&p[start..j]);
                    return Some((i, j, parts));
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(raw: &str, vars: &Vars) -> Vec<String> {
        let r = resolve(raw, vars, &ParserOptions::default());
        r.args.into_iter().map(|a| a.text).collect()
    }

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn arrays_expand_to_their_elements() {
        let mut vars = Vars::default();
        vars.assign("a", Assign::Array(Some(strings(&["git", "push --force"]))));
        assert_eq!(texts("\"${a[@]}\"", &vars), ["git", "push --force"]);
        // Unquoted, each element is split again.
        assert_eq!(texts("${a[@]}", &vars), ["git", "push", "--force"]);
        assert_eq!(texts("${a[*]}", &vars), ["git", "push", "--force"]);
        // Quoted `*`: one word.
        assert_eq!(texts("\"${a[*]}\"", &vars), ["git push --force"]);
        assert_eq!(texts("\"${a[1]}\"", &vars), ["push --force"]);
        assert_eq!(texts("${a[1]}", &vars), ["push", "--force"]);
        assert_eq!(texts("$a", &vars), ["git"]);
        // A scalar is an array of one.
        vars.assign("s", Assign::Scalar(Some("ls".into())));
        assert_eq!(texts("\"${s[@]}\"", &vars), ["ls"]);
        // Unknown arrays stay run-time values.
        let r = resolve("\"${u[@]}\"", &vars, &ParserOptions::default());
        assert!(r.args.iter().all(|a| a.dynamic));
    }

    #[test]
    fn a_variable_holding_a_substitution_is_shown_as_it() {
        let mut vars = Vars::default();
        vars.assign("k", Assign::Output("$(cat ~/.ssh/id_rsa)".into()));
        let r = resolve("\"key=$k\"", &vars, &ParserOptions::default());
        assert_eq!(r.args.len(), 1);
        assert!(r.args[0].dynamic);
        assert_eq!(r.args[0].text, "key=$(cat ~/.ssh/id_rsa)");
        // An append keeps it shown; its value is still not known.
        vars.assign("k", Assign::AppendScalar(Some("x".into())));
        assert_eq!(texts("$k", &vars), ["$(cat ~/.ssh/id_rsa)x"]);
        assert!(!vars.known.contains_key("k"));
        // Any other assignment, a glob binding or an unset forgets it.
        vars.assign("k", Assign::Scalar(Some("ls".into())));
        assert_eq!(texts("$k", &vars), ["ls"]);
        vars.assign("t", Assign::Output("$(gh auth token)".into()));
        vars.set_glob("t", "*.tmp");
        assert!(!vars.shown.contains_key("t"));
        vars.assign("u", Assign::Output("$(gh auth token)".into()));
        vars.set("u", None);
        assert_eq!(texts("$u", &vars), ["${u}"]);
    }

    #[test]
    fn assignments_are_followed_exactly_or_not_at_all() {
        let mut vars = Vars::default();
        // `x=r; x+=m`: the value is `rm`.
        vars.assign("x", Assign::Scalar(Some("r".into())));
        vars.assign("x", Assign::AppendScalar(Some("m".into())));
        assert_eq!(vars.known.get("x").map(String::as_str), Some("rm"));
        // `a=(ls -la); a[0]=rm; a+=(~)`.
        vars.assign("a", Assign::Array(Some(strings(&["ls", "-la"]))));
        vars.assign("a", Assign::Element(Some(0), Some("rm".into())));
        vars.assign("a", Assign::AppendArray(Some(strings(&["~"]))));
        assert_eq!(vars.arrays.get("a"), Some(&strings(&["rm", "-la", "~"])));
        assert_eq!(vars.known.get("a").map(String::as_str), Some("rm"));
        // `a=x` replaces the first element only.
        vars.assign("a", Assign::Scalar(Some("x".into())));
        assert_eq!(vars.arrays.get("a"), Some(&strings(&["x", "-la", "~"])));
        // An element past the end, or at an index not known, makes the array unknown.
        vars.assign("a", Assign::Element(Some(7), Some("y".into())));
        assert!(!vars.arrays.contains_key("a") && !vars.known.contains_key("a"));
        vars.assign("b", Assign::Array(Some(strings(&["ls"]))));
        vars.assign("b", Assign::Element(None, Some("rm".into())));
        assert!(!vars.known.contains_key("b"));
        // `a[0]=rm; a[1]=ls` on a variable not known: `$a` is not `ls` (nor known).
        vars.assign("c", Assign::Element(Some(0), Some("rm".into())));
        vars.assign("c", Assign::Element(Some(1), Some("ls".into())));
        assert!(!vars.known.contains_key("c"));
        // An append to a value not known is not known.
        vars.assign("d", Assign::AppendScalar(Some("m".into())));
        assert!(!vars.known.contains_key("d"));
        // A plain set forgets the array.
        vars.assign("e", Assign::Array(Some(strings(&["a", "b"]))));
        vars.set("e", Some("z".into()));
        assert!(!vars.arrays.contains_key("e"));
        assert_eq!(texts("\"${e[@]}\"", &vars), ["z"]);
    }

    fn one(raw: &str) -> Arg {
        let mut vars = Vars::default();
        vars.known.insert("HOME".into(), "/home/u".into());
        let r = resolve(raw, &vars, &ParserOptions::default());
        assert_eq!(r.args.len(), 1, "{raw}: {:?}", r.args);
        r.args
            .into_iter()
            .next()
            .unwrap_or_else(|| Arg::literal(""))
    }

    #[test]
    fn quotes_and_escapes_are_removed() {
        assert_eq!(one(r"\rm").text, "rm");
        assert_eq!(one("'rm'").text, "rm");
        assert_eq!(one(r#"r""m"#).text, "rm");
        assert_eq!(one(r#""r"'m'"#).text, "rm");
        assert_eq!(one(r"$'\x72m'").text, "rm");
        assert_eq!(one(r#""a\b""#).text, r"a\b");
    }

    #[test]
    fn tilde_and_home_resolve() {
        assert_eq!(one("~/x").text, "/home/u/x");
        // After brace expansion too, at the start of a word only.
        let mut vars = Vars::default();
        vars.known.insert("HOME".into(), "/home/u".into());
        let words = |raw: &str| -> Vec<String> {
            resolve(raw, &vars, &ParserOptions::default())
                .args
                .into_iter()
                .map(|a| a.text)
                .collect()
        };
        assert_eq!(words("{rm,-rf,~}"), ["rm", "-rf", "/home/u"]);
        assert_eq!(words("{~/a,b}"), ["/home/u/a", "b"]);
        assert_eq!(words("x{~,y}"), ["x~", "xy"]);
        assert_eq!(one("$HOME").text, "/home/u");
        assert_eq!(one("${HOME}/y").text, "/home/u/y");
        assert!(!one("~").dynamic);
        // In a word that looks like an assignment, after `=` and each `:`, unquoted only.
        assert_eq!(one("T=~").text, "T=/home/u");
        assert_eq!(one("P=~/bin:~:/x~").text, "P=/home/u/bin:/home/u:/x~");
        assert_eq!(one("T='~'").text, "T=~");
        assert_eq!(one("--prefix=~/x").text, "--prefix=~/x");
        assert_eq!(one("T=~other").text, "T=~other");
    }

    #[test]
    fn expansions_are_dynamic_with_static_prefix() {
        let a = one("/srv/$X");
        assert!(a.dynamic);
        assert_eq!(a.static_prefix(), "/srv/");
        let b = one("$(date)");
        assert!(b.dynamic);
        assert_eq!(b.static_prefix(), "");
    }

    #[test]
    fn globs_only_when_unquoted() {
        assert!(one("*.rs").glob);
        assert!(!one("'*.rs'").glob);
    }

    #[test]
    fn a_glob_bound_variable_expands_to_its_glob_until_set_again() {
        let mut vars = Vars::default();
        vars.set_glob("f", "build/*.o");
        let arg = |vars: &Vars| {
            let r = resolve("\"$f\"", vars, &ParserOptions::default());
            r.args.into_iter().next().unwrap()
        };
        let a = arg(&vars);
        assert_eq!(a.text, "build/*.o");
        assert!(a.glob && !a.dynamic);
        vars.set("f", None);
        assert!(arg(&vars).dynamic);
        vars.set_glob("f", "*.tmp");
        vars.set("f", Some("x".into()));
        assert_eq!(arg(&vars).text, "x");
    }

    #[test]
    fn braces_expand() {
        let r = resolve("/{etc,usr}/x", &Vars::default(), &ParserOptions::default());
        let texts: Vec<_> = r.args.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(texts, ["/etc/x", "/usr/x"]);
        let q = resolve("'{a,b}'", &Vars::default(), &ParserOptions::default());
        assert_eq!(q.args.len(), 1);
    }

    #[test]
    fn unquoted_known_expansions_split_into_words() {
        let mut vars = Vars::default();
        vars.known.insert("cmd".into(), "push --force".into());
        let r = resolve("$cmd", &vars, &ParserOptions::default());
        let texts: Vec<_> = r.args.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(texts, ["push", "--force"]);
        let q = resolve("\"$cmd\"", &vars, &ParserOptions::default());
        assert_eq!(q.args.len(), 1);
    }

    #[test]
    fn ifs_changes_word_splitting() {
        let mut vars = Vars::default();
        vars.known.insert("IFS".into(), ",".into());
        vars.known.insert("cmd".into(), "rm,-rf,/".into());
        let r = resolve("$cmd", &vars, &ParserOptions::default());
        let texts: Vec<_> = r.args.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(texts, ["rm", "-rf", "/"]);
    }

    #[test]
    fn echo_substitutions_are_static() {
        let r = resolve("$(echo push)", &Vars::default(), &ParserOptions::default());
        assert_eq!(r.args[0].text, "push");
        assert!(!r.args[0].dynamic);
        let t = resolve(
            "\"$(mktemp -d)\"",
            &Vars::default(),
            &ParserOptions::default(),
        );
        assert!(t.args[0].text.starts_with("/tmp/"));
    }

    #[test]
    fn substitutions_are_reported() {
        let r = resolve("x$(rm -rf ~)", &Vars::default(), &ParserOptions::default());
        assert_eq!(
            r.substitutions,
            vec![("rm -rf ~".to_string(), StepKind::CommandSubstitution)]
        );
    }

    #[test]
    fn substitutions_inside_expansions_are_reported() {
        for raw in [
            "${x:-$(rm -rf ~)}",
            "\"${x:=$(rm -rf ~)}\"",
            "${#x[$(rm -rf ~)]}",
            "${x/a/`rm -rf ~`}",
            "$(( $(rm -rf ~) + 1 ))",
        ] {
            let r = resolve(raw, &Vars::default(), &ParserOptions::default());
            let texts: Vec<&str> = r.substitutions.iter().map(|(t, _)| t.as_str()).collect();
            assert_eq!(texts, ["rm -rf ~"], "{raw}");
        }
        let plain = resolve("${x:-default}", &Vars::default(), &ParserOptions::default());
        assert!(plain.substitutions.is_empty());
    }
}

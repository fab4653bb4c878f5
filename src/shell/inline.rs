//! Interpreters given code inline (`python -c`, `node -e`, `perl -e`, `ruby -e`, `awk '...'`,
//! a heredoc or pipe into `python`): the code is attached to the invocation for `script` rules,
//! and shell commands embedded in it (`os.system("...")`, `execSync("...")`,
//! `subprocess.run(["rm", "-rf", ...])`, backticks) are analysed as invocations of their own.

use std::sync::OnceLock;

use regex::bytes::{Match, Regex, RegexBuilder};

use super::invocation::{Arg, Invocation, Opaque, Step, StepKind};
use super::walk::{State, Stdin, Walker};

/// How an interpreter takes inline code.
struct Lang {
    /// Flags whose value is code (`-c`, `-e`, `--eval`).
    code_flags: &'static [&'static str],
    /// Short flag letters that take code when they end a cluster (`perl -ne CODE`).
    cluster_code: &'static str,
    /// Flags that take a (non-code) value.
    value_flags: &'static [&'static str],
    /// The first operand is the code (`awk 'prog' file`), unless a file flag is given.
    operand_is_code: bool,
    /// Flags naming a program file instead (`awk -f prog.awk`).
    file_flags: &'static [&'static str],
    /// A subcommand word that introduces code (`deno eval CODE`).
    eval_word: Option<&'static str>,
}

// Statics, not consts: `lang_of`'s result is told apart by address (`std::ptr::eq(lang, &TCL)`),
// and only a static has one address; each use of a const may be a copy of its own.
static PYTHON: Lang = Lang {
    code_flags: &["-c"],
    cluster_code: "c",
    value_flags: &["-W", "-X", "-Q"],
    operand_is_code: false,
    file_flags: &[],
    eval_word: None,
};
static NODE: Lang = Lang {
    code_flags: &["-e", "--eval", "-p", "--print"],
    cluster_code: "",
    value_flags: &[
        "-r",
        "--require",
        "--import",
        "--loader",
        "--experimental-loader",
        "--input-type",
        "--env-file",
        "-C",
        "--conditions",
    ],
    operand_is_code: false,
    file_flags: &[],
    eval_word: Some("eval"),
};
static PERL: Lang = Lang {
    code_flags: &["-e", "-E"],
    cluster_code: "eE",
    value_flags: &["-I", "-M", "-m", "-x"],
    operand_is_code: false,
    file_flags: &[],
    eval_word: None,
};
static RUBY: Lang = Lang {
    code_flags: &["-e"],
    cluster_code: "e",
    value_flags: &["-r", "-I", "-C", "-E", "--encoding"],
    operand_is_code: false,
    file_flags: &[],
    eval_word: None,
};
static SIMPLE_E: Lang = Lang {
    code_flags: &["-e", "-r", "-Command", "-command", "-c", "--eval", "-eval"],
    cluster_code: "",
    value_flags: &[],
    operand_is_code: false,
    file_flags: &[],
    eval_word: Some("eval"),
};
/// `powershell -NoProfile -ExecutionPolicy Bypass -Command CODE`: PowerShell's parameters
/// that take a value, in the spellings scripts use (its parameters ignore case).
static POWERSHELL: Lang = Lang {
    code_flags: &["-Command", "-command", "-COMMAND", "-c", "-C"],
    cluster_code: "",
    value_flags: &[
        "-ExecutionPolicy",
        "-executionpolicy",
        "-Executionpolicy",
        "-EXECUTIONPOLICY",
        "-ep",
        "-EP",
        "-exec",
        "-Exec",
        "-ex",
        "-WindowStyle",
        "-windowstyle",
        "-Windowstyle",
        "-w",
        "-W",
        "-win",
        "-Version",
        "-version",
        "-v",
        "-InputFormat",
        "-inputformat",
        "-OutputFormat",
        "-outputformat",
        "-of",
        "-if",
        "-WorkingDirectory",
        "-workingdirectory",
        "-wd",
        "-ConfigurationName",
        "-SettingsFile",
        "-PSConsoleFile",
        "-CustomPipeName",
    ],
    operand_is_code: false,
    file_flags: &["-File", "-file", "-FILE", "-f", "-F"],
    eval_word: None,
};
/// `osascript -l JavaScript -e CODE`: `-l` names the language, `-s` the output style.
static OSASCRIPT: Lang = Lang {
    code_flags: &["-e"],
    cluster_code: "",
    value_flags: &["-l", "-s"],
    operand_is_code: false,
    file_flags: &[],
    eval_word: None,
};
static TCL: Lang = Lang {
    code_flags: &["-c"],
    cluster_code: "",
    value_flags: &["-D"],
    operand_is_code: false,
    file_flags: &["-f"],
    eval_word: None,
};
static AWK: Lang = Lang {
    code_flags: &[],
    cluster_code: "",
    value_flags: &["-F", "-v", "--field-separator", "--assign"],
    operand_is_code: true,
    file_flags: &["-f", "--file"],
    eval_word: None,
};

fn lang_of(name: &str) -> Option<&'static Lang> {
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    Some(match base {
        "python" | "pypy" => &PYTHON,
        "node" | "nodejs" | "deno" | "bun" | "tsx" | "ts-node" | "ts-node-esm" => &NODE,
        "perl" => &PERL,
        "ruby" | "jruby" => &RUBY,
        "php" | "lua" | "luajit" | "Rscript" | "R" | "julia" | "elixir" | "erl" | "groovy"
        | "emacs" | "guile" | "racket" | "sbcl" | "csi" | "kotlin" | "kotlinc" | "scala"
        | "jshell" => &SIMPLE_E,
        "pwsh" | "powershell" => &POWERSHELL,
        "osascript" => &OSASCRIPT,
        "tclsh" | "expect" | "wish" => &TCL,
        "awk" | "gawk" | "mawk" | "nawk" => &AWK,
        _ => return None,
    })
}

/// Whether `name` is an interpreter this module understands (`python3.12` counts).
pub fn is_interpreter(name: &str) -> bool {
    lang_of(name).is_some()
}

/// Unwraps interpreter invocation `index`.
pub fn unwrap_interpreter(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    stdin: Option<Stdin>,
    procsubs: &[(usize, Stdin)],
    st: &State,
) {
    let Some(lang) = lang_of(inv.program_name()) else {
        return;
    };
    // PowerShell's `-Command` takes every word after it as the code (`powershell -c git push
    // --force`).
    let rest_of_line = std::ptr::eq(lang, &POWERSHELL)
        .then(|| powershell_command_words(inv))
        .flatten();
    let mut codes: Vec<&Arg> = Vec::new();
    // The script operand's position: `python3 <(curl …)` runs what the substitution prints.
    let mut operand = None;
    let mut saw_operand = false;
    let mut from_file = false;
    let mut i = 1;
    if let (Some(word), Some(first)) = (lang.eval_word, inv.args.get(1))
        && first.text == word
    {
        codes.extend(inv.args.get(2));
        i = inv.args.len();
    }
    while let Some(a) = inv.args.get(i) {
        let t = a.text.as_str();
        if t == "--" {
            saw_operand = i + 1 < inv.args.len();
            operand = saw_operand.then_some(i + 1);
            break;
        }
        if lang.file_flags.contains(&t) {
            from_file = true;
            i += 2;
            continue;
        }
        if let Some((k, v)) = t.split_once('=').filter(|(k, _)| k.starts_with("--")) {
            if lang.code_flags.contains(&k) {
                codes.push(a);
                let _ = v;
            }
            i += 1;
            continue;
        }
        if lang.code_flags.contains(&t) {
            codes.extend(rest_of_line.as_ref().or(inv.args.get(i + 1)));
            i += 2;
            continue;
        }
        if lang.value_flags.contains(&t) {
            i += 2;
            continue;
        }
        if t.starts_with('-') && t.len() > 1 && !t.starts_with("--") {
            let body = &t[1..];
            if let Some(pos) = body.find(|c| lang.cluster_code.contains(c)) {
                let attached = &body[pos + 1..];
                if attached.is_empty() {
                    codes.extend(inv.args.get(i + 1));
                    i += 2;
                } else {
                    codes.push(a);
                    i += 1;
                }
                continue;
            }
            if t == "-m" && std::ptr::eq(lang, &PYTHON) {
                saw_operand = true;
                break;
            }
            i += 1;
            continue;
        }
        if t.starts_with("--") && t.len() > 2 {
            // Another long option (`--batch`, `--no-warnings`): not an operand.
            i += 1;
            continue;
        }
        if t == "-" {
            break;
        }
        if lang.operand_is_code && !from_file && codes.is_empty() {
            codes.push(a);
        }
        saw_operand = true;
        operand = Some(i);
        break;
    }
    // A framework's console given code to run: `python manage.py shell -c CODE`, `php artisan
    // tinker --execute=CODE`.
    if codes.is_empty()
        && let Some(at) = operand
        && let Some(code) = console_code(inv, at)
    {
        codes.push(code);
    }
    let via = inv.program_name().to_string();
    // The code comes from a stream: what a process substitution in the script's place prints,
    // or standard input when no code and no script were given.
    let substituted = operand
        .and_then(|k| procsubs.iter().find(|(at, _)| *at == k))
        .map(|(_, produced)| produced.clone());
    // A console given no code reads it from standard input (`echo CODE | python manage.py
    // shell`).
    let console = operand.is_some_and(|at| console_words(inv, at).is_some());
    if codes.is_empty() && (substituted.is_some() || console || (!saw_operand && !from_file)) {
        attach_stream(w, index, inv, substituted.or(stdin), st, &via);
        return;
    }
    for code in codes {
        let text = match code.text.split_once('=') {
            Some((k, v)) if k.starts_with("--") => v.to_string(),
            _ if code.text.starts_with('-') && code.text.len() > 2 && !lang.operand_is_code => {
                let body = &code.text[1..];
                body.find(|c| lang.cluster_code.contains(c))
                    .map(|p| body[p + 1..].to_string())
                    .unwrap_or_default()
            }
            _ => code.text.clone(),
        };
        attach_code_arg(w, index, inv, code, &text, st, &via);
    }
}

/// The words after PowerShell's `-Command` joined into one code word, when there is more than
/// one (a single word is the code as it is).
fn powershell_command_words(inv: &Invocation) -> Option<Arg> {
    let at = inv
        .args
        .iter()
        .position(|a| POWERSHELL.code_flags.contains(&a.text.as_str()))?;
    let words = inv.args.get(at + 1..).filter(|w| w.len() > 1)?;
    let text = words
        .iter()
        .map(|a| a.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    Some(match words.iter().any(|a| a.dynamic) {
        true => Arg::unknown(&text),
        false => Arg::literal(text),
    })
}

/// Attaches `text`, the code argument `code` of invocation `index` carries, marking that
/// argument as code (and the invocation opaque when the code is only known at run time).
fn attach_code_arg(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    code: &Arg,
    text: &str,
    st: &State,
    via: &str,
) {
    if let Some(arg) = inv.args.iter().position(|a| std::ptr::eq(a, code)) {
        w.mark_code_arg(index, arg);
    }
    if code.dynamic {
        w.mark_opaque(index, Opaque::DynamicCode);
    }
    attach(w, index, inv, text, st, via);
}

/// The words after a framework's console command, given the script operand at `at`: Django's
/// `manage.py shell ...` and Laravel's `artisan tinker ...`, with the flags that give it code.
fn console_words(inv: &Invocation, at: usize) -> Option<(&[Arg], &'static [&'static str])> {
    let script = inv.args.get(at)?.text.rsplit('/').next()?;
    let rest = inv.args.get(at + 1..)?;
    let (command, flags): (&str, &'static [&'static str]) = match script {
        "manage.py" => ("shell", &["-c", "--command"]),
        "artisan" => ("tinker", &["--execute"]),
        _ => return None,
    };
    (rest.first()?.text == command).then(|| (&rest[1..], flags))
}

/// The code a framework's console runs, given the script operand at `at`: Django's
/// `manage.py shell -c|--command CODE` and Laravel's `artisan tinker --execute[=]CODE`.
fn console_code(inv: &Invocation, at: usize) -> Option<&Arg> {
    let (rest, flags) = console_words(inv, at)?;
    let mut words = rest.iter();
    while let Some(a) = words.next() {
        if flags.contains(&a.text.as_str()) {
            return words.next();
        }
        if a.text
            .split_once('=')
            .is_some_and(|(k, _)| k.starts_with("--") && flags.contains(&k))
        {
            return Some(a);
        }
    }
    None
}

/// The words of a `rails` command that are not options, its subcommand first; `None` for
/// another program.
fn rails_operands(inv: &Invocation) -> Option<impl Iterator<Item = &Arg>> {
    (inv.program_name() == "rails")
        .then(|| inv.args.iter().skip(1).filter(|a| !a.text.starts_with('-')))
}

/// The Ruby code `rails runner CODE` (also `rails r`) runs; `None` for a script file
/// (`rails runner script.rb`, not read) or another invocation.
pub fn rails_runner_code(inv: &Invocation) -> Option<&Arg> {
    let mut positional = rails_operands(inv)?;
    if !positional
        .next()
        .is_some_and(|a| matches!(a.text.as_str(), "runner" | "r"))
    {
        return None;
    }
    positional.next().filter(|code| !code.text.ends_with(".rb"))
}

/// Whether `inv` is the Rails console outside its sandbox (`rails console`, `rails c`): it runs
/// the Ruby code it reads from standard input, and keeps what that code changes.
pub fn rails_console(inv: &Invocation) -> bool {
    rails_operands(inv)
        .and_then(|mut positional| positional.next())
        .is_some_and(|a| matches!(a.text.as_str(), "console" | "c"))
        && !inv
            .args
            .iter()
            .any(|a| a.text == "--sandbox" || a.text == "-s")
}

/// Unwraps the Rails console (see [`rails_console`]): the code it reads from standard input is
/// attached and analysed as `ruby` code is.
pub fn unwrap_rails_console(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    stdin: Option<Stdin>,
    st: &State,
) {
    attach_stream(w, index, inv, stdin, st, "ruby");
}

/// Attaches the code `inv` reads from a stream (its standard input, what a process
/// substitution prints), or marks `inv` opaque when what the stream carries is not known.
fn attach_stream(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    stream: Option<Stdin>,
    st: &State,
    via: &str,
) {
    if let Some((text, _)) = w.code_text(index, stream.as_ref()) {
        attach(w, index, inv, text, st, via);
    }
}

/// Unwraps `rails runner CODE` (see [`rails_runner_code`]): the code is attached and analysed
/// as `ruby -e` code is.
pub fn unwrap_rails_runner(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    code: &Arg,
    st: &State,
) {
    attach_code_arg(w, index, inv, code, &code.text, st, "ruby");
}

/// Attaches `code` to invocation `index` and analyses the shell commands embedded in it.
fn attach(w: &mut Walker<'_>, index: usize, inv: &Invocation, code: &str, st: &State, via: &str) {
    let lang = lang_of(via);
    let is = |other: &Lang| lang.is_some_and(|l| std::ptr::eq(l, other));
    let deletes = literal_deletes(code);
    let mut judged: Vec<_> = deletes.iter().map(|(span, _)| span.clone()).collect();
    if is(&POWERSHELL) {
        // A removal of literal paths is judged below as the command it is, when the shell
        // reads it as one; one it cannot read stays for the script rules.
        judged.extend(
            super::powershell::literal_removals(code)
                .into_iter()
                .filter(|span| w.parses(&super::powershell::shell_text(&code[span.clone()]))),
        );
    }
    w.set_script(index, without_spans(code, &judged));
    let mut sub = st.clone();
    sub.prov = inv.provenance.clone();
    sub.cwd = inv.cwd.clone();
    sub.remote = inv.remote;
    sub.stdin = None;
    if is(&TCL) {
        for text in super::tcl::shell_commands(code) {
            w.run_text(&text, &sub, Some(Step::via(StepKind::InlineCode, via)));
        }
        return;
    }
    if is(&POWERSHELL) {
        for text in super::powershell::shell_commands(code) {
            w.run_text_if_shell(&text, &sub, Some(Step::via(StepKind::InlineCode, via)));
        }
    }
    let backticks = matches!(
        via.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.'),
        "ruby" | "jruby" | "perl" | "php"
    );
    let mut embedded = match is(&PERL) || is(&RUBY) {
        true => embedded_commands(&plain_quotes(code), backticks),
        false => embedded_commands(code, backticks),
    };
    embedded.extend(deletes.into_iter().map(|(_, delete)| delete));
    embedded.extend(http_deletes(code));
    if is(&AWK) {
        embedded.extend(awk_commands(code));
    }
    for embedded in embedded {
        match embedded {
            Embedded::Shell(text) => {
                w.run_text(&text, &sub, Some(Step::via(StepKind::InlineCode, via)))
            }
            Embedded::Dynamic => w.mark_opaque(index, Opaque::DynamicCode),
            Embedded::Argv(items) => {
                let home = sub.vars.known.get("HOME").cloned();
                let args = items
                    .into_iter()
                    .map(|item| match (item, &home) {
                        (Item::Literal(text), _) => Arg::literal(text),
                        (Item::Home, Some(home)) => Arg::literal(home.clone()),
                        (Item::Home, None) => Arg::unknown("~"),
                        (Item::Unknown(expr), _) => Arg::unknown(&expr),
                    })
                    .collect();
                let inner = inv.nested(args, [Step::via(StepKind::InlineCode, via)]);
                w.emit(inner, None, &[], &sub);
            }
        }
    }
}

/// A command found inside interpreter code.
#[derive(Debug, PartialEq, Eq)]
pub enum Embedded {
    /// A string run by a shell (`os.system("rm -rf x")`).
    Shell(String),
    /// An argv list run directly (`subprocess.run(["rm", "-rf", "x"])`).
    Argv(Vec<Item>),
    /// A command built when the code runs: `os.system(cmd)`, `os.system("rm -rf " + p)`,
    /// awk's `system("rm -rf " $1)` or `print | "sh"`.
    Dynamic,
}

/// One element of an argv list in interpreter code.
#[derive(Debug, PartialEq, Eq)]
pub enum Item {
    /// A string literal.
    Literal(String),
    /// The user's home directory (`os.path.expanduser("~")`, `Path.home()`, `os.homedir()`).
    Home,
    /// Any other expression: known only when the code runs.
    Unknown(String),
}

/// Expressions in a list element that stand for the home directory.
const HOME_EXPRESSIONS: [&str; 11] = [
    "expanduser('~')",
    "expanduser(\"~\")",
    "Path.home()",
    "homedir()",
    "environ['HOME']",
    "environ[\"HOME\"]",
    "getenv('HOME')",
    "$ENV{HOME}",
    "ENV['HOME']",
    "ENV[\"HOME\"]",
    "Dir.home",
];

/// The elements of the list `[a, b, ...]` (brackets included), split at its top-level commas.
fn list_items(list: &str) -> Vec<Item> {
    let inner = list
        .strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
        .unwrap_or(list);
    let mut items = Vec::new();
    let (mut nesting, mut start) = (Nesting::default(), 0);
    for (i, c) in inner.char_indices().chain([(inner.len(), ',')]) {
        if nesting.outside(c) && c == ',' && nesting.depth == 0 {
            let item = inner[start..i].trim();
            start = i + 1;
            if !item.is_empty() {
                items.push(item_of(item));
            }
        }
    }
    items
}

/// Quotes and bracket depth, followed through code a character at a time.
#[derive(Default)]
struct Nesting {
    depth: usize,
    quote: Option<char>,
    escaped: bool,
}

impl Nesting {
    /// Takes in `c`; returns whether it is outside every string (the quotes that open and close
    /// one are inside). Brackets outside strings change the depth.
    fn outside(&mut self, c: char) -> bool {
        match (self.quote, c) {
            (Some(_), _) if self.escaped => self.escaped = false,
            (Some(_), '\\') => self.escaped = true,
            (Some(q), c) if c == q => self.quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => self.quote = Some(c),
            (None, '(' | '[' | '{') => {
                self.depth += 1;
                return true;
            }
            (None, ')' | ']' | '}') => {
                self.depth = self.depth.saturating_sub(1);
                return true;
            }
            (None, _) => return true,
        }
        false
    }
}

/// Ruby's and Perl's `system("kubectl", "delete", "ns", x)`: a call given a program name (a
/// string without spaces) and more arguments runs that program with them, without a shell.
/// Perl's calls need no parentheses (`exec "rm", "-rf", "/";`): their arguments end at the
/// statement's `;`. `first` is the first argument's literal, `rest` the code after it; `None`
/// when the call has one argument, or its others are not plain values (a block, a hash, `key
/// => value`).
fn argument_list(first: &str, rest: &str) -> Option<Vec<Item>> {
    if first.starts_with('[') || first.starts_with('`') || first.contains(char::is_whitespace) {
        return None;
    }
    let tail = rest.trim_start().strip_prefix(',')?;
    let close = tail.find([')', ';']).unwrap_or(tail.len());
    let items = list_items(&format!("[{first},{}]", &tail[..close]));
    let plain = |item: &Item| match item {
        Item::Literal(_) | Item::Home => true,
        Item::Unknown(expr) => expr
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '@' | '.' | ':')),
    };
    (items.len() > 1 && items.iter().all(plain)).then_some(items)
}

/// The list literal that opens at `code[start]` (a `[`), up to the `]` that closes it, past
/// brackets nested inside it and inside its strings; `None` when it does not open a list or is
/// never closed.
fn whole_list(code: &str, start: usize) -> Option<&str> {
    let rest = code.get(start..)?;
    if !rest.starts_with('[') {
        return None;
    }
    let mut nesting = Nesting::default();
    for (i, c) in rest.char_indices() {
        if nesting.outside(c) && matches!(c, ')' | ']' | '}') && nesting.depth == 0 {
            return rest.get(..=i);
        }
    }
    None
}

/// What one list element is.
fn item_of(item: &str) -> Item {
    let literal = string_literal_re().and_then(|re| re.captures(item.as_bytes()));
    if let Some(cap) = literal
        && cap
            .get(0)
            .is_some_and(|m| m.start() == 0 && m.end() == item.len())
        && let Some(m) = cap.get(1).or_else(|| cap.get(2))
        && let Some(text) = text(item, m)
    {
        return Item::Literal(unescape_literal(text));
    }
    if HOME_EXPRESSIONS.iter().any(|h| item.contains(h)) {
        return Item::Home;
    }
    // The running interpreter itself (`[sys.executable, "-m", "pip", ...]`).
    match item {
        "sys.executable" => return Item::Literal("python3".into()),
        "process.execPath" | "process.argv[0]" => return Item::Literal("node".into()),
        _ => {}
    }
    Item::Unknown(item.to_string())
}

/// Compiles `pattern` once into `cell`. The patterns are constants covered by tests; should one
/// ever fail to compile, it matches nothing (the code is still attached for `script` rules).
/// Byte regexes without Unicode classes: the patterns only name ASCII syntax, and compiling the
/// Unicode tables would cost more than the whole rest of a `check`.
fn cached(cell: &'static OnceLock<Option<Regex>>, pattern: &str) -> Option<&'static Regex> {
    cell.get_or_init(|| RegexBuilder::new(pattern).unicode(false).build().ok())
        .as_ref()
}

/// The text of `m` within `code`. Every pattern here starts and ends its captures at ASCII
/// delimiters, so the slice is on character boundaries; one that is not is skipped.
fn text<'a>(code: &'a str, m: Match<'_>) -> Option<&'a str> {
    code.get(m.start()..m.end())
}

/// Substrings one of which every call `shell_call_re` matches contains: code with none of them
/// cannot match, and skipping the regex spares compiling it in a process that checks one command.
const SHELL_CALL_HINTS: [&str; 22] = [
    ".call",
    ".run",
    "Popen",
    "system",
    "popen",
    "subprocess",
    "getoutput",
    "getstatusoutput",
    "check_",
    "exec",
    "spawn",
    "passthru",
    "proc_open",
    "Open3",
    "sh",
    "do script",
    "write text",
    "profile",
    "os:cmd",
    "run-program",
    "open-input-pipe",
    "Process",
];

fn shell_call_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    cached(
        &RE,
        r#"(?x)
        \b(?: os\.system | os\.popen | subprocess\.[a-z_]+ | commands\.getoutput | check_output | check_call
          | [a-z_][a-z0-9_]*\.(?:call|run|Popen|getoutput|getstatusoutput)
          | (?:__import__|import_module)\(\s*["']subprocess["']\s*\)\.[a-z_]+
          | execSync | exec | spawnSync | spawn | execFileSync | execFile | system | popen | shell_exec
          | passthru | proc_open | os\.execute | io\.popen | Open3\.[a-z0-9_]+ | sh | os:cmd
          | shell-command | shell-command-to-string | call-process-shell-command | run-program
          | open-input-pipe | open-output-pipe | Process
          | do\s+shell\s+script | do\s+script | write\s+text
          | with\s+(?:default\s+profile|profile\s+"[^"]*")\s+command )
        \s*\(?\s* (?:[rfbu]{0,2})
        ( "(?:[^"\\]|\\.)*" | '(?:[^'\\]|\\.)*' | `[^`]*` | \[[^\]]*\] )"#,
    )
}

/// Node's `execFile("rm", ["-rf", x])` and `spawn(...)`: the program, then its arguments; and
/// Python's `os.execvp("rm", ["rm", "-rf", x])`, whose list starts with argv[0].
fn program_and_list_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    cached(
        &RE,
        r#"\b(execFileSync|execFile|spawnSync|spawn|os\.exec[lv]p?e?)\s*\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*,\s*(\[[^\]]*\])"#,
    )
}

/// Commands other languages run from a literal in a shape the shell-call pattern does not
/// have (Erlang's `os:cmd("cmd")` is one of [`shell_call_re`]'s calls): Julia's `` run(`cmd`) ``,
/// Groovy's `"cmd".execute()` and Scala's `"cmd".!` (`.!!`). Each is split into words; the
/// words are the command's.
fn command_literal_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    cached(
        &RE,
        r#"\brun\s*\(\s*`([^`]*)`|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\.(?:execute\s*\(|!!?)"#,
    )
}

/// Web DELETE requests made in interpreter code to a URL written in it, each as the `curl -X
/// DELETE URL` it amounts to, so that the web rules judge its host as they judge curl's:
/// `requests.delete("https://...")` (httpx, axios, got, HTTParty, RestClient, a session, a Perl
/// user agent: any `.delete(URL)` or `->delete(URL)`), `requests.request("DELETE", URL)`,
/// Perl's `DELETE => URL`, and `fetch(URL, {method: "DELETE"})`. A URL the code builds as it
/// runs (`f"{base}/x"`, `` `${api}/x` ``) is not known here.
pub fn http_deletes(code: &str) -> Vec<Embedded> {
    if !code
        .as_bytes()
        .windows(6)
        .any(|w| w.eq_ignore_ascii_case(b"delete"))
    {
        return Vec::new();
    }
    let Some(re) = http_delete_re() else {
        return Vec::new();
    };
    re.captures_iter(code.as_bytes())
        .filter_map(|c| c.name("url").or_else(|| c.name("fetched")))
        .filter_map(|m| text(code, m))
        .map(|url| {
            let target = if url.contains(['{', '$', '#']) {
                Item::Unknown(url.to_string())
            } else {
                Item::Literal(url.to_string())
            };
            Embedded::Argv(vec![
                Item::Literal("curl".into()),
                Item::Literal("-X".into()),
                Item::Literal("DELETE".into()),
                target,
            ])
        })
        .collect()
}

fn http_delete_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    cached(
        &RE,
        r#"(?xi)
        (?: (?:\.|->)delete\s*\(\s* | \brequest\s*\(\s*["']delete["']\s*,\s* | \bdelete\s*=>\s* )
        [rfbu]{0,2} ["'`] (?P<url> https?://[^"'`\s]+ )
        | \bfetch\s*\(\s* [rfbu]{0,2} ["'`] (?P<fetched> https?://[^"'`\s]+ ) ["'`] \s*,\s*
          \{ [^}]* \bmethod\s*:\s*["'`]delete["'`]"#,
    )
}

/// The shell templates of Bun (`` Bun.$`cmd` ``), zx and dax (`` $`cmd` ``).
fn js_shell_template_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    cached(&RE, r"\$`([^`]*)`")
}

fn backtick_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    cached(
        &RE,
        r"(?:%x\{([^}]*)\}|%x\(([^)]*)\)|%x\[([^\]]*)\]|%x<([^>]*)>|%x\|([^|]*)\||`([^`]*)`)",
    )
}

fn string_literal_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    cached(&RE, r#""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'"#)
}

fn unescape_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether the literal `arg` a shell-running call was given is only part of the command:
/// interpolated (a Python f-string, Ruby's `#{}`) or joined with more at run time (`+`, `%`,
/// `.format`, Perl's and PHP's `.`, awk's juxtaposition `"rm " $1`). `call` is the text from the
/// function's name to the literal, `rest` the code after it.
fn built_at_run_time(call: &str, arg: &str, rest: &str) -> bool {
    let f_string = call
        .trim_end_matches(['r', 'R', 'b', 'B'])
        .ends_with(['f', 'F']);
    if (f_string && arg.contains('{')) || (arg.starts_with('"') && arg.contains("#{")) {
        return true;
    }
    let parenthesised = call.contains('(');
    match rest.trim_start().chars().next() {
        Some('+' | '%' | '.' | '$') => true,
        // `system("rm -rf " dir)`: inside the call's parentheses, a name right after the
        // string is joined to it (awk); outside them it is the next statement or a keyword.
        Some(c) if parenthesised => c.is_ascii_alphabetic() || c == '_',
        _ => false,
    }
}

/// A call that runs a shell or program given a command held in a variable or built by an
/// expression (`os.system(cmd)`, `subprocess.run(args)`, `execSync(process.argv[2])`,
/// Perl's `system $cmd`). `exec` and `spawn` count where they mean a process (code that uses
/// Node's `child_process`, or Perl, Ruby, PHP): in Python `exec` runs Python, and a
/// JavaScript regex has `.exec` too. Asked only of code that contains one of
/// [`SHELL_CALL_HINTS`].
fn dynamic_call(code: &str, backticks: bool) -> bool {
    let Some(re) = dynamic_call_re() else {
        return false;
    };
    let processes = backticks || code.contains("child_process");
    re.captures_iter(code.as_bytes()).any(|cap| {
        let name = cap.get(1).map_or(&b""[..], |m| m.as_bytes());
        processes || !matches!(name, b"exec" | b"spawn")
    })
}

fn dynamic_call_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    cached(
        &RE,
        r#"(?x)
        \b( os\.system | os\.popen | os\.spawn[a-z]* | os\.exec[lv]p?e? | pty\.spawn
          | subprocess\.(?:[a-z_]+|Popen) | commands\.get[a-z]*output | check_output | check_call
          | getoutput | getstatusoutput | os\.execute | io\.popen | Open3\.[a-z0-9_]+
          | shell_exec | passthru | proc_open | popen | system | os:cmd
          | execSync | execFileSync | spawnSync | execFile | spawn | exec )
        (?: \s*\(\s*[A-Za-z_$@] | [\ \t]+\$ )"#,
    )
}

/// awk's other ways to run commands: `"cmd" | getline`, `print ... | "cmd"` (a shell given
/// awk's output runs it: dynamic), and either with a command held in a variable.
fn awk_commands(code: &str) -> Vec<Embedded> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let re = cached(
        &RE,
        r#"(?x)
          ( "(?:[^"\\]|\\.)*" | [A-Za-z_$][A-Za-z0-9_$\[\]]* | \) ) \s* \|&? \s* getline
        | \bprintf?\b [^|;}\n]* [^|] \|&? \s* ( "(?:[^"\\]|\\.)*" | [A-Za-z_$(] )"#,
    );
    let mut out = Vec::new();
    for cap in re
        .into_iter()
        .flat_map(|re| re.captures_iter(code.as_bytes()))
    {
        let (Some(source), feeds) = (cap.get(1).or_else(|| cap.get(2)), cap.get(2).is_some())
        else {
            continue;
        };
        let Some(command) = text(code, source).and_then(|t| t.strip_prefix('"')) else {
            out.push(Embedded::Dynamic);
            continue;
        };
        let command = unescape_literal(command.strip_suffix('"').unwrap_or(command));
        let program = command.split_whitespace().next().unwrap_or_default();
        if feeds && super::unwrap::is_shell(program.rsplit('/').next().unwrap_or(program)) {
            out.push(Embedded::Dynamic);
        } else {
            out.push(Embedded::Shell(command));
        }
    }
    out
}

/// Library calls that delete the path given as a string literal, with the span of the call:
/// Python's `shutil.rmtree("build")`, `os.remove("x")`, `os.unlink("x")`,
/// `Path("x").unlink()`, Node's `fs.rmSync("dist", {recursive: true})` and
/// `fs.unlinkSync("x")`, Ruby's `FileUtils.rm_rf("tmp")` and `File.delete("x")`, Perl's and
/// PHP's `unlink("x")` and Perl's `rmtree("x")`, each as the `rm` it amounts to. The path is
/// then judged as `rm` would judge it (a workspace directory passes, `/etc` or the home
/// directory does not), and the call is hidden from the `script` rules. A call given anything
/// but one literal — a variable, an interpolating string (`"$dir"`, `"#{dir}"`), more paths
/// after the first (`unlink "a", "b"`) — stays for the `interp.delete-code` rule, which holds
/// it.
fn literal_deletes(code: &str) -> Vec<(std::ops::Range<usize>, Embedded)> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    static PATH_RE: OnceLock<Option<Regex>> = OnceLock::new();
    let hinted = [
        "rmtree",
        "remove",
        "unlink",
        "rmdir",
        "rmSync",
        "rm_",
        "FileUtils.rm",
        "delete",
        ".rm",
    ]
    .iter()
    .any(|hint| code.contains(hint));
    let calls = hinted
        .then(|| {
            cached(
                &RE,
                r#"(?x)
                  ( \bshutil\.rmtree | \bos\.remove | \bos\.unlink | \bos\.rmdir
                    | \.rmSync | \.rmdirSync | \.unlinkSync | \bfs\.promises\.rm
                    | \bfs\.promises\.unlink | \bfs\.promises\.rmdir | \bfs\.rm | \bfs\.rmdir
                    | \bfs\.unlink | \.unlink\b | \.rm\b
                    | \bFileUtils\.(?:rm_rf|rm_r|rm_f|rm|remove_dir|remove_entry_secure|remove_entry|remove_file)
                    | \bFile\.(?:delete|unlink)
                    | \b(?:File::Path::)?(?:rmtree|remove_tree)
                    | (?:^|[\s;{(])unlink )
                  \s*\(?\s* ( "[^"\\]*" | '[^'\\]*' )"#,
            )
        })
        .flatten();
    // `Path("x").unlink()`, `pathlib.Path('d').rmdir()`.
    let paths = (hinted && code.contains("Path"))
        .then(|| {
            cached(
                &PATH_RE,
                r#"\bPath\s*\(\s*("[^"\\]*"|'[^'\\]*')\s*\)\s*\.\s*(unlink|rmdir)\s*\("#,
            )
        })
        .flatten();
    let mut out = Vec::new();
    for (whole, call, path) in two_captures(calls, code) {
        let rest = &code[whole.end..];
        // Python's and Node's calls take one path (then options, or Node's callback); Ruby's,
        // Perl's and PHP's may take more. A path starting with `~` is the home directory to
        // some (R's `unlink`): left to the script rules, as a path only known at run time is.
        let one_path = ["shutil.", "os.", "fs.", "."]
            .iter()
            .any(|prefix| call.starts_with(prefix));
        // A first argument starting with `-` is an option (shelljs's `shell.rm('-rf', dir)`).
        if interpolates(path) || path[1..].starts_with(['~', '-']) || !one_path && more_paths(rest)
        {
            continue;
        }
        // R's `unlink(x, recursive = TRUE)` deletes a tree.
        let recursive_option = rest
            .split(')')
            .next()
            .is_some_and(|args| args.to_ascii_lowercase().contains("recursive"));
        // One file: os.remove, unlink in every spelling, FileUtils.rm/rm_f/remove_file,
        // File.delete; the rest delete trees.
        let single = call.starts_with("os.")
            || call.starts_with("File.")
            || [
                "unlink",
                "unlinkSync",
                "FileUtils.rm",
                "rm_f",
                "remove_file",
            ]
            .iter()
            .any(|s| call.ends_with(s));
        let flags = if single && !recursive_option {
            "-f"
        } else {
            "-rf"
        };
        let argv = ["rm", flags, &path[1..path.len() - 1]].map(|w| Item::Literal(w.to_string()));
        out.push((whole, Embedded::Argv(argv.into())));
    }
    for (whole, path, method) in two_captures(paths, code) {
        let program = if method == "rmdir" { "rmdir" } else { "rm" };
        let argv = [program, &path[1..path.len() - 1]].map(|w| Item::Literal(w.to_string()));
        out.push((whole, Embedded::Argv(argv.into())));
    }
    out
}

/// Each match of `re` in `code` with the text of its first two groups (matches missing either
/// are skipped).
fn two_captures<'a>(
    re: Option<&'static Regex>,
    code: &'a str,
) -> impl Iterator<Item = (std::ops::Range<usize>, &'a str, &'a str)> {
    re.into_iter()
        .flat_map(|re| re.captures_iter(code.as_bytes()))
        .filter_map(|cap| {
            Some((
                cap.get(0)?.range(),
                text(code, cap.get(1)?)?,
                text(code, cap.get(2)?)?,
            ))
        })
}

/// Whether the string literal `quoted` (quotes included) may interpolate a value in some
/// language: a double-quoted string with `$`, `@` (Perl, PHP) or `#{` (Ruby) in it.
fn interpolates(quoted: &str) -> bool {
    quoted.starts_with('"')
        && (quoted.contains('$') || quoted.contains('@') || quoted.contains("#{"))
}

/// Whether the code after a delete call's first path gives it more paths (`unlink "a", "b"`,
/// `File.delete("a", b)`) rather than options (`, ignore_errors=True`, `, {recursive: true}`,
/// `, verbose: true`, `, :secure => true`).
fn more_paths(rest: &str) -> bool {
    let Some(next) = rest.trim_start().strip_prefix(',') else {
        return false;
    };
    let next = next.trim_start();
    if next.starts_with('{') || next.starts_with(':') {
        return false;
    }
    let word: String = next
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let after = next[word.len()..].trim_start();
    let option = !word.is_empty()
        && !word.starts_with(|c: char| c.is_ascii_digit())
        && (after.starts_with('=') && !after.starts_with("==")
            || after.starts_with(':') && !after.starts_with("::")
            || after.starts_with("=>"));
    // `true`/`True` as a second positional argument (`shutil.rmtree("x", True)`).
    !option && !matches!(word.as_str(), "true" | "True" | "false" | "False")
}

/// `code` with `spans` (calls and statements judged as the commands they amount to) blanked
/// out.
fn without_spans(code: &str, spans: &[std::ops::Range<usize>]) -> String {
    let mut out = code.to_string();
    for span in spans {
        if let Some(part) = code.get(span.clone()) {
            out.replace_range(span.clone(), &" ".repeat(part.len()));
        }
    }
    out
}

/// Perl's and Ruby's quote-like literals (`q(...)`, `qq{...}`, `%q[...]`, `%Q<...>`,
/// `%(...)`) spelled as the double-quoted strings they are, and their command literals
/// (`qx(...)`, `%x{...}`) as the backticks they are, so that the shell-call patterns read
/// `system q(rm -rf ~)` as they read `system "rm -rf ~"`. A literal with no closing delimiter
/// is left as it is.
fn plain_quotes(code: &str) -> String {
    const OPENERS: &[(u8, u8)] = &[(b'(', b')'), (b'{', b'}'), (b'[', b']'), (b'<', b'>')];
    let bytes = code.as_bytes();
    let mut out = String::with_capacity(code.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let after_word = i > 0
            && (bytes[i - 1].is_ascii_alphanumeric()
                || matches!(bytes[i - 1], b'_' | b'$' | b'@' | b'&' | b':' | b'>' | b'-'));
        let rest = &bytes[i..];
        let prefix = ["qq", "qx", "q", "%Q", "%q", "%x", "%"]
            .into_iter()
            .find(|p| rest.starts_with(p.as_bytes()));
        let (Some(prefix), false) = (prefix, after_word) else {
            i += 1;
            continue;
        };
        let open_at = i + prefix.len();
        let Some(&open) = bytes.get(open_at) else {
            break;
        };
        let bracket = OPENERS.iter().find(|(o, _)| *o == open).map(|(_, c)| *c);
        let close = match (bracket, prefix) {
            (Some(close), _) => close,
            // A bare `%` quotes only with a bracket (`a % b` is arithmetic).
            (None, "%") => {
                i += 1;
                continue;
            }
            (None, _) if matches!(open, b'/' | b'!' | b'|' | b'#') => open,
            (None, _) => {
                i += 1;
                continue;
            }
        };
        let mut depth = 0usize;
        let end = (open_at + 1..bytes.len()).find(|&j| {
            let b = bytes[j];
            if b == close && depth == 0 && bytes[j - 1] != b'\\' {
                return true;
            }
            if bracket.is_some() && b == open {
                depth += 1;
            } else if bracket.is_some() && b == close {
                depth = depth.saturating_sub(1);
            }
            false
        });
        let Some(end) = end else {
            i += 1;
            continue;
        };
        let body = &code[open_at + 1..end];
        out.push_str(&code[copied..i]);
        if prefix.ends_with('x') {
            out.push('`');
            out.push_str(body);
            out.push('`');
        } else {
            out.push('"');
            out.push_str(&body.replace('"', "\\\""));
            out.push('"');
        }
        i = end + 1;
        copied = i;
    }
    out.push_str(&code[copied..]);
    out
}

/// Finds shell commands embedded in interpreter code; `backticks` for languages where
/// `` `cmd` `` runs a shell (Ruby, Perl, PHP).
pub fn embedded_commands(code: &str, backticks: bool) -> Vec<Embedded> {
    let mut out = Vec::new();
    let hinted = SHELL_CALL_HINTS.iter().any(|hint| code.contains(hint));
    let calls = hinted.then(shell_call_re).flatten();
    for cap in calls
        .into_iter()
        .flat_map(|re| re.captures_iter(code.as_bytes()))
    {
        let Some(found) = cap.get(1) else {
            continue;
        };
        let Some(arg) = text(code, found) else {
            continue;
        };
        // The pattern ends a list at its first `]`: `[..., os.environ['HOME']]` goes on.
        let arg = whole_list(code, found.start()).unwrap_or(arg);
        let end = found.start() + arg.len();
        let call = cap.get(0).map_or("", |m| &code[m.start()..found.start()]);
        if built_at_run_time(call, arg, &code[end..]) {
            out.push(Embedded::Dynamic);
        }
        if backticks && let Some(items) = argument_list(arg, &code[end..]) {
            out.push(Embedded::Argv(items));
        } else if arg.starts_with('[') {
            let items = list_items(arg);
            if !items.is_empty() {
                out.push(Embedded::Argv(items));
            }
        } else {
            let inner = &arg[1..arg.len().saturating_sub(1).max(1)];
            out.push(Embedded::Shell(unescape_literal(inner)));
        }
    }
    if hinted && dynamic_call(code, backticks) {
        out.push(Embedded::Dynamic);
    }
    let programs =
        (code.contains("execFile") || code.contains("spawn") || code.contains("os.exec"))
            .then(program_and_list_re)
            .flatten();
    for cap in programs
        .into_iter()
        .flat_map(|re| re.captures_iter(code.as_bytes()))
    {
        if let (Some(function), Some(program), Some(list)) = (
            cap.get(1).and_then(|m| text(code, m)),
            cap.get(2).and_then(|m| text(code, m)),
            cap.get(3)
                .and_then(|m| whole_list(code, m.start()).or_else(|| text(code, m))),
        ) {
            let argv0 = usize::from(function.starts_with("os."));
            let mut items = vec![item_of(program)];
            items.extend(list_items(list).into_iter().skip(argv0));
            out.push(Embedded::Argv(items));
        }
    }
    let literals = (code.contains("run(") || code.contains(".execute") || code.contains(".!"))
        .then(command_literal_re)
        .flatten();
    for cap in literals
        .into_iter()
        .flat_map(|re| re.captures_iter(code.as_bytes()))
    {
        let found = (1..=2).find_map(|g| cap.get(g)).and_then(|m| text(code, m));
        if let Some(found) = found {
            let inner = found
                .strip_prefix(['"', '\''])
                .and_then(|f| f.strip_suffix(['"', '\'']))
                .map_or(found.to_string(), unescape_literal);
            out.push(Embedded::Shell(inner));
        }
    }
    let templates = code.contains("$`").then(js_shell_template_re).flatten();
    for cap in templates
        .into_iter()
        .flat_map(|re| re.captures_iter(code.as_bytes()))
    {
        if let Some(found) = cap.get(1).and_then(|m| text(code, m)) {
            out.push(Embedded::Shell(found.to_string()));
        }
    }
    // Only languages where backticks run a shell, and only code that has one: compiling the
    // pattern for every `python -c` would cost more than the rest of its check.
    let ticks = (backticks && (code.contains('`') || code.contains("%x")))
        .then(backtick_re)
        .flatten();
    let Some(ticks) = ticks else {
        return out;
    };
    for cap in ticks.captures_iter(code.as_bytes()) {
        if let Some(found) = (1..cap.len())
            .find_map(|group| cap.get(group))
            .and_then(|m| text(code, m))
            && !out
                .iter()
                .any(|e| matches!(e, Embedded::Shell(s) if s == found))
        {
            out.push(Embedded::Shell(found.to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_deletes_become_rm_and_leave_the_script() {
        let code = r#"import shutil; shutil.rmtree("build"); shutil.rmtree(target)"#;
        let deletes = literal_deletes(code);
        let argv: Vec<&Embedded> = deletes.iter().map(|(_, e)| e).collect();
        assert_eq!(
            argv,
            [&Embedded::Argv(vec![
                Item::Literal("rm".into()),
                Item::Literal("-rf".into()),
                Item::Literal("build".into())
            ])]
        );
        let spans: Vec<_> = deletes.iter().map(|(span, _)| span.clone()).collect();
        let masked = without_spans(code, &spans);
        assert!(!masked.contains("\"build\""));
        assert!(masked.contains("shutil.rmtree(target)"));
        assert!(literal_deletes("fs.unlinkSync(p)").is_empty());
    }

    #[test]
    fn literal_deletes_in_ruby_perl_php_and_pathlib() {
        let rm = |flags: &str, path: &str| {
            let mut argv = vec![Item::Literal("rm".into())];
            if !flags.is_empty() {
                argv.push(Item::Literal(flags.into()));
            }
            argv.push(Item::Literal(path.into()));
            vec![Embedded::Argv(argv)]
        };
        for (code, expected) in [
            (
                r#"require "fileutils"; FileUtils.rm_rf("tmp/cache")"#,
                rm("-rf", "tmp/cache"),
            ),
            (r#"FileUtils.rm_r "tmp", verbose: true"#, rm("-rf", "tmp")),
            (r#"FileUtils.rm_f('a.out')"#, rm("-f", "a.out")),
            (r#"File.delete("x.log")"#, rm("-f", "x.log")),
            (r#"unlink "a.out""#, rm("-f", "a.out")),
            (r#"use File::Path; rmtree("build")"#, rm("-rf", "build")),
            (r#"<?php unlink('cache.bin');"#, rm("-f", "cache.bin")),
            (r#"shutil.rmtree("x", True)"#, rm("-rf", "x")),
            (r#"fs.unlink('x.tmp', (err) => {})"#, rm("-f", "x.tmp")),
            (r#"require('fs').unlink('x.tmp', cb)"#, rm("-f", "x.tmp")),
            (r#"fs.rm('dist', done)"#, rm("-rf", "dist")),
            (
                r#"require('fs').rm('/srv', {recursive: true}, cb)"#,
                rm("-rf", "/srv"),
            ),
            (
                r#"unlink("/srv/data", recursive = TRUE)"#,
                rm("-rf", "/srv/data"),
            ),
            (
                r#"from pathlib import Path; Path('tmp.json').unlink(missing_ok=True)"#,
                rm("", "tmp.json"),
            ),
        ] {
            let found: Vec<Embedded> = literal_deletes(code).into_iter().map(|(_, e)| e).collect();
            assert_eq!(found, expected, "{code}");
        }
        // More than one path, or a path only known at run time, stays for the script rules.
        for code in [
            r#"unlink "a.out", "/etc/passwd""#,
            r#"File.delete("a", other)"#,
            r#"unlink "$ENV{HOME}/.bashrc""#,
            r##"FileUtils.rm_rf("#{Dir.home}")"##,
            r#"rmtree("@dirs")"#,
            r#"unlink("~", recursive=TRUE)"#,
            r#"shutil.rmtree('~/x')"#,
            r#"shell.rm('-rf', '/')"#,
        ] {
            assert!(literal_deletes(code).is_empty(), "{code}");
        }
        assert_eq!(
            literal_deletes("Path('d').rmdir()")
                .into_iter()
                .map(|(_, e)| e)
                .collect::<Vec<_>>(),
            vec![Embedded::Argv(vec![
                Item::Literal("rmdir".into()),
                Item::Literal("d".into())
            ])]
        );
    }

    #[test]
    fn perl_and_ruby_quote_like_literals_are_plain_strings() {
        assert_eq!(plain_quotes("system q(rm -rf ~)"), r#"system "rm -rf ~""#);
        assert_eq!(
            plain_quotes("exec qq{a (b) \"c\"}"),
            r#"exec "a (b) \"c\"""#
        );
        assert_eq!(plain_quotes("print qx[ls]; %x(id)"), "print `ls`; `id`");
        assert_eq!(plain_quotes("system %q<rm -rf ~>"), r#"system "rm -rf ~""#);
        assert_eq!(plain_quotes("q!a!"), r#""a""#);
        assert_eq!(plain_quotes("é system q(ü)"), r#"é system "ü""#);
        // Not quotes: an identifier's letters, a hash, arithmetic, a method call.
        for code in [
            "seq(1)",
            "my %h = (a => 1)",
            "$a % ($b)",
            "$o->q(1)",
            "freq{x}",
            "q(",
            "é q",
            "ünïcode %é",
        ] {
            assert_eq!(plain_quotes(code), code);
        }
    }

    #[test]
    fn web_deletes_to_a_written_url_are_curl_deletes() {
        let curl = |url: Item| {
            Embedded::Argv(vec![
                Item::Literal("curl".into()),
                Item::Literal("-X".into()),
                Item::Literal("DELETE".into()),
                url,
            ])
        };
        let url = "https://api.example.com/v1/projects/prod";
        for code in [
            format!("requests.delete('{url}')"),
            format!("httpx.delete(\"{url}\", timeout=5)"),
            format!("requests.request(\"DELETE\", '{url}')"),
            format!("await axios.delete(`{url}`)"),
            format!("fetch('{url}', {{method: 'DELETE', headers: h}})"),
            format!("$ua->request(HTTP::Request->new(DELETE => '{url}'))"),
            format!("LWP::UserAgent->new->delete(\"{url}\")"),
        ] {
            assert_eq!(
                http_deletes(&code),
                vec![curl(Item::Literal(url.into()))],
                "{code}"
            );
        }
        // A URL built as the code runs is not known; other methods are not deletes.
        assert_eq!(
            http_deletes("requests.delete(f'https://{host}/projects/1')"),
            vec![curl(Item::Unknown("https://{host}/projects/1".into()))]
        );
        assert!(http_deletes("requests.delete(f'{BASE}/projects/1')").is_empty());
        assert!(http_deletes(&format!("requests.get('{url}')")).is_empty());
        assert!(http_deletes(&format!("fetch('{url}', {{method: 'POST'}})")).is_empty());
    }

    #[test]
    fn finds_commands_run_from_literals_in_julia_groovy_erlang_and_scala() {
        for (code, command) in [
            ("run(`rm -rf /srv`)", "rm -rf /srv"),
            (r#""rm -rf /srv".execute()"#, "rm -rf /srv"),
            (r#""rm -rf /srv".!"#, "rm -rf /srv"),
            (r#"val out = "git push --force".!!"#, "git push --force"),
            (r#"os:cmd("rm -rf ~"), halt()."#, "rm -rf ~"),
        ] {
            assert_eq!(
                embedded_commands(code, false),
                vec![Embedded::Shell(command.into())],
                "{code}"
            );
        }
        assert!(embedded_commands(r#"cur.execute("SELECT 1")"#, false).is_empty());
        // Built when the code runs: only the start of the command is known.
        assert_eq!(
            embedded_commands(r#"os:cmd("rm -rf " ++ Dir)"#, false),
            vec![Embedded::Dynamic, Embedded::Shell("rm -rf ".into())]
        );
    }

    #[test]
    fn finds_shell_strings_and_argv_lists() {
        assert_eq!(
            embedded_commands(r#"import os; os.system("rm -rf /srv")"#, false),
            vec![Embedded::Shell("rm -rf /srv".into())]
        );
        assert_eq!(
            embedded_commands(r#"subprocess.run(['git', 'push', '--force'])"#, false),
            vec![Embedded::Argv(vec![
                Item::Literal("git".into()),
                Item::Literal("push".into()),
                Item::Literal("--force".into())
            ])]
        );
        // Elements that are not literals are known only at run time; some name the home
        // directory.
        assert_eq!(
            embedded_commands(
                r#"subprocess.run(["rm", "-rf", os.path.expanduser('~'), target, f(a, b)])"#,
                false
            ),
            vec![Embedded::Argv(vec![
                Item::Literal("rm".into()),
                Item::Literal("-rf".into()),
                Item::Home,
                Item::Unknown("target".into()),
                Item::Unknown("f(a, b)".into())
            ])]
        );
        // An element with brackets of its own does not end the list; the module may be
        // imported in the call itself.
        for code in [
            r#"subprocess.run(["rm", "-rf", os.environ['HOME']])"#,
            r#"__import__('subprocess').run(['rm', '-rf', os.environ["HOME"]])"#,
            r#"importlib.import_module("subprocess").call(["rm", "-rf", os.environ['HOME']])"#,
        ] {
            assert_eq!(
                embedded_commands(code, false),
                vec![Embedded::Argv(vec![
                    Item::Literal("rm".into()),
                    Item::Literal("-rf".into()),
                    Item::Home,
                ])],
                "{code}"
            );
        }
        assert_eq!(whole_list("f([a, ']', [b]]) + c", 2), Some("[a, ']', [b]]"));
        assert_eq!(whole_list("[a, [b]", 0), None);
        assert_eq!(whole_list("(a)", 0), None);
        assert_eq!(
            embedded_commands(r#"subprocess.run([sys.executable, "-m", "pip"])"#, false),
            vec![Embedded::Argv(vec![
                Item::Literal("python3".into()),
                Item::Literal("-m".into()),
                Item::Literal("pip".into())
            ])]
        );
        // Node: the program, then the list of its arguments.
        assert!(
            embedded_commands(
                "require('child_process').execFileSync('rm', ['-rf', dir])",
                false
            )
            .contains(&Embedded::Argv(vec![
                Item::Literal("rm".into()),
                Item::Literal("-rf".into()),
                Item::Unknown("dir".into())
            ]))
        );
        assert_eq!(
            embedded_commands(
                "require('child_process').execSync(`terraform destroy`)",
                false
            ),
            vec![Embedded::Shell("terraform destroy".into())]
        );
        // Bun's, zx's and dax's shell templates; AppleScript's `do shell script`.
        assert_eq!(
            embedded_commands("await Bun.$`rm -rf ${dir}`; await $`git push -f`", false),
            vec![
                Embedded::Shell("rm -rf ${dir}".into()),
                Embedded::Shell("git push -f".into())
            ]
        );
        assert_eq!(
            embedded_commands(r#"do shell script "rm -rf ~""#, false),
            vec![Embedded::Shell("rm -rf ~".into())]
        );
        assert_eq!(embedded_commands("print(1)", false), vec![]);
        assert_eq!(
            embedded_commands("puts `rm -rf /`", true),
            vec![Embedded::Shell("rm -rf /".into())]
        );
        assert_eq!(embedded_commands("const s = `hi ${x}`", false), vec![]);
    }

    #[test]
    fn ruby_and_perl_system_with_several_arguments_is_an_argv() {
        let lit = |s: &str| Item::Literal(s.into());
        assert_eq!(
            embedded_commands(r#"system("kubectl", "delete", "ns", "prod")"#, true),
            vec![Embedded::Argv(vec![
                lit("kubectl"),
                lit("delete"),
                lit("ns"),
                lit("prod")
            ])]
        );
        assert_eq!(
            embedded_commands(r#"system("rm", "-rf", dir)"#, true),
            vec![Embedded::Argv(vec![
                lit("rm"),
                lit("-rf"),
                Item::Unknown("dir".into())
            ])]
        );
        // Perl without parentheses: the statement ends the arguments.
        assert_eq!(
            embedded_commands(r#"exec "rm", "-rf", "/"; print 1"#, true),
            vec![Embedded::Argv(vec![lit("rm"), lit("-rf"), lit("/")])]
        );
        // Python's exec family: the list starts with argv[0].
        assert_eq!(
            embedded_commands(
                r#"import os; os.execvp('rm', ['rm', '-rf', '/etc'])"#,
                false
            ),
            vec![Embedded::Argv(vec![lit("rm"), lit("-rf"), lit("/etc")])]
        );
        // Ruby's %x with any delimiter.
        assert_eq!(
            embedded_commands("%x(rm -rf /srv)", true),
            vec![Embedded::Shell("rm -rf /srv".into())]
        );
        // A shell string with a result variable (PHP), and a language without the form.
        assert_eq!(
            embedded_commands(r#"system("rm -rf /srv", $ret)"#, true),
            vec![Embedded::Shell("rm -rf /srv".into())]
        );
        assert_eq!(
            embedded_commands(r#"execSync("ls", {stdio: 'inherit'})"#, false),
            vec![Embedded::Shell("ls".into())]
        );
    }

    #[test]
    fn commands_built_at_run_time_are_dynamic() {
        let dynamic = [
            "import os,sys; os.system(sys.argv[1])",
            "import subprocess; subprocess.run(cmd, shell=True)",
            "subprocess.Popen(args)",
            "require('child_process').execSync(process.argv[2])",
            "const {exec} = require('child_process'); exec(cmd)",
            "system $ARGV[0]",
            r#"import os; os.system("rm -rf " + path)"#,
            r#"os.system("rm -rf %s" % path)"#,
            r#"os.system("rm -rf {}".format(path))"#,
            r#"os.system(f"rm -rf {path}")"#,
            r#"system("rm -rf #{dir}")"#,
            r#"system("rm -rf " $1)"#,
            r#"system("rm -rf " dir)"#,
        ];
        for code in dynamic {
            let backticks = code.contains('$') && !code.contains("os.");
            assert!(
                embedded_commands(code, backticks).contains(&Embedded::Dynamic),
                "{code}"
            );
        }
        // Python's `exec` runs Python; a JavaScript regex's `.exec` runs nothing.
        let literal = [
            (r#"subprocess.run(["git", "status"], check=True)"#, false),
            (r#"os.system("ls -l")"#, false),
            ("exec(open('setup.py').read())", false),
            ("const m = /a(b)/.exec(s)", false),
            ("app.run(host='0.0.0.0')", false),
            ("print(os.system)", false),
            (r#"system "ls" if ok"#, true),
        ];
        for (code, backticks) in literal {
            assert!(
                !embedded_commands(code, backticks).contains(&Embedded::Dynamic),
                "{code}"
            );
        }
    }

    #[test]
    fn awk_pipes_and_getline_run_commands() {
        assert_eq!(
            awk_commands(r#"BEGIN { "rm -rf ~" | getline x }"#),
            vec![Embedded::Shell("rm -rf ~".into())]
        );
        assert_eq!(
            awk_commands(r#"{ print $1 | "sort -u" }"#),
            vec![Embedded::Shell("sort -u".into())]
        );
        // What a shell reads from awk, or a command held in a variable, is known at run time.
        assert_eq!(awk_commands(r#"{ print | "sh" }"#), vec![Embedded::Dynamic]);
        assert_eq!(
            awk_commands(r#"{ print $0 | "/bin/bash -s" }"#),
            vec![Embedded::Dynamic]
        );
        assert_eq!(
            awk_commands(r#"{ cmd = "stat " $1; cmd | getline s }"#),
            vec![Embedded::Dynamic]
        );
        assert_eq!(awk_commands(r#"{ print $1 > "out.txt" }"#), vec![]);
        assert_eq!(
            awk_commands(r#"$3 > 1000 || $1 == "x" { print $1 }"#),
            vec![]
        );
    }

    #[test]
    fn every_call_form_carries_a_hint() {
        let calls = [
            "sp.call('x')",
            "sp.run('x')",
            "sp.Popen('x')",
            "os.system('x')",
            "os.popen('x')",
            "subprocess.check_output('x')",
            "commands.getoutput('x')",
            "commands.getstatusoutput('x')",
            "subprocess.getstatusoutput('x')",
            "check_output('x')",
            "check_call('x')",
            "execSync('x')",
            "exec('x')",
            "spawnSync('x')",
            "spawn('x')",
            "execFileSync('x')",
            "execFile('x')",
            "system('x')",
            "popen('x')",
            "shell_exec('x')",
            "passthru('x')",
            "proc_open('x')",
            "os.execute('x')",
            "io.popen('x')",
            "Open3.capture2('x')",
            "sh('x')",
        ];
        let re = shell_call_re().unwrap();
        for call in calls {
            assert!(re.is_match(call.as_bytes()), "{call}");
            assert!(
                SHELL_CALL_HINTS.iter().any(|h| call.contains(h)),
                "{call} has no hint"
            );
            assert_eq!(
                embedded_commands(call, false),
                vec![Embedded::Shell("x".into())],
                "{call}"
            );
        }
    }
}

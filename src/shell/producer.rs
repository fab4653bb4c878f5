//! What a command writes to its standard output, when that can be known without running it:
//! the text of `echo`/`printf`, a heredoc passed through `cat`, a literal decoded by
//! `base64 -d` or reversed by `rev`; otherwise which program produced it (downloaded by `curl`,
//! or opaque). The next pipeline stage's input, and what `$(...)` expands to.

use base64::Engine as _;

use super::invocation::{Arg, Invocation, StepKind};
use super::walk::{NETWORK_PROGRAMS, Stdin};
use super::word;

/// What `inv` writes to stdout, given its standard input.
pub fn producer_output(inv: &Invocation, stdin: Option<&Stdin>) -> Option<Stdin> {
    let args = skip_simple_wrappers(&inv.args);
    // `env` (or `sudo env`) with nothing to run prints the environment.
    if args.is_empty()
        && inv
            .args
            .iter()
            .any(|a| a.text.rsplit('/').next() == Some("env"))
    {
        return Some(Stdin::Opaque("env".into()));
    }
    let name = args
        .first()
        .map(|a| a.text.rsplit('/').next().unwrap_or(&a.text))
        .unwrap_or("");
    let rest = args.get(1..).unwrap_or(&[]);
    if let Some(command) = super::secret_readers::secret_read(name, rest) {
        return Some(Stdin::Secret(command));
    }
    if let Some(listing) = powershell_listing(name, rest) {
        return Some(listing);
    }
    if super::processes::lists_every_process(name, rest)
        || matches!(stdin, Some(Stdin::Processes))
            && super::processes::passes_every_line(name, rest)
    {
        return Some(Stdin::Processes);
    }
    if name == "find"
        && let Some(listed) = super::unwrap::find::listed(args)
    {
        return Some(Stdin::Found(listed));
    }
    let text_in = match stdin {
        Some(Stdin::Text(t, _)) => Some(t.as_str()),
        _ => None,
    };
    Some(match name {
        "echo" => Stdin::Text(echo(rest), StepKind::PipedStdin),
        "printf" => Stdin::Text(printf(rest), StepKind::PipedStdin),
        "cat" if rest.is_empty() || rest.iter().all(|a| a.text == "-") => match stdin {
            Some(s) => s.clone(),
            None => Stdin::Opaque("cat".into()),
        },
        // `tee FILE`: passes its input on (and writes it to FILE, see `record_writes`).
        "tee" => match stdin {
            Some(s) => s.clone(),
            None => Stdin::Opaque("tee".into()),
        },
        "cat" | "head" | "tail" | "less" => match last_operand(rest) {
            Some(f) => Stdin::File(f.text.clone()),
            None => Stdin::Opaque(name.into()),
        },
        "base64" | "base32"
            if rest
                .iter()
                .any(|a| matches!(a.text.as_str(), "-d" | "--decode" | "-D")) =>
        {
            match (text_in.and_then(decode_base64), stdin) {
                (Some(decoded), _) => Stdin::Text(decoded, StepKind::PipedStdin),
                // Decoded, a secret or a file's content is still what it was.
                (None, Some(source @ (Stdin::Secret(_) | Stdin::File(_) | Stdin::Derived(..)))) => {
                    Stdin::Derived(name.into(), Box::new(source.clone()))
                }
                (None, _) => Stdin::Opaque(name.into()),
            }
        }
        "rev" if rest.is_empty() => match text_in {
            Some(t) => Stdin::Text(
                t.lines()
                    .map(|l| l.chars().rev().collect::<String>())
                    .collect::<Vec<_>>()
                    .join("\n"),
                StepKind::PipedStdin,
            ),
            None => Stdin::Opaque(name.into()),
        },
        n if ENCODERS.contains(&n) => match last_operand(rest) {
            Some(f) if !matches!(n, "sort" | "uniq") || rest.len() == 1 => {
                Stdin::Derived(n.into(), Box::new(Stdin::File(f.text.clone())))
            }
            _ => match stdin {
                Some(Stdin::Text(..)) | None => Stdin::Opaque(n.into()),
                Some(source) => Stdin::Derived(n.into(), Box::new(source.clone())),
            },
        },
        "tar" | "gtar" | "bsdtar" if tar_creates_to_stdout(rest) => archived(name, rest),
        "zip" if rest.iter().any(|a| a.text == "-") => archived(name, rest),
        // The secret keys gpg exports are the ones its home keeps.
        "gpg" | "gpg2"
            if rest.iter().any(|a| {
                matches!(
                    a.text.as_str(),
                    "--export-secret-keys" | "--export-secret-subkeys"
                )
            }) =>
        {
            Stdin::Derived(
                name.into(),
                Box::new(Stdin::File("~/.gnupg/private-keys-v1.d".into())),
            )
        }
        n if NETWORK_PROGRAMS.contains(&n) => Stdin::Network(n.into()),
        "" => return None,
        other => Stdin::Opaque(other.into()),
    })
}

/// What a PowerShell lister writes to the pipeline: `Get-ChildItem`/`gci`/`Get-Item`/`gi`, and
/// `dir`/`ls` when given PowerShell parameters (`ls -Recurse`); its path is its first operand or
/// `-Path`/`-LiteralPath` value, else `.`. Parameters match case-insensitively and by any
/// unambiguous prefix, as PowerShell's do (`-r` for `-Recurse`). A filtered listing
/// (`-Filter`, `-Include`, `-Exclude`) is some of the tree's items, and says so.
fn powershell_listing(name: &str, rest: &[Arg]) -> Option<Stdin> {
    let param = |a: &Arg, full: &str, shortest: usize| {
        a.text.len() > shortest
            && a.text.starts_with('-')
            && full.starts_with(&a.text[1..].to_ascii_lowercase())
    };
    let cmdlet = ["get-childitem", "gci", "get-item", "gi"]
        .iter()
        .any(|c| name.eq_ignore_ascii_case(c));
    let listing = cmdlet
        || (matches!(name, "dir" | "ls")
            && rest.iter().any(|a| {
                [
                    "recurse",
                    "path",
                    "literalpath",
                    "filter",
                    "include",
                    "exclude",
                    "file",
                    "directory",
                ]
                .iter()
                .any(|p| param(a, p, 3))
            }));
    if !listing {
        return None;
    }
    let mut path = None;
    let mut recursive = false;
    let mut filtered = false;
    let mut words = rest.iter();
    while let Some(a) = words.next() {
        if param(a, "recurse", 1) {
            recursive = true;
        } else if param(a, "path", 1) || param(a, "literalpath", 1) {
            path = path.or(words.next().map(|v| v.text.clone()));
        } else if param(a, "filter", 2) || param(a, "include", 2) || param(a, "exclude", 1) {
            // Some of the items only (`-Filter *.log`): not the tree.
            filtered = true;
            words.next();
        } else if a.text.starts_with('-') {
            // `-Depth 2`: a parameter with a value.
            if !param(a, "force", 1) && !param(a, "file", 2) && !param(a, "directory", 1) {
                words.next();
            }
        } else {
            path = path.or(Some(a.text.clone()));
        }
    }
    Some(Stdin::Listing {
        path: path.unwrap_or_else(|| ".".into()),
        recursive,
        filtered,
    })
}

/// The last word of `rest` that is no option: the file a reading filter reads.
fn last_operand(rest: &[Arg]) -> Option<&Arg> {
    rest.iter().rev().find(|a| !a.text.starts_with('-'))
}

/// An archive written to stdout by `name`: the content of the last file or directory it packs
/// (`tar czf - ~/.ssh`), or opaque when no operand names one.
fn archived(name: &str, rest: &[Arg]) -> Stdin {
    match rest
        .iter()
        .rev()
        .find(|a| !a.text.starts_with('-') && a.text != "-" && !is_tar_bundle(&a.text, rest))
    {
        Some(f) => Stdin::Derived(name.into(), Box::new(Stdin::File(f.text.clone()))),
        None => Stdin::Opaque(name.into()),
    }
}

/// Whether `word` is tar's old-style option bundle (`czf` in `tar czf - dir`): the first
/// argument, without a dash.
fn is_tar_bundle(word: &str, rest: &[Arg]) -> bool {
    rest.first().is_some_and(|a| a.text == word)
        && !word.contains('/')
        && word.chars().all(|c| c.is_ascii_alphabetic())
        && word.contains(['c', 'r', 'x', 't', 'u'])
}

/// Whether tar's arguments create an archive on standard output: a create mode (`c`,
/// `--create`) with the archive `-` or not named (tar then writes to stdout).
fn tar_creates_to_stdout(rest: &[Arg]) -> bool {
    tar_created(rest) == Some("-")
}

/// The archive tar's arguments create (`-` for standard output, also when none is named);
/// `None` when they create none.
fn tar_created(rest: &[Arg]) -> Option<&str> {
    let first = rest.first()?;
    let mut create = false;
    let mut file: Option<&str> = None;
    let mut words = rest.iter().map(|a| a.text.as_str());
    // Old style: `tar czf ARCHIVE ...`, the bundle's `f` taking the next word.
    if is_tar_bundle(&first.text, rest) {
        words.next();
        create = first.text.contains('c');
        if first.text.contains('f') {
            file = words.next();
        }
    }
    while let Some(w) = words.next() {
        if w == "--create" {
            create = true;
        } else if let Some(v) = w.strip_prefix("--file=") {
            file = Some(v);
        } else if w == "--file" {
            file = words.next();
        } else if w.len() > 1 && w.starts_with('-') && !w.starts_with("--") {
            let bundle = &w[1..];
            create |= bundle.contains('c');
            if let Some(at) = bundle.find('f') {
                file = if at + 1 < bundle.len() {
                    Some(&bundle[at + 1..])
                } else {
                    words.next()
                };
            }
        }
    }
    create.then_some(file.unwrap_or("-"))
}

/// The files `inv` writes whose content is another file's, in another form: the archive of
/// `tar czf k.tgz ~/.ssh` or `zip -r k.zip ~/.aws` (the last file or directory packed), the
/// copy of `cp ~/.ssh/id_rsa /tmp/k`. As paths the command names them, with their content.
pub fn files_written(inv: &Invocation) -> Vec<(String, Stdin)> {
    let args = skip_simple_wrappers(&inv.args);
    let name = args
        .first()
        .map(|a| a.text.rsplit('/').next().unwrap_or(&a.text))
        .unwrap_or("");
    if !matches!(name, "tar" | "gtar" | "bsdtar" | "zip" | "cp") {
        return Vec::new();
    }
    let rest = args.get(1..).unwrap_or(&[]);
    if rest.iter().any(|a| a.dynamic) {
        return Vec::new();
    }
    let operands: Vec<&str> = rest
        .iter()
        .map(|a| a.text.as_str())
        .filter(|t| !t.starts_with('-'))
        .collect();
    match name {
        "tar" | "gtar" | "bsdtar" => match tar_created(rest) {
            Some(file) if file != "-" => match archived(name, rest) {
                packed @ Stdin::Derived(..) => vec![(file.to_string(), packed)],
                _ => Vec::new(),
            },
            _ => Vec::new(),
        },
        // `zip [-r] ARCHIVE FILES...`
        "zip" if operands.len() >= 2 && operands[0] != "-" => vec![(
            operands[0].to_string(),
            Stdin::Derived(
                name.into(),
                Box::new(Stdin::File(operands[operands.len() - 1].to_string())),
            ),
        )],
        "cp" if operands.len() == 2 && !rest.iter().any(|a| a.text.starts_with("-t")) => {
            vec![(
                operands[1].to_string(),
                Stdin::File(operands[0].to_string()),
            )]
        }
        _ => Vec::new(),
    }
}

/// Filters whose output is their input (or the file they name) encoded, compressed or
/// reordered: what they pass on is still that content.
const ENCODERS: &[&str] = &[
    "base64", "base32", "basenc", "xxd", "od", "hexdump", "gzip", "bzip2", "xz", "zstd", "lz4",
    "sort", "uniq",
];

fn echo(rest: &[Arg]) -> String {
    let mut escapes = false;
    let mut newline = true;
    let mut words = rest.iter().map(|a| a.text.as_str()).peekable();
    while let Some(flag) = words
        .peek()
        .filter(|w| w.len() > 1 && w.starts_with('-') && w[1..].chars().all(|c| "neE".contains(c)))
    {
        escapes |= flag.contains('e');
        newline &= !flag.contains('n');
        words.next();
    }
    let joined = words.collect::<Vec<_>>().join(" ");
    let mut out = if escapes {
        word::decode_ansi_c(&joined)
    } else {
        joined
    };
    if newline {
        out.push('\n');
    }
    out
}

/// `printf FORMAT ARGS...`: `%s`, `%b`, `%d`, `%c` and `%%`, the format reused while arguments
/// remain, as the shell builtin does.
fn printf(rest: &[Arg]) -> String {
    let mut words = rest
        .iter()
        .map(|a| a.text.as_str())
        .skip_while(|w| *w == "--");
    let Some(format) = words.next() else {
        return String::new();
    };
    let format = word::decode_ansi_c(format);
    let args: Vec<&str> = words.collect();
    let mut out = String::new();
    let mut next = 0usize;
    loop {
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            // Skip flags, width and precision.
            while chars
                .peek()
                .is_some_and(|d| d.is_ascii_digit() || "-+ #.".contains(*d))
            {
                chars.next();
            }
            match chars.next() {
                Some('%') => out.push('%'),
                Some('b') => {
                    out.push_str(&word::decode_ansi_c(args.get(next).copied().unwrap_or("")));
                    next += 1;
                }
                Some('c') => {
                    out.extend(args.get(next).and_then(|a| a.chars().next()));
                    next += 1;
                }
                Some(_) => {
                    out.push_str(args.get(next).copied().unwrap_or(""));
                    next += 1;
                }
                None => out.push('%'),
            }
        }
        if next == 0 || next >= args.len() {
            break;
        }
    }
    out
}

/// Decodes base64 text (whitespace ignored) to UTF-8, if it is both.
fn decode_base64(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .or_else(|_| {
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(compact.trim_end_matches('=').as_bytes())
        })
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// Skips `sudo`, `env VAR=x`, `command` and similar prefixes, roughly, to find the producer.
fn skip_simple_wrappers(args: &[Arg]) -> &[Arg] {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let name = a.text.rsplit('/').next().unwrap_or(&a.text);
        if matches!(
            name,
            "sudo"
                | "doas"
                | "env"
                | "command"
                | "builtin"
                | "nice"
                | "nohup"
                | "stdbuf"
                | "time"
                | "exec"
        ) {
            i += 1;
            while let Some(b) = args.get(i) {
                if b.text.starts_with('-') || (b.text.contains('=') && !b.text.starts_with('/')) {
                    i += 1;
                } else {
                    break;
                }
            }
        } else {
            break;
        }
    }
    args.get(i..).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(ws: &[&str]) -> Vec<Arg> {
        ws.iter().map(|w| Arg::literal(*w)).collect()
    }

    #[test]
    fn tar_writes_to_stdout_only_when_creating_without_a_named_archive() {
        let yes = |ws: &[&str]| tar_creates_to_stdout(&words(ws));
        assert!(yes(&["czf", "-", "dir"]));
        assert!(yes(&["-czf", "-", "dir"]));
        assert!(yes(&["cz", "dir"]));
        assert!(yes(&["--create", "--gzip", "--file=-", "dir"]));
        assert!(yes(&["-c", "-f-", "dir"]));
        assert!(!yes(&["czf", "out.tgz", "dir"]));
        assert!(!yes(&["-czf", "out.tgz", "dir"]));
        assert!(!yes(&["xzf", "-"]));
        assert!(!yes(&["-tvf", "-"]));
        assert_eq!(
            archived("tar", &words(&["czf", "-", "~/.ssh"])),
            Stdin::Derived("tar".into(), Box::new(Stdin::File("~/.ssh".into())))
        );
    }

    #[test]
    fn printf_formats_like_the_builtin() {
        assert_eq!(printf(&words(&["r%s", "m"])), "rm");
        assert_eq!(printf(&words(&["%s -%s\\n", "rm", "rf"])), "rm -rf\n");
        assert_eq!(printf(&words(&["%s ", "a", "b"])), "a b ");
        assert_eq!(printf(&words(&["100%%"])), "100%");
    }

    #[test]
    fn echo_flags() {
        assert_eq!(echo(&words(&["-n", "hi"])), "hi");
        assert_eq!(echo(&words(&["-e", "a\\nb"])), "a\nb\n");
        assert_eq!(echo(&words(&["--", "x"])), "-- x\n");
    }

    #[test]
    fn base64_and_rev_decode_literals() {
        assert_eq!(decode_base64("cm0gLXJmIH4=\n").as_deref(), Some("rm -rf ~"));
        assert_eq!(decode_base64("cm0gLXJmIH4").as_deref(), Some("rm -rf ~"));
        assert_eq!(decode_base64("not base64!"), None);
    }
}

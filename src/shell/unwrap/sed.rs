//! GNU sed runs shell commands from its script: `e COMMAND` runs the command, `e` alone runs
//! the pattern space, and the `e` flag of `s///` runs the pattern space after the substitution
//! (`sed 's/.*/rm -rf ~/e'`). The commands are walked as shell code; one that is only known at
//! run time (the input's lines, a replacement built from the match) makes the invocation opaque.

use super::nested_state;
use crate::shell::invocation::{Invocation, Opaque, Step, StepKind};
use crate::shell::walk::{State, Walker};

/// The programs that are GNU sed.
pub(super) fn is_sed(name: &str) -> bool {
    matches!(name, "sed" | "gsed")
}

/// Walks the commands `inv`'s sed scripts run.
pub(super) fn unwrap(w: &mut Walker<'_>, index: usize, inv: &Invocation, st: &State) {
    let mut runs = Vec::new();
    let mut opaque = false;
    for script in scripts(inv) {
        for run in commands_run(&script) {
            match run {
                Run::Text(text) => runs.push(text),
                Run::Input => opaque = true,
            }
        }
    }
    if opaque {
        w.mark_opaque(index, Opaque::DynamicCode);
    }
    for text in runs {
        w.run_text(
            &text,
            &nested_state(inv, st),
            Some(Step::via(StepKind::ShellString, "sed e")),
        );
    }
}

/// The scripts of a sed invocation: every `-e SCRIPT` / `--expression=SCRIPT`, or else the
/// first operand. (`-f FILE` scripts are not read.)
fn scripts(inv: &Invocation) -> Vec<String> {
    let mut found = Vec::new();
    let mut from_file = false;
    let mut first_operand = None;
    let mut args = inv.args.iter().skip(1);
    while let Some(a) = args.next() {
        let t = a.text.as_str();
        if t == "--" {
            first_operand = first_operand.or_else(|| args.next());
            break;
        }
        if let Some(script) = t.strip_prefix("--expression=") {
            found.push(script.to_string());
        } else if t == "--expression" {
            found.extend(args.next().map(|v| v.text.clone()));
        } else if t.starts_with("--file") {
            from_file = true;
            if t == "--file" {
                args.next();
            }
        } else if t == "--line-length" {
            args.next();
        } else if let Some(cluster) = t.strip_prefix('-').filter(|c| !c.starts_with('-')) {
            // `-ne 'SCRIPT'`, `-nescript`, `-i.bak`: `e`, `f` and `l` take the rest of the word
            // or the next one; `i` takes the rest of the word as its suffix.
            for (at, c) in cluster.char_indices() {
                let rest = &cluster[at + 1..];
                let value = match c {
                    'e' | 'f' | 'l' if rest.is_empty() => args.next().map(|v| v.text.clone()),
                    'e' | 'f' | 'l' => Some(rest.to_string()),
                    'i' => break,
                    _ => continue,
                };
                match c {
                    'e' => found.extend(value),
                    'f' => from_file = true,
                    _ => {}
                }
                break;
            }
        } else if !t.starts_with('-') && first_operand.is_none() {
            first_operand = Some(a);
        }
    }
    if found.is_empty()
        && !from_file
        && let Some(a) = first_operand
    {
        found.push(a.text.clone());
    }
    found
}

/// What a sed script runs.
#[derive(Debug, PartialEq)]
enum Run {
    /// A command written in the script.
    Text(String),
    /// A command only known at run time: the pattern space (`e` alone, `s///e` with `&`, a
    /// back-reference or a newline in its replacement).
    Input,
}

/// The shell commands a sed script runs, found by reading it the way sed does: addresses,
/// then one command; `s` and `y` with their delimiters; text arguments to the end of the line.
fn commands_run(script: &str) -> Vec<Run> {
    let chars: Vec<char> = script.chars().collect();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || matches!(c, ';' | '{' | '}' | '!') {
            i += 1;
            continue;
        }
        // Addresses: line numbers, `$`, `first~step`, `,`, `+N`, `/re/` and `\%re%`.
        if c.is_ascii_digit() || matches!(c, '$' | ',' | '~' | '+') {
            i += 1;
            continue;
        }
        if c == '/' || c == '\\' {
            let delim = if c == '\\' {
                i += 1;
                chars.get(i).copied().unwrap_or('/')
            } else {
                '/'
            };
            i = skip_delimited(&chars, i + 1, delim);
            // `I` and `M` modify a regex address.
            while chars.get(i).is_some_and(|c| matches!(c, 'I' | 'M')) {
                i += 1;
            }
            continue;
        }
        i += 1;
        match c {
            '#' | ':' | 'a' | 'i' | 'c' | 'r' | 'R' | 'w' | 'W' => {
                i = line_end(&chars, i);
            }
            'b' | 't' | 'T' => {
                while i < chars.len() && !matches!(chars[i], ';' | '\n' | '}') {
                    i += 1;
                }
            }
            'e' => {
                let end = line_end(&chars, i);
                let text: String = chars[i..end].iter().collect();
                let text = text.trim();
                runs.push(if text.is_empty() {
                    Run::Input
                } else {
                    Run::Text(text.to_string())
                });
                i = end;
            }
            's' | 'y' => {
                let Some(&delim) = chars.get(i) else { break };
                let regex_start = i + 1;
                let regex_end = skip_delimited(&chars, regex_start, delim);
                let replacement_end = skip_delimited(&chars, regex_end, delim);
                let replacement: String = chars
                    [regex_end..replacement_end.saturating_sub(1).max(regex_end)]
                    .iter()
                    .collect();
                i = replacement_end;
                if c == 'y' {
                    continue;
                }
                let mut executes = false;
                while let Some(&f) = chars.get(i) {
                    match f {
                        'e' => executes = true,
                        'w' => {
                            i = line_end(&chars, i + 1);
                            break;
                        }
                        'g' | 'p' | 'i' | 'I' | 'm' | 'M' => {}
                        d if d.is_ascii_digit() => {}
                        _ => break,
                    }
                    i += 1;
                }
                if executes {
                    // The pattern space runs: the replacement alone only when the regex took
                    // the whole line and the replacement uses nothing of the match.
                    let regex: String = chars
                        [regex_start..regex_end.saturating_sub(1).max(regex_start)]
                        .iter()
                        .collect();
                    let built = replacement.contains('&')
                        || replacement.contains("\\n")
                        || replacement
                            .as_bytes()
                            .windows(2)
                            .any(|p| p[0] == b'\\' && p[1].is_ascii_digit());
                    let whole_line = matches!(regex.as_str(), ".*" | "^.*$" | "^.*" | ".*$");
                    if built || !whole_line || replacement.trim().is_empty() {
                        runs.push(Run::Input);
                    }
                    if !built && !replacement.trim().is_empty() {
                        let text = replacement.replace(&format!("\\{delim}"), &delim.to_string());
                        runs.push(Run::Text(text.trim().to_string()));
                    }
                }
            }
            // `q`, `Q`, `l`, `L` take an optional number; the rest take nothing.
            _ => {}
        }
    }
    runs
}

/// The index just past the unescaped `delim` that ends a regex or replacement starting at
/// `from` (or the script's end).
fn skip_delimited(chars: &[char], from: usize, delim: char) -> usize {
    let mut i = from;
    while i < chars.len() {
        if chars[i] == '\\' {
            i += 2;
            continue;
        }
        if chars[i] == delim {
            return i + 1;
        }
        i += 1;
    }
    chars.len()
}

/// The index of the newline that ends a text argument starting at `from` (a backslash before
/// the newline continues it), or the script's end.
fn line_end(chars: &[char], from: usize) -> usize {
    let mut i = from;
    while i < chars.len() {
        if chars[i] == '\\' {
            i += 2;
            continue;
        }
        if chars[i] == '\n' {
            return i;
        }
        i += 1;
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::{Run, commands_run};

    fn texts(script: &str) -> Vec<Run> {
        commands_run(script)
    }

    #[test]
    fn the_e_command_runs_the_rest_of_its_line() {
        assert_eq!(texts("1e rm -rf ~"), [Run::Text("rm -rf ~".into())]);
        assert_eq!(texts("$e touch x\np"), [Run::Text("touch x".into())]);
        assert_eq!(texts("/start/,/end/e date"), [Run::Text("date".into())]);
        assert_eq!(texts("e"), [Run::Input]);
    }

    #[test]
    fn the_e_flag_of_s_runs_the_replacement() {
        assert_eq!(texts("s/.*/rm -rf ~/e"), [Run::Text("rm -rf ~".into())]);
        assert_eq!(texts("s|.*|a\\|b|ge"), [Run::Text("a|b".into())]);
        assert_eq!(texts("s/^/echo /e"), [Run::Input, Run::Text("echo".into())]);
        assert_eq!(texts("s/\\(.*\\)/rm \\1/e"), [Run::Input]);
        assert_eq!(texts("s/x/& y/e"), [Run::Input]);
    }

    #[test]
    fn ordinary_scripts_run_nothing() {
        for script in [
            "s/foo/bar/g",
            "1,5p",
            "/^#/d",
            "s/e/E/g",
            "$a\\\nexport PATH=x",
            "1i use strict;",
            "/x/{s/a/b/;p}",
            "y/abc/xyz/",
            "s/x/y/w out.txt",
            ":a;N;$!ba;s/\\n/ /g",
            "/^$/N;/\\n$/D",
            "\\%path%d",
            "0~3d",
            "s/version = \"[^\"]*\"/version = \"1.2.3\"/",
        ] {
            assert_eq!(texts(script), [], "{script}");
        }
    }
}

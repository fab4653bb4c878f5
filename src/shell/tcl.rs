//! Tcl and Expect code (`expect -c 'spawn rm -rf x'`, `tclsh <<< 'exec git push -f'`): finds
//! the commands that run programs — `exec`, `spawn`, Expect's `system`, and the lines `send`
//! types into a spawned shell — and gives each as shell text, so it is analysed like any other
//! command line.
//!
//! Invariant: a word only known when the Tcl code runs (`$dir`, `[glob *]`) becomes a shell
//! expansion (`"$dir"`, `"$tcl_result"`), never a literal: it stays dynamic for the rules.

/// Programs whose session `send` types into: the text sent is a command line they run.
const INTERACTIVE: &[&str] = &[
    "bash", "sh", "zsh", "dash", "ksh", "fish", "ssh", "su", "sudo", "telnet", "mosh", "docker",
    "kubectl", "podman",
];

/// Expect's `spawn` options that take a value.
const SPAWN_VALUE_OPTIONS: &[&str] = &["-open", "-leaveopen", "-ignore"];

/// Commands whose braced words are data, not script bodies (`puts {spawn is a word}`).
const DATA_COMMANDS: &[&str] = &[
    "puts",
    "set",
    "send",
    "send_user",
    "send_error",
    "return",
    "list",
    "lappend",
    "append",
    "string",
    "regexp",
    "regsub",
    "dict",
    "format",
    "error",
    "variable",
    "array",
    "log_file",
];

/// How deeply braced bodies and bracketed commands are searched.
const MAX_DEPTH: usize = 16;

/// The command lines the Tcl or Expect script `code` runs, as shell text.
pub fn shell_commands(code: &str) -> Vec<String> {
    let mut commands = Vec::new();
    script(code, &mut commands, 0);
    let interactive = commands.iter().any(|words| {
        words.first().is_some_and(|w| w == "spawn")
            && program_words(words)
                .first()
                .is_some_and(|p| INTERACTIVE.contains(&p.rsplit('/').next().unwrap_or(p)))
    });
    let mut out = Vec::new();
    for words in &commands {
        match words.first().map(String::as_str) {
            Some("exec" | "spawn") => {
                let argv = program_words(words);
                if !argv.is_empty() {
                    out.push(
                        argv.iter()
                            .map(|w| shell_word(w))
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                }
            }
            // Expect's `system` hands its arguments, joined, to /bin/sh.
            Some("system") if words.len() > 1 => out.push(words[1..].join(" ")),
            Some("file") => out.extend(file_command(&words[1..])),
            Some("send") if interactive => {
                let text = words[1..]
                    .iter()
                    .filter(|w| !w.starts_with('-'))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" ");
                out.push(text.replace('\r', "\n"));
            }
            _ => {}
        }
    }
    out
}

/// Tcl's own file operations as the shell command doing the same: `file delete -force PATH`
/// removes a tree as `rm -rf` does (without `-force`, files and empty directories, as `rm -f`),
/// `file rename` moves as `mv`, `file copy` copies as `cp -r` (`-force` overwrites).
fn file_command(words: &[String]) -> Option<String> {
    let (operation, rest) = words.split_first()?;
    let mut force = false;
    let mut k = 0;
    while let Some(w) = rest.get(k) {
        match w.as_str() {
            "-force" => force = true,
            "--" => {
                k += 1;
                break;
            }
            _ => break,
        }
        k += 1;
    }
    let program = match (operation.as_str(), force) {
        ("delete", true) => "rm -rf",
        ("delete", false) => "rm -f",
        ("rename", true) => "mv -f",
        ("rename", false) => "mv -n",
        ("copy", true) => "cp -rf",
        ("copy", false) => "cp -rn",
        _ => return None,
    };
    let paths = rest.get(k..).filter(|p| !p.is_empty())?;
    let mut line = program.to_string();
    for path in paths {
        line.push(' ');
        line.push_str(&shell_word(path));
    }
    Some(line)
}

/// The program and arguments of an `exec` or `spawn` command: its words after the options.
fn program_words(words: &[String]) -> &[String] {
    let mut i = 1;
    while let Some(w) = words.get(i) {
        if w == "--" {
            return &words[i + 1..];
        }
        if !w.starts_with('-') {
            break;
        }
        i += if SPAWN_VALUE_OPTIONS.contains(&w.as_str()) {
            2
        } else {
            1
        };
    }
    words.get(i..).unwrap_or_default()
}

/// One Tcl word as a shell word: `exec`'s pipeline and redirection operators as they are,
/// plain words unquoted (so `~` still reads as the home directory), words holding a Tcl
/// substitution double-quoted, the rest single-quoted.
fn shell_word(word: &str) -> String {
    const OPERATORS: &[&str] = &[
        "|", "|&", "<", ">", ">>", "2>", "2>>", ">&", ">>&", "&", "<<",
    ];
    if OPERATORS.contains(&word) {
        return word.to_string();
    }
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./~:=,+@%-".contains(c))
    {
        return word.to_string();
    }
    if word.contains('$') {
        let escaped: String = word
            .chars()
            .flat_map(|c| match c {
                '"' | '\\' | '`' => vec!['\\', c],
                _ => vec![c],
            })
            .collect();
        return format!("\"{escaped}\"");
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// Splits Tcl `code` into commands of words, appending them to `out`; bracketed commands and
/// the braced words of commands other than [`DATA_COMMANDS`] are searched too
/// (`if {$x} { exec rm -rf $d }`).
fn script(code: &str, out: &mut Vec<Vec<String>>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let chars: Vec<char> = code.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut bodies: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            ';' | '\n' => {
                end_word(&mut words, &mut word, &mut in_word);
                end_command(out, &mut words, &mut bodies, depth);
            }
            ' ' | '\t' | '\r' => end_word(&mut words, &mut word, &mut in_word),
            '#' if words.is_empty() && !in_word => {
                while chars.get(i).is_some_and(|&c| c != '\n') {
                    i += 1;
                }
                continue;
            }
            '\\' => {
                i += 1;
                // A backslash-newline (and the indentation after it) separates words.
                if chars.get(i) == Some(&'\n') {
                    end_word(&mut words, &mut word, &mut in_word);
                } else {
                    push_escaped(&mut word, chars.get(i));
                    in_word = true;
                }
            }
            '{' if !in_word => {
                let end = matching(&chars, i, '{', '}');
                let body: String = chars.get(i + 1..end).unwrap_or_default().iter().collect();
                word.push_str(&body);
                bodies.push(body);
                in_word = true;
                i = end;
            }
            '"' if !in_word => {
                i += 1;
                while let Some(&q) = chars.get(i) {
                    match q {
                        '"' => break,
                        '\\' => {
                            i += 1;
                            push_escaped(&mut word, chars.get(i));
                        }
                        '[' => i = bracket(&chars, i, &mut word, out, depth),
                        '$' => i = variable(&chars, i, &mut word),
                        _ => word.push(q),
                    }
                    i += 1;
                }
                in_word = true;
            }
            '[' => {
                i = bracket(&chars, i, &mut word, out, depth);
                in_word = true;
            }
            '$' => {
                i = variable(&chars, i, &mut word);
                in_word = true;
            }
            _ => {
                word.push(c);
                in_word = true;
            }
        }
        i += 1;
    }
    end_word(&mut words, &mut word, &mut in_word);
    end_command(out, &mut words, &mut bodies, depth);
}

/// The character a backslash escapes (`\r`, `\n`, `\t`, or the character itself).
fn push_escaped(word: &mut String, escaped: Option<&char>) {
    match escaped {
        Some('r') => word.push('\r'),
        Some('n') => word.push('\n'),
        Some('t') => word.push('\t'),
        Some(&other) => word.push(other),
        None => {}
    }
}

fn end_word(words: &mut Vec<String>, word: &mut String, in_word: &mut bool) {
    if *in_word {
        words.push(std::mem::take(word));
        *in_word = false;
    }
}

/// Ends a command: its words go to `out`, then the commands in its braced bodies.
fn end_command(
    out: &mut Vec<Vec<String>>,
    words: &mut Vec<String>,
    bodies: &mut Vec<String>,
    depth: usize,
) {
    let data = words
        .first()
        .is_some_and(|w| DATA_COMMANDS.contains(&w.as_str()));
    if !words.is_empty() {
        out.push(std::mem::take(words));
    }
    for body in std::mem::take(bodies) {
        if !data {
            script(&body, out, depth + 1);
        }
    }
}

/// The index of the bracket closing the one at `open` (or the last index when unclosed).
fn matching(chars: &[char], open: usize, left: char, right: char) -> usize {
    let mut level = 0usize;
    let mut i = open;
    while let Some(&c) = chars.get(i) {
        if c == '\\' {
            i += 2;
            continue;
        }
        if c == left {
            level += 1;
        } else if c == right {
            level -= 1;
            if level == 0 {
                return i;
            }
        }
        i += 1;
    }
    chars.len().saturating_sub(1).max(open)
}

/// A command substitution `[cmd ...]` at `open`: its commands are searched, and the word gets
/// a run-time value. Returns the index of the closing bracket.
fn bracket(
    chars: &[char],
    open: usize,
    word: &mut String,
    out: &mut Vec<Vec<String>>,
    depth: usize,
) -> usize {
    let end = matching(chars, open, '[', ']');
    let body: String = chars
        .get(open + 1..end)
        .unwrap_or_default()
        .iter()
        .collect();
    script(&body, out, depth + 1);
    word.push_str("$tcl_result");
    end
}

/// A variable reference at `dollar`: `$env(NAME)` becomes `$NAME`, `$name` and `${name}`
/// stay references. Returns the index of its last character.
fn variable(chars: &[char], dollar: usize, word: &mut String) -> usize {
    let mut i = dollar + 1;
    if chars.get(i) == Some(&'{') {
        let end = matching(chars, i, '{', '}');
        let name: String = chars.get(i + 1..end).unwrap_or_default().iter().collect();
        word.push_str(&format!("${{{}}}", sanitize(&name)));
        return end;
    }
    let start = i;
    while chars
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
    {
        i += 1;
    }
    let name: String = chars[start..i].iter().collect();
    if name.is_empty() {
        word.push('$');
        return dollar;
    }
    if chars.get(i) == Some(&'(') {
        let end = matching(chars, i, '(', ')');
        let key: String = chars.get(i + 1..end).unwrap_or_default().iter().collect();
        let shown = if name == "env" { key } else { name };
        word.push_str(&format!("${{{}}}", sanitize(&shown)));
        return end;
    }
    word.push_str(&format!("${{{}}}", sanitize(&name)));
    i - 1
}

/// A Tcl variable name as a shell one: characters a shell name cannot hold become `_`.
fn sanitize(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if cleaned.is_empty() || cleaned.starts_with(|c: char| c.is_ascii_digit()) {
        format!("tcl_{cleaned}")
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_and_spawn_become_command_lines() {
        assert_eq!(
            shell_commands("spawn rm -rf /home/me; expect eof"),
            vec!["rm -rf /home/me"]
        );
        assert_eq!(
            shell_commands("exec -ignorestderr -- git push --force origin main"),
            vec!["git push --force origin main"]
        );
        assert_eq!(
            shell_commands("if {$x} {\n  exec rm -rf $env(HOME)\n}"),
            vec!["rm -rf \"${HOME}\""]
        );
        assert_eq!(
            shell_commands("set out [exec kubectl delete ns {prod env}]"),
            vec!["kubectl delete ns 'prod env'"]
        );
        assert_eq!(shell_commands("system rm -rf /srv"), vec!["rm -rf /srv"]);
        assert_eq!(
            shell_commands("spawn \\\n    rm -rf /etc"),
            vec!["rm -rf /etc"]
        );
    }

    #[test]
    fn file_operations_become_the_shell_commands_doing_the_same() {
        assert_eq!(shell_commands("file delete -force ~"), ["rm -rf ~"]);
        assert_eq!(
            shell_commands("file delete -force -- $env(HOME) /etc"),
            ["rm -rf \"${HOME}\" /etc"]
        );
        assert_eq!(shell_commands("file delete a.txt"), ["rm -f a.txt"]);
        assert_eq!(
            shell_commands("if {1} { file rename -force a ~/.bashrc }"),
            ["mv -f a ~/.bashrc"]
        );
        assert_eq!(shell_commands("file copy src dst"), ["cp -rn src dst"]);
        assert!(shell_commands("file mkdir build; file exists x; file delete").is_empty());
    }

    #[test]
    fn send_runs_only_in_a_spawned_shell() {
        assert_eq!(
            shell_commands("spawn ssh prod\nexpect \"$ \"\nsend \"rm -rf /srv\\r\""),
            vec!["ssh prod", "rm -rf /srv\n"]
        );
        assert_eq!(
            shell_commands("spawn passwd\nexpect \"word:\"\nsend \"hunter2\\r\""),
            vec!["passwd"]
        );
    }

    #[test]
    fn comments_and_data_are_not_commands() {
        assert!(shell_commands("# exec rm -rf /\nputs hello").is_empty());
        assert!(shell_commands("puts {spawn is a word}").is_empty());
    }
}

//! PowerShell code given to `pwsh -Command` or `powershell -c`: the statements that run a
//! command (`git push --force`, `terraform destroy`, `& kubectl delete ns prod`), so they are
//! judged as the same command typed at a shell would be. PowerShell's own expressions
//! (`$x = ...`, `(Get-Date)`, `[IO.File]::Delete(...)`) are left to the `script` rules, which
//! see the whole code.
//!
//! Invariant: a statement is split at `;`, `|`, `&&`, `||`, newlines and braces outside quotes
//! and parentheses, so a command inside a block (`foreach ($d in $dirs) { Remove-Item $d }`)
//! is found too.

/// PowerShell keywords that start a statement without running a command.
const KEYWORDS: &[&str] = &[
    "if", "elseif", "else", "foreach", "for", "while", "do", "until", "switch", "function",
    "filter", "param", "begin", "process", "end", "try", "catch", "finally", "trap", "return",
    "break", "continue", "throw", "exit", "class", "enum", "using", "data",
];

/// Where a script block stands among a command's words (`Invoke-Command -ScriptBlock { ... }`,
/// `% { ... }`): the range of the words between its first `{` and last `}`, when it has any.
pub fn block_words(args: &[super::Arg]) -> Option<std::ops::Range<usize>> {
    let open = args.iter().position(|a| a.text == "{")?;
    let close = args.iter().rposition(|a| a.text == "}")?;
    (close > open + 1).then_some(open + 1..close)
}

/// The statements of `code` that start with a command name, in order.
/// Each is spelled for the shell that walks it (see [`shell_text`]).
pub fn shell_commands(code: &str) -> Vec<String> {
    command_statements(code)
        .into_iter()
        .map(|statement| shell_text(&code[statement.span]))
        .collect()
}

/// A PowerShell statement spelled for the shell that walks it: PowerShell takes `\` as itself
/// (a path separator, `..\other`), the shell as an escape, so outside single quotes (where
/// the shell keeps it too) each is doubled.
pub fn shell_text(statement: &str) -> String {
    let mut out = String::with_capacity(statement.len());
    let mut single = false;
    for c in statement.chars() {
        match c {
            '\'' => single = !single,
            '\\' if !single => out.push('\\'),
            _ => {}
        }
        out.push(c);
    }
    out
}

/// Cmdlets and aliases that remove the items they are given.
const REMOVALS: &[&str] = &["Remove-Item", "ri", "rm", "del", "erase", "rd", "rmdir"];

/// Whether `name` is PowerShell's `Remove-Item` or one of its aliases (any letter case).
pub fn is_removal(name: &str) -> bool {
    REMOVALS.iter().any(|r| r.eq_ignore_ascii_case(name))
}

/// Words that change the current location (`Set-Location ~`, `cd ..`, `Push-Location`), or
/// name it (`[Environment]::CurrentDirectory`).
const LOCATION_CHANGES: &[&str] = &[
    "set-location",
    "sl",
    "cd",
    "chdir",
    "push-location",
    "pushd",
    "pop-location",
    "popd",
    "currentdirectory",
    "setcurrentdirectory",
];

/// Words that run code elsewhere (another machine, a session, a background job started in
/// another directory), where a relative path is not the working tree's.
const ELSEWHERE: &[&str] = &[
    "invoke-command",
    "icm",
    "enter-pssession",
    "new-pssession",
    "-computername",
    "-cn",
    "-session",
    "-hostname",
    "-vmname",
    "start-job",
    "sajb",
    "start-threadjob",
];

/// Where the statements of `code` stand that remove literal paths: a removal cmdlet
/// (`Remove-Item .\out -Recurse`, `rd build`) not fed by a pipe, with no variable,
/// subexpression, script block, splat, escape or bracket among its words, in code that never
/// changes its location or runs code elsewhere (each statement is walked here, from the
/// starting location). Such a statement names every path it removes, so it is judged as the
/// command it is (its paths as `rm`'s would be) rather than held for removing something
/// whatever it is.
pub fn literal_removals(code: &str) -> Vec<std::ops::Range<usize>> {
    let moves = code
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .any(|word| {
            LOCATION_CHANGES
                .iter()
                .chain(ELSEWHERE)
                .any(|m| m.eq_ignore_ascii_case(word))
        });
    if moves {
        return Vec::new();
    }
    command_statements(code)
        .into_iter()
        .filter(|statement| {
            let text = &code[statement.span.clone()];
            let name = text.split_whitespace().next().unwrap_or_default();
            !statement.piped
                && is_removal(name)
                && !text.contains(['$', '(', ')', '`', '@', '{', '}', '[', ']'])
        })
        .map(|statement| statement.span)
        .collect()
}

/// A statement of PowerShell code.
struct Statement {
    /// Where it stands in the code (without surrounding blanks or a leading `& `).
    span: std::ops::Range<usize>,
    /// Whether a pipe feeds it (`... | Remove-Item`).
    piped: bool,
}

/// The statements of `code` that start with a command name.
fn command_statements(code: &str) -> Vec<Statement> {
    statements(code)
        .into_iter()
        .filter_map(|mut statement| {
            let text = &code[statement.span.clone()];
            let trimmed = text.trim_start();
            let call = trimmed.strip_prefix("& ").unwrap_or(trimmed).trim_start();
            statement.span.start += text.len() - call.len();
            statement.span.end = statement.span.start + call.trim_end().len();
            let first = call.split_whitespace().next()?;
            let starts_with_name = first.starts_with(|c: char| {
                c.is_ascii_alphanumeric() || c == '.' || c == '/' || c == '"' || c == '\''
            });
            let keyword = KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(first));
            (starts_with_name && !keyword).then_some(statement)
        })
        .collect()
}

/// Splits `code` at statement and pipeline boundaries outside quotes and parentheses.
fn statements(code: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut push = |span: std::ops::Range<usize>, piped: bool| {
        if !code[span.clone()].trim().is_empty() {
            out.push(Statement { span, piped });
        }
    };
    let mut start = 0;
    let mut piped = false;
    let mut quote: Option<char> = None;
    let mut parens = 0usize;
    let mut chars = code.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some('"'), '`') => {
                chars.next();
            }
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => parens += 1,
            (None, ')') => parens = parens.saturating_sub(1),
            (None, '#') if parens == 0 && code[start..i].trim().is_empty() => {
                // A comment to the end of the line.
                let end = code[i..].find('\n').map_or(code.len(), |n| i + n + 1);
                while chars.next_if(|&(j, _)| j < end).is_some() {}
                start = end;
                piped = false;
            }
            (None, ';' | '\n' | '|' | '{' | '}') if parens == 0 => {
                push(start..i, piped);
                piped = c == '|';
                start = i + 1;
            }
            (None, '&') if parens == 0 && chars.peek().is_some_and(|&(_, n)| n == '&') => {
                chars.next();
                push(start..i, piped);
                piped = false;
                start = i + 2;
            }
            _ => {}
        }
    }
    push(start..code.len(), piped);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_found_in_blocks_and_pipelines() {
        let code = "$ErrorActionPreference = 'Stop'; foreach ($d in $dirs) { git push --force }\n\
                    Get-ChildItem | Where-Object { $_.Length -gt 1MB }; & kubectl delete ns prod";
        assert_eq!(
            shell_commands(code),
            [
                "git push --force",
                "Get-ChildItem",
                "Where-Object",
                "kubectl delete ns prod"
            ]
        );
    }

    #[test]
    fn quotes_and_parentheses_keep_a_statement_whole() {
        assert_eq!(
            shell_commands("Write-Host \"a; b | c\" (Get-Date -Format 'x;y')"),
            ["Write-Host \"a; b | c\" (Get-Date -Format 'x;y')"]
        );
        assert!(shell_commands("if ($x) { }  # git push --force").is_empty());
    }

    #[test]
    fn backslashes_are_kept_for_the_shell() {
        assert_eq!(
            shell_text(r#"Remove-Item ..\.. "C:\" 'D:\x'"#),
            r#"Remove-Item ..\\.. "C:\\" 'D:\x'"#
        );
    }

    #[test]
    fn only_removals_of_literal_paths_not_fed_by_a_pipe_are_literal() {
        let code = "if (Test-Path .\\out) { Remove-Item .\\out -Recurse -Force }\n\
                    gci C:\\ | ri -Recurse; rd $dir; & del 'build'; rm (Get-Item x); Write-Host rm";
        let found: Vec<&str> = literal_removals(code)
            .into_iter()
            .map(|r| &code[r])
            .collect();
        assert_eq!(found, ["Remove-Item .\\out -Recurse -Force", "del 'build'"]);
        assert!(literal_removals("Set-Location ~; Remove-Item build -Recurse").is_empty());
        assert!(literal_removals("cd ..\nrd build").is_empty());
        assert!(
            literal_removals("Invoke-Command -ComputerName db { Remove-Item .\\out -Recurse }")
                .is_empty()
        );
    }
}

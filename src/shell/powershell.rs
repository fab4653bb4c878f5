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
pub fn shell_commands(code: &str) -> Vec<String> {
    statements(code)
        .into_iter()
        .filter_map(|statement| {
            let statement = statement.trim();
            let statement = statement
                .strip_prefix("& ")
                .unwrap_or(statement)
                .trim_start();
            let first = statement.split_whitespace().next()?;
            let starts_with_name = first.starts_with(|c: char| {
                c.is_ascii_alphanumeric() || c == '.' || c == '/' || c == '"' || c == '\''
            });
            let keyword = KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(first));
            (starts_with_name && !keyword).then(|| statement.to_string())
        })
        .collect()
}

/// Splits `code` at statement and pipeline boundaries outside quotes and parentheses.
fn statements(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut parens = 0usize;
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some('"'), '`') => {
                current.push(c);
                current.extend(chars.next());
                continue;
            }
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => parens += 1,
            (None, ')') => parens = parens.saturating_sub(1),
            (None, '#') if parens == 0 && current.trim().is_empty() => {
                // A comment to the end of the line.
                for rest in chars.by_ref() {
                    if rest == '\n' {
                        break;
                    }
                }
                continue;
            }
            (None, ';' | '\n' | '|' | '{' | '}') if parens == 0 => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            (None, '&') if parens == 0 && chars.peek() == Some(&'&') => {
                chars.next();
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current);
    out.retain(|s| !s.trim().is_empty());
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
}

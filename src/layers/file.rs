//! The `policy.toml` of a layer directory: what lower layers may loosen, which rules are enabled
//! or disabled (in order), action and severity overrides, and exceptions with an owner, a reason
//! and an expiry date.
//!
//! ```toml
//! [permit]                      # what the layers below this one may loosen
//! loosen = ["pkg.*", "tag:packages"]
//!
//! [[select]]                    # applied in file order
//! disable = "pkg.publish"
//!
//! [[override]]
//! rule = "git.push.force*"
//! action = "deny"
//!
//! [[exception]]
//! rule = "iac.terraform.destroy"
//! command = "terraform destroy -target=module.sandbox*"
//! owner = "platform@example.com"
//! reason = "sandbox teardown is routine"
//! expires = 2026-12-31
//! ```

use serde::Deserialize;

use super::error::LayerError;
use crate::level::{Decision, Severity};
use crate::rules::schema::line_of;

/// Which rules a statement or permit names: an id glob (`git.push.*`) or a tag (`tag:packages`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// Rules whose id matches this glob.
    Id(String),
    /// Rules carrying this tag.
    Tag(String),
}

impl Selector {
    /// Parses `tag:NAME` or an id glob.
    pub fn parse(text: &str) -> Selector {
        match text.strip_prefix("tag:") {
            Some(tag) => Selector::Tag(tag.to_string()),
            None => Selector::Id(text.to_string()),
        }
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Selector::Id(glob) => f.write_str(glob),
            Selector::Tag(tag) => write!(f, "tag:{tag}"),
        }
    }
}

/// An exception: one rule stops applying to the invocations it describes, until it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// The rule's exact id.
    pub rule: String,
    /// Glob over the invocation's words joined by spaces (`terraform destroy -target=x*`).
    pub command: Option<String>,
    /// Glob over the invocation's working directory.
    pub cwd: Option<String>,
    /// Who answers for it.
    pub owner: String,
    /// Why it is safe.
    pub reason: String,
    /// The last day it applies.
    pub expires: jiff::civil::Date,
}

/// One ordered statement of a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    /// Turn the selected rules on.
    Enable(Selector),
    /// Turn the selected rules off.
    Disable(Selector),
    /// Set the selected rules' action and/or severity.
    Override {
        /// The rules.
        rule: Selector,
        /// The new action.
        action: Option<Decision>,
        /// The new severity.
        severity: Option<Severity>,
    },
    /// Stop one rule applying to some invocations.
    Exception(Exception),
}

/// A parsed `policy.toml`.
#[derive(Debug, Clone, Default)]
pub struct PolicyFile {
    /// The file's path.
    pub path: String,
    /// What layers below may loosen.
    pub permits: Vec<Selector>,
    /// The line of the `[permit]` table, if there is one.
    pub permit_line: Option<u32>,
    /// Statements with their 1-based lines, in file order.
    pub statements: Vec<(u32, Statement)>,
    /// Who may approve, with the line of the `[approvals]` table (organisation layer only).
    pub approvals: Option<(u32, Approvals)>,
}

/// Who may approve held commands besides the session's own user: OS users on this machine,
/// and the SSH keys of approvers elsewhere.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approvals {
    /// OS users who may approve from their own accounts (`interlock run --approver`).
    #[serde(default)]
    pub approvers: Vec<String>,
    /// An `ssh-keygen` allowed-signers file (`interlock run --allowed-signers`).
    #[serde(default)]
    pub allowed_signers: Option<std::path::PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyToml {
    #[serde(default)]
    permit: Option<toml::Spanned<PermitToml>>,
    #[serde(default)]
    select: Vec<toml::Spanned<SelectToml>>,
    #[serde(default, rename = "override")]
    overrides: Vec<toml::Spanned<OverrideToml>>,
    #[serde(default, rename = "exception")]
    exceptions: Vec<toml::Spanned<ExceptionToml>>,
    #[serde(default)]
    approvals: Option<toml::Spanned<Approvals>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PermitToml {
    loosen: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SelectToml {
    enable: Option<String>,
    disable: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideToml {
    rule: String,
    action: Option<Decision>,
    severity: Option<Severity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExceptionToml {
    rule: String,
    command: Option<String>,
    cwd: Option<String>,
    owner: String,
    reason: String,
    expires: DateToml,
}

/// `expires = 2026-12-31` (a TOML date) or `expires = "2026-12-31"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum DateToml {
    Date(toml::value::Datetime),
    Text(String),
}

/// Parses a policy file's text; `path` names it in messages.
pub fn parse(path: &str, text: &str) -> Result<PolicyFile, LayerError> {
    let syntax = |line: Option<u32>, message: String| LayerError::Syntax {
        file: path.to_string(),
        line,
        message,
    };
    let parsed: PolicyToml = toml::from_str(text).map_err(|e| {
        syntax(
            e.span().map(|s| line_of(text, s.start)),
            e.message().to_string(),
        )
    })?;
    let mut statements = Vec::new();
    for s in parsed.select {
        let line = line_of(text, s.span().start);
        let statement = match s.into_inner() {
            SelectToml {
                enable: Some(sel),
                disable: None,
            } => Statement::Enable(Selector::parse(&sel)),
            SelectToml {
                enable: None,
                disable: Some(sel),
            } => Statement::Disable(Selector::parse(&sel)),
            _ => {
                return Err(syntax(
                    Some(line),
                    "a [[select]] has exactly one of `enable = \"GLOB|tag:NAME\"` or `disable = ...`"
                        .into(),
                ));
            }
        };
        statements.push((line, statement));
    }
    for o in parsed.overrides {
        let line = line_of(text, o.span().start);
        let o = o.into_inner();
        if o.action.is_none() && o.severity.is_none() {
            return Err(syntax(
                Some(line),
                "an [[override]] sets `action` (allow|confirm|deny), `severity` (info..critical) or both".into(),
            ));
        }
        statements.push((
            line,
            Statement::Override {
                rule: Selector::parse(&o.rule),
                action: o.action,
                severity: o.severity,
            },
        ));
    }
    for x in parsed.exceptions {
        let line = line_of(text, x.span().start);
        let x = x.into_inner();
        let date_text = match &x.expires {
            DateToml::Date(d) => d.to_string(),
            DateToml::Text(t) => t.clone(),
        };
        let expires: jiff::civil::Date = date_text.parse().map_err(|_| {
            syntax(
                Some(line),
                format!("`expires = {date_text}` is not a date; write it as 2026-12-31"),
            )
        })?;
        if x.command.is_none() && x.cwd.is_none() {
            return Err(syntax(
                Some(line),
                format!(
                    "the exception to {} names neither `command` nor `cwd`: an exception describes the invocations it covers (to turn a rule off, use [[select]] disable)",
                    x.rule
                ),
            ));
        }
        if x.owner.trim().is_empty() || x.reason.trim().is_empty() {
            return Err(syntax(
                Some(line),
                format!(
                    "the exception to {} needs an `owner` and a `reason`",
                    x.rule
                ),
            ));
        }
        statements.push((
            line,
            Statement::Exception(Exception {
                rule: x.rule,
                command: x.command,
                cwd: x.cwd,
                owner: x.owner,
                reason: x.reason,
                expires,
            }),
        ));
    }
    statements.sort_by_key(|(line, _)| *line);
    Ok(PolicyFile {
        approvals: parsed
            .approvals
            .map(|a| (line_of(text, a.span().start), a.into_inner())),
        path: path.to_string(),
        permit_line: parsed
            .permit
            .as_ref()
            .map(|p| line_of(text, p.span().start)),
        permits: parsed
            .permit
            .map(|p| {
                p.into_inner()
                    .loosen
                    .iter()
                    .map(|s| Selector::parse(s))
                    .collect()
            })
            .unwrap_or_default(),
        statements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_come_back_in_file_order_with_lines() {
        let text = r#"
[permit]
loosen = ["pkg.*", "tag:packages"]

[[exception]]
rule = "pkg.publish"
command = "npm publish --dry-run*"
owner = "alice"
reason = "preview only"
expires = 2030-01-31

[[select]]
disable = "tag:git"

[[override]]
rule = "git.push.force"
action = "deny"
"#;
        let p = parse("policy.toml", text).unwrap();
        assert_eq!(
            p.permits,
            vec![
                Selector::Id("pkg.*".into()),
                Selector::Tag("packages".into())
            ]
        );
        let lines: Vec<u32> = p.statements.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![5, 12, 15]);
        assert!(
            matches!(&p.statements[0].1, Statement::Exception(x) if x.expires.to_string() == "2030-01-31")
        );
        assert_eq!(
            p.statements[1].1,
            Statement::Disable(Selector::Tag("git".into()))
        );
    }

    #[test]
    fn mistakes_are_named_with_their_line() {
        let both = "[[select]]\nenable = \"a\"\ndisable = \"b\"\n";
        let e = parse("p.toml", both).unwrap_err().to_string();
        assert!(e.starts_with("p.toml:1:"), "{e}");
        let bad_date = "[[exception]]\nrule = \"x\"\ncommand = \"x\"\nowner = \"o\"\nreason = \"r\"\nexpires = \"soon\"\n";
        let e = parse("p.toml", bad_date).unwrap_err().to_string();
        assert!(e.contains("not a date"), "{e}");
        let unscoped =
            "[[exception]]\nrule = \"x\"\nowner = \"o\"\nreason = \"r\"\nexpires = 2030-01-01\n";
        let e = parse("p.toml", unscoped).unwrap_err().to_string();
        assert!(e.contains("neither `command` nor `cwd`"), "{e}");
        let unknown = "[permit]\nloosen = []\nwhatever = 1\n";
        assert!(parse("p.toml", unknown).is_err());
    }
}

//! Human confirmation on the terminal: how much friction a request gets, the prompt drawn for
//! it, and reading the human's keys (which never reach the agent).
//!
//! Friction scales with severity: one key for medium and below, a typed justification for
//! high, and for critical the justification plus the target's own name typed back (as
//! molly-guard asks for the hostname). Esc, Ctrl-C or Ctrl-D refuse at any point.

mod keys;
pub mod signature;
pub mod store;
mod target;

use std::io::Write;

pub use keys::{Key, KeyReader};
pub use target::target_name;

use crate::Severity;

/// The shortest justification accepted by default.
pub const MIN_JUSTIFICATION: usize = 8;

/// A request to put in front of the human.
#[derive(Debug)]
pub struct PromptRequest {
    /// The request id.
    pub request: String,
    /// The command.
    pub argv: Vec<String>,
    /// Where it would run.
    pub cwd: String,
    /// How harmful it is.
    pub severity: Severity,
    /// Matched rules.
    pub rules: Vec<String>,
    /// Why it is held.
    pub reason: String,
    /// The resource a critical command acts on (typed back to confirm).
    pub target: Option<String>,
    /// The shortest justification accepted.
    pub min_justification: usize,
    /// Where the answer goes.
    pub reply: tokio::sync::oneshot::Sender<PromptAnswer>,
}

/// The human's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptAnswer {
    /// Approved, with the justification if one was asked for.
    Approved {
        /// The typed justification.
        justification: Option<String>,
        /// `tty`, `tty+justification` or `tty+typed-confirm`.
        method: String,
    },
    /// Refused, and why.
    Refused {
        /// A short note for the log.
        why: String,
    },
}

/// Draws the prompt for `req` on `out` and reads the answer from `keys`.
pub fn ask(
    req: &PromptRequest,
    keys: &mut KeyReader,
    out: &mut impl Write,
) -> std::io::Result<PromptAnswer> {
    let cmd = req
        .argv
        .iter()
        .map(|a| crate::shell::quote_for_display(a))
        .collect::<Vec<_>>()
        .join(" ");
    write!(
        out,
        "\r\n\x1b[1;7m interlock \x1b[0m holds a command from the agent ({} severity, request {})\r\n",
        req.severity.as_str(),
        req.request
    )?;
    write!(out, "\x1b[1m  $ {cmd}\x1b[0m\r\n  in {}\r\n", req.cwd)?;
    write!(
        out,
        "  rules: {}\r\n  {}\r\n",
        req.rules.join(", "),
        req.reason
    )?;
    match req.severity {
        Severity::Info | Severity::Low | Severity::Medium => {
            write!(out, "\x1b[1minterlock ▶\x1b[0m Run it? [y/N] ")?;
            out.flush()?;
            let answer = match keys.next_key() {
                Some(Key::Char('y' | 'Y')) => PromptAnswer::Approved {
                    justification: None,
                    method: "tty".into(),
                },
                _ => PromptAnswer::Refused {
                    why: "refused at the terminal".into(),
                },
            };
            write!(out, "\r\n")?;
            Ok(answer)
        }
        Severity::High | Severity::Critical => {
            let Some(justification) = ask_justification(keys, out, req.min_justification)? else {
                return Ok(PromptAnswer::Refused {
                    why: "refused at the terminal".into(),
                });
            };
            if req.severity != Severity::Critical {
                return Ok(PromptAnswer::Approved {
                    justification: Some(justification),
                    method: "tty+justification".into(),
                });
            }
            let target = req.target.clone().unwrap_or_else(|| "yes".to_string());
            write!(
                out,
                "\x1b[1minterlock ▶\x1b[0m Type \x1b[1m{target}\x1b[0m to confirm: "
            )?;
            out.flush()?;
            match keys.read_line(out)? {
                Some(typed) if typed.trim() == target => Ok(PromptAnswer::Approved {
                    justification: Some(justification),
                    method: "tty+typed-confirm".into(),
                }),
                Some(_) => {
                    write!(out, "That is not {target}: refused.\r\n")?;
                    Ok(PromptAnswer::Refused {
                        why: "the typed name did not match".into(),
                    })
                }
                None => Ok(PromptAnswer::Refused {
                    why: "refused at the terminal".into(),
                }),
            }
        }
    }
}

fn ask_justification(
    keys: &mut KeyReader,
    out: &mut impl Write,
    min: usize,
) -> std::io::Result<Option<String>> {
    loop {
        write!(
            out,
            "\x1b[1minterlock ▶\x1b[0m Justification (Esc refuses): "
        )?;
        out.flush()?;
        match keys.read_line(out)? {
            None => return Ok(None),
            Some(text) if text.trim().chars().count() >= min => {
                return Ok(Some(text.trim().to_string()));
            }
            Some(_) => write!(out, "  Say why in at least {min} characters.\r\n")?,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(
        severity: Severity,
        target: Option<&str>,
    ) -> (PromptRequest, tokio::sync::oneshot::Receiver<PromptAnswer>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let req = PromptRequest {
            request: "r-1".into(),
            argv: vec![
                "kubectl".into(),
                "delete".into(),
                "ns".into(),
                "prod".into(),
            ],
            cwd: "/w".into(),
            severity,
            rules: vec!["k8s.delete.namespace".into()],
            reason: "Deletes a namespace.".into(),
            target: target.map(str::to_string),
            min_justification: MIN_JUSTIFICATION,
            reply: tx,
        };
        (req, rx)
    }

    fn answer(severity: Severity, target: Option<&str>, typed: &[u8]) -> (PromptAnswer, String) {
        let (req, _rx) = request(severity, target);
        let (tx, rx) = std::sync::mpsc::channel();
        tx.send(typed.to_vec()).expect("send keys");
        drop(tx);
        let mut keys = KeyReader::new(rx);
        let mut out = Vec::new();
        let a = ask(&req, &mut keys, &mut out).expect("ask");
        (a, String::from_utf8_lossy(&out).into_owned())
    }

    #[test]
    fn medium_takes_one_key() {
        assert!(matches!(
            answer(Severity::Medium, None, b"y").0,
            PromptAnswer::Approved {
                justification: None,
                ..
            }
        ));
        assert!(matches!(
            answer(Severity::Medium, None, b"\r").0,
            PromptAnswer::Refused { .. }
        ));
    }

    #[test]
    fn high_needs_a_justification() {
        let (a, out) = answer(Severity::High, None, b"short\rlong enough reason\r");
        assert_eq!(
            a,
            PromptAnswer::Approved {
                justification: Some("long enough reason".into()),
                method: "tty+justification".into()
            }
        );
        assert!(out.contains("at least 8 characters"), "{out}");
        assert!(matches!(
            answer(Severity::High, None, b"abc\x1b").0,
            PromptAnswer::Refused { .. }
        ));
    }

    #[test]
    fn critical_needs_the_targets_name() {
        let ok = answer(
            Severity::Critical,
            Some("prod"),
            b"CHG-1 retire prod\rprod\r",
        )
        .0;
        assert_eq!(
            ok,
            PromptAnswer::Approved {
                justification: Some("CHG-1 retire prod".into()),
                method: "tty+typed-confirm".into()
            }
        );
        assert!(matches!(
            answer(
                Severity::Critical,
                Some("prod"),
                b"CHG-1 retire prod\rstaging\r"
            )
            .0,
            PromptAnswer::Refused { .. }
        ));
        assert!(matches!(
            answer(Severity::Critical, Some("prod"), b"\x03").0,
            PromptAnswer::Refused { .. }
        ));
    }
}

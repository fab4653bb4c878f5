//! Database clients: finds the SQL (or Redis commands, or Mongo JavaScript) a client is given —
//! by flag (`psql -c`, `mysql -e`), operand (`sqlite3 db "SQL"`), heredoc, here-string or pipe —
//! and emits one `sql` invocation per statement so rules can match statements structurally
//! (`command = ["drop", "table"]`) instead of grepping text.
//!
//! Invariant: SQL words are lowercased, string literals become `'…'`, comments are dropped, and
//! quoted identifiers keep their text; client shell escapes (`\!`, `.shell`, `system`) are
//! analysed as shell.

use super::invocation::{Arg, Invocation, Opaque, Step, StepKind};
use super::walk::{
    STDIN_SENDERS, State, Stdin, Walker, local_script, read_local_text, written_content,
};

/// The virtual program name of a SQL statement invocation.
pub const SQL_PROGRAM: &str = "sql";

/// Clients whose input is SQL or similar query text.
const CLIENTS: &[&str] = &[
    "psql",
    "pgcli",
    "mysql",
    "mariadb",
    "mycli",
    "sqlite3",
    "sqlite",
    "litecli",
    "duckdb",
    "clickhouse-client",
    "clickhouse",
    "cockroach",
    "cqlsh",
    "bq",
    "snowsql",
    "sqlcmd",
    "sqlplus",
    "ysqlsh",
    "mysqlsh",
    "Invoke-Sqlcmd",
    "invoke-sqlcmd",
    "trino",
    "presto",
    "spark-sql",
    "hive",
    "beeline",
    "impala-shell",
    "usql",
    "dolt",
    "surreal",
    "surrealctl",
    "hbase",
    "mongosh",
    "mongo",
    "redis-cli",
    "valkey-cli",
    "keydb-cli",
];

/// Whether `name` is a database client this module understands.
pub fn is_client(name: &str) -> bool {
    CLIENTS.contains(&name)
}

/// Where a client's input comes from.
enum Input {
    /// Text given on the command line.
    Text(String),
    /// A word that is only known at run time.
    Dynamic,
    /// A file (its path, when known).
    File(Option<Arg>),
    /// Standard input.
    Stdin,
}

/// Unwraps database client invocation `index`.
pub fn unwrap_client(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    stdin: Option<Stdin>,
    procsubs: &[(usize, Stdin)],
    st: &State,
) {
    // `psql < drop.sql`: the statements of a local file.
    let stdin = local_script(stdin, st);
    let name = inv.program_name();
    let inputs = match name {
        "psql" | "pgcli" | "usql" | "ysqlsh" => flag_inputs(
            inv,
            &["-c", "--command"],
            &["-f", "--file"],
            "cdfhpUvoLTFRP",
            &[
                "--dbname",
                "--host",
                "--port",
                "--username",
                "--set",
                "--variable",
                "--output",
                "--log-file",
                "--pset",
            ],
        ),
        "mysql" | "mariadb" | "mycli" | "mysqlsh" => flag_inputs(
            inv,
            &["-e", "--execute"],
            &[],
            "eDhuPSo",
            &["--database", "--host", "--user", "--port", "--socket"],
        ),
        "cockroach" | "cqlsh" => flag_inputs(
            inv,
            &["-e", "--execute"],
            &["-f", "--file"],
            "ef",
            &["--host", "--url", "--database", "--user"],
        ),
        "clickhouse-client" | "clickhouse" | "snowsql" => flag_inputs(
            inv,
            &["-q", "--query"],
            &["--queries-file"],
            "qhud",
            &["--host", "--user", "--database", "--password"],
        ),
        "sqlcmd" => flag_inputs(inv, &["-Q", "-q"], &["-i"], "QqiSUPd", &[]),
        "sqlplus" => sqlplus_inputs(inv),
        // PowerShell's SqlServer module; parameters as written or lowercased.
        "Invoke-Sqlcmd" | "invoke-sqlcmd" => flag_inputs(
            inv,
            &["-Query", "-query"],
            &["-InputFile", "-inputfile"],
            "",
            &[
                "-ServerInstance",
                "-serverinstance",
                "-Database",
                "-database",
                "-Username",
                "-username",
                "-Password",
                "-password",
                "-ConnectionString",
                "-connectionstring",
            ],
        ),
        "trino" | "presto" => flag_inputs(
            inv,
            &["--execute"],
            &["-f", "--file"],
            "f",
            &["--server", "--catalog", "--schema", "--user", "--session"],
        ),
        "spark-sql" | "hive" | "beeline" | "impala-shell" => flag_inputs(
            inv,
            &["-e", "-q", "--query"],
            &["-f", "--query_file"],
            "efuniq",
            &["--database", "--hiveconf", "--conf", "--master", "--name"],
        ),
        "sqlite3" | "sqlite" | "litecli" | "duckdb" => sqlite_inputs(inv),
        // `dolt sql -q "…"`, `dolt sql < x.sql`; Dolt's other commands take no SQL.
        "dolt" if inv.args.iter().skip(1).any(|a| a.text == "sql") => flag_inputs(
            inv,
            &["-q", "--query"],
            &["-f", "--file"],
            "qfru",
            &[
                "--result-format",
                "--data-dir",
                "--use-db",
                "--user",
                "--host",
            ],
        ),
        "dolt" => Vec::new(),
        "surreal" | "surrealctl" => surreal_inputs(inv),
        "hbase" => return hbase_shell(w, index, inv, stdin, procsubs, st),
        "bq" => bq_inputs(inv),
        "mongosh" | "mongo" => {
            let mut inputs = flag_inputs(
                inv,
                &["--eval"],
                &["-f", "--file"],
                "fuph",
                &[
                    "--username",
                    "--password",
                    "--host",
                    "--port",
                    "--authenticationDatabase",
                ],
            );
            if inv.args.iter().skip(1).any(|a| a.text.ends_with(".js")) {
                inputs.retain(|i| !matches!(i, Input::Stdin));
                inputs.push(Input::File(None));
            }
            for input in inputs {
                match input {
                    Input::Text(code) => w.set_script(index, code),
                    Input::Dynamic => w.mark_opaque(index, Opaque::DynamicCode),
                    Input::File(path) => {
                        match path.and_then(|p| file_content(&p, inv, procsubs, st)) {
                            Some(Stdin::Text(text, _)) => w.set_script(index, text),
                            Some(other) => w.mark_opaque(
                                index,
                                other.as_code_opacity().unwrap_or(Opaque::ScriptFile),
                            ),
                            None => w.mark_opaque(index, Opaque::ScriptFile),
                        }
                    }
                    Input::Stdin => {
                        if let Some((text, _)) = w.code_text(index, stdin.as_ref()) {
                            w.set_script(index, text.to_string());
                        }
                    }
                }
            }
            return;
        }
        _ => {
            redis(w, index, inv, stdin, st);
            return;
        }
    };
    emit_inputs(w, index, inv, inputs, stdin.as_ref(), procsubs, st);
}

/// Analyses the SQL of each of a client's `inputs`: text given on the command line, files, and
/// its standard input `stdin`.
fn emit_inputs(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    inputs: Vec<Input>,
    stdin: Option<&Stdin>,
    procsubs: &[(usize, Stdin)],
    st: &State,
) {
    for input in inputs {
        match input {
            Input::Text(text) => emit_sql(w, inv, &text, StepKind::Sql, st),
            Input::Dynamic => w.mark_opaque(index, Opaque::DynamicCode),
            Input::File(path) => match path.and_then(|p| file_content(&p, inv, procsubs, st)) {
                Some(Stdin::Text(text, kind)) => emit_sql(w, inv, &text, kind, st),
                Some(other) => {
                    w.mark_opaque(index, other.as_code_opacity().unwrap_or(Opaque::ScriptFile))
                }
                None => w.mark_opaque(index, Opaque::ScriptFile),
            },
            Input::Stdin => {
                if let Some((text, kind)) = w.code_text(index, stdin) {
                    if has_dynamic_statement(text) {
                        w.mark_opaque(index, Opaque::DynamicCode);
                    }
                    emit_sql(w, inv, text, kind, st);
                }
            }
        }
    }
}

/// Where a web framework's database shell is named in `inv`, if it is one: `rails dbconsole`
/// (`rails db`, `bin/rails`), `python manage.py dbshell` (`./manage.py`, `django-admin`) and
/// `php artisan db`. They start the database's own client, which runs the SQL it reads; what
/// follows `--` is that client's arguments (`dbshell -- -c 'DROP TABLE x'`).
pub fn framework_db_shell(inv: &Invocation) -> bool {
    let word = |i: usize| {
        inv.args
            .get(i)
            .map(|a| a.text.rsplit('/').next().unwrap_or(&a.text))
    };
    let (at, shells): (usize, &[&str]) = match word(0) {
        Some("rails") => (1, &["dbconsole", "db"]),
        Some("manage.py" | "django-admin" | "django-admin.py") => (1, &["dbshell"]),
        Some("artisan") => (1, &["db"]),
        Some(p) if p.starts_with("python") && word(1) == Some("manage.py") => (2, &["dbshell"]),
        Some("php") if word(1) == Some("artisan") => (2, &["db"]),
        _ => return false,
    };
    word(at).is_some_and(|w| shells.contains(&w))
}

/// Analyses the SQL a framework's database shell ([`framework_db_shell`]) runs: its standard
/// input, and what the client is given after `--` (`-c`/`-e`/`--command`/`--execute` text,
/// `-f`/`--file` files). The input is read whatever the client is given, as the shell cannot
/// tell which client it starts.
pub fn unwrap_framework_db_shell(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    stdin: Option<Stdin>,
    procsubs: &[(usize, Stdin)],
    st: &State,
) {
    let stdin = local_script(stdin, st);
    // The client's own arguments, as if it were the program.
    let dd = inv.args.iter().position(|a| a.text == "--");
    let mut client = inv.clone();
    client.args = inv.args[..1]
        .iter()
        .chain(dd.map_or(&[][..], |dd| &inv.args[dd + 1..]))
        .cloned()
        .collect();
    let mut inputs = flag_inputs(
        &client,
        &["-c", "-e", "--command", "--execute"],
        &["-f", "--file"],
        "",
        &[],
    );
    if !inputs.iter().any(|i| matches!(i, Input::Stdin)) {
        inputs.push(Input::Stdin);
    }
    emit_inputs(w, index, inv, inputs, stdin.as_ref(), procsubs, st);
}

/// SurrealDB's `surreal sql` (and `surreal db sql`, `surrealctl instance sql`) reads SurrealQL
/// from its input; `surreal import FILE` runs a file of it. Its other commands take none.
fn surreal_inputs(inv: &Invocation) -> Vec<Input> {
    let words: Vec<&str> = inv.args.iter().skip(1).map(|a| a.text.as_str()).collect();
    if words.contains(&"sql") {
        return vec![Input::Stdin];
    }
    if words.contains(&"import") {
        let file = inv
            .args
            .last()
            .filter(|a| a.text != "import" && !a.text.starts_with('-'));
        return vec![Input::File(file.cloned())];
    }
    Vec::new()
}

/// `hbase shell` reads HBase shell commands (`disable 't1'; drop 't1'`) from a script file or its
/// input: each is emitted as an invocation of `hbase-shell` whose words are the command's
/// (`hbase-shell drop 't1'`), Ruby's parentheses and `;` separators taken as spaces and lines.
fn hbase_shell(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    stdin: Option<Stdin>,
    procsubs: &[(usize, Stdin)],
    st: &State,
) {
    let Some(shell) = inv.args.iter().skip(1).position(|a| a.text == "shell") else {
        return;
    };
    let script = inv.args[shell + 2..]
        .iter()
        .find(|a| !a.text.starts_with('-'));
    let input = match script {
        Some(path) => match file_content(path, inv, procsubs, st) {
            Some(text) => Some(text),
            None => return w.mark_opaque(index, Opaque::ScriptFile),
        },
        None => stdin,
    };
    let input = input.map(|input| match input {
        Stdin::Text(text, kind) => {
            Stdin::Text(text.replace(';', "\n").replace(['(', ')', ','], " "), kind)
        }
        other => other,
    });
    emit_input_lines(w, index, inv, Arg::literal("hbase-shell"), input, st);
}

/// What the file `path` given to a client holds: written earlier in the line, the output of a
/// process substitution (`psql -f <(echo 'TRUNCATE t')`; with several, which one is `path` is
/// not told, and none is taken), else the local file's text.
fn file_content(
    path: &Arg,
    inv: &Invocation,
    procsubs: &[(usize, Stdin)],
    st: &State,
) -> Option<Stdin> {
    if let Some(written) = written_content(path, inv.cwd.as_deref(), st) {
        return Some(written);
    }
    let mut same = procsubs
        .iter()
        .filter(|(at, _)| inv.args.get(*at).is_some_and(|a| a.text == path.text));
    match (same.next(), same.next()) {
        (Some((_, content)), None) => Some(content.clone()),
        (Some(_), Some(_)) => None,
        // A file on this machine: its statements run in the server, out of the tracer's sight.
        (None, _) if !inv.remote && !path.dynamic => {
            read_local_text(&path.text, inv.cwd.as_deref())
                .map(|text| Stdin::Text(text, StepKind::ScriptFile))
        }
        (None, _) => None,
    }
}

/// The flags that carry SQL for a cloud CLI's "run this statement" operations:
/// `aws athena start-query-execution --query-string`, `aws redshift-data|rds-data
/// execute-statement --sql`, `aws dynamodb execute-statement --statement` (PartiQL),
/// `gcloud spanner databases execute-sql --sql` (and `ddl update --ddl`), `az postgres|mysql
/// flexible-server execute --querytext`, `wrangler d1 execute --command`, `heroku pg:psql
/// --command`, `snow sql --query`, InfluxDB 1.x's `influx -execute` (InfluxQL).
pub fn cloud_sql_flags(inv: &Invocation) -> Option<&'static [&'static str]> {
    let words: Vec<&str> = inv
        .args
        .iter()
        .skip(1)
        .map(|a| a.text.as_str())
        .filter(|w| !w.starts_with('-'))
        .collect();
    let has = |pair: [&str; 2]| words.windows(2).any(|w| w == pair);
    match inv.program_name() {
        "aws" if has(["athena", "start-query-execution"]) => Some(&["--query-string"]),
        "aws"
            if has(["redshift-data", "execute-statement"])
                || has(["redshift-data", "batch-execute-statement"])
                || has(["rds-data", "execute-statement"])
                || has(["rds-data", "batch-execute-statement"]) =>
        {
            Some(&["--sql", "--sqls"])
        }
        "aws" if has(["dynamodb", "execute-statement"]) => Some(&["--statement"]),
        "gcloud" if has(["databases", "execute-sql"]) => Some(&["--sql"]),
        "gcloud" if has(["ddl", "update"]) => Some(&["--ddl"]),
        "az" if has(["flexible-server", "execute"]) => Some(&["--querytext", "-q"]),
        "wrangler" if has(["d1", "execute"]) => Some(&["--command"]),
        "heroku" if words.first().is_some_and(|w| *w == "pg:psql") => Some(&["--command", "-c"]),
        "snow" if words.first().is_some_and(|w| *w == "sql") => Some(&["-q", "--query"]),
        "influx" => Some(&["-execute", "--execute"]),
        _ => None,
    }
}

/// Analyses the SQL a cloud CLI runs (see [`cloud_sql_flags`]) as `sql` invocations; a
/// `file://` value is read when the line wrote it, else the statement is opaque.
pub fn unwrap_cloud_sql(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    flags: &[&str],
    st: &State,
) {
    for input in flag_inputs(inv, flags, &[], "", &[]) {
        match input {
            Input::Text(text) => match text.strip_prefix("file://") {
                Some(path) => match written_content(&Arg::literal(path), inv.cwd.as_deref(), st) {
                    Some(Stdin::Text(text, kind)) => emit_sql(w, inv, &text, kind, st),
                    _ => w.mark_opaque(index, Opaque::ScriptFile),
                },
                None => emit_sql(w, inv, &text, StepKind::Sql, st),
            },
            Input::Dynamic => w.mark_opaque(index, Opaque::DynamicCode),
            Input::File(_) | Input::Stdin => {}
        }
    }
}

/// The SQL a hosted database's CLI takes as an operand: `turso db shell DB "SQL"`.
pub fn cloud_sql_operand(inv: &Invocation) -> Option<&Arg> {
    let operands: Vec<&Arg> = inv
        .args
        .iter()
        .skip(1)
        .filter(|a| !a.text.starts_with('-'))
        .collect();
    match (inv.program_name(), operands.as_slice()) {
        ("turso", [db, shell, _, sql]) if db.text == "db" && shell.text == "shell" => Some(sql),
        _ => None,
    }
}

/// Analyses `sql`, the SQL operand of a hosted database's CLI (see [`cloud_sql_operand`]), as
/// `sql` invocations.
pub fn unwrap_cloud_sql_operand(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    sql: &Arg,
    st: &State,
) {
    if sql.dynamic {
        w.mark_opaque(index, Opaque::DynamicCode);
    } else {
        emit_sql(w, inv, &sql.text, StepKind::Sql, st);
    }
}

/// Inputs of a client whose SQL comes from `code_flags` or files from `file_flags`, else stdin.
fn flag_inputs(
    inv: &Invocation,
    code_flags: &[&str],
    file_flags: &[&str],
    short_value: &str,
    long_value: &[&str],
) -> Vec<Input> {
    let mut inputs = Vec::new();
    let mut i = 1;
    let take = |a: &Arg| {
        if a.dynamic {
            Input::Dynamic
        } else {
            Input::Text(a.text.clone())
        }
    };
    while let Some(a) = inv.args.get(i) {
        let t = a.text.as_str();
        if let Some((k, v)) = t.split_once('=').filter(|(k, _)| k.starts_with("--")) {
            if code_flags.contains(&k) {
                inputs.push(if a.dynamic {
                    Input::Dynamic
                } else {
                    Input::Text(v.to_string())
                });
            } else if file_flags.contains(&k) {
                inputs.push(if v == "-" {
                    Input::Stdin
                } else {
                    Input::File(Some(Arg::literal(v)))
                });
            }
            i += 1;
            continue;
        }
        if code_flags.contains(&t) || file_flags.contains(&t) {
            if let Some(v) = inv.args.get(i + 1) {
                inputs.push(if code_flags.contains(&t) {
                    take(v)
                } else if v.text == "-" {
                    Input::Stdin
                } else {
                    Input::File(Some(v.clone()))
                });
            }
            i += 2;
            continue;
        }
        // A cluster of short options: switches, then perhaps one that takes a value, attached
        // or in the next word (`-Atc SQL`, `-sNe SQL`, `-e'DROP ...'`, `-cSELECT 1`, `-uroot`).
        if t.len() > 2 && !t.starts_with("--") && t.starts_with('-') {
            let mut next = 1;
            for (at, ch) in t.char_indices().skip(1) {
                let flag = format!("-{ch}");
                let code = code_flags.contains(&flag.as_str());
                let file = file_flags.contains(&flag.as_str());
                if !code && !file && !short_value.contains(ch) {
                    continue;
                }
                let attached = &t[at + ch.len_utf8()..];
                let value = match attached {
                    "" => inv.args.get(i + 1).inspect(|_| next = 2).cloned(),
                    rest => Some(match a.dynamic {
                        true => Arg::unknown(rest),
                        false => Arg::literal(rest),
                    }),
                };
                match value {
                    Some(v) if code => inputs.push(take(&v)),
                    Some(v) if file && v.text == "-" => inputs.push(Input::Stdin),
                    Some(v) if file => inputs.push(Input::File(Some(v))),
                    _ => {}
                }
                break;
            }
            i += next;
            continue;
        }
        let takes_value = long_value.contains(&t)
            || (t.len() == 2 && t.starts_with('-') && short_value.contains(&t[1..]));
        i += if takes_value { 2 } else { 1 };
    }
    if inputs.is_empty() {
        inputs.push(Input::Stdin);
    }
    inputs
}

/// `sqlplus [-S] user/password@db [@script[.sql] args]`: statements from standard input, and
/// from the script an operand starting with `@` names (SQL*Plus adds `.sql` to a name without
/// an extension); the words after the script are its parameters.
fn sqlplus_inputs(inv: &Invocation) -> Vec<Input> {
    let mut inputs = vec![Input::Stdin];
    if let Some(script) = inv.args.iter().skip(1).find(|a| a.text.starts_with('@')) {
        let path = &script.text[1..];
        inputs.push(if script.dynamic || path.is_empty() {
            Input::File(None)
        } else if std::path::Path::new(path).extension().is_none() {
            Input::File(Some(Arg::literal(format!("{path}.sql"))))
        } else {
            Input::File(Some(Arg::literal(path)))
        });
    }
    inputs
}

fn sqlite_inputs(inv: &Invocation) -> Vec<Input> {
    let mut inputs = Vec::new();
    let mut operands = 0;
    let mut sql_operand = false;
    let mut i = 1;
    while let Some(a) = inv.args.get(i) {
        match a.text.as_str() {
            "-cmd" | "-c" | "--cmd" => {
                if let Some(v) = inv.args.get(i + 1) {
                    inputs.push(if v.dynamic {
                        Input::Dynamic
                    } else {
                        Input::Text(v.text.clone())
                    });
                }
                i += 2;
            }
            "-init" | "--init" => {
                inputs.push(Input::File(inv.args.get(i + 1).cloned()));
                i += 2;
            }
            "-separator" | "-newline" | "-nullvalue" | "-vfs" | "-maxsize" | "-mmap"
            | "-pagecache" | "-heap" | "-lookaside" => i += 2,
            t if t.starts_with('-') && operands == 0 => i += 1,
            _ => {
                if operands > 0 {
                    sql_operand = true;
                    inputs.push(if a.dynamic {
                        Input::Dynamic
                    } else {
                        Input::Text(a.text.clone())
                    });
                }
                operands += 1;
                i += 1;
            }
        }
    }
    // Statements given after the database are all it runs; without them it reads standard
    // input too, after any `-cmd` and `-init` script.
    if !sql_operand {
        inputs.push(Input::Stdin);
    }
    inputs
}

fn bq_inputs(inv: &Invocation) -> Vec<Input> {
    let Some(q) = inv.args.iter().position(|a| a.text == "query") else {
        return Vec::new();
    };
    match inv
        .args
        .iter()
        .skip(q + 1)
        .rfind(|a| !a.text.starts_with('-'))
    {
        Some(a) if a.dynamic => vec![Input::Dynamic],
        Some(a) => vec![Input::Text(a.text.clone())],
        None => vec![Input::Stdin],
    }
}

/// A data store spoken to in its own text protocol over a raw connection (`echo FLUSHALL | nc
/// cache 6379`), known by the service's well-known port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawService {
    /// Redis (and Valkey, KeyDB): ports 6379 and 6380. Its lines are `redis-cli` commands.
    Redis,
    /// Memcached: port 11211. Its lines become invocations of the virtual program `memcached`
    /// (`memcached flush_all`).
    Memcached,
    /// HAProxy's runtime API, on its stats socket (`/run/haproxy/admin.sock`,
    /// `/var/lib/haproxy/stats`). Its lines become invocations of the virtual program
    /// `haproxy-runtime` (`haproxy-runtime disable server web/web1`).
    HaproxyRuntime,
}

/// The service a raw connection (`nc HOST PORT`, `ncat`, `telnet`, `socat - TCP:HOST:PORT`,
/// `openssl s_client -connect HOST:PORT`, `socat stdio unix-connect:PATH`) talks to: a data store
/// by its port, HAProxy by the path of its stats socket.
pub fn raw_service(inv: &Invocation) -> Option<RawService> {
    if !STDIN_SENDERS.contains(&inv.program_name()) {
        return None;
    }
    inv.args.iter().skip(1).find_map(|a| {
        let last = a.text.rsplit(':').next().unwrap_or(&a.text);
        if is_haproxy_socket(last) {
            return Some(RawService::HaproxyRuntime);
        }
        match last.parse::<u16>().ok()? {
            6379 | 6380 => Some(RawService::Redis),
            11211 => Some(RawService::Memcached),
            _ => None,
        }
    })
}

/// Whether `path` names an HAProxy stats socket: a path with `haproxy` in it that ends in
/// `.sock` or is the `stats` file Red Hat's package configures.
fn is_haproxy_socket(path: &str) -> bool {
    let path = path.split(',').next().unwrap_or(path);
    path.contains("haproxy") && (path.ends_with(".sock") || path.ends_with("/stats"))
}

/// The lines a raw connection to `service` sends, when known, as that service's commands:
/// `redis-cli FLUSHALL`, `memcached flush_all` (the protocol's framing lines, `*1` and `$8`,
/// are no commands and match nothing).
pub fn unwrap_raw_protocol(
    w: &mut Walker<'_>,
    inv: &Invocation,
    service: RawService,
    stdin: Option<Stdin>,
    st: &State,
) {
    let Some(Stdin::Text(text, kind)) = stdin else {
        return;
    };
    let (program, text) = match service {
        RawService::Redis => ("redis-cli", text),
        RawService::Memcached => ("memcached", text),
        // HAProxy takes several commands on one line, separated by `;`.
        RawService::HaproxyRuntime => ("haproxy-runtime", text.replace(';', "\n")),
    };
    emit_command_lines(w, inv, Arg::literal(program), &text, kind, st);
}

/// Each non-empty line of `text` that `inv` sends, as an invocation of `program` whose words
/// are the line's (`redis-cli FLUSHALL`), reached from `inv` through `kind`.
fn emit_command_lines(
    w: &mut Walker<'_>,
    inv: &Invocation,
    program: Arg,
    text: &str,
    kind: StepKind,
    st: &State,
) {
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut args = vec![program.clone()];
        args.extend(line.split_whitespace().map(Arg::literal));
        let inner = inv.nested(args, [Step::via(kind, inv.program_name())]);
        w.emit(inner, None, &[], st);
    }
}

/// `redis-cli` reads one command per line from stdin when it has no command operand.
fn redis(w: &mut Walker<'_>, index: usize, inv: &Invocation, stdin: Option<Stdin>, st: &State) {
    let has_command = {
        let mut i = 1;
        let mut found = false;
        while let Some(a) = inv.args.get(i) {
            let t = a.text.as_str();
            if t.starts_with('-') {
                let takes = matches!(
                    t,
                    "-h" | "-p"
                        | "-s"
                        | "-a"
                        | "-u"
                        | "-n"
                        | "-r"
                        | "-i"
                        | "-d"
                        | "-D"
                        | "--user"
                        | "--pass"
                        | "--pattern"
                        | "--count"
                        | "--eval"
                        | "--rdb"
                        | "--cacert"
                        | "--cert"
                        | "--key"
                        | "--sni"
                        | "--functions-rdb"
                        | "--memkeys-samples"
                        | "--quoted-pattern"
                        | "-e"
                        | "--askpass"
                        | "-t"
                );
                i += if takes { 2 } else { 1 };
                continue;
            }
            found = true;
            break;
        }
        found
    };
    if has_command {
        return;
    }
    emit_input_lines(w, index, inv, inv.args[0].clone(), stdin, st);
}

/// Each line of a client's `input` as an invocation of `program` ([`emit_command_lines`]); an
/// input that is code nobody can read (a download, a file not seen) marks invocation `index`
/// opaque.
fn emit_input_lines(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    program: Arg,
    input: Option<Stdin>,
    st: &State,
) {
    if let Some((text, kind)) = w.code_text(index, input.as_ref()) {
        emit_command_lines(w, inv, program, text, kind, st);
    }
}

/// Emits one `sql` invocation per statement of `text`, and analyses client shell escapes.
pub(super) fn emit_sql(
    w: &mut Walker<'_>,
    inv: &Invocation,
    text: &str,
    kind: StepKind,
    st: &State,
) {
    emit_sql_within(w, inv, text, kind, st, 0);
}

/// How deep script files including script files (`\i` in a file `\i` reads) are followed; one
/// further in is judged as a script that could not be read.
const MAX_INCLUDE_DEPTH: usize = 4;

/// [`emit_sql`] for text `depth` script-file inclusions deep.
fn emit_sql_within(
    w: &mut Walker<'_>,
    inv: &Invocation,
    text: &str,
    kind: StepKind,
    st: &State,
    depth: usize,
) {
    let client = inv.program_name().to_string();
    let mut sql_text = String::with_capacity(text.len());
    for line in text.lines() {
        if let Some(file) = included_file(&client, line) {
            emit_included(w, inv, file, st, depth);
            continue;
        }
        let trimmed = line.trim_start();
        let escape = trimmed
            .strip_prefix("\\!")
            .or_else(|| trimmed.strip_prefix(".shell "))
            .or_else(|| trimmed.strip_prefix(".system "))
            .or_else(|| {
                trimmed
                    .strip_prefix("system ")
                    .filter(|_| client.starts_with("my") || client == "mariadb")
            });
        match escape {
            Some(shell) => {
                run_client_shell(w, inv, shell.trim_end_matches(';'), "shell escape", st)
            }
            None => {
                sql_text.push_str(line);
                sql_text.push('\n');
            }
        }
    }
    for statement in statements(&sql_text) {
        let mut args = vec![Arg::literal(SQL_PROGRAM)];
        args.extend(statement.into_iter().map(Arg::literal));
        let via_input = (kind != StepKind::Sql).then(|| Step::via(kind, client.clone()));
        let steps = via_input
            .into_iter()
            .chain([Step::via(StepKind::Sql, client.clone())]);
        let inner = inv.nested(args, steps);
        w.emit(inner, None, &[], st);
    }
}

/// Walks `command`, a shell command database client `inv` runs (a shell escape, sqlite3's
/// `.read '|command'`), where the client runs, reached through its meta-command `via`.
fn run_client_shell(w: &mut Walker<'_>, inv: &Invocation, command: &str, via: &str, st: &State) {
    let mut sub = st.clone();
    sub.prov = inv.provenance.clone();
    sub.prov.push(Step::via(
        StepKind::ShellString,
        format!("{} {via}", inv.program_name()),
    ));
    sub.cwd = inv.cwd.clone();
    sub.remote = inv.remote;
    sub.stdin = None;
    w.run_text(command, &sub, None);
}

/// The script file a client's meta-command line reads in as more input, if `line` is one:
/// `\i f.sql` (`\ir`, `\include`, `\include_relative`) in psql, `.read f.sql` in sqlite3 and
/// DuckDB, `source f.sql` (`\. f.sql`) in mysql. sqlite3's `.read '|command'` reads the
/// output of a shell command: returned as written, `|` and all.
fn included_file<'a>(client: &str, line: &'a str) -> Option<&'a str> {
    let line = line.trim().trim_end_matches(';').trim_end();
    let (command, rest) = line.split_once(char::is_whitespace)?;
    let reads = match command {
        "\\i" | "\\ir" | "\\include" | "\\include_relative" => {
            matches!(client, "psql" | "pgcli" | "usql" | "ysqlsh")
        }
        "\\." => matches!(client, "mysql" | "mariadb" | "mycli" | "mysqlsh"),
        c if c.eq_ignore_ascii_case("source") => {
            matches!(client, "mysql" | "mariadb" | "mycli" | "mysqlsh")
        }
        ".read" => matches!(client, "sqlite3" | "sqlite" | "litecli" | "duckdb"),
        _ => false,
    };
    let file = rest.trim().trim_matches(|c| c == '\'' || c == '"');
    (reads && !file.is_empty()).then_some(file)
}

/// Judges the script file a meta-command reads in (see [`included_file`]): its statements when
/// it can be read here, the shell command that produces them for sqlite3's `.read '|command'`,
/// else the client running a script that could not be read.
fn emit_included(w: &mut Walker<'_>, inv: &Invocation, file: &str, st: &State, depth: usize) {
    if let Some(command) = file.strip_prefix('|') {
        run_client_shell(w, inv, command, ".read", st);
        return;
    }
    let client = inv.program_name().to_string();
    let content = (depth < MAX_INCLUDE_DEPTH)
        .then(|| file_content(&Arg::literal(file), inv, &[], st))
        .flatten();
    match content {
        Some(Stdin::Text(text, _)) => {
            emit_sql_within(w, inv, &text, StepKind::ScriptFile, st, depth + 1)
        }
        other => {
            let mut unread = inv.nested(
                vec![Arg::literal(&client), Arg::literal(file)],
                [Step::via(StepKind::ScriptFile, client.clone())],
            );
            unread.opaque.push(
                other
                    .and_then(|o| o.as_code_opacity())
                    .unwrap_or(Opaque::ScriptFile),
            );
            w.emit(unread, None, &[], st);
        }
    }
}

/// Whether some statement of `text` is only a shell variable left unexpanded (`echo "$SQL" |
/// psql`): the SQL is only known at run time.
fn has_dynamic_statement(text: &str) -> bool {
    statements(text).iter().any(|st| match st.as_slice() {
        [first, ..] if first.len() > 1 && first.starts_with('$') => {
            first[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        }
        [dollar, brace, ..] => dollar == "$" && brace == "{",
        _ => false,
    })
}

/// Splits SQL text into statements of normalised tokens.
pub fn statements(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let flush = |current: &mut Vec<String>, out: &mut Vec<Vec<String>>| {
        // Block keywords of procedural bodies (`BEGIN DROP TABLE x; END`) do not start statements.
        let lead = current
            .iter()
            .take_while(|t| matches!(t.as_str(), "begin" | "then" | "else" | "loop" | "do"))
            .count();
        if lead < current.len() {
            current.drain(..lead);
        }
        // `WITH d AS (DELETE FROM t RETURNING *) SELECT ...`: the data-changing statement inside
        // a common table expression is a statement of its own.
        if current.first().is_some_and(|t| t == "with")
            && let Some(at) = current.iter().position(|t| {
                matches!(
                    t.as_str(),
                    "delete" | "update" | "insert" | "merge" | "drop" | "truncate"
                )
            })
        {
            let inner: Vec<String> = current[at..]
                .iter()
                .take_while(|t| t.as_str() != ")")
                .cloned()
                .collect();
            out.push(inner);
        }
        if !current.is_empty() {
            out.push(std::mem::take(current));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && next == Some('-') || c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == ';' {
            flush(&mut current, &mut out);
            i += 1;
        } else if c == '\\' && current.is_empty() {
            // psql meta-command: up to the end of the line.
            let start = i;
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push(word.split_whitespace().map(str::to_string).collect());
        } else if c == '\'' {
            i += 1;
            let start = i;
            while i < chars.len() {
                let doubled_quote = chars[i] == '\'' && chars.get(i + 1) == Some(&'\'');
                if doubled_quote || chars[i] == '\\' {
                    i += 2;
                } else if chars[i] == '\'' {
                    break;
                } else {
                    i += 1;
                }
            }
            // `EXECUTE 'DROP TABLE x'` (dynamic SQL in a procedural body), `EXEC('…')`,
            // `sp_executesql N'…'` and `sp_MSforeachtable 'DROP TABLE ?'` run the string.
            if current.iter().any(|t| {
                matches!(
                    t.as_str(),
                    "execute" | "exec" | "sp_executesql" | "sp_msforeachtable" | "sp_msforeachdb"
                )
            }) {
                let literal: String = chars[start..i.min(chars.len())].iter().collect();
                out.extend(statements(&literal.replace("''", "'")));
            }
            i += 1;
            current.push("'…'".to_string());
        } else if c == '"' || c == '`' || c == '[' {
            let close = if c == '[' { ']' } else { c };
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i] != close {
                i += 1;
            }
            current.push(chars[start..i.min(chars.len())].iter().collect());
            i += 1;
        } else if c == '$'
            && let Some((body, end)) = dollar_quote(&chars, i)
        {
            // A dollar-quoted body (`DO $$ ... $$`, a function) may run: analyse it too.
            current.push("'…'".to_string());
            out.extend(statements(&body));
            i = end;
        } else if c.is_alphanumeric() || c == '_' || c == '$' || c == '.' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '$' | '.'))
            {
                i += 1;
            }
            current.push(chars[start..i].iter().collect::<String>().to_lowercase());
        } else {
            current.push(c.to_string());
            i += 1;
        }
    }
    flush(&mut current, &mut out);
    out
}

/// For `$tag$ ... $tag$` starting at `i`: the body and the index just past the closing tag.
fn dollar_quote(chars: &[char], i: usize) -> Option<(String, usize)> {
    let mut j = i + 1;
    while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
        j += 1;
    }
    if chars.get(j) != Some(&'$') {
        return None;
    }
    let tag: Vec<char> = chars[i..=j].to_vec();
    let mut k = j + 1;
    while k + tag.len() <= chars.len() {
        if chars[k..k + tag.len()] == tag[..] {
            return Some((chars[j + 1..k].iter().collect(), k + tag.len()));
        }
        k += 1;
    }
    Some((chars[j + 1..].iter().collect(), chars.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_flag_is_read_at_the_end_of_a_cluster_of_switches() {
        let sql = |words: &[&str]| {
            let inv = Invocation::of_words(words);
            flag_inputs(&inv, &["-e"], &["-f"], "uh", &[])
                .into_iter()
                .map(|i| match i {
                    Input::Text(t) => t,
                    Input::File(Some(f)) => format!("file {}", f.text),
                    Input::File(None) => "file ?".into(),
                    Input::Dynamic => "dynamic".into(),
                    Input::Stdin => "stdin".into(),
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(sql(&["mysql", "-sNe", "DROP TABLE t"]), ["DROP TABLE t"]);
        assert_eq!(sql(&["mysql", "-BeSELECT 1"]), ["SELECT 1"]);
        assert_eq!(sql(&["mysql", "-sf", "x.sql"]), ["file x.sql"]);
        // A value option ends the cluster: `-uroot` is a user, not `-e`.
        assert_eq!(sql(&["mysql", "-ueve", "-h", "db"]), ["stdin"]);
    }

    #[test]
    fn meta_commands_that_read_a_script_name_the_file_for_their_own_client() {
        assert_eq!(included_file("psql", "\\i drop.sql"), Some("drop.sql"));
        assert_eq!(
            included_file("psql", "  \\include_relative 'a b.sql'"),
            Some("a b.sql")
        );
        assert_eq!(
            included_file("mysql", "SOURCE /tmp/x.sql;"),
            Some("/tmp/x.sql")
        );
        assert_eq!(included_file("mariadb", "\\. x.sql"), Some("x.sql"));
        assert_eq!(included_file("sqlite3", ".read '|gen.sh'"), Some("|gen.sh"));
        // Another client's meta-command, or one without a file, is not an inclusion.
        assert_eq!(included_file("mysql", "\\i drop.sql"), None);
        assert_eq!(included_file("psql", ".read drop.sql"), None);
        assert_eq!(included_file("psql", "\\i"), None);
        assert_eq!(included_file("psql", "SELECT source FROM t"), None);
    }

    #[test]
    fn a_statement_that_is_a_variable_is_dynamic() {
        assert!(has_dynamic_statement("$SQL"));
        assert!(has_dynamic_statement("SELECT 1; ${QUERY};"));
        assert!(!has_dynamic_statement("DROP TABLE $T;"));
        assert!(!has_dynamic_statement("SELECT $1, $$text$$;"));
    }

    #[test]
    fn statements_are_split_and_normalised() {
        let s =
            statements("DELETE FROM accounts; -- gone\nselect * from \"Orders\" where id = 'x;y';");
        assert_eq!(s[0], ["delete", "from", "accounts"]);
        assert_eq!(
            s[1],
            ["select", "*", "from", "Orders", "where", "id", "=", "'…'"]
        );
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn comments_are_skipped_and_dollar_quoted_bodies_analysed() {
        let s = statements("/* DROP TABLE x; */ DO $$ BEGIN DROP TABLE y; END $$");
        assert_eq!(s, [vec!["drop", "table", "y"], vec!["end"], vec!["'…'"]]);
    }

    #[test]
    fn dynamic_sql_strings_and_data_changing_ctes_are_statements_too() {
        let s = statements("DO $$ BEGIN EXECUTE 'DROP TABLE users'; END $$");
        assert!(
            s.contains(&vec!["drop".to_string(), "table".into(), "users".into()]),
            "{s:?}"
        );
        for text in [
            "EXEC sp_MSforeachtable 'DROP TABLE ?'",
            "EXEC sp_executesql N'DROP TABLE users'",
            "EXEC('DROP TABLE users')",
            "EXECUTE format('DROP TABLE %I', t)",
        ] {
            let s = statements(text);
            assert!(
                s.iter()
                    .any(|st| st.starts_with(&["drop".into(), "table".into()])),
                "{text}: {s:?}"
            );
        }
        let s = statements("WITH d AS (DELETE FROM users RETURNING *) SELECT count(*) FROM d");
        assert_eq!(s[0], ["delete", "from", "users", "returning", "*"]);
        assert_eq!(s[1][0], "with");
        assert_eq!(statements("WITH x AS (SELECT 1) SELECT * FROM x").len(), 1);
    }
}

//! SQL sent over HTTP: a database's query API takes statements in a web request — ClickHouse's
//! `?query=` or plain body, InfluxDB 1.x's `q=`, Trino's `/v1/statement`, and the JSON `sql`,
//! `query` or `statement` fields of Hasura, Cloudflare D1, Databricks, Snowflake, Druid, ksqlDB
//! and hosted Postgres APIs. Each statement found in a request is analysed as a client's would
//! be (`curl 'http://ch:8123/?query=DROP TABLE t'` is a `DROP TABLE`).
//!
//! Invariant: only the named query fields of a request are read as SQL (and a whole body only
//! where the endpoint takes plain SQL), so an ordinary API call whose data mentions SQL words
//! in other fields is not taken for a statement.

use super::invocation::{Invocation, StepKind};
use super::sql::emit_sql;
use super::walk::{State, Stdin, Walker};

/// Programs that send HTTP requests whose data and URLs are read here.
const CLIENTS: &[&str] = &["curl", "awscurl", "wget", "http", "https", "xh", "xhs"];

/// Body field names whose value is a query statement (compared case-insensitively). In a URL
/// only `sql`, `statement` and `stmt` are always statements: `query` is one for an endpoint
/// that takes SQL (ClickHouse), `q` for InfluxDB's `/query`; elsewhere both are search terms.
const SQL_FIELDS: &[&str] = &[
    "query",
    "sql",
    "sqls",
    "statement",
    "statements",
    "stmt",
    "ksql",
    "queries",
];

/// curl options whose value is the request body.
const CURL_DATA: &[&str] = &[
    "-d",
    "--data",
    "--data-raw",
    "--data-binary",
    "--data-ascii",
    "--json",
];

/// Whether `name` is an HTTP client this module reads.
pub fn is_client(name: &str) -> bool {
    CLIENTS.contains(&name)
}

/// Analyses the SQL statements HTTP client invocation `inv` sends, as `sql` invocations.
pub fn unwrap(w: &mut Walker<'_>, inv: &Invocation, stdin: Option<&Stdin>, st: &State) {
    for text in Request::of(inv, stdin).statements() {
        emit_sql(w, inv, &text, StepKind::Sql, st);
    }
}

/// What one HTTP client invocation sends: its URLs, bodies and named parameters.
#[derive(Default)]
struct Request {
    /// Words that name the request's URL.
    urls: Vec<String>,
    /// Request bodies given as text (`-d`, `--post-data`, or stdin by `@-`).
    bodies: Vec<String>,
    /// Parameters given one by one (`--data-urlencode q=...`, httpie's `query==...`), decoded.
    params: Vec<(String, String)>,
    /// Body fields given one by one (httpie's `sql=...`).
    fields: Vec<(String, String)>,
}

impl Request {
    fn of(inv: &Invocation, stdin: Option<&Stdin>) -> Request {
        let words: Vec<&str> = inv.args.iter().skip(1).map(|a| a.text.as_str()).collect();
        let stdin_text = match stdin {
            Some(Stdin::Text(text, _)) => Some(text.as_str()),
            _ => None,
        };
        let mut request = Request::default();
        match inv.program_name() {
            "wget" => request.read_wget(&words),
            "http" | "https" | "xh" | "xhs" => request.read_httpie(&words, stdin_text),
            _ => request.read_curl(&words, stdin_text),
        }
        request
    }

    /// The statements the request carries: its parameters and form or JSON fields that hold
    /// SQL (see [`SQL_FIELDS`]), and whole bodies sent to an endpoint that takes plain SQL.
    fn statements(self) -> Vec<String> {
        let plain_sql = self.urls.iter().any(|url| takes_plain_sql(url));
        let influx = self.urls.iter().any(|url| path_of(url).ends_with("/query"));
        let mut params = self.params;
        let mut texts: Vec<String> = (self.fields.into_iter())
            .filter(|(name, _)| is_sql_field(name))
            .map(|(_, value)| value)
            .collect();
        for url in &self.urls {
            if let Some((_, query)) = url.split_once('?') {
                params.extend(form_pairs(query.split('#').next().unwrap_or_default()));
            }
        }
        for body in &self.bodies {
            let trimmed = body.trim_start();
            if trimmed.starts_with('{') || trimmed.starts_with('[') {
                if let Ok(value) = serde_json::from_str::<serde_json::Value>(trimmed) {
                    json_fields(&value, false, &mut texts);
                }
            } else if plain_sql {
                texts.push(body.clone());
            } else if is_form(trimmed) {
                params.extend(form_pairs(trimmed));
            }
        }
        texts.extend(params.into_iter().filter_map(|(name, value)| {
            let sql = match name.to_ascii_lowercase().as_str() {
                "q" => influx,
                "query" => plain_sql,
                other => is_sql_field(other),
            };
            sql.then_some(value)
        }));
        texts
    }

    fn read_curl(&mut self, words: &[&str], stdin: Option<&str>) {
        let mut i = 0;
        while let Some(word) = words.get(i) {
            let (flag, value) = match attached(word) {
                Some((flag, value)) => (Some(flag), Some(value)),
                None if CURL_DATA.contains(word) || CURL_NAMED.contains(word) => {
                    i += 1;
                    (Some(*word), words.get(i).copied())
                }
                None => (None, None),
            };
            i += 1;
            match (flag, value) {
                (Some("--url"), Some(value)) => self.urls.push(value.to_string()),
                (Some("--data-urlencode"), Some(value)) => {
                    if let Some((name, content)) = value.split_once('=') {
                        self.params.push((name.to_string(), content.to_string()));
                    }
                }
                (Some(flag), Some(value)) => {
                    match value.strip_prefix('@').filter(|_| flag != "--data-raw") {
                        Some("-") => self.bodies.extend(stdin.map(str::to_string)),
                        Some(_) => {}
                        None => self.bodies.push(value.to_string()),
                    }
                }
                (None, _) if looks_like_url(word) => self.urls.push(word.to_string()),
                _ => {}
            }
        }
    }

    fn read_wget(&mut self, words: &[&str]) {
        const BODY: &[&str] = &["--post-data", "--body-data"];
        let mut i = 0;
        while let Some(word) = words.get(i) {
            match word.split_once('=') {
                Some((name, value)) if BODY.contains(&name) => self.bodies.push(value.to_string()),
                _ if BODY.contains(word) => {
                    i += 1;
                    self.bodies.extend(words.get(i).map(|v| v.to_string()));
                }
                _ if looks_like_url(word) => self.urls.push(word.to_string()),
                _ => {}
            }
            i += 1;
        }
    }

    /// httpie and xh: `name==value` is a URL parameter, `name=value` a body field, and a body
    /// can come on stdin.
    fn read_httpie(&mut self, words: &[&str], stdin: Option<&str>) {
        self.bodies.extend(stdin.map(str::to_string));
        for word in words.iter().filter(|w| !w.starts_with('-')) {
            if let Some((name, value)) = word.split_once("==") {
                self.params.push((name.to_string(), value.to_string()));
            } else if let Some((name, value)) = word.split_once('=')
                && !name.ends_with(':')
            {
                self.fields.push((name.to_string(), value.to_string()));
            } else if looks_like_url(word) {
                self.urls.push(word.to_string());
            }
        }
    }
}

/// curl options (besides [`CURL_DATA`]) read here that take a value.
const CURL_NAMED: &[&str] = &["--url", "--data-urlencode"];

/// A curl option read here with its value in the same word (`--data=...`, `-d...`).
fn attached(word: &str) -> Option<(&str, &str)> {
    if let Some((name, value)) = word.split_once('=')
        && name.starts_with("--")
        && (CURL_DATA.contains(&name) || CURL_NAMED.contains(&name))
    {
        return Some((name, value));
    }
    match word.strip_prefix("-d") {
        Some(value) if !value.is_empty() && !word.starts_with("--") => Some(("-d", value)),
        _ => None,
    }
}

fn is_sql_field(name: &str) -> bool {
    SQL_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name))
}

/// Whether a word names a URL: with a scheme, or as `host:port/...`.
fn looks_like_url(word: &str) -> bool {
    if word.contains("://") {
        return true;
    }
    let authority = word.split(['/', '?']).next().unwrap_or_default();
    authority.rsplit_once(':').is_some_and(|(host, port)| {
        !host.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
    })
}

/// A URL's path, without its query.
fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = rest.find('/').map_or("", |at| &rest[at..]);
    path.split(['?', '#']).next().unwrap_or_default()
}

/// Endpoints that take a plain SQL body: ClickHouse's HTTP interface and Trino/Presto's
/// statement API.
fn takes_plain_sql(url: &str) -> bool {
    let authority = crate::url::authority(url);
    authority.port == Some("8123")
        || authority.host.to_ascii_lowercase().contains("clickhouse")
        || path_of(url).starts_with("/v1/statement")
}

/// The decoded `name=value` pairs of a form-encoded text (`q=DROP+DATABASE+x&db=y`).
fn form_pairs(text: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(text.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// Whether `text` reads as `name=value&name=value` form data.
fn is_form(text: &str) -> bool {
    text.split('&').all(|pair| {
        pair.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        })
    })
}

/// Collects the strings under SQL-named fields of a JSON value, at any depth (Hasura's
/// `{"args": {"sql": ...}}`, Snowflake's `{"statement": ...}`, ksqlDB's `{"ksql": ...}`).
fn json_fields(value: &serde_json::Value, under_sql: bool, out: &mut Vec<String>) {
    use serde_json::Value;
    match value {
        Value::String(text) if under_sql => out.push(text.clone()),
        Value::Array(items) => {
            for item in items {
                json_fields(item, under_sql, out);
            }
        }
        Value::Object(fields) => {
            for (name, field) in fields {
                json_fields(field, is_sql_field(name), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(urls: &[&str], bodies: &[&str]) -> Vec<String> {
        let request = Request {
            urls: urls.iter().map(|u| u.to_string()).collect(),
            bodies: bodies.iter().map(|b| b.to_string()).collect(),
            params: Vec::new(),
            fields: Vec::new(),
        };
        request.statements()
    }

    #[test]
    fn json_fields_are_found_at_any_depth() {
        let hasura =
            r#"{"type":"run_sql","args":{"sql":"DROP TABLE t","cascade":true},"name":"DROP"}"#;
        assert_eq!(
            request(&["https://h/v2/query"], &[hasura]),
            vec!["DROP TABLE t"]
        );
        let batch = r#"{"statements":["TRUNCATE a","TRUNCATE b"]}"#;
        assert_eq!(request(&["https://db/api"], &[batch]).len(), 2);
    }

    #[test]
    fn search_parameters_are_not_statements() {
        assert!(
            request(
                &["https://api.github.com/search/code?q=truncate+helper"],
                &[]
            )
            .is_empty()
        );
        assert!(request(&["https://search.example.com/?query=drop+table"], &[]).is_empty());
        assert!(
            request(
                &["https://api.example.com/comments"],
                &["comment=drop+table"]
            )
            .is_empty()
        );
        assert_eq!(
            request(&["http://influx:8086/query"], &["db=x&q=DROP+DATABASE+x"]),
            vec!["DROP DATABASE x"]
        );
        assert_eq!(
            request(&["http://ch:8123/?query=TRUNCATE%20TABLE%20t#top"], &[]),
            vec!["TRUNCATE TABLE t"]
        );
    }

    #[test]
    fn a_plain_body_is_sql_only_where_the_endpoint_takes_sql() {
        assert!(takes_plain_sql("http://localhost:8123/"));
        assert!(takes_plain_sql("https://trino.internal/v1/statement"));
        assert!(!takes_plain_sql("https://api.example.com/comments"));
        assert!(request(&["https://api.example.com/notes"], &["DROP TABLE t"]).is_empty());
        assert_eq!(
            request(&["localhost:8123"], &["DROP TABLE t"]),
            vec!["DROP TABLE t"]
        );
    }
}

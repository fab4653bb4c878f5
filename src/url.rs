//! The authority of a URL (`user:pw@host:port`): the one reading of hosts and ports that the
//! environment tiers (a database URL's host), the web-request rules (where a token is sent)
//! and the SQL-over-HTTP analysis (which server a body goes to) share.

/// The host and port a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authority<'a> {
    /// The host, as written (an IPv6 address without its brackets); may be empty.
    pub host: &'a str,
    /// The port, when one is written.
    pub port: Option<&'a str>,
}

/// The authority of `url` (`scheme://[user@]host[:port][/path][?query][#fragment]`, or the same
/// without `scheme://`), with the user information dropped.
pub fn authority(url: &str) -> Authority<'_> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, hostport)| hostport);
    if let Some(v6) = host_port.strip_prefix('[') {
        let (host, after) = v6.split_once(']').unwrap_or((v6, ""));
        return Authority {
            host,
            port: after.strip_prefix(':'),
        };
    }
    match host_port.split_once(':') {
        Some((host, port)) => Authority {
            host,
            port: Some(port),
        },
        None => Authority {
            host: host_port,
            port: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(url: &str) -> (&str, Option<&str>) {
        let a = authority(url);
        (a.host, a.port)
    }

    #[test]
    fn reads_the_host_and_port_of_each_spelling() {
        assert_eq!(
            parts("postgresql://u:p@db.prod:5432/app?ssl=1"),
            ("db.prod", Some("5432"))
        );
        assert_eq!(parts("https://x.example.com/a#b"), ("x.example.com", None));
        assert_eq!(parts("http://[::1]:9000/"), ("::1", Some("9000")));
        assert_eq!(parts("http://[fe80::1]"), ("fe80::1", None));
        assert_eq!(
            parts("clickhouse:8123/?query=x"),
            ("clickhouse", Some("8123"))
        );
        assert_eq!(parts("redis://a@b@cache-1"), ("cache-1", None));
        assert_eq!(parts("file:///etc/hosts"), ("", None));
    }
}

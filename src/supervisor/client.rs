//! A blocking client for the supervisor socket (shims and `interlock approve` are short-lived
//! processes: no async runtime).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use super::protocol::{Request, Response};

/// Why the supervisor could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Connecting, writing or reading failed.
    #[error("cannot reach the interlock supervisor at {path}: {source}")]
    Io {
        /// The socket.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The answer was not a response.
    #[error("the interlock supervisor answered something unreadable: {0}")]
    Protocol(String),
}

/// Sends one request and reads one response. `timeout` bounds the wait for the answer (a
/// confirmation may legitimately take as long as a human needs).
pub fn ask(
    socket: &Path,
    request: &Request,
    timeout: Option<Duration>,
) -> Result<Response, ClientError> {
    let name = socket.display().to_string();
    let stream = UnixStream::connect(socket).map_err(|source| ClientError::Io {
        path: name.clone(),
        source,
    })?;
    exchange(stream, &name, request, timeout)
}

/// Like [`ask`], over an abstract socket (an approval socket, see
/// [`super::approvals`]).
pub fn ask_abstract(
    name: &str,
    request: &Request,
    timeout: Option<Duration>,
) -> Result<Response, ClientError> {
    use std::os::linux::net::SocketAddrExt;
    let shown = format!("@{name}");
    let io = |source| ClientError::Io {
        path: shown.clone(),
        source,
    };
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).map_err(io)?;
    let stream = UnixStream::connect_addr(&addr).map_err(io)?;
    exchange(stream, &shown, request, timeout)
}

fn exchange(
    mut stream: UnixStream,
    name: &str,
    request: &Request,
    timeout: Option<Duration>,
) -> Result<Response, ClientError> {
    let io = |source| ClientError::Io {
        path: name.to_string(),
        source,
    };
    stream.set_read_timeout(timeout).map_err(io)?;
    let mut line =
        serde_json::to_string(request).map_err(|e| ClientError::Protocol(e.to_string()))?;
    line.push('\n');
    stream.write_all(line.as_bytes()).map_err(io)?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer).map_err(io)?;
    if answer.is_empty() {
        return Err(ClientError::Protocol(
            "the connection closed without an answer".into(),
        ));
    }
    serde_json::from_str(&answer).map_err(|e| ClientError::Protocol(format!("{e}: {answer}")))
}

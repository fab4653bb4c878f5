//! Host directories bound into a container (`docker run -v "$PWD":/src …`): beneath its
//! mount point, a path the container's command names is the host's path, so `rm -rf
//! /src/build` there deletes `$PWD/build`, and `rm -rf /h` under `-v ~:/h` deletes the home
//! directory. Paths outside every mount are the container's own and stay as they are.

use super::invocation::{Arg, Invocation};
use super::walk::{join_path, rest_beneath};

/// A host directory bound into a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Where the container sees it (absolute, not `/`).
    pub target: String,
    /// The host's directory (absolute).
    pub source: String,
}

/// The bind mounts among a `docker run`'s (or podman's, nerdctl's) options: `-v HOST:CTR[:OPTS]`,
/// `--volume[=]HOST:CTR`, and `--mount type=bind,source=HOST,target=CTR`. A named volume, a
/// host path known only at run time (other than `$(pwd)`) and a Windows path are not read.
/// `cwd` resolves a relative host path and `$(pwd)`.
pub fn bind_mounts(options: &[Arg], cwd: Option<&str>) -> Vec<Mount> {
    let mut mounts = Vec::new();
    let mut words = options.iter();
    while let Some(word) = words.next() {
        let t = word.text.as_str();
        let (value, dynamic, spec) = match t {
            "-v" | "--volume" | "--mount" => match words.next() {
                Some(v) => (v.text.as_str(), v.dynamic, t == "--mount"),
                None => break,
            },
            _ => match t.split_once('=') {
                Some(("--volume", v)) => (v, word.dynamic, false),
                Some(("--mount", v)) => (v, word.dynamic, true),
                _ => continue,
            },
        };
        let pair = if spec {
            mount_spec(value)
        } else {
            volume_spec(value)
        };
        let Some((source, target)) = pair else {
            continue;
        };
        if let Some(source) = host_path(source, dynamic, cwd)
            && let Some(target) = join_path(Some("/"), target).filter(|t| t != "/")
        {
            mounts.push(Mount { target, source });
        }
    }
    mounts
}

/// `HOST:CTR[:OPTS]` split into its host and container paths.
fn volume_spec(value: &str) -> Option<(&str, &str)> {
    let (source, rest) = value.split_once(':')?;
    let target = rest.split(':').next()?;
    Some((source, target))
}

/// `type=bind,source=HOST,target=CTR,...` (also `src`, `dst`, `destination`); only binds.
fn mount_spec(value: &str) -> Option<(&str, &str)> {
    let mut kind = "volume";
    let (mut source, mut target) = (None, None);
    for field in value.split(',') {
        match field.split_once('=') {
            Some(("type", v)) => kind = v,
            Some(("source" | "src", v)) => source = Some(v),
            Some(("target" | "dst" | "destination", v)) => target = Some(v),
            _ => {}
        }
    }
    (kind == "bind").then_some(())?;
    Some((source?, target?))
}

/// The absolute host path a mount's source names: an absolute path, one relative to `cwd`
/// (`./`, `.`), or `$(pwd)` (`$(pwd)/x`) read as `cwd`. `None` for a named volume or a path
/// known only at run time.
fn host_path(source: &str, dynamic: bool, cwd: Option<&str>) -> Option<String> {
    if dynamic {
        let rest = ["$(pwd)", "`pwd`"]
            .iter()
            .find_map(|p| source.strip_prefix(p))?;
        if rest.contains(['$', '`']) {
            return None;
        }
        return cwd.and_then(|c| join_path(None, &format!("{c}{rest}")));
    }
    let local = source.starts_with('/') || source == "." || source.starts_with("./");
    local.then(|| join_path(cwd, source)).flatten()
}

/// `path` in the container as the host's path, when it lies at or beneath a mount point (the
/// last matching mount wins, as in docker).
pub fn host_of(path: &str, mounts: &[Mount]) -> Option<String> {
    mounts
        .iter()
        .rev()
        .find_map(|m| Some(format!("{}{}", m.source, rest_beneath(path, &m.target)?)))
}

/// Rewrites `inv`, a command run in the container, to act on the host: the words and the
/// directory that name a path at or beneath a mount point become the host's paths. Returns
/// whether any did; the command then acts on this machine's files and is judged as local.
pub fn to_host(inv: &mut Invocation, mounts: &[Mount]) -> bool {
    let mut changed = false;
    for arg in inv.args.iter_mut().skip(1) {
        if arg.dynamic {
            continue;
        }
        if let Some(host) = host_of(&arg.text, mounts) {
            arg.static_len = host.len();
            arg.text = host;
            changed = true;
        }
    }
    if let Some(host) = inv.cwd.as_deref().and_then(|c| host_of(c, mounts)) {
        inv.cwd = Some(host);
        changed = true;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mounts(words: &[&str]) -> Vec<(String, String)> {
        let args: Vec<Arg> = words
            .iter()
            .map(|w| match w.contains("$(") {
                true => Arg::unknown(*w),
                false => Arg::literal(*w),
            })
            .collect();
        bind_mounts(&args, Some("/w/p"))
            .into_iter()
            .map(|m| (m.target, m.source))
            .collect()
    }

    fn pair(target: &str, source: &str) -> (String, String) {
        (target.to_string(), source.to_string())
    }

    #[test]
    fn reads_each_spelling_of_a_bind_mount() {
        assert_eq!(mounts(&["-v", "/h/u:/h"]), [pair("/h", "/h/u")]);
        assert_eq!(mounts(&["--volume=/srv:/data:ro"]), [pair("/data", "/srv")]);
        assert_eq!(mounts(&["--volume", ".:/src"]), [pair("/src", "/w/p")]);
        assert_eq!(mounts(&["-v", "$(pwd)/out:/o"]), [pair("/o", "/w/p/out")]);
        assert_eq!(
            mounts(&["--mount", "type=bind,source=/etc,target=/e,readonly"]),
            [pair("/e", "/etc")]
        );
        assert_eq!(mounts(&["-it", "--rm", "-w", "/src"]), []);
        assert_eq!(mounts(&["-v", "pgdata:/var/lib/postgresql/data"]), []);
        assert_eq!(mounts(&["--mount", "source=vol,target=/v"]), []);
        assert_eq!(mounts(&["-v", "$(mktemp -d):/t"]), []);
        assert_eq!(mounts(&["-v", "/:/"]), []);
    }

    #[test]
    fn paths_beneath_a_mount_point_become_the_hosts() {
        let m = [
            Mount {
                target: "/src".into(),
                source: "/w/p".into(),
            },
            Mount {
                target: "/src/cache".into(),
                source: "/tmp/c".into(),
            },
        ];
        let mut inv = Invocation {
            remote: true,
            ..Invocation::of_words(&["rm", "-rf", "/src/build", "/src", "/srcx", "/src/cache/a"])
        };
        assert!(to_host(&mut inv, &m));
        let words: Vec<&str> = inv.args.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(
            words,
            ["rm", "-rf", "/w/p/build", "/w/p", "/srcx", "/tmp/c/a"]
        );
        let mut elsewhere = inv.clone();
        elsewhere.args.truncate(2);
        elsewhere.cwd = Some("/tmp".into());
        assert!(!to_host(&mut elsewhere, &m));
        elsewhere.cwd = Some("/src/sub".into());
        assert!(to_host(&mut elsewhere, &m));
        assert_eq!(elsewhere.cwd.as_deref(), Some("/w/p/sub"));
    }
}

//! Path classes: where a path argument points, relative to the machine and the workspace, so
//! rules can say "recursive delete of anything outside the working tree" without listing paths.
//!
//! Invariant: a path whose location cannot be known statically is `unknown`, never `workspace`;
//! a dynamic or glob path is judged by its static directory (`/srv/$x` is under `/srv`).

use crate::shell::{Arg, is_network_pseudo_file, normalize};

/// Where a path points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathClass {
    /// `/` itself, or all of its contents (`/*`).
    Root,
    /// `$HOME` itself, or all of its contents (`~/*`).
    Home,
    /// Inside `$HOME` but outside the workspace.
    HomeSubdir,
    /// A home entry holding credentials or the shell's configuration (`~/.ssh`, `~/.aws`,
    /// `~/.bashrc`, ...) or anything in it. A kind of `home-subdir`: a rule naming
    /// `home-subdir` matches it too.
    HomeConfig,
    /// An operating-system directory (`/etc`, `/usr`, `/var`, `/opt`, `/srv`, `/home`, ...).
    System,
    /// A block or character device (`/dev/sda`), other than the harmless ones.
    Device,
    /// `/dev/null`, `/dev/stdout`, `/dev/stderr`, `/dev/tty`, `/dev/fd/N`.
    DevNull,
    /// Bash's network pseudo-files `/dev/tcp/HOST/PORT` and `/dev/udp/HOST/PORT`: a
    /// redirection to one opens a connection.
    Network,
    /// Anywhere else outside the workspace and the temp dirs.
    Outside,
    /// The workspace root itself, or all of its contents (`.` or `*` at the root).
    WorkspaceRoot,
    /// The workspace's `.git` directory or anything in it.
    GitDir,
    /// The workspace's git hooks (`.git/hooks/...`) and `.git/config`: code and settings git
    /// runs on later commands, the human's too. A kind of `git-dir`: a rule naming `git-dir`
    /// matches it too.
    GitHook,
    /// Inside the workspace.
    Workspace,
    /// Inside a temp directory (`/tmp/x`, `$TMPDIR/x`).
    Temp,
    /// Interlock's own state or an agent's hook settings: the guard itself.
    Guard,
    /// Cannot be located statically.
    Unknown,
}

impl PathClass {
    /// The kebab-case name used in rulesets.
    pub fn as_str(self) -> &'static str {
        match self {
            PathClass::Root => "root",
            PathClass::Home => "home",
            PathClass::HomeSubdir => "home-subdir",
            PathClass::HomeConfig => "home-config",
            PathClass::System => "system",
            PathClass::Device => "device",
            PathClass::DevNull => "dev-null",
            PathClass::Network => "network",
            PathClass::Outside => "outside",
            PathClass::WorkspaceRoot => "workspace-root",
            PathClass::GitDir => "git-dir",
            PathClass::GitHook => "git-hook",
            PathClass::Workspace => "workspace",
            PathClass::Temp => "temp",
            PathClass::Guard => "guard",
            PathClass::Unknown => "unknown",
        }
    }

    /// Parses a ruleset name.
    pub fn parse(name: &str) -> Option<PathClass> {
        PathClass::ALL.iter().copied().find(|c| c.as_str() == name)
    }

    /// Whether a path of this class is one of `wanted` (a `home-config` path is also a
    /// `home-subdir` one, a `git-hook` path a `git-dir` one).
    pub fn is_any_of(self, wanted: &[PathClass]) -> bool {
        wanted.contains(&self)
            || (self == PathClass::HomeConfig && wanted.contains(&PathClass::HomeSubdir))
            || (self == PathClass::GitHook && wanted.contains(&PathClass::GitDir))
    }

    /// Every class, for validation and docs.
    pub const ALL: [PathClass; 16] = [
        PathClass::Root,
        PathClass::Home,
        PathClass::HomeSubdir,
        PathClass::HomeConfig,
        PathClass::System,
        PathClass::Device,
        PathClass::DevNull,
        PathClass::Network,
        PathClass::Outside,
        PathClass::WorkspaceRoot,
        PathClass::GitDir,
        PathClass::GitHook,
        PathClass::Workspace,
        PathClass::Temp,
        PathClass::Guard,
        PathClass::Unknown,
    ];
}

/// Top-level directories that belong to the operating system.
const SYSTEM_DIRS: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/usr",
    "/var",
    "/snap",
    "/efi",
    "/nix",
    "/home",
    "/Users",
    "/System",
    "/Library",
    "/Applications",
    "/private",
    "/Volumes",
    "/mnt",
    "/media",
    "/lost+found",
    "/tmp",
];

/// Devices that are safe to write to or read from.
const HARMLESS_DEVICES: &[&str] = &[
    "/dev/null",
    "/dev/stdout",
    "/dev/stderr",
    "/dev/tty",
    "/dev/zero",
    "/dev/random",
    "/dev/urandom",
    "/dev/full",
];

/// The locations path classes are computed against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathEnv {
    /// The workspace root (git top level or the start directory), if there is a usable one.
    pub workspace: Option<String>,
    /// `$HOME`.
    pub home: Option<String>,
    /// Temp directories (`/tmp`, `/var/tmp`, `$TMPDIR`).
    pub temp_dirs: Vec<String>,
    /// Glob patterns of guard paths (absolute; `*` crosses `/`).
    pub guard_globs: Vec<String>,
}

impl PathEnv {
    /// The guard paths protected by default: interlock's own configuration and state, its
    /// installed binary (the agents' hooks run it: moved away, a hook could fail open), and the
    /// hook settings of the agents it integrates with.
    pub fn default_guard_globs(home: Option<&str>) -> Vec<String> {
        let mut globs: Vec<String> = [
            "*/bin/interlock",
            "*/.claude/settings.json",
            "*/.claude/settings.local.json",
            "*/.codex/config.toml",
            "*/.codex/hooks.json",
            "*/.gemini/settings.json",
            "*/.cursor/hooks.json",
            "*/.github/hooks/*",
            "*/.github/hooks",
            "*/.interlock/*",
            "*/.interlock",
            "*/.claude",
            "*/.codex",
            "*/.gemini",
            "/etc/interlock/*",
            "/etc/interlock",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if let Some(home) = home {
            for dir in [
                ".config/interlock",
                ".local/state/interlock",
                ".local/share/interlock",
            ] {
                globs.push(format!("{home}/{dir}"));
                globs.push(format!("{home}/{dir}/*"));
            }
        }
        globs
    }
}

fn under(path: &str, dir: &str) -> bool {
    dir == "/"
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn at_or_under(path: &str, dir: &str) -> bool {
    path == dir || under(path, dir)
}

/// Classifies the destination of a copy or move: as [`classify`], except that a temp dir
/// itself (`cp x /tmp/`) is `temp`: what goes there lands inside it, and `/tmp` stays.
pub fn classify_destination(
    arg: &Arg,
    cwd: Option<&str>,
    remote: bool,
    env: &PathEnv,
) -> PathClass {
    let class = classify(arg, cwd, remote, env);
    if class == PathClass::System
        && !remote
        && !arg.dynamic
        && !arg.glob
        && let Some(path) = absolute_text(&arg.text, cwd)
        && env.temp_dirs.contains(&path)
    {
        return PathClass::Temp;
    }
    class
}

/// `text` as a normalized absolute path, relative ones joined to `cwd`.
fn absolute_text(text: &str, cwd: Option<&str>) -> Option<String> {
    if text.starts_with('/') {
        Some(normalize(text))
    } else {
        cwd.map(|c| normalize(&format!("{c}/{text}")))
    }
}

/// The class of a Windows path on a drive (`C:\`, `D:/data`, or `C:Usersalice` once a POSIX
/// shell has taken its backslashes as escapes): never the working tree as this analysis knows
/// it. The drive itself is the root; `Users` and one user's folder are homes, deeper is inside
/// a home; `Windows`, `Program Files` and `ProgramData` are the system; anything else on a
/// drive is outside. `None` when `text` does not start with a drive letter and a colon.
fn windows_drive_class(text: &str) -> Option<PathClass> {
    let bytes = text.as_bytes();
    if bytes.len() < 2 || !bytes[0].is_ascii_alphabetic() || bytes[1] != b':' {
        return None;
    }
    let parts: Vec<String> = text[2..]
        .split(['\\', '/'])
        .filter(|p| !p.is_empty() && *p != ".")
        .map(str::to_ascii_lowercase)
        .collect();
    let first = parts.first().map_or("", String::as_str);
    Some(if matches!(first, "" | "*" | "*.*") {
        PathClass::Root
    } else if first.starts_with("users") || first == "documents and settings" {
        if parts.len() <= 2 {
            PathClass::Home
        } else {
            PathClass::HomeSubdir
        }
    } else if first.starts_with("windows") || first.starts_with("program") {
        PathClass::System
    } else {
        PathClass::Outside
    })
}

/// Programs whose operands may name a file on another host as `[user@]host:path`.
const REMOTE_COPIERS: &[&str] = &["scp", "rsync"];

/// Operating-system directories of a remote host: a copy into them replaces what the host
/// runs or keeps (its configuration, programs, libraries, boot files, databases). A remote
/// home directory, `/srv` or `/opt` is where deploys and uploads usually go: not these.
const REMOTE_SYSTEM_DIRS: &[&str] = &[
    "/bin", "/boot", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/root", "/sbin", "/usr",
    "/var",
];

/// The path part of `arg` when `program` copies to or from another host and `arg` names a
/// file there (`user@host:/etc/`, `host:`); `None` for a local path. A word whose text before
/// the first `:` holds a `/` is a local path (`./a:b`).
pub fn remote_operand<'a>(program: &str, arg: &'a Arg) -> Option<&'a str> {
    if !REMOTE_COPIERS.contains(&program) {
        return None;
    }
    let (host, path) = arg.static_prefix().split_once(':')?;
    (!host.is_empty() && !host.contains('/')).then_some(path)
}

/// Classifies a path on another host (the part after `host:`): its root, a device, or its
/// operating-system directories are `root`, `device` and `system`; anything else (its home,
/// `/srv`, `/opt`, `/var/tmp`, the web root `/var/www` deploys copy into) is `outside`. An
/// rsync module (`host::module`) is `outside`.
pub fn classify_remote(path: &str) -> PathClass {
    if !path.starts_with('/') {
        return PathClass::Outside;
    }
    let path = normalize(path);
    if path == "/" {
        return PathClass::Root;
    }
    if under(&path, "/dev") {
        return PathClass::Device;
    }
    if ["/var/tmp", "/var/www"]
        .iter()
        .any(|d| at_or_under(&path, d))
    {
        return PathClass::Outside;
    }
    if REMOTE_SYSTEM_DIRS.iter().any(|d| at_or_under(&path, d)) {
        return PathClass::System;
    }
    PathClass::Outside
}

/// How much of a directory a path designates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extent {
    /// The path itself.
    Exact,
    /// Every entry of the directory (`dir/*`, `dir/.*`).
    AllChildren,
    /// Some entry of the directory, not known which (`dir/*.log`, `dir/$x`).
    SomeChild,
}

/// Classifies one path argument of an invocation running in `cwd` (`None`: unknown), or on a
/// remote host or container when `remote`.
pub fn classify(arg: &Arg, cwd: Option<&str>, remote: bool, env: &PathEnv) -> PathClass {
    // A backslash separates a Windows path (`..\\other`, `.\\`), and PowerShell takes it as
    // `/` on every system; a POSIX file name with one in it is rare enough to judge as if it
    // were a separator too. PowerShell also takes a leading `~\\` as the home directory, where
    // the shell does not expand it. (A quoted `'~'` or `'~/x'` stays the literal name it is to
    // the shell: removing a stray `./~` directory so is the careful way.)
    let windows;
    let arg = if arg.text.contains('\\') {
        let mut text = arg.text.replace('\\', "/");
        if !arg.dynamic
            && let Some(home) = &env.home
            && arg.text.starts_with("~\\")
        {
            text.replace_range(..1, home);
        }
        windows = Arg {
            static_len: text.len(),
            text,
            ..arg.clone()
        };
        &windows
    } else {
        arg
    };
    if remote && let Some(class) = remote_home_class(arg) {
        return class;
    }
    let (text, extent) = static_location(arg);
    let Some(text) = text else {
        return PathClass::Unknown;
    };
    if remote && !text.starts_with('/') {
        return PathClass::Outside;
    }
    if let Some(class) = windows_drive_class(&text) {
        return class;
    }
    let Some(absolute) = absolute_text(&text, cwd) else {
        return PathClass::Unknown;
    };
    if extent == Extent::SomeChild && !remote && !arg.dynamic {
        // `rm -rf .g*` may be `rm -rf .git`: a pattern is judged as the most guarded entry of
        // its directory it can name.
        let pattern = EntryPattern::new(arg.text.rsplit('/').next().unwrap_or_default());
        let named = SENSITIVE_ENTRIES
            .iter()
            .chain(HOME_CONFIG.iter().filter(|e| !e.contains('/')))
            .filter(|name| pattern.may_name(name))
            .map(|name| {
                classify_absolute(&format!("{absolute}/{name}"), Extent::Exact, remote, env)
            })
            .find(|class| {
                matches!(
                    class,
                    PathClass::GitDir
                        | PathClass::GitHook
                        | PathClass::Guard
                        | PathClass::HomeConfig
                )
            });
        if let Some(class) = named {
            return class;
        }
    }
    classify_absolute(&absolute, extent, remote, env)
}

/// Entries a directory may hold that a pattern deleting some of its entries could name: the
/// repository's own and the agents' hook settings (home configuration entries are checked too).
const SENSITIVE_ENTRIES: &[&str] = &[
    ".git",
    ".claude",
    ".codex",
    ".gemini",
    ".cursor",
    ".github",
    ".interlock",
];

/// A glob naming some entries of a directory, as far as the question "may it name this
/// entry?" goes: a bracket expression is taken to match any one character, so the answer errs
/// towards yes; a leading `.` must be matched by a `.` (as bash globs do without dotglob).
struct EntryPattern {
    /// The glob with each bracket expression as `?`.
    glob: String,
    /// It can match a name starting with `.`.
    dotted: bool,
}

impl EntryPattern {
    fn new(pattern: &str) -> EntryPattern {
        let mut glob = String::with_capacity(pattern.len());
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            if c == '[' {
                let mut closed = false;
                let mut first = true;
                for d in chars.by_ref() {
                    if d == ']' && !first {
                        closed = true;
                        break;
                    }
                    first = false;
                }
                glob.push(if closed { '?' } else { '[' });
            } else {
                glob.push(c);
            }
        }
        EntryPattern {
            glob,
            dotted: pattern.starts_with('.') || pattern.starts_with("[.]"),
        }
    }

    /// Whether it may match the entry `name`.
    fn may_name(&self, name: &str) -> bool {
        (self.dotted || !name.starts_with('.')) && super::pattern::glob_match(&self.glob, name)
    }
}

/// The class of a path inside a home directory, given as the part after the home
/// (`/.ssh/id_ed25519`): a credential or startup entry, or another subdirectory.
fn home_entry_class(inside: &str) -> PathClass {
    let inside = inside.trim_start_matches('/');
    if HOME_CONFIG
        .iter()
        .any(|entry| inside == *entry || inside.starts_with(&format!("{entry}/")))
        && !NOT_HOME_CONFIG.contains(&inside)
    {
        return PathClass::HomeConfig;
    }
    PathClass::HomeSubdir
}

/// A `~` path on another host (`ssh host 'rm -rf ~/.ssh'`): that host's home, whose location
/// is not known here. `None` for any other argument.
fn remote_home_class(arg: &Arg) -> Option<PathClass> {
    if !arg.dynamic || arg.static_len > 0 {
        return None;
    }
    let inside = arg.text.strip_prefix('~')?;
    if !(inside.is_empty() || inside.starts_with('/')) {
        return None;
    }
    Some(match inside.trim_end_matches('/') {
        "" | "/*" | "/.*" => PathClass::Home,
        _ if arg.glob && inside.rfind('/') == Some(0) => PathClass::HomeSubdir,
        rest => home_entry_class(rest),
    })
}

/// The statically known location of an argument: its path text (or directory, for globs and
/// expansions) and how much of it is designated.
fn static_location(arg: &Arg) -> (Option<String>, Extent) {
    let known = if arg.dynamic {
        arg.static_prefix()
    } else {
        arg.text.as_str()
    };
    let glob_at = if arg.glob {
        known.find(['*', '?', '['])
    } else {
        None
    };
    let cut = match (arg.dynamic, glob_at) {
        (false, None) => return (Some(known.to_string()), Extent::Exact),
        (_, Some(g)) => g,
        (true, None) => known.len(),
    };
    let head = &known[..cut];
    // `~$USER`, `~$(whoami)/x`: bash looks the user name up before expanding it, so the word
    // stays a name in the current directory, but it was written for a home directory (and
    // `eval` would make it one): not known where it points.
    if arg.dynamic && head.starts_with('~') && !head.contains('/') {
        return (None, Extent::SomeChild);
    }
    let Some(slash) = head.rfind('/') else {
        // `*.log` with no directory part: an entry of the current directory. A word that starts
        // with an expansion (`$x`, `"$x"/*`) is anywhere: unset, `"$x"/*` is `/*`.
        if head.is_empty() && arg.dynamic && glob_at.is_none() {
            return (None, Extent::SomeChild);
        }
        // The whole word is the pattern: `*` is every entry, `build*` only some.
        let whole = matches!(known, "*" | ".*" | "*/") && !arg.dynamic;
        return (
            Some(".".to_string()),
            if whole {
                Extent::AllChildren
            } else {
                Extent::SomeChild
            },
        );
    };
    let dir = if slash == 0 { "/" } else { &head[..slash] };
    let rest = &known[slash + 1..];
    let whole = !arg.dynamic && matches!(rest, "*" | ".*" | "*/" | "{*,.*}");
    (
        Some(dir.to_string()),
        if whole {
            Extent::AllChildren
        } else {
            Extent::SomeChild
        },
    )
}

/// Files inside [`HOME_CONFIG`] entries that hold no keys, credentials or code: the SSH hosts
/// already seen (`ssh-keyscan github.com >> ~/.ssh/known_hosts` is everyday setup).
const NOT_HOME_CONFIG: &[&str] = &[".ssh/known_hosts", ".ssh/known_hosts.old"];

/// Entries of the home directory that hold credentials, keys or the shell's configuration.
const HOME_CONFIG: &[&str] = &[
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".kube",
    ".docker",
    ".config/gcloud",
    ".config/gh",
    ".config/fish",
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".profile",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".zlogin",
    ".gitconfig",
    ".git-credentials",
    ".netrc",
    ".pgpass",
    ".my.cnf",
    ".npmrc",
    ".pypirc",
    ".vault-token",
    ".password-store",
    ".terraform.d",
    // Programs started at login: a file placed here runs on every session.
    ".config/systemd/user",
    ".config/autostart",
    "Library/LaunchAgents",
    ".config/pip",
    ".pip",
    ".config/git",
];

fn classify_absolute(path: &str, extent: Extent, remote: bool, env: &PathEnv) -> PathClass {
    if extent == Extent::Exact
        && (HARMLESS_DEVICES.contains(&path) || under(path, "/dev/fd") || under(path, "/dev/pts"))
    {
        return PathClass::DevNull;
    }
    if under(path, "/dev/shm") {
        return PathClass::Temp;
    }
    if !remote && is_network_pseudo_file(path) {
        return PathClass::Network;
    }
    if under(path, "/dev") && extent == Extent::Exact {
        return PathClass::Device;
    }
    if path == "/" {
        return match extent {
            Extent::Exact | Extent::AllChildren => PathClass::Root,
            Extent::SomeChild => PathClass::System,
        };
    }
    // Deleting an ancestor deletes what is inside it: the home directory or the workspace.
    if !remote && extent != Extent::SomeChild {
        if env.home.as_deref().is_some_and(|h| at_or_under(h, path)) {
            return PathClass::Home;
        }
        if env.workspace.as_deref().is_some_and(|w| under(w, path)) {
            return PathClass::WorkspaceRoot;
        }
    }
    if !remote
        && env
            .guard_globs
            .iter()
            .any(|g| super::pattern::glob_match(g, path))
    {
        return PathClass::Guard;
    }
    if !remote && let Some(ws) = env.workspace.as_deref() {
        if path == ws {
            return match extent {
                Extent::Exact | Extent::AllChildren => PathClass::WorkspaceRoot,
                Extent::SomeChild => PathClass::Workspace,
            };
        }
        if at_or_under(path, &format!("{ws}/.git/hooks")) || path == format!("{ws}/.git/config") {
            return PathClass::GitHook;
        }
        if at_or_under(path, &format!("{ws}/.git")) {
            return PathClass::GitDir;
        }
        if under(path, ws) {
            return PathClass::Workspace;
        }
    }
    // The most specific of home and the temp dirs decides (HOME may live under /tmp in CI, and
    // TMPDIR under HOME on some machines).
    let temp = env
        .temp_dirs
        .iter()
        .filter(|t| {
            under(path, t)
                || (path == t.as_str()
                    // A cache under HOME may go whole; `/tmp` itself may not.
                    && (extent == Extent::SomeChild
                        || env.home.as_deref().is_some_and(|h| under(t, h))))
        })
        .map(|t| t.len())
        .max();
    let home = env
        .home
        .as_deref()
        .filter(|h| !remote && at_or_under(path, h));
    match (temp, home) {
        (Some(t), Some(h)) if h.len() <= t => return PathClass::Temp,
        (Some(_), None) => return PathClass::Temp,
        (_, Some(h)) => {
            if path == h {
                return match extent {
                    Extent::Exact | Extent::AllChildren => PathClass::Home,
                    Extent::SomeChild => PathClass::HomeSubdir,
                };
            }
            let inside = path.get(h.len()..).unwrap_or_default();
            return home_entry_class(inside);
        }
        (None, None) => {}
    }
    if SYSTEM_DIRS.iter().any(|d| at_or_under(path, d)) {
        // Another user's home or a project under /srv is still outside; the OS dirs themselves
        // and their direct contents are system.
        return PathClass::System;
    }
    PathClass::Outside
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> PathEnv {
        PathEnv {
            workspace: Some("/work/repo".into()),
            home: Some("/home/u".into()),
            temp_dirs: vec!["/tmp".into(), "/var/tmp".into()],
            guard_globs: vec!["*/.claude/settings*.json".into()],
        }
    }

    fn class(text: &str) -> PathClass {
        let arg = crate::shell::analyze(
            &format!("rm {text}"),
            &crate::shell::ShellContext {
                cwd: Some("/work/repo".into()),
                home: Some("/home/u".into()),
                tmpdir: None,
                programs: Default::default(),
            },
        )
        .invocations
        .into_iter()
        .next()
        .and_then(|i| i.args.get(1).cloned())
        .unwrap_or_else(|| Arg::literal(""));
        classify(&arg, Some("/work/repo"), false, &env())
    }

    #[test]
    fn home_under_tmp_is_still_home() {
        let mut e = env();
        e.home = Some("/tmp/ci/home".into());
        let arg = Arg::literal("/tmp/ci/home");
        assert_eq!(classify(&arg, None, false, &e), PathClass::Home);
        assert_eq!(
            classify(&Arg::literal("/tmp/ci/home/x"), None, false, &e),
            PathClass::HomeSubdir
        );
        assert_eq!(
            classify(&Arg::literal("/tmp/other"), None, false, &e),
            PathClass::Temp
        );
        e.temp_dirs.push("/tmp/ci/home/tmp".into());
        assert_eq!(
            classify(&Arg::literal("/tmp/ci/home/tmp/x"), None, false, &e),
            PathClass::Temp
        );
    }

    #[test]
    fn a_tilde_before_an_expansion_is_not_located() {
        assert_eq!(class("~$USER"), PathClass::Unknown);
        assert_eq!(class("~${NAME}/x"), PathClass::Unknown);
        assert_eq!(class("./~$USER"), PathClass::Workspace);
        assert_eq!(class("~/$NAME"), PathClass::HomeSubdir);
    }

    #[test]
    fn a_tilde_on_another_host_is_that_hosts_home() {
        let e = PathEnv {
            home: Some("/tmp/ci/home".into()),
            ..PathEnv::default()
        };
        let remote = |text: &str| classify(&Arg::unknown(text), None, true, &e);
        assert_eq!(remote("~"), PathClass::Home);
        assert_eq!(remote("~/"), PathClass::Home);
        assert_eq!(remote("~/.ssh/authorized_keys"), PathClass::HomeConfig);
        assert_eq!(remote("~/app/tmp"), PathClass::HomeSubdir);
        assert_eq!(remote("~other/x"), PathClass::Unknown);
        // Here, a dynamic word is judged by what is known of it.
        assert_eq!(
            classify(&Arg::unknown("~"), None, false, &e),
            PathClass::Unknown
        );
    }

    #[test]
    fn classes() {
        assert_eq!(class("/"), PathClass::Root);
        assert_eq!(class("/*"), PathClass::Root);
        assert_eq!(class("~"), PathClass::Home);
        assert_eq!(class("~/"), PathClass::Home);
        assert_eq!(class("~/Documents"), PathClass::HomeSubdir);
        assert_eq!(class("~/.ssh"), PathClass::HomeConfig);
        assert_eq!(class("~/.ssh/id_ed25519"), PathClass::HomeConfig);
        assert_eq!(class("~/.ssh/known_hosts"), PathClass::HomeSubdir);
        assert_eq!(class("$HOME/.bashrc"), PathClass::HomeConfig);
        assert_eq!(
            class("~/.config/gcloud/credentials.db"),
            PathClass::HomeConfig
        );
        assert_eq!(class("~/.sshx"), PathClass::HomeSubdir);
        assert_eq!(class("~/.config/nvim"), PathClass::HomeSubdir);
        assert!(PathClass::HomeConfig.is_any_of(&[PathClass::HomeSubdir]));
        assert!(!PathClass::HomeSubdir.is_any_of(&[PathClass::HomeConfig]));
        assert_eq!(class("/etc/ssl"), PathClass::System);
        assert_eq!(class("/data"), PathClass::Outside);
        assert_eq!(class("."), PathClass::WorkspaceRoot);
        assert_eq!(class("*"), PathClass::WorkspaceRoot);
        assert_eq!(class("*.log"), PathClass::Workspace);
        assert_eq!(class("target/debug"), PathClass::Workspace);
        assert_eq!(class(".git"), PathClass::GitDir);
        assert_eq!(class(".git/hooks/pre-commit"), PathClass::GitHook);
        assert_eq!(class(".git/config"), PathClass::GitHook);
        assert_eq!(class(".git/info/exclude"), PathClass::GitDir);
        assert!(PathClass::GitHook.is_any_of(&[PathClass::GitDir]));
        assert_eq!(class("../other"), PathClass::Outside);
        assert_eq!(class("/tmp/x"), PathClass::Temp);
        assert_eq!(class("/tmp"), PathClass::System);
        assert_eq!(class("/dev/sda"), PathClass::Device);
        assert_eq!(class("/dev/null"), PathClass::DevNull);
        assert_eq!(class("/dev/tcp/10.0.0.1/4444"), PathClass::Network);
        assert_eq!(class("/dev/udp/dns.example/53"), PathClass::Network);
        assert_eq!(class("$X"), PathClass::Unknown);
        assert_eq!(class("\"$X\"/*"), PathClass::Unknown);
        assert_eq!(class("$X/.*"), PathClass::Unknown);
        assert_eq!(class("${X}*"), PathClass::Unknown);
        assert_eq!(class("*$X"), PathClass::Workspace);
        assert_eq!(class("/srv/$X"), PathClass::System);
        assert_eq!(class("build/$X"), PathClass::Workspace);
        assert_eq!(class(".claude/settings.json"), PathClass::Guard);
        assert_eq!(class("/home"), PathClass::Home);
        assert_eq!(class("/work"), PathClass::WorkspaceRoot);
        assert_eq!(class(".."), PathClass::WorkspaceRoot);
        assert_eq!(class("../.."), PathClass::Root);
        // Windows drives, with their backslashes quoted or taken as escapes by bash.
        assert_eq!(class("'C:\\'"), PathClass::Root);
        assert_eq!(class("D:/"), PathClass::Root);
        assert_eq!(class("C:\\Users\\alice"), PathClass::Home);
        assert_eq!(class("'C:\\Users\\alice\\src'"), PathClass::HomeSubdir);
        assert_eq!(class("'C:\\Windows\\System32'"), PathClass::System);
        assert_eq!(class("'C:\\Program Files\\App'"), PathClass::System);
        assert_eq!(class("D:\\data"), PathClass::Outside);
        // Relative Windows paths, their backslashes kept by quotes.
        assert_eq!(class("'..\\..'"), PathClass::Root);
        assert_eq!(class("'..\\other'"), PathClass::Outside);
        assert_eq!(class("'.\\'"), PathClass::WorkspaceRoot);
        assert_eq!(class("'.\\build\\out'"), PathClass::Workspace);
        assert_eq!(class("'..\\*'"), PathClass::Outside);
        // A pattern with a fixed part names only some entries of the directory.
        assert_eq!(class("build*"), PathClass::Workspace);
        // A pattern that may name the repository's .git, or a credential entry of the home.
        assert_eq!(class(".g*"), PathClass::GitDir);
        assert_eq!(class(".gi[t]"), PathClass::GitDir);
        assert_eq!(class("[.]git*"), PathClass::GitDir);
        assert_eq!(class(".env*"), PathClass::Workspace);
        assert_eq!(class("*git"), PathClass::Workspace);
        assert_eq!(class("~/.ss*"), PathClass::HomeConfig);
        assert_eq!(class("*"), PathClass::WorkspaceRoot);
        assert_eq!(class("'~\\.ssh\\id_rsa'"), PathClass::HomeConfig);
        assert_eq!(class("'~'"), PathClass::Workspace);
    }

    #[test]
    fn remote_copy_operands_are_classified_on_their_host() {
        let remote = |program: &str, text: &str| {
            remote_operand(program, &Arg::literal(text)).map(classify_remote)
        };
        assert_eq!(
            remote("scp", "root@db:/etc/passwd"),
            Some(PathClass::System)
        );
        assert_eq!(remote("rsync", "web:/"), Some(PathClass::Root));
        assert_eq!(
            remote("scp", "h:/var/lib/postgresql"),
            Some(PathClass::System)
        );
        assert_eq!(remote("scp", "h:/var/tmp/x"), Some(PathClass::Outside));
        assert_eq!(remote("scp", "h:/var/www/site"), Some(PathClass::Outside));
        assert_eq!(remote("scp", "h:/home/u/x"), Some(PathClass::Outside));
        assert_eq!(remote("scp", "h:"), Some(PathClass::Outside));
        assert_eq!(remote("rsync", "h::module/etc"), Some(PathClass::Outside));
        assert_eq!(remote("scp", "h:/usr/../etc/x"), Some(PathClass::System));
        assert_eq!(remote("scp", "./a:/etc"), None);
        assert_eq!(remote("scp", "/etc/hosts"), None);
        assert_eq!(remote("cp", "h:/etc/hosts"), None);
    }
}

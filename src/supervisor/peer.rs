//! Who is on the other end of the socket: the peer's process ancestry, so that nothing inside
//! the agent's own process tree can approve or deny its requests.

/// The parent pid of `pid`, read from `/proc/PID/stat`.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may contain spaces or ')'.
    let after = stat.rsplit_once(')')?.1;
    after.split_whitespace().nth(1)?.parse().ok()
}

/// Whether `pid` is `ancestor` or one of its descendants. Unknown processes (already gone, or
/// /proc unreadable) count as descendants: fail closed.
pub fn descends_from(pid: u32, ancestor: u32) -> bool {
    let mut current = pid;
    for _ in 0..4096 {
        if current == ancestor {
            return true;
        }
        match parent_of(current) {
            Some(0) | Some(1) => return false,
            Some(p) if p == current => return false,
            Some(p) => current = p,
            None => return true,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_descends_from_its_parent_but_not_from_a_child() {
        let me = std::process::id();
        let parent = parent_of(me).expect("parent");
        assert!(descends_from(me, parent));
        assert!(descends_from(me, me));
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("spawn");
        assert!(!descends_from(me, child.id()));
        assert!(descends_from(child.id(), me));
        let _ = child.kill();
        let _ = child.wait();
    }
}

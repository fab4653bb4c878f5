//! A program named by a glob (`/bin/r? -rf ~`, `/usr/bin/[r]m`): the shell runs whatever file
//! the pattern matches, so the command is judged as each known program name it could be.

/// Most names a globbed program is judged as; a pattern matching more (`* -rf ~`) names no
/// program in particular and stays unknown.
pub const MAX_NAMES: usize = 8;

/// The names in `known` that the last path component of `word` matches as a shell pattern,
/// or `None` when it matches more than [`MAX_NAMES`].
pub fn names<'a>(word: &str, known: &'a [String]) -> Option<Vec<&'a str>> {
    let pattern = word.rsplit('/').next().unwrap_or(word);
    let hits: Vec<&str> = known
        .iter()
        .map(String::as_str)
        .filter(|name| matches(pattern.as_bytes(), name.as_bytes()))
        .take(MAX_NAMES + 1)
        .collect();
    (hits.len() <= MAX_NAMES).then_some(hits)
}

/// Whether `text` matches the shell pattern `pattern`: `*` any run, `?` any one byte,
/// `[abc]`, `[a-z]` and `[!abc]`/`[^abc]` one byte of (or not of) a set, `\c` the byte `c`.
fn matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        let step = match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
                continue;
            }
            Some(b'?') => Some(p + 1),
            Some(b'[') => class(pattern, p, text[t]),
            Some(b'\\') if pattern.get(p + 1) == Some(&text[t]) => Some(p + 2),
            Some(&c) if c == text[t] => Some(p + 1),
            _ => None,
        };
        match (step, star) {
            (Some(next), _) => {
                p = next;
                t += 1;
            }
            (None, Some((sp, st))) => {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            }
            (None, None) => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Matches byte `c` against the bracket expression opening at `pattern[open]`; the index after
/// it when `c` is in the set. An unclosed `[` is an ordinary character, as in the shell.
fn class(pattern: &[u8], open: usize, c: u8) -> Option<usize> {
    let mut i = open + 1;
    let negated = matches!(pattern.get(i), Some(b'!' | b'^'));
    if negated {
        i += 1;
    }
    let start = i;
    let mut hit = false;
    while let Some(&b) = pattern.get(i) {
        if b == b']' && i > start {
            return (hit != negated).then_some(i + 1);
        }
        if pattern.get(i + 1) == Some(&b'-') && pattern.get(i + 2).is_some_and(|&e| e != b']') {
            hit |= (b..=pattern[i + 2]).contains(&c);
            i += 3;
        } else {
            hit |= b == c;
            i += 1;
        }
    }
    (c == b'[').then_some(open + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<String> {
        ["bash", "dd", "git", "rm", "rmdir", "sh"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn a_glob_names_the_programs_it_matches() {
        let known = known();
        assert_eq!(names("/bin/r?", &known), Some(vec!["rm"]));
        assert_eq!(names("/usr/bin/[r]m", &known), Some(vec!["rm"]));
        assert_eq!(names("r*", &known), Some(vec!["rm", "rmdir"]));
        assert_eq!(names("/bin/?ash", &known), Some(vec!["bash"]));
        assert_eq!(names("[!r]m", &known), Some(vec![]));
        assert_eq!(names("[a-h]it", &known), Some(vec!["git"]));
        assert_eq!(names("\\rm", &known), Some(vec!["rm"]));
        assert_eq!(names("[r", &known), Some(vec![]));
    }

    #[test]
    fn a_glob_matching_too_many_names_names_none() {
        let known: Vec<String> = (0..20).map(|i| format!("p{i}")).collect();
        assert_eq!(names("*", &known), None);
        assert_eq!(names("p1?", &known), None);
        assert_eq!(names("p[1-3]", &known), Some(vec!["p1", "p2", "p3"]));
    }
}

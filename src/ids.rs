//! Short identifiers (request ids, chain ids) derived from a seed.

use sha2::{Digest, Sha256};

/// `PREFIX-` followed by the first `digits` hex digits of the SHA-256 of `seed` (at most 64).
pub fn hashed_id(prefix: &str, seed: &str, digits: usize) -> String {
    let digest = format!("{:x}", Sha256::digest(seed.as_bytes()));
    format!("{prefix}-{}", &digest[..digits.min(digest.len())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_id_and_the_length_asked_for() {
        let a = hashed_id("h", "seed", 12);
        assert_eq!(a, hashed_id("h", "seed", 12));
        assert_ne!(a, hashed_id("h", "other", 12));
        assert!(a.starts_with("h-") && a.len() == 14, "{a}");
        assert_eq!(hashed_id("x", "s", 100).len(), 66);
    }
}

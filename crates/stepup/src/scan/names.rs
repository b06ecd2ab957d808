//! The member names of one object, for the duplicate check.

use std::borrow::Cow;
use std::collections::HashSet;

/// How many names without escapes are kept on the stack before spilling to a hash
/// set. Ordinary ID tokens have fewer than this many non-standard claims, so the
/// check costs no allocation and a few short comparisons per name.
const INLINE: usize = 16;

/// The names seen so far in one object, compared after unescaping.
///
/// Names without escapes borrow from the JSON text and sit in a fixed array; names
/// with escapes, and every name past the first [`INLINE`], go to a hash set, so a
/// 64 KiB object of distinct names stays linear-time overall.
pub(crate) struct NameSet<'a> {
    // `None`, not empty slices: an all-zero array is set up with a few wide stores.
    inline: [Option<&'a [u8]>; INLINE],
    len: usize,
    spilled: Option<HashSet<Cow<'a, [u8]>>>,
}

impl<'a> NameSet<'a> {
    /// An empty set.
    pub(crate) fn new() -> Self {
        Self {
            inline: [None; INLINE],
            len: 0,
            spilled: None,
        }
    }

    /// Adds `name` (unescaped, as UTF-8 bytes); gives it back if it was already there.
    #[inline]
    pub(crate) fn insert(&mut self, name: Cow<'a, [u8]>) -> Result<(), Cow<'a, [u8]>> {
        // Fast path: a name without escapes while the set is small.
        if let (Cow::Borrowed(borrowed), None) = (&name, &self.spilled)
            && let (seen, [slot, ..]) = self.inline.split_at_mut(self.len.min(INLINE))
        {
            if seen.contains(&Some(*borrowed)) {
                return Err(name);
            }
            *slot = Some(borrowed);
            self.len += 1;
            return Ok(());
        }
        self.insert_slow(name)
    }

    #[inline(never)]
    fn insert_slow(&mut self, name: Cow<'a, [u8]>) -> Result<(), Cow<'a, [u8]>> {
        let seen_inline = self
            .inline
            .iter()
            .take(self.len)
            .any(|seen| *seen == Some(&*name));
        let seen_spilled = self
            .spilled
            .as_ref()
            .is_some_and(|set| set.contains(name.as_ref()));
        if seen_inline || seen_spilled {
            return Err(name);
        }
        match (name, self.inline.get_mut(self.len)) {
            (Cow::Borrowed(name), Some(slot)) => {
                *slot = Some(name);
                self.len += 1;
            }
            (name, _) => {
                self.spilled.get_or_insert_with(HashSet::new).insert(name);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_duplicates_inline_spilled_and_escaped() {
        let mut set = NameSet::new();
        let names: Vec<String> = (0..40).map(|i| format!("n{i}")).collect();
        for name in &names {
            assert!(set.insert(Cow::Borrowed(name.as_bytes())).is_ok());
        }
        assert!(set.insert(Cow::Borrowed(b"n3")).is_err(), "inline");
        assert!(set.insert(Cow::Borrowed(b"n39")).is_err(), "spilled");
        assert!(
            set.insert(Cow::Owned(b"n5".to_vec())).is_err(),
            "escaped vs plain"
        );
        let mut set = NameSet::new();
        assert!(set.insert(Cow::Owned(b"a".to_vec())).is_ok());
        assert!(set.insert(Cow::Borrowed(b"a")).is_err(), "plain vs escaped");
    }
}

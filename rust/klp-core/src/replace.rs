// SPDX-License-Identifier: GPL-2.0

//! Atomic replace and system states, without the kernel.
//!
//! A cumulative patch (`replace`) takes over every function of the patches
//! enabled before it. Functions it does not change itself get a no-op entry
//! for the length of its transition, so tasks that switch run the original
//! code while the others still run the replaced patch's version; the no-ops
//! go away when the transition completes.

/// A function as a patch names it: object (`None`: vmlinux), symbol name
/// and position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FuncKey<'a> {
    /// The object, `None` for vmlinux.
    pub object: Option<&'a [u8]>,
    /// The old function's name.
    pub name: &'a [u8],
    /// `old_sympos` (0 and 1 name the same symbol when it is unique; the
    /// upstream core compares the raw values, and so do we).
    pub sympos: u64,
}

/// The functions of `older` patches (oldest first) that the replacing
/// patch `new` does not change, each once, in first-seen order: the no-ops
/// it needs.
pub fn nops<'a, 'b>(
    new: &'b [FuncKey<'a>],
    older: &'b [FuncKey<'a>],
) -> impl Iterator<Item = FuncKey<'a>> + 'b {
    older.iter().enumerate().filter_map(move |(i, k)| {
        let covered = new.contains(k) || older[..i].contains(k);
        (!covered).then_some(*k)
    })
}

/// A system state a patch declares: `id` and `version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    /// What the state is about (chosen by patch authors).
    pub id: u64,
    /// How far the patch modified it.
    pub version: u32,
}

/// Whether a patch with `states` (cumulative when `replace`) may be enabled
/// over the patches whose states are `installed`: every installed state
/// must be one it knows at the same or a newer version; a non-cumulative
/// patch may also leave a state alone. Upstream's rule.
pub fn states_compatible<'a>(
    states: &[State],
    replace: bool,
    installed: impl IntoIterator<Item = &'a State>,
) -> bool {
    installed
        .into_iter()
        .all(|old| match states.iter().find(|s| s.id == old.id) {
            None => !replace,
            Some(s) => s.version >= old.version,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(object: Option<&'static str>, name: &'static str, sympos: u64) -> FuncKey<'static> {
        FuncKey {
            object: object.map(str::as_bytes),
            name: name.as_bytes(),
            sympos,
        }
    }

    #[test]
    fn nops_cover_what_the_new_patch_leaves() {
        let new = [k(None, "a", 0), k(Some("m"), "b", 0)];
        let older = [
            k(None, "a", 0),
            k(None, "c", 0),
            k(Some("m"), "b", 0),
            k(Some("m"), "c", 0),
            k(None, "a", 2),
            k(None, "c", 0),
        ];
        let got: Vec<_> = nops(&new, &older).collect();
        assert_eq!(
            got,
            vec![k(None, "c", 0), k(Some("m"), "c", 0), k(None, "a", 2)]
        );
    }

    #[test]
    fn nothing_to_replace() {
        assert_eq!(nops(&[k(None, "a", 0)], &[]).count(), 0);
        assert_eq!(nops(&[], &[k(None, "a", 0)]).count(), 1);
    }

    /// Property: every older function is either in the new patch or a nop,
    /// exactly once, and no nop is in the new patch.
    #[test]
    fn nops_partition_the_older_functions() {
        let names = ["a", "b", "c", "d"];
        let objs = [None, Some("m"), Some("n")];
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        for _ in 0..500 {
            let (ln, lo) = (next(5), next(9));
            let mut keys: Vec<FuncKey<'static>> = Vec::new();
            for _ in 0..ln + lo {
                keys.push(k(objs[next(3)], names[next(4)], next(2) as u64));
            }
            let (new, older) = keys.split_at(ln);
            let got: Vec<_> = nops(new, older).collect();
            for o in older {
                let in_nops = got.iter().filter(|x| *x == o).count();
                assert_eq!(in_nops, if new.contains(o) { 0 } else { 1 }, "{o:?}");
            }
            assert!(got.iter().all(|x| older.contains(x)));
        }
    }

    fn s(id: u64, version: u32) -> State {
        State { id, version }
    }

    #[test]
    fn state_compatibility() {
        let installed = [s(1, 2), s(2, 1)];
        assert!(states_compatible(&[s(1, 2), s(2, 1)], true, &installed));
        assert!(states_compatible(
            &[s(1, 3), s(2, 1), s(9, 1)],
            true,
            &installed
        ));
        assert!(
            !states_compatible(&[s(1, 1), s(2, 1)], true, &installed),
            "older version"
        );
        assert!(
            !states_compatible(&[s(1, 2)], true, &installed),
            "cumulative must keep state 2"
        );
        assert!(
            states_compatible(&[s(1, 2)], false, &installed),
            "non-cumulative may ignore it"
        );
        assert!(!states_compatible(&[s(1, 1)], false, &installed));
        assert!(states_compatible(&[], false, &[]));
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The per-task consistency model's bookkeeping, without the kernel.
//!
//! Each task carries one word (kept by the runtime at the bottom of the
//! task's stack). A word written during transition `gen` says which
//! universe the task is in; any other word (zero, stale, garbage) means the
//! task has not been looked at in this transition and is still in the
//! transition's *initial* universe. So starting a transition writes nothing
//! per task, new tasks need no set-up, and words of past transitions can
//! never be mistaken for current ones.

/// Which code a task runs for the functions in transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Universe {
    /// The code below the transition patch (old code when patching).
    Unpatched = 0,
    /// The transition patch's code.
    Patched = 1,
}

impl Universe {
    /// The other universe.
    pub fn flip(self) -> Self {
        match self {
            Universe::Unpatched => Universe::Patched,
            Universe::Patched => Universe::Unpatched,
        }
    }
}

const MAGIC: u64 = 0x6b6c_7000_0000_0000; // "klp" in the top bytes
const MAGIC_MASK: u64 = 0xffff_ff00_0000_0000;
const GEN_SHIFT: u32 = 8;
const GEN_MASK: u64 = 0xffff_ffff;

/// The word that says "in `u` during transition `gen`".
pub fn encode(gen: u32, u: Universe) -> u64 {
    MAGIC | ((gen as u64 & GEN_MASK) << GEN_SHIFT) | u as u64
}

/// The universe a task with `word` is in during transition `gen`, whose
/// tasks start in `initial`.
pub fn universe(word: u64, gen: u32, initial: Universe) -> Universe {
    if word & MAGIC_MASK == MAGIC && (word >> GEN_SHIFT) & GEN_MASK == gen as u64 {
        if word & 1 == 1 {
            Universe::Patched
        } else {
            Universe::Unpatched
        }
    } else {
        initial
    }
}

/// A code range `[start, start + size)` that must not be on a task's stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// First byte.
    pub start: usize,
    /// Length in bytes.
    pub size: usize,
}

impl Range {
    fn contains(&self, addr: usize) -> bool {
        addr.wrapping_sub(self.start) < self.size
    }
}

/// The first return address of `stack` that lies in one of `ranges`, as
/// (stack index, range index).
pub fn first_blocking(stack: &[usize], ranges: &[Range]) -> Option<(usize, usize)> {
    stack
        .iter()
        .enumerate()
        .find_map(|(i, &a)| ranges.iter().position(|r| r.contains(a)).map(|r| (i, r)))
}

/// How often, in retries, user tasks get a fake signal and sleeping
/// kthreads a wake-up by default (upstream: every 15 tries of one second).
#[cfg_attr(MODULE, allow(dead_code))]
pub const SIGNALS_EVERY: u32 = 15;

/// One transition: which patch state every task is moving to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// Distinguishes this transition's task words from older ones.
    pub gen: u32,
    /// Where tasks not yet looked at are.
    pub initial: Universe,
    /// Where every task must end up.
    pub target: Universe,
    /// Retries so far (one per round of checks).
    pub tries: u32,
}

impl Transition {
    /// A transition towards `target`; `prev_gen` is the last one's `gen`.
    pub fn start(prev_gen: u32, target: Universe) -> Self {
        Transition {
            gen: prev_gen.wrapping_add(1),
            initial: target.flip(),
            target,
            tries: 0,
        }
    }

    /// The universe of a task with `word`.
    pub fn universe(&self, word: u64) -> Universe {
        universe(word, self.gen, self.initial)
    }

    /// Whether a task with `word` still has to switch.
    pub fn pending(&self, word: u64) -> bool {
        self.universe(word) != self.target
    }

    /// The word of a task that has switched to the target.
    pub fn switched_word(&self) -> u64 {
        encode(self.gen, self.target)
    }

    /// Turn around: the target becomes the other universe. Task words stay:
    /// tasks that had switched are now the pending ones, and the tasks never
    /// looked at, still in `initial`, are already where they must go.
    pub fn reverse(&mut self) {
        self.target = self.target.flip();
        self.tries = 0;
    }

    /// Count a retry round; true when this round should escalate, which
    /// happens every `every` rounds (never when 0).
    pub fn retry(&mut self, every: u32) -> bool {
        self.tries = self.tries.wrapping_add(1);
        every != 0 && self.tries.is_multiple_of(every)
    }

    /// The words the C side compares with to tell pending tasks: the
    /// switched word, and 0 when every other word is pending, else the one
    /// word that is (after a reverse, unknown words are in place already).
    pub fn pending_words(&self) -> (u64, u64) {
        if self.initial == self.target {
            (self.switched_word(), encode(self.gen, self.target.flip()))
        } else {
            (self.switched_word(), 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_words_are_in_the_initial_universe() {
        let t = Transition::start(6, Universe::Patched);
        for w in [
            0,
            1,
            u64::MAX,
            encode(6, Universe::Patched),
            encode(8, Universe::Patched),
        ] {
            assert_eq!(t.universe(w), Universe::Unpatched, "{w:#x}");
            assert!(t.pending(w));
        }
        assert_eq!(t.universe(t.switched_word()), Universe::Patched);
        assert!(!t.pending(t.switched_word()));
    }

    #[test]
    fn generations_wrap() {
        let t = Transition::start(u32::MAX, Universe::Unpatched);
        assert_eq!(t.gen, 0);
        assert!(!t.pending(t.switched_word()));
        assert!(t.pending(encode(u32::MAX, Universe::Unpatched)));
    }

    #[test]
    fn reversing_swaps_who_is_pending() {
        let mut t = Transition::start(0, Universe::Patched);
        let switched = t.switched_word();
        t.reverse();
        assert!(t.pending(switched));
        assert!(!t.pending(0));
        t.reverse();
        assert!(!t.pending(switched));
        assert!(t.pending(0));
    }

    /// The C side's test with `pending_words` agrees with `pending`.
    #[test]
    fn pending_words_agree_with_pending() {
        let mut t = Transition::start(41, Universe::Patched);
        for round in 0..2 {
            let (sw, other) = t.pending_words();
            let c_pending = |w: u64| if other != 0 { w == other } else { w != sw };
            for w in [
                0,
                7,
                sw,
                encode(42, Universe::Unpatched),
                encode(42, Universe::Patched),
                encode(1, Universe::Patched),
            ] {
                assert_eq!(c_pending(w), t.pending(w), "round {round} word {w:#x}");
            }
            t.reverse();
        }
    }

    #[test]
    fn stack_matching() {
        let ranges = [
            Range {
                start: 100,
                size: 10,
            },
            Range {
                start: 200,
                size: 1,
            },
        ];
        assert_eq!(first_blocking(&[1, 2, 3], &ranges), None);
        assert_eq!(first_blocking(&[1, 109, 200], &ranges), Some((1, 0)));
        assert_eq!(first_blocking(&[110, 200], &ranges), Some((1, 1)));
        assert_eq!(first_blocking(&[99, 201], &ranges), None);
        assert_eq!(
            first_blocking(
                &[usize::MAX],
                &[Range {
                    start: usize::MAX - 1,
                    size: 4
                }]
            ),
            Some((0, 0))
        );
    }

    #[test]
    fn escalation_every_fifteen_rounds() {
        let mut t = Transition::start(0, Universe::Patched);
        let rounds: u32 = (1..=45).filter(|_| t.retry(SIGNALS_EVERY)).count() as u32;
        assert_eq!(rounds, 3);
        assert!(!(1..=100).any(|_| t.retry(0)));
    }

    /// A model of the runtime: tasks with words, forks that copy the parent's
    /// word, switches allowed only when a task is not "inside" old code,
    /// reverses and force. Whatever the interleaving, each task is in exactly
    /// one universe, a transition completes only when no task is pending, and
    /// a task never switches while inside code of the universe it leaves.
    #[test]
    fn random_interleavings_keep_the_model_consistent() {
        let mut seed: u64 = 0x1234_5678;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..2000 {
            let mut gen = 0;
            let mut t = Transition::start(gen, Universe::Patched);
            // (word, inside a function of the transition)
            let mut tasks: Vec<(u64, bool)> =
                (0..(1 + next(6))).map(|_| (next(3), false)).collect();
            let mut done = false;
            for _ in 0..200 {
                let i = next(tasks.len() as u64) as usize;
                match next(7) {
                    0 => tasks[i].1 = !tasks[i].1,
                    1 | 2 if !tasks[i].1 && t.pending(tasks[i].0) => {
                        tasks[i].0 = t.switched_word();
                    }
                    3 if tasks.len() < 12 => {
                        let parent = tasks[i].0;
                        tasks.push((parent, false));
                    }
                    4 => t.reverse(),
                    5 if next(20) == 0 => {
                        for task in tasks.iter_mut() {
                            task.0 = t.switched_word();
                        }
                    }
                    _ => {}
                }
                for &(w, _) in &tasks {
                    let u = t.universe(w);
                    assert!(u == Universe::Patched || u == Universe::Unpatched);
                }
                if tasks.iter().all(|&(w, _)| !t.pending(w)) {
                    done = true;
                    gen = t.gen;
                    break;
                }
            }
            if done {
                // After completion, the next transition starts everyone over.
                let n = Transition::start(gen, Universe::Unpatched);
                assert!(tasks.iter().all(|&(w, _)| n.pending(w)));
            }
        }
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The per-task consistency model: moving every task to the target
//! universe only where it provably runs no code of the universe it leaves.
//! The bookkeeping is klp-core's `transition`; this drives it over the
//! kernel's tasks through c-shim/task.c.

use super::patch::{self, Garbage, Klp, Patch, KLP};
use super::shim;
use super::transition_core::{first_blocking, Range, Transition, Universe};
use core::sync::atomic::Ordering::Relaxed;
use kernel::{prelude::*, str::CStr, sync::Arc};

/// What the ftrace handler needs to know about the transition.
#[derive(Clone, Copy)]
pub(crate) struct TransitionView {
    pub(crate) patch: *const Patch,
    pub(crate) initial_patched: bool,
    pub(crate) word_patched: u64,
    pub(crate) word_unpatched: u64,
}

/// A task that could not switch in the last round, and why.
#[derive(Clone, Copy)]
pub(crate) struct Pending {
    pub(crate) pid: i32,
    pub(crate) comm: [u8; 16],
    pub(crate) why: c_int,
    pub(crate) addr: usize,
}

/// The transition in progress.
pub(crate) struct Active {
    pub(crate) patch: Arc<Patch>,
    pub(crate) t: Transition,
    /// Tasks are asked to switch at their next return to user space once
    /// per direction.
    asked: bool,
    signalled: bool,
    /// An operator asked for escalation now (debugfs `signal`).
    signal_now: bool,
    pub(crate) pending: KVec<Pending>,
}

impl Active {
    pub(crate) fn view(&self) -> TransitionView {
        let gen = self.t.gen;
        TransitionView {
            patch: &*self.patch,
            initial_patched: self.t.initial == Universe::Patched,
            word_patched: super::transition_core::encode(gen, Universe::Patched),
            word_unpatched: super::transition_core::encode(gen, Universe::Unpatched),
        }
    }

    fn direction(&self) -> &'static str {
        match self.t.target {
            Universe::Patched => "patching",
            Universe::Unpatched => "unpatching",
        }
    }
}

fn name(patch: &Patch) -> &str {
    patch::show(&patch.name)
}

fn as_cstr(comm: &[u8; 16]) -> &str {
    CStr::from_bytes_until_nul(comm)
        .ok()
        .and_then(|c| c.to_str().ok())
        .unwrap_or("?")
}

/// Start a transition of `patch` towards `target`. The caller then
/// (re)publishes the patch's function stacks, which carry the transition.
pub(crate) fn begin(klp: &mut Klp, patch: &Arc<Patch>, target: Universe) {
    let t = Transition::start(klp.last_gen, target);
    klp.last_gen = t.gen;
    // What klp_get_prev_state() sees: the patches below this one.
    let below = klp
        .patches
        .iter()
        .position(|p| Arc::ptr_eq(p, patch))
        .unwrap_or(klp.patches.len());
    let mut prev = KVec::new();
    for p in klp.patches.iter().take(below) {
        let _ = prev.push(p.c_patch(), GFP_KERNEL);
    }
    // SAFETY: `prev` holds `len` patch descriptions of referenced modules;
    // the C side copies the array.
    if unsafe { shim::lprs_states_set(prev.as_ptr(), prev.len() as c_uint, patch.c_patch()) } != 0 {
        pr_err!("'{}': out of memory recording system states\n", name(patch));
    }
    klp.transition = Some(Active {
        patch: patch.clone(),
        t,
        asked: false,
        signalled: false,
        signal_now: false,
        pending: KVec::new(),
    });
}

/// The transition is over for klp_get_prev_state(): after the last
/// callbacks, which may still ask.
pub(crate) fn clear_states() {
    // SAFETY: records "no transition"; nothing is copied.
    unsafe { shim::lprs_states_set(core::ptr::null(), 0, core::ptr::null_mut()) };
}

/// Leave the transition without switching anyone (a failed enable; the
/// caller runs the callbacks, then `clear_states`).
pub(crate) fn cancel(klp: &mut Klp) {
    klp.transition = None;
    // SAFETY: plain store.
    unsafe { shim::lprs_set_switch_word(0) };
}

/// One round: try to switch every pending task; complete when none is left,
/// otherwise retry later.
pub(crate) fn try_complete(klp: &mut Klp) {
    round(klp, false);
}

/// A round; `kicked`: an extra one, run because every task asked to switch
/// at its return to user space has: it asks nothing, does not count towards
/// escalation, and leaves the next retry as scheduled.
fn round(klp: &mut Klp, kicked: bool) {
    let Some(act) = klp.transition.as_ref() else {
        return;
    };
    let to_patched = act.t.target == Universe::Patched;
    let patch = act.patch.clone();
    let ranges = match klp.ranges(&patch, to_patched) {
        Ok(r) => r,
        Err(_) => return schedule_retry(),
    };
    let Some(act) = klp.transition.as_mut() else {
        return;
    };
    // Count rounds even when this patch does not escalate, so turning
    // `escalate` on later keeps the rhythm.
    let escalate = act.asked
        && !kicked
        && act
            .t
            .retry(*super::module_parameters::signal_rounds.value())
        && patch.escalate.load(Relaxed);
    let escalate = escalate || (!kicked && core::mem::take(&mut act.signal_now));
    if escalate && !act.signalled {
        pr_notice!("signaling remaining tasks\n");
        act.signalled = true;
    }
    let (word, other) = act.t.pending_words();
    let mut check = shim::LprsCheck::new(word, other, &ranges);
    // SAFETY: plain store; task works compare against it.
    unsafe { shim::lprs_set_switch_word(word as c_ulong) };

    let mut pending = KVec::new();
    let mut queued = false;
    let mut nr: c_uint = 0;
    // SAFETY: returns referenced tasks, released below.
    let tasks = unsafe { shim::lprs_tasks_get(&mut nr) };
    if tasks.is_null() {
        return schedule_retry();
    }
    // SAFETY: `nr` valid entries.
    let list = unsafe { core::slice::from_raw_parts(tasks, nr as usize) };
    for &t in list {
        let mut info = shim::LprsTaskInfo::default();
        // SAFETY: `t` is referenced.
        unsafe { shim::lprs_task_info(t, &mut info) };
        if info.dead || !act.t.pending(info.word as u64) {
            continue;
        }
        // SAFETY: `t` is referenced; `check` lives across the call.
        let why = unsafe { shim::lprs_try_switch_task(t, &mut check) };
        if why == 0 {
            continue;
        }
        let reason = shim::reason(why);
        let blocking = if why == shim::WHY_SLEEPING_IN {
            check.addr
        } else {
            0
        };
        shim::debug_switch(
            fmt!(
                "klp_try_switch_task: {}:{} {}",
                as_cstr(&info.comm),
                info.pid,
                reason
            ),
            blocking,
        );
        // Every pending user task is asked once to switch on its way back
        // to user space; tasks running now (children forked since, say) are
        // asked again each round, as upstream's inherited pending flag would.
        // A kicked round asks nothing (and never escalates).
        if !kicked && !info.kthread && (!act.asked || escalate || why == shim::WHY_RUNNING) {
            // SAFETY: `t` is referenced; the work holds its own module ref.
            queued |= unsafe { shim::lprs_queue_twork(t, word as c_ulong, escalate) } == 0;
        } else if info.kthread && escalate {
            // SAFETY: `t` is referenced.
            unsafe { shim::lprs_wake_kthread(t) };
        }
        let _ = pending.push(
            Pending {
                pid: info.pid,
                comm: info.comm,
                why,
                addr: check.addr as usize,
            },
            GFP_KERNEL,
        );
    }
    // SAFETY: releases what lprs_tasks_get took.
    unsafe { shim::lprs_tasks_put(tasks, nr) };
    // SAFETY: `check` lives across the call.
    let idle_pending = unsafe { shim::lprs_switch_idle_tasks(&mut check) };
    act.asked = true;
    act.pending = pending;
    // A task forked after the snapshot is not in it: decide completion on a
    // fresh look at every word.
    // SAFETY: reads words under RCU.
    if idle_pending == 0
        && act.pending.is_empty()
        && unsafe { shim::lprs_count_pending(&check) } == 0
    {
        complete(klp);
    } else if !kicked {
        schedule_retry();
        // SAFETY: atomics and queueing our kick work.
        unsafe { shim::lprs_arm_kick(queued) };
    }
}

fn schedule_retry() {
    let ms = *super::module_parameters::transition_retry_ms.value();
    // SAFETY: queues our delayed work.
    unsafe { shim::lprs_schedule_transition_work(ms as c_ulong) };
}

/// Every task has switched: finish the transition.
/// Before a patch's new functions may be freed: wait until no task can be
/// preempted in an ftrace trampoline on its way into one of them (its stack
/// showed only the old function, so it was let switch).
fn drain_trampolines() {
    // SAFETY: sleeps; called from the transition work or a sysfs write.
    unsafe { shim::lprs_synchronize_tasks() };
}

fn complete(klp: &mut Klp) {
    let Some(act) = klp.transition.take() else {
        return;
    };
    // SAFETY: plain store.
    unsafe { shim::lprs_set_switch_word(0) };
    let direction = act.direction();
    let patch = act.patch;
    let pname = name(&patch);
    shim::debug(fmt!("'{}': completing {} transition", pname, direction));
    let mut garbage = Garbage::new();
    match act.t.target {
        Universe::Patched => {
            // A replacing patch takes over: the patches below it go, and
            // so do its no-ops, which only served tasks still running them.
            let mut replaced = KVec::new();
            if patch.replace {
                for old in klp.patches.iter().filter(|p| !Arc::ptr_eq(p, &patch)) {
                    let _ = replaced.push(old.clone(), GFP_KERNEL);
                }
                for old in replaced.iter() {
                    patch::set_enabled(old, false);
                    klp.unpatch_objects(old, &mut garbage);
                }
                klp.discard_nops(&patch, &mut garbage);
            }
            // Nobody runs what is below any more: drop the transition from
            // the stacks.
            klp.republish(&patch, &mut garbage);
            drop(garbage);
            for obj in patch.loaded_objects() {
                obj.post_patch();
            }
            pr_notice!("'{}': patching complete\n", pname);
            if !replaced.is_empty() {
                drain_trampolines();
            }
            for old in replaced.iter() {
                patch::retire(klp, old);
            }
        }
        Universe::Unpatched => {
            klp.unpatch_objects(&patch, &mut garbage);
            drop(garbage);
            // Objects of modules not loaded got theirs when the module went.
            for obj in patch.loaded_objects() {
                obj.post_unpatch();
            }
            pr_notice!("'{}': unpatching complete\n", pname);
            drain_trampolines();
            patch::retire(klp, &patch);
        }
    }
    clear_states();
    klp.schedule_promote();
}

/// Escalate now: the next round, run at once, signals pending user tasks
/// and wakes pending kthreads, whatever `escalate` and `signal_rounds` say.
pub(crate) fn signal_now(klp: &mut Klp) -> Result {
    let Some(act) = klp.transition.as_mut() else {
        return Err(EINVAL);
    };
    act.signal_now = true;
    act.asked = true;
    // SAFETY: queues our delayed work.
    unsafe { shim::lprs_schedule_transition_work(0) };
    Ok(())
}

#[no_mangle]
extern "C" fn lprs_rs_signal_now() -> c_int {
    match signal_now(&mut KLP.lock()) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Turn the running transition around (`enabled` written during it).
pub(crate) fn reverse(klp: &mut Klp) {
    let Some(act) = klp.transition.as_mut() else {
        return;
    };
    let from = act.direction();
    act.t.reverse();
    act.asked = false;
    act.signalled = false;
    let patch = act.patch.clone();
    let to = act.direction();
    shim::debug(fmt!(
        "'{}': reversing transition from {} to {}",
        name(&patch),
        from,
        to
    ));
    let enabled = act.t.target == Universe::Patched;
    patch::set_enabled(&patch, enabled);
    pr_notice!("'{}': starting {} transition\n", name(&patch), to);
    try_complete(klp);
}

/// `force`: switch every task now, safe or not. As upstream, a patch
/// forced out can never have its module removed: a task may still run its
/// code. (Forcing a patch in needs no such care: its module stays while
/// the patch is enabled, and disabling it is a transition of its own.)
pub(crate) fn force(klp: &mut Klp) {
    let Some(act) = klp.transition.as_ref() else {
        return;
    };
    pr_warn!("forcing remaining tasks to the patched state\n");
    let (word, _) = act.t.pending_words();
    // SAFETY: writes every task's and idle task's word.
    unsafe { shim::lprs_force_all(word as c_ulong) };
    let kept = |p: &Arc<Patch>| {
        p.forced.store(true, Relaxed);
        pr_warn!(
            "'{}': forced out: its module stays loaded until reboot\n",
            name(p)
        );
    };
    if act.t.target == Universe::Unpatched {
        kept(&act.patch);
    } else if act.patch.replace {
        klp.patches
            .iter()
            .filter(|p| !Arc::ptr_eq(p, &act.patch))
            .for_each(kept);
    }
    complete(klp);
}

/// Called by the C stack check, in atomic context: the first return
/// address of `entries` inside one of `ranges`, or -1.
#[no_mangle]
extern "C" fn lprs_rs_stack_blocks(
    ranges: *const c_void,
    nr_ranges: c_uint,
    entries: *const c_ulong,
    nr: c_uint,
) -> core::ffi::c_long {
    // SAFETY: the C side passes the `Range` array of an `LprsCheck` built
    // by `LprsCheck::new`, and a filled stack-trace buffer.
    let (ranges, entries) = unsafe {
        (
            core::slice::from_raw_parts(ranges.cast::<Range>(), nr_ranges as usize),
            core::slice::from_raw_parts(entries.cast::<usize>(), nr as usize),
        )
    };
    match first_blocking(entries, ranges) {
        Some((i, _)) => i as core::ffi::c_long,
        None => -1,
    }
}

#[no_mangle]
extern "C" fn lprs_rs_transition_work() {
    try_complete(&mut KLP.lock());
}

#[no_mangle]
extern "C" fn lprs_rs_transition_kick() {
    round(&mut KLP.lock(), true);
}

/// The `i`th pending task of the running transition, for debugfs.
#[no_mangle]
extern "C" fn lprs_rs_pending_get(i: c_uint, out: *mut shim::LprsPending) -> bool {
    let klp = KLP.lock();
    let Some(act) = klp.transition.as_ref() else {
        return false;
    };
    let Some(p) = act.pending.get(i as usize) else {
        return false;
    };
    // SAFETY: the C side passes a valid, exclusive out-parameter.
    let out = unsafe { &mut *out };
    out.pid = p.pid;
    out.comm = p.comm;
    out.why = p.why;
    out.addr = p.addr as c_ulong;
    out.patching = act.t.target == Universe::Patched;
    let n = act.patch.name.to_bytes();
    let len = n.len().min(out.patch.len() - 1);
    out.patch[..len].copy_from_slice(&n[..len]);
    out.patch[len] = 0;
    true
}

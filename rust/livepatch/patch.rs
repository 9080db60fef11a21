// SPDX-License-Identifier: GPL-2.0

//! Patches: taking a patch module's description, enabling it, patching
//! objects as their modules come and go, and disabling it.
//!
//! All state changes happen under `KLP`. Transitions complete as soon as
//! they start for now: the per-task consistency model will hold them open
//! between `start_transition` and `complete_transition`.

use super::attr::Refusal;
use super::shim::{self, KlpFunc, KlpObject, KlpPatch};
use super::transition::{self, Active, TransitionView};
use super::transition_core::{Range, Universe};
use super::{replace, sympos, validate};
use core::ptr::null_mut;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering::Relaxed};
use kernel::{
    bindings,
    prelude::*,
    str::{CStr, CString},
    sync::Arc,
};

/// One function a patch replaces.
pub(crate) struct Func {
    old_name: CString,
    sympos: u64,
    new_func: usize,
    new_size: usize,
    /// Address of the old function; 0 while its object is not loaded.
    old_addr: AtomicUsize,
    old_size: AtomicUsize,
    /// A no-op of a replacing patch: runs the original code; has no `c`.
    nop: bool,
    /// A no-op dropped when its patch's transition completed.
    discarded: AtomicBool,
    /// The author's `klp_func`; NULL for no-ops.
    c: *mut KlpFunc,
    kobj: AtomicPtr<bindings::kobject>,
}

/// vmlinux or one module, and the functions a patch replaces in it.
pub(crate) struct Object {
    /// `None` for vmlinux.
    name: Option<CString>,
    funcs: KVec<Func>,
    /// The loaded module; NULL for vmlinux and for modules not loaded.
    module: AtomicPtr<bindings::module>,
    pub(crate) patched: AtomicBool,
    /// The author's `klp_object`; NULL for an object that holds only no-ops
    /// of a replacing patch.
    c: *mut KlpObject,
    kobj: AtomicPtr<bindings::kobject>,
}

/// A patch, as enabled by a patch module.
pub(crate) struct Patch {
    pub(crate) name: CString,
    module: *mut bindings::module,
    pub(crate) replace: bool,
    objs: KVec<Object>,
    pub(crate) enabled: AtomicBool,
    /// Forced through a transition: its module must never be removed.
    pub(crate) forced: AtomicBool,
    /// Stalled transitions of this patch send fake signals and wake
    /// kthreads (the `escalate` attribute; upstream always does).
    pub(crate) escalate: AtomicBool,
    c: *mut KlpPatch,
    kobj: AtomicPtr<bindings::kobject>,
}

// SAFETY: the raw pointers are to the patch module's static description
// (kept alive by our module reference) and to kobjects we own; every
// mutation happens under `KLP`.
unsafe impl Send for Patch {}
// SAFETY: as above; shared access only reads atomics and immutable fields.
unsafe impl Sync for Patch {}

impl Object {
    fn display_name(&self) -> &CStr {
        self.name.as_deref().unwrap_or(c"vmlinux")
    }

    fn is_vmlinux(&self) -> bool {
        self.name.is_none()
    }

    /// The functions in use: all but discarded no-ops.
    fn funcs(&self) -> impl Iterator<Item = &Func> + Clone {
        self.funcs.iter().filter(|f| !f.discarded.load(Relaxed))
    }

    /// The object only carried no-ops, which are gone.
    fn is_spent(&self) -> bool {
        self.c.is_null() && self.funcs().next().is_none()
    }

    /// vmlinux, or a module that is loaded (callbacks run only for these).
    pub(crate) fn is_loaded(&self) -> bool {
        self.is_vmlinux() || !self.module.load(Relaxed).is_null()
    }

    // The four callbacks, with upstream's rules: post-unpatch runs only
    // after a pre-patch that succeeded (or was absent), once.

    fn pre_patch(&self) -> Result {
        if self.c.is_null() {
            return Ok(());
        }
        // SAFETY: `self.c` is the patch module's description, which lives
        // while the patch does; the callback is the author's.
        let ret = unsafe {
            let cb = &mut (*self.c).callbacks;
            let ret = cb.pre_patch.map_or(0, |f| f(self.c));
            cb.post_unpatch_enabled = ret == 0;
            ret
        };
        if ret != 0 {
            pr_warn!(
                "pre-patch callback failed for object '{}'\n",
                show(self.display_name())
            );
            return Err(Error::from_errno(ret));
        }
        Ok(())
    }

    pub(crate) fn post_patch(&self) {
        if self.c.is_null() {
            return;
        }
        // SAFETY: as in pre_patch.
        unsafe {
            if let Some(f) = (*self.c).callbacks.post_patch {
                f(self.c)
            }
        }
    }

    fn pre_unpatch(&self) {
        if self.c.is_null() {
            return;
        }
        // SAFETY: as in pre_patch.
        unsafe {
            if let Some(f) = (*self.c).callbacks.pre_unpatch {
                f(self.c)
            }
        }
    }

    pub(crate) fn post_unpatch(&self) {
        if self.c.is_null() {
            return;
        }
        // SAFETY: as in pre_patch.
        unsafe {
            let cb = &mut (*self.c).callbacks;
            if cb.post_unpatch_enabled {
                if let Some(f) = cb.post_unpatch {
                    f(self.c)
                }
            }
            cb.post_unpatch_enabled = false;
        }
    }
}

impl Patch {
    /// The author's `klp_patch`.
    pub(crate) fn c_patch(&self) -> *mut KlpPatch {
        self.c
    }

    /// The objects callbacks run for.
    pub(crate) fn loaded_objects(&self) -> impl Iterator<Item = &Object> {
        self.objs.iter().filter(|o| o.is_loaded())
    }
}

/// One hooked old function and its stack of new functions: the last entry
/// is on top (the most recently enabled patch).
struct FuncStack {
    old_addr: usize,
    old_size: usize,
    name: CString,
    /// The ftrace ops hooking the function, shared by the functions hooked
    /// in the same batch, and the function's slot in it; NULL until the
    /// batch is registered.
    raw: *mut shim::LprsOps,
    slot: c_uint,
    /// The function's entry in the direct-call table (c-shim/direct.c),
    /// or -1. With `raw` NULL the function is on the direct path: its
    /// calls jump to the top of the stack; otherwise the entry, if any,
    /// is transparent and the handler decides.
    entry: c_int,
    /// The module of the old function, NULL for vmlinux.
    module: *mut bindings::module,
    stack: KVec<StackEntry>,
}

#[derive(Clone, Copy)]
struct StackEntry {
    patch: *const Patch,
    new_func: usize,
    new_size: usize,
}

/// Everything the runtime knows, under one lock (upstream's `klp_mutex`).
pub(crate) struct Klp {
    root: *mut bindings::kobject,
    /// Enabled patches, oldest first: `stack_order` is the index + 1.
    pub(crate) patches: KVec<Arc<Patch>>,
    stacks: KVec<FuncStack>,
    /// Disabled patches whose sysfs directories and module references the
    /// free work still has to drop.
    to_free: KVec<Arc<Patch>>,
    /// The transition in progress, if any (only one at a time).
    pub(crate) transition: Option<Active>,
    /// `gen` of the last transition, so task words never repeat.
    pub(crate) last_gen: u32,
}

// SAFETY: the raw pointers are owned by `Klp` and only used under its lock.
unsafe impl Send for Klp {}

kernel::sync::global_lock! {
    // SAFETY: `init` is called in module init before any other use.
    pub(crate) unsafe(uninit) static KLP: Mutex<Klp> = Klp {
        root: null_mut(),
        patches: KVec::new(),
        stacks: KVec::new(),
        to_free: KVec::new(),
        transition: None,
        last_gen: 0,
    };
}

/// Functions to unhook, stacks replaced by a publish, ops taken out of use
/// and direct-call batches no function uses: unhooked with one ftrace
/// update per ops, then freed together after one synchronisation, so a
/// patch of N functions waits once. Dropped under `KLP`'s lock.
pub(crate) struct Garbage {
    unhooks: KVec<(*mut shim::LprsOps, c_uint)>,
    stacks: KVec<*mut shim::LprsFuncStack>,
    ops: KVec<*mut shim::LprsOps>,
    batches: KVec<*mut shim::LprsDirectBatch>,
}

impl Garbage {
    pub(crate) fn new() -> Self {
        Garbage {
            unhooks: KVec::new(),
            stacks: KVec::new(),
            ops: KVec::new(),
            batches: KVec::new(),
        }
    }

    /// The function no longer uses its direct-call `entry`, which becomes
    /// transparent at once; its batch goes when no function uses it.
    fn put_direct(&mut self, entry: c_int) {
        // SAFETY: `entry` is held by the function stack being dropped.
        let batch = unsafe { shim::lprs_direct_put(entry) };
        if !batch.is_null() && self.batches.push(batch, GFP_KERNEL).is_err() {
            // SAFETY: unused; unregistering waits for the stub's users.
            unsafe { shim::lprs_direct_free(batch) };
        }
    }

    /// Stop hooking the function at `slot` of `raw` (when dropped).
    fn unhook(&mut self, raw: *mut shim::LprsOps, slot: c_uint) {
        if self.unhooks.push((raw, slot), GFP_KERNEL).is_err() {
            self.unhook_now(raw, &[slot]);
        }
    }

    fn unhook_now(&mut self, raw: *mut shim::LprsOps, slots: &[c_uint]) {
        // SAFETY: `raw` is registered and hooks `slots`; serialised by KLP.
        if unsafe { shim::lprs_ops_unhook(raw, slots.as_ptr(), slots.len() as c_uint) } == 1
            && self.ops.push(raw, GFP_KERNEL).is_err()
        {
            // Cannot defer the free: synchronise now instead.
            // SAFETY: unregistered; wait for handlers, then free.
            unsafe {
                shim::lprs_synchronize();
                shim::lprs_ops_free(raw);
            }
        }
    }
}

impl Drop for Garbage {
    fn drop(&mut self) {
        let mut unhooks = core::mem::take(&mut self.unhooks);
        unhooks.sort_unstable_by_key(|&(raw, slot)| (raw as usize, slot));
        let mut slots = KVec::new();
        let batched = slots.reserve(unhooks.len(), GFP_KERNEL).is_ok();
        for run in unhooks.chunk_by(|a, b| a.0 == b.0) {
            if batched {
                slots.clear();
                for &(_, slot) in run {
                    // Cannot fail: reserved for all of them.
                    let _ = slots.push_within_capacity(slot);
                }
                self.unhook_now(run[0].0, &slots);
            } else {
                for &(raw, slot) in run {
                    self.unhook_now(raw, &[slot]);
                }
            }
        }
        for b in self.batches.drain_all() {
            // SAFETY: no function uses it (it is freed only if none
            // took it back since); unregistering waits for the stub's users.
            unsafe { shim::lprs_direct_free(b) };
        }
        if self.stacks.is_empty() && self.ops.is_empty() {
            return;
        }
        // SAFETY: waits until no ftrace handler can still see these.
        unsafe { shim::lprs_synchronize() };
        for s in self.stacks.iter() {
            // SAFETY: unpublished above and no reader is left.
            unsafe { shim::lprs_func_stack_free(*s) };
        }
        for o in self.ops.iter() {
            // SAFETY: unregistered before being queued here; no reader left.
            unsafe { shim::lprs_ops_free(*o) };
        }
    }
}

impl FuncStack {
    fn is_direct(&self) -> bool {
        self.raw.is_null() && self.entry >= 0
    }

    /// What every task runs when no transition is in the way: the top of
    /// the stack, or the original code (0).
    fn top(&self) -> usize {
        self.stack.last().map_or(0, |e| e.new_func)
    }

    /// Publish the current stack to the ftrace handler, or, on the direct
    /// path, its top to the direct call.
    fn publish(&mut self, view: Option<TransitionView>, garbage: &mut Garbage) -> Result {
        if self.is_direct() {
            let top = self.stack.last().map_or(core::ptr::null(), |e| e.patch);
            if view.is_some_and(|v| core::ptr::eq(v.patch, top)) {
                // A transition needs the handler: demote() comes first.
                pr_err!(
                    "function '{}' is on the direct path during its transition\n",
                    show(&self.name)
                );
                return Err(EINVAL);
            }
            // SAFETY: our entry; one store the stub reads atomically.
            unsafe { shim::lprs_direct_set(self.entry, self.top() as c_ulong) };
            return Ok(());
        }
        let mut funcs = KVec::with_capacity(self.stack.len(), GFP_KERNEL)?;
        for e in self.stack.iter().rev() {
            funcs.push(e.new_func as c_ulong, GFP_KERNEL)?;
        }
        garbage.stacks.reserve(1, GFP_KERNEL)?;
        let top = self.stack.last().map_or(core::ptr::null(), |e| e.patch);
        let head = match view {
            Some(v) if core::ptr::eq(v.patch, top) => shim::LprsFuncStackHead {
                transition: true,
                initial_patched: v.initial_patched,
                word_patched: v.word_patched as c_ulong,
                word_unpatched: v.word_unpatched as c_ulong,
                nr: 0,
            },
            _ => shim::LprsFuncStackHead::default(),
        };
        // SAFETY: `funcs` holds `len` initialised entries; the C side copies
        // them and the head.
        let new = unsafe { shim::lprs_func_stack_alloc(&head, funcs.as_ptr(), funcs.len() as u32) };
        if new.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: `self.raw` is a live ops with `self.slot`; publishing is
        // serialised by KLP.
        let old = unsafe { shim::lprs_ops_publish(self.raw, self.slot, new) };
        if !old.is_null() {
            garbage
                .stacks
                .push_within_capacity(old)
                .map_err(|_| ENOMEM)?;
        }
        Ok(())
    }
}

impl Klp {
    pub(crate) fn set_root(&mut self, root: *mut bindings::kobject) {
        self.root = root;
    }

    pub(crate) fn stack_order(&self, patch: *const Patch) -> Option<usize> {
        self.patches
            .iter()
            .position(|p| core::ptr::eq(&**p, patch))
            .map(|i| i + 1)
    }

    fn transition_view(&self) -> Option<TransitionView> {
        self.transition.as_ref().map(Active::view)
    }

    /// Republish the stacks of every function of `patch`, after the
    /// transition changed.
    pub(crate) fn republish(&mut self, patch: &Patch, garbage: &mut Garbage) {
        let view = self.transition_view();
        for obj in patch.objs.iter().filter(|o| o.patched.load(Relaxed)) {
            for f in obj.funcs() {
                let addr = f.old_addr.load(Relaxed);
                if let Some(fs) = self.stacks.iter_mut().find(|s| s.old_addr == addr) {
                    if fs.publish(view, garbage).is_err() {
                        pr_err!("cannot update the function stack of '{}'\n", show(&fs.name));
                    }
                }
            }
        }
    }

    /// The code no task may be inside when it switches: the patch's new
    /// functions when unpatching; when patching, what each function ran
    /// before (the entry below the patch's own, or the old function).
    pub(crate) fn ranges(&self, patch: &Patch, to_patched: bool) -> Result<KVec<Range>> {
        let mut ranges = KVec::new();
        for obj in patch.objs.iter().filter(|o| o.patched.load(Relaxed)) {
            for f in obj.funcs() {
                let r = if !to_patched && f.nop {
                    // A no-op runs the original function.
                    Range {
                        start: f.old_addr.load(Relaxed),
                        size: f.old_size.load(Relaxed),
                    }
                } else if !to_patched {
                    Range {
                        start: f.new_func,
                        size: f.new_size,
                    }
                } else {
                    let addr = f.old_addr.load(Relaxed);
                    let Some(fs) = self.stacks.iter().find(|s| s.old_addr == addr) else {
                        continue;
                    };
                    match fs.stack.iter().position(|e| core::ptr::eq(e.patch, patch)) {
                        Some(i) if i > 0 => {
                            let below = fs.stack[i - 1];
                            Range {
                                start: below.new_func,
                                size: below.new_size,
                            }
                        }
                        _ => Range {
                            start: fs.old_addr,
                            size: fs.old_size,
                        },
                    }
                };
                ranges.push(r, GFP_KERNEL)?;
            }
        }
        Ok(ranges)
    }

    fn find(&self, patch: *const Patch) -> Option<Arc<Patch>> {
        self.patches
            .iter()
            .find(|p| core::ptr::eq(&***p, patch))
            .cloned()
    }

    /// Push the patch's functions of `obj` on their stacks.
    fn patch_object(&mut self, patch: &Patch, obj: &Object, garbage: &mut Garbage) -> Result {
        if let Err(e) = self.patch_funcs(patch, obj, obj.funcs(), garbage) {
            if obj.funcs().nth(1).is_none() {
                return Err(e);
            }
            // Again one function at a time: slower, but the log names the
            // function ftrace refused.
            for (i, f) in obj.funcs().enumerate() {
                if let Err(e) = self.patch_funcs(patch, obj, core::iter::once(f), garbage) {
                    for g in obj.funcs().take(i) {
                        self.unpatch_func(patch, g, garbage);
                    }
                    return Err(e);
                }
            }
        }
        obj.patched.store(true, Relaxed);
        if !obj.c.is_null() {
            // SAFETY: `obj.c` points into the patch module's description.
            unsafe { (*obj.c).patched = true };
        }
        Ok(())
    }

    /// Push `funcs` on their stacks; the functions nothing hooked yet get
    /// one new ftrace ops, registered in one ftrace update. All or nothing.
    fn patch_funcs<'a>(
        &mut self,
        patch: &Patch,
        obj: &Object,
        funcs: impl Iterator<Item = &'a Func> + Clone,
        garbage: &mut Garbage,
    ) -> Result {
        let view = self.transition_view();
        let first_new = self.stacks.len();
        let mut pushed = 0;
        let mut ret = Ok(());
        for f in funcs.clone() {
            ret = self.push_func(patch, obj, f, view, garbage);
            if ret.is_err() {
                break;
            }
            pushed += 1;
        }
        if ret.is_ok() && self.stacks.len() > first_new {
            let mut fresh = KVec::new();
            ret = (first_new..self.stacks.len())
                .try_for_each(|i| fresh.push(i, GFP_KERNEL))
                .map_err(Error::from)
                .and_then(|()| self.hook(&fresh, view, garbage));
        }
        if ret.is_err() {
            // The new stacks were never hooked; pop the rest.
            self.stacks.truncate(first_new);
            for f in funcs.take(pushed) {
                self.unpatch_func(patch, f, garbage);
            }
        }
        ret
    }

    /// Push `f` on its stack, or start a stack for `hook_new()`.
    fn push_func(
        &mut self,
        patch: &Patch,
        obj: &Object,
        f: &Func,
        view: Option<TransitionView>,
        garbage: &mut Garbage,
    ) -> Result {
        let old_addr = f.old_addr.load(Relaxed);
        let entry = StackEntry {
            patch,
            new_func: f.new_func,
            new_size: f.new_size,
        };
        self.demote(core::iter::once(old_addr), garbage)?;
        if let Some(fs) = self.stacks.iter_mut().find(|s| s.old_addr == old_addr) {
            fs.stack.push(entry, GFP_KERNEL)?;
            if !fs.raw.is_null() {
                if let Err(e) = fs.publish(view, garbage) {
                    fs.stack.pop();
                    return Err(e);
                }
            }
            return Ok(());
        }
        let mut stack = KVec::new();
        stack.push(entry, GFP_KERNEL)?;
        let fs = FuncStack {
            old_addr,
            old_size: f.old_size.load(Relaxed),
            name: CString::try_from(&*f.old_name)?,
            raw: null_mut(),
            slot: 0,
            entry: -1,
            module: obj.module.load(Relaxed),
            stack,
        };
        self.stacks.push(fs, GFP_KERNEL)?;
        Ok(())
    }

    /// Hook the stacks at `idx` (not hooked yet, or on the direct path)
    /// with one new ftrace ops.
    fn hook(
        &mut self,
        idx: &[usize],
        view: Option<TransitionView>,
        garbage: &mut Garbage,
    ) -> Result {
        let mut addrs = KVec::with_capacity(idx.len(), GFP_KERNEL)?;
        for &i in idx {
            addrs.push(self.stacks[i].old_addr as c_ulong, GFP_KERNEL)?;
        }
        // SAFETY: `addrs` holds `len` distinct addresses of traceable
        // functions (one stack per old function).
        let raw = unsafe { shim::lprs_ops_alloc(addrs.as_ptr(), addrs.len() as c_uint) };
        if raw.is_null() {
            return Err(ENOMEM);
        }
        let mut ret = Ok(());
        for (slot, &i) in idx.iter().enumerate() {
            let fs = &mut self.stacks[i];
            fs.raw = raw;
            fs.slot = slot as c_uint;
            ret = fs.publish(view, garbage);
            if ret.is_err() {
                break;
            }
        }
        if ret.is_ok() {
            // SAFETY: `raw` is a fresh ops with every stack published.
            ret = kernel::error::to_result(unsafe { shim::lprs_ops_register(raw) });
            if let (Err(e), [i]) = (ret, idx) {
                pr_err!(
                    "failed to register ftrace handler for function '{}' ({})\n",
                    show(&self.stacks[*i].name),
                    e.to_errno()
                );
            }
        }
        if ret.is_err() {
            for &i in idx {
                self.stacks[i].raw = null_mut();
            }
            // Never registered: no handler can have seen it.
            // SAFETY: `raw` is ours and unused.
            unsafe { shim::lprs_ops_free(raw) };
        }
        ret
    }

    /// Put the functions at `addrs` that are on the direct path back on
    /// the handler, before a transition or a change of their stacks: they
    /// are hooked again (one ftrace update), with the top of their stacks
    /// as the direct call has it, then the direct call becomes transparent.
    fn demote(&mut self, addrs: impl Iterator<Item = usize>, garbage: &mut Garbage) -> Result {
        let mut idx = KVec::new();
        for addr in addrs {
            if let Some(i) = self
                .stacks
                .iter()
                .position(|s| s.old_addr == addr && s.is_direct())
            {
                if !idx.contains(&i) {
                    idx.push(i, GFP_KERNEL)?;
                }
            }
        }
        if idx.is_empty() {
            return Ok(());
        }
        let view = self.transition_view();
        self.hook(&idx, view, garbage)?;
        for &i in idx.iter() {
            // SAFETY: the function's entry; the handler now decides too.
            unsafe { shim::lprs_direct_set(self.stacks[i].entry, 0) };
        }
        Ok(())
    }

    /// The functions `patch` changes (those of its loaded objects), off
    /// the direct path before its transition.
    pub(crate) fn demote_patch(&mut self, patch: &Patch, garbage: &mut Garbage) -> Result {
        let addrs = patch
            .loaded_objects()
            .flat_map(|o| o.funcs())
            .map(|f| f.old_addr.load(Relaxed))
            .filter(|&a| a != 0);
        self.demote(addrs, garbage)
    }

    /// After `direct_delay_ms`, `promote` (unless a transition runs then).
    pub(crate) fn schedule_promote(&self) {
        if *super::module_parameters::direct_calls.value() != 0 {
            let ms = *super::module_parameters::direct_delay_ms.value();
            // SAFETY: queues our delayed work.
            unsafe { shim::lprs_schedule_promote(ms as c_ulong) };
        }
    }

    /// With no transition, every task runs the top of each stack: put the
    /// hooked functions on the direct path (new entries share one ftrace
    /// update) and unhook them from the handler.
    fn promote(&mut self) {
        if self.transition.is_some() || *super::module_parameters::direct_calls.value() == 0 {
            return;
        }
        if self.repack().is_err() {
            return;
        }
        let mut idx = KVec::new();
        for (i, fs) in self.stacks.iter().enumerate() {
            let top = fs.top();
            if fs.raw.is_null() || top == 0 {
                continue;
            }
            // SAFETY: reads the first bytes of a loaded patch function.
            if !unsafe { shim::lprs_direct_usable(top as c_ulong) } {
                continue;
            }
            if idx.push(i, GFP_KERNEL).is_err() {
                // Out of memory: they stay on the handler, which is correct.
                return;
            }
        }
        if idx.is_empty() {
            return;
        }
        let mut garbage = Garbage::new();
        // Those with an entry (transparent) need only their target back.
        idx.retain(|&mut i| {
            let fs = &mut self.stacks[i];
            if fs.entry < 0 {
                return true;
            }
            // SAFETY: the function's entry; the handler agrees with it.
            unsafe { shim::lprs_direct_set(fs.entry, fs.top() as c_ulong) };
            garbage.unhook(fs.raw, fs.slot);
            fs.raw = null_mut();
            false
        });
        // One batch per module, so that it goes with the module: ftrace
        // must not keep a direct call on freed code.
        let owner = |fs: &FuncStack| fs.module as usize;
        idx.sort_unstable_by_key(|&i| owner(&self.stacks[i]));
        let mut rest = &idx[..];
        while let Some(&first) = rest.first() {
            let o = owner(&self.stacks[first]);
            let n = rest
                .iter()
                .position(|&i| owner(&self.stacks[i]) != o)
                .unwrap_or(rest.len());
            let (group, tail) = rest.split_at(n);
            rest = tail;
            if self.attach_direct(group, &mut garbage).is_ok() {
                continue;
            }
            // One at a time: those ftrace refuses stay on the handler.
            for &i in group {
                let _ = self.attach_direct(&[i], &mut garbage);
            }
        }
    }

    /// A batch whose functions are not all patched any more would keep
    /// those on ftrace, where they block other direct-call users (BPF): its
    /// functions still patched go back on the handler, the batch is freed,
    /// and `promote` batches them anew.
    fn repack(&mut self) -> Result {
        let mut addrs = KVec::new();
        for fs in self.stacks.iter() {
            // SAFETY: `fs.entry` is the function's entry.
            if fs.entry >= 0 && unsafe { shim::lprs_direct_sparse(fs.entry) } {
                addrs.push(fs.old_addr, GFP_KERNEL)?;
            }
        }
        if addrs.is_empty() {
            return Ok(());
        }
        let mut garbage = Garbage::new();
        self.demote(addrs.iter().copied(), &mut garbage)?;
        for fs in self.stacks.iter_mut() {
            if addrs.contains(&fs.old_addr) {
                garbage.put_direct(fs.entry);
                fs.entry = -1;
            }
        }
        // Dropping it frees the batches before new ones take the functions.
        drop(garbage);
        Ok(())
    }

    fn attach_direct(&mut self, idx: &[usize], garbage: &mut Garbage) -> Result {
        let mut addrs = KVec::with_capacity(idx.len(), GFP_KERNEL)?;
        let mut targets = KVec::with_capacity(idx.len(), GFP_KERNEL)?;
        let mut entries = KVec::with_capacity(idx.len(), GFP_KERNEL)?;
        for &i in idx {
            addrs.push(self.stacks[i].old_addr as c_ulong, GFP_KERNEL)?;
            targets.push(self.stacks[i].top() as c_ulong, GFP_KERNEL)?;
            entries.push(-1 as c_int, GFP_KERNEL)?;
        }
        // SAFETY: three arrays of `len` entries; the functions are hooked by
        // the handler, which sends every task to the same targets.
        kernel::error::to_result(unsafe {
            shim::lprs_direct_attach(
                addrs.as_ptr(),
                targets.as_ptr(),
                addrs.len() as c_uint,
                entries.as_mut_ptr(),
            )
        })
        .inspect_err(|e| {
            if let [i] = idx {
                shim::debug(fmt!(
                    "'{}' stays on the ftrace handler ({})",
                    show(&self.stacks[*i].name),
                    e.to_errno()
                ));
            }
        })?;
        for (&i, &e) in idx.iter().zip(entries.iter()) {
            let fs = &mut self.stacks[i];
            fs.entry = e;
            garbage.unhook(fs.raw, fs.slot);
            fs.raw = null_mut();
        }
        Ok(())
    }

    fn unpatch_func(&mut self, patch: *const Patch, f: &Func, garbage: &mut Garbage) {
        let old_addr = f.old_addr.load(Relaxed);
        let view = self.transition_view();
        let Some(i) = self.stacks.iter().position(|s| s.old_addr == old_addr) else {
            return;
        };
        let fs = &mut self.stacks[i];
        fs.stack
            .retain(|e| !(core::ptr::eq(e.patch, patch) && e.new_func == f.new_func));
        if fs.stack.is_empty() {
            let Ok(fs) = self.stacks.remove(i) else {
                return;
            };
            if !fs.raw.is_null() {
                garbage.unhook(fs.raw, fs.slot);
            }
            if fs.entry >= 0 {
                garbage.put_direct(fs.entry);
            }
        } else if fs.publish(view, garbage).is_err() {
            // The old stack stays published; it still lists this function,
            // which is wrong but safe: the patch module stays loaded until
            // the free work drops our reference.
            pr_err!("cannot update the function stack of '{}'\n", show(&fs.name));
        }
    }

    fn unpatch_object(&mut self, patch: &Patch, obj: &Object, garbage: &mut Garbage) {
        if !obj.patched.load(Relaxed) {
            return;
        }
        for f in obj.funcs() {
            self.unpatch_func(patch, f, garbage);
        }
        obj.patched.store(false, Relaxed);
        if !obj.c.is_null() {
            // SAFETY: `obj.c` points into the patch module's description.
            unsafe { (*obj.c).patched = false };
        }
    }

    /// A replacing patch's transition completed: drop its no-ops.
    pub(crate) fn discard_nops(&mut self, patch: &Patch, garbage: &mut Garbage) {
        for obj in patch.objs.iter() {
            for f in obj.funcs().filter(|f| f.nop) {
                self.unpatch_func(patch, f, garbage);
                f.discarded.store(true, Relaxed);
            }
            if obj.is_spent() {
                obj.patched.store(false, Relaxed);
            }
        }
    }

    /// Unpatch the object of a module that goes away (or whose loading
    /// failed), with its callbacks.
    fn revert_going_object(
        &mut self,
        patch: &Arc<Patch>,
        obj: &Object,
        mname: &CStr,
        garbage: &mut Garbage,
    ) {
        if !obj.patched.load(Relaxed) {
            return;
        }
        let in_transition = self
            .transition
            .as_ref()
            .is_some_and(|a| Arc::ptr_eq(&a.patch, patch));
        if !in_transition {
            obj.pre_unpatch();
        }
        pr_notice!(
            "reverting patch '{}' on unloading module '{}'\n",
            show(&patch.name),
            show(mname)
        );
        self.unpatch_object(patch, obj, garbage);
        obj.post_unpatch();
    }

    pub(crate) fn unpatch_objects(&mut self, patch: &Patch, garbage: &mut Garbage) {
        for obj in patch.objs.iter() {
            self.unpatch_object(patch, obj, garbage);
        }
    }
}

fn module_name<'a>(module: *mut bindings::module) -> &'a CStr {
    // SAFETY: a module's name is a NUL-terminated array inside it, valid
    // while the module is, which outlives every caller's use.
    unsafe { CStr::from_char_ptr(shim::lprs_module_name(module)) }
}

pub(crate) fn show(s: &CStr) -> &str {
    s.to_str().unwrap_or("?")
}

/// The address of `name` at `pos` in `module` (NULL: vmlinux).
fn lookup(
    module: *mut bindings::module,
    name: &CStr,
    pos: u64,
) -> core::result::Result<c_ulong, sympos::SymposError> {
    let mut addr: c_ulong = 0;
    // SAFETY: `module` is live (see callers), the name is NUL-terminated.
    let count =
        unsafe { shim::lprs_symbol_search(module, name.as_char_ptr(), pos as c_ulong, &mut addr) };
    sympos::select(count as u64, pos).map(|_| addr)
}

/// Resolve the symbol references of `obj` in `module` and hand the
/// addresses to the patch code; nothing is written unless all resolve.
fn resolve_refs(patch: &Patch, obj: &Object, module: *mut bindings::module) -> Result {
    if obj.c.is_null() {
        return Ok(());
    }
    let objname = show(obj.display_name());
    let pname = show(&patch.name);
    let mut resolved = KVec::new();
    // SAFETY: `obj.c` is the author's description; `syms` is NULL or ends
    // with an entry without a name.
    let mut r = unsafe { (*obj.c).syms };
    // SAFETY: as above.
    while !r.is_null() && !unsafe { (*r).name }.is_null() {
        // SAFETY: as above.
        let (name, pos, dest) = unsafe { (CStr::from_char_ptr((*r).name), (*r).sympos, (*r).addr) };
        let shown = show(name);
        let addr = match lookup(module, name, pos as u64) {
            Ok(a) => a,
            Err(e) => {
                pr_err!(
                    "patch '{}': cannot resolve symbol reference '{}' in object '{}': {}\n",
                    pname,
                    shown,
                    objname,
                    match e {
                        sympos::SymposError::NotFound => "not found",
                        sympos::SymposError::Ambiguous { .. } => "ambiguous, set its sympos",
                        sympos::SymposError::NoSuchPosition { .. } => "no symbol at that position",
                    }
                );
                return Err(EINVAL);
            }
        };
        // SAFETY: reads code bytes with a fault-safe copy.
        if unsafe { shim::lprs_addr_is_uncallable_text(addr) } {
            pr_err!(
                "patch '{}': symbol reference '{}' in object '{}' is a function whose address is never taken, which IBT forbids calling through a pointer\n",
                pname, shown, objname
            );
            return Err(EINVAL);
        }
        if dest.is_null() {
            pr_err!(
                "patch '{}': symbol reference '{}' in object '{}' has no destination (addr is NULL)\n",
                pname,
                shown,
                objname
            );
            return Err(EINVAL);
        }
        resolved.push((dest, addr), GFP_KERNEL)?;
        // SAFETY: still inside the array.
        r = unsafe { r.add(1) };
    }
    for (dest, addr) in resolved {
        // SAFETY: the author's pointer variable, in the patch module's data.
        unsafe { *dest = addr as *mut c_void };
    }
    Ok(())
}

/// Resolve the old functions of `obj` in `module` (NULL: vmlinux).
fn resolve_object(patch: &Patch, obj: &Object, module: *mut bindings::module) -> Result {
    let objname = show(obj.display_name());
    for f in obj.funcs() {
        let name = show(&f.old_name);
        let addr = match lookup(module, &f.old_name, f.sympos) {
            Ok(a) => a,
            Err(sympos::SymposError::NotFound) => {
                pr_err!("symbol '{}' not found in symbol table\n", name);
                return Err(EINVAL);
            }
            Err(sympos::SymposError::Ambiguous { count }) => {
                pr_err!(
                    "unresolvable ambiguity for symbol '{}' in object '{}' ({} matches, set old_sympos)\n",
                    name, objname, count
                );
                return Err(EINVAL);
            }
            Err(sympos::SymposError::NoSuchPosition { count }) => {
                pr_err!(
                    "symbol position {} for symbol '{}' in object '{}' not found ({} matches)\n",
                    f.sympos,
                    name,
                    objname,
                    count
                );
                return Err(EINVAL);
            }
        };
        // SAFETY: only reads our own module's bounds.
        if unsafe { shim::lprs_addr_is_runtime(addr) } {
            pr_err!(
                "patch '{}': refusing to patch '{}': it is part of the livepatch runtime\n",
                show(&patch.name),
                name
            );
            return Err(EINVAL);
        }
        // SAFETY: an ftrace table lookup by address.
        if unsafe { shim::lprs_ftrace_ip(addr) } == 0 {
            pr_err!(
                "patch '{}': refusing to patch '{}' in object '{}': it cannot be traced (notrace, noinstr or not compiled for ftrace)\n",
                show(&patch.name), name, objname
            );
            return Err(EINVAL);
        }
        // SAFETY: a kallsyms lookup by address.
        let old_size = unsafe { shim::lprs_symbol_size(addr) };
        // SAFETY: as above.
        let new_size = unsafe { shim::lprs_symbol_size(f.new_func as c_ulong) };
        if old_size == 0 {
            pr_err!("kallsyms size lookup failed for '{}'\n", name);
            return Err(EINVAL);
        }
        f.old_addr.store(addr as usize, Relaxed);
        f.old_size.store(old_size as usize, Relaxed);
        if !f.c.is_null() {
            // SAFETY: `f.c` points into the patch module's description.
            unsafe {
                (*f.c).old_func = addr as *mut c_void;
                (*f.c).old_size = old_size;
                (*f.c).new_size = new_size;
            }
        }
    }
    resolve_refs(patch, obj, module)?;
    obj.module.store(module, Relaxed);
    if !obj.c.is_null() {
        // SAFETY: as above.
        unsafe { (*obj.c).module = module };
    }
    Ok(())
}

fn clear_object(obj: &Object) {
    for f in obj.funcs() {
        f.old_addr.store(0, Relaxed);
        if !f.c.is_null() {
            // SAFETY: `f.c` points into the patch module's description.
            unsafe { (*f.c).old_func = null_mut() };
        }
    }
    obj.module.store(null_mut(), Relaxed);
    if !obj.c.is_null() {
        // SAFETY: as above.
        unsafe { (*obj.c).module = null_mut() };
    }
}

/// Read the patch module's description into our own structures, checking it.
fn build_patch(c: *mut KlpPatch, name: &CStr, older: &[Arc<Patch>]) -> Result<Patch> {
    let pname = show(name);
    let mut objs = KVec::new();
    let mut names: KVec<Option<&[u8]>> = KVec::new();
    // SAFETY: checked non-NULL by the caller; the description is static
    // data of the patch module, which we hold a reference on.
    let mut objp = unsafe { (*c).objs };
    loop {
        // SAFETY: the objects array ends with an entry without name and funcs.
        let o = unsafe { &mut *objp };
        if o.name.is_null() && o.funcs.is_null() {
            break;
        }
        // SAFETY: NULL or a NUL-terminated string of the patch module.
        let oname = unsafe { shim::c_str(o.name) };
        let shown = oname.map(show).unwrap_or("vmlinux");
        if let Some(Err(bad)) = oname.map(|n| validate::object_name(n.to_bytes())) {
            pr_err!(
                "patch '{}': object name '{}' {}\n",
                pname,
                shown,
                bad.reason()
            );
            return Err(EINVAL);
        }
        if o.funcs.is_null() {
            pr_err!(
                "patch '{}': object '{}' has no function list: funcs is NULL\n",
                pname,
                shown
            );
            return Err(EINVAL);
        }
        let mut descs = KVec::new();
        let mut funcs = KVec::new();
        let mut fp = o.funcs;
        loop {
            // SAFETY: the funcs array ends with an all-zero entry.
            let f = unsafe { &mut *fp };
            if f.old_name.is_null() && f.new_func.is_null() && f.old_sympos == 0 {
                break;
            }
            // SAFETY: NULL or a NUL-terminated string of the patch module.
            let fname = unsafe { shim::c_str(f.old_name) };
            descs.push(
                validate::FuncDesc {
                    old_name: fname.map(|n| n.to_bytes()),
                    has_new_func: !f.new_func.is_null(),
                    sympos: f.old_sympos as u64,
                },
                GFP_KERNEL,
            )?;
            if let Some(n) = fname {
                funcs.push(
                    Func {
                        old_name: CString::try_from(n)?,
                        sympos: f.old_sympos as u64,
                        new_func: f.new_func as usize,
                        // SAFETY: a kallsyms lookup by address.
                        new_size: unsafe { shim::lprs_symbol_size(f.new_func as c_ulong) } as usize,
                        old_addr: AtomicUsize::new(0),
                        old_size: AtomicUsize::new(0),
                        nop: false,
                        discarded: AtomicBool::new(false),
                        c: f,
                        kobj: AtomicPtr::new(null_mut()),
                    },
                    GFP_KERNEL,
                )?;
            }
            // SAFETY: still inside the array (the terminator was not reached).
            fp = unsafe { fp.add(1) };
        }
        if let Err(e) = validate::object(&descs) {
            let what = |i: usize| {
                descs[i]
                    .old_name
                    .and_then(|n| core::str::from_utf8(n).ok())
                    .unwrap_or("?")
            };
            match e {
                validate::Invalid::NoName(i) => {
                    pr_err!(
                        "patch '{}': function {} of object '{}' has no old_name\n",
                        pname,
                        i,
                        shown
                    )
                }
                validate::Invalid::NoNewFunc(i) => pr_err!(
                    "patch '{}': function '{}' of object '{}' has no new_func\n",
                    pname,
                    what(i),
                    shown
                ),
                validate::Invalid::DuplicateFunc(_, i) => pr_err!(
                    "patch '{}': function '{}' appears twice in object '{}'\n",
                    pname,
                    what(i),
                    shown
                ),
                validate::Invalid::DuplicateObject(..) => {}
            }
            return Err(EINVAL);
        }
        names.push(oname.map(|n| n.to_bytes()), GFP_KERNEL)?;
        objs.push(
            Object {
                name: oname.map(CString::try_from).transpose()?,
                funcs,
                module: AtomicPtr::new(null_mut()),
                patched: AtomicBool::new(false),
                c: o,
                kobj: AtomicPtr::new(null_mut()),
            },
            GFP_KERNEL,
        )?;
        // SAFETY: still inside the array.
        objp = unsafe { objp.add(1) };
    }
    if objs.is_empty() {
        pr_err!("patch '{}' has no objects\n", pname);
        return Err(EINVAL);
    }
    if let Err(validate::Invalid::DuplicateObject(_, i)) = validate::object_names(&names) {
        pr_err!(
            "patch '{}': object '{}' appears twice\n",
            pname,
            show(objs[i].display_name())
        );
        return Err(EINVAL);
    }
    // SAFETY: `c` is valid, see above.
    if unsafe { (*c).replace } {
        add_nops(&mut objs, older)?;
    }
    Ok(Patch {
        name: CString::try_from(name)?,
        // SAFETY: `c` is valid, see above.
        module: unsafe { (*c).module },
        // SAFETY: as above.
        replace: unsafe { (*c).replace },
        objs,
        enabled: AtomicBool::new(false),
        forced: AtomicBool::new(false),
        escalate: AtomicBool::new(true),
        c,
        kobj: AtomicPtr::new(null_mut()),
    })
}

fn func_key<'a>(obj: &'a Object, f: &'a Func) -> replace::FuncKey<'a> {
    replace::FuncKey {
        object: obj.name.as_deref().map(CStr::to_bytes),
        name: f.old_name.to_bytes(),
        sympos: f.sympos,
    }
}

/// Give a replacing patch a no-op for every function of the `older`
/// patches it does not change itself.
fn add_nops(objs: &mut KVec<Object>, older: &[Arc<Patch>]) -> Result {
    let mut old_funcs = KVec::new();
    for p in older {
        for o in p.objs.iter() {
            for f in o.funcs().filter(|f| !f.nop) {
                old_funcs.push((o, f), GFP_KERNEL)?;
            }
        }
    }
    let mut old_keys = KVec::with_capacity(old_funcs.len(), GFP_KERNEL)?;
    for &(o, f) in old_funcs.iter() {
        old_keys.push(func_key(o, f), GFP_KERNEL)?;
    }
    let mut wanted = KVec::new();
    {
        let mut new_keys = KVec::new();
        for o in objs.iter() {
            for f in o.funcs.iter() {
                new_keys.push(func_key(o, f), GFP_KERNEL)?;
            }
        }
        for k in replace::nops(&new_keys, &old_keys) {
            if let Some(&(o, f)) = old_funcs.iter().find(|&&(o, f)| func_key(o, f) == k) {
                wanted.push((o, f), GFP_KERNEL)?;
            }
        }
    }
    for (o, f) in wanted {
        let i = match objs
            .iter()
            .position(|n| n.name.as_deref() == o.name.as_deref())
        {
            Some(i) => i,
            None => {
                objs.push(
                    Object {
                        name: o.name.as_deref().map(CString::try_from).transpose()?,
                        funcs: KVec::new(),
                        module: AtomicPtr::new(null_mut()),
                        patched: AtomicBool::new(false),
                        c: null_mut(),
                        kobj: AtomicPtr::new(null_mut()),
                    },
                    GFP_KERNEL,
                )?;
                objs.len() - 1
            }
        };
        objs[i].funcs.push(
            Func {
                old_name: CString::try_from(&*f.old_name)?,
                sympos: f.sympos,
                new_func: 0,
                new_size: 0,
                old_addr: AtomicUsize::new(0),
                old_size: AtomicUsize::new(0),
                nop: true,
                discarded: AtomicBool::new(false),
                c: null_mut(),
                kobj: AtomicPtr::new(null_mut()),
            },
            GFP_KERNEL,
        )?;
    }
    Ok(())
}

/// Create the sysfs directories of a patch.
fn add_kobjects(root: *mut bindings::kobject, patch: &Patch) -> Result {
    let add = |parent, kind, rs: *const c_void, name: &CStr| -> Result<*mut bindings::kobject> {
        // SAFETY: `parent` is a live kobject; `rs` outlives the directory
        // (del_kobjects runs before the patch is dropped).
        let k = unsafe { shim::lprs_kobj_add(parent, kind, rs, name.as_char_ptr()) };
        kernel::error::from_err_ptr(k)
    };
    let pk = add(
        root,
        shim::KOBJ_PATCH,
        (patch as *const Patch).cast(),
        &patch.name,
    )?;
    patch.kobj.store(pk, Relaxed);
    // No-ops live only through the transition: they get no directories.
    for obj in patch.objs.iter().filter(|o| !o.c.is_null()) {
        let ok = add(
            pk,
            shim::KOBJ_OBJECT,
            (obj as *const Object).cast(),
            obj.display_name(),
        )?;
        obj.kobj.store(ok, Relaxed);
        for f in obj.funcs().filter(|f| !f.nop) {
            let name =
                CString::try_from_fmt(fmt!("{},{}", show(&f.old_name), sympos::shown(f.sympos)))?;
            match add(ok, shim::KOBJ_FUNC, core::ptr::null(), &name) {
                Ok(fk) => f.kobj.store(fk, Relaxed),
                Err(e) => {
                    if e == EEXIST {
                        pr_err!(
                            "patch '{}': function '{}' appears twice in object '{}'\n",
                            show(&patch.name),
                            show(&f.old_name),
                            show(obj.display_name())
                        );
                        return Err(EINVAL);
                    }
                    return Err(e);
                }
            }
        }
    }
    Ok(())
}

/// Remove the sysfs directories of a patch. Must not run under `KLP`: it
/// waits for running attribute calls, which may be waiting for `KLP`.
fn del_kobjects(patch: &Patch) {
    let del = |k: &AtomicPtr<bindings::kobject>| {
        let p = k.swap(null_mut(), Relaxed);
        if !p.is_null() {
            // SAFETY: created by add_kobjects and not yet deleted.
            unsafe { shim::lprs_kobj_del(p) };
        }
    };
    for obj in patch.objs.iter() {
        for f in obj.funcs() {
            del(&f.kobj);
        }
        del(&obj.kobj);
    }
    del(&patch.kobj);
}

/// Drop what `klp_enable_patch` took, outside `KLP`.
fn release(patch: Arc<Patch>) {
    del_kobjects(&patch);
    let module = patch.module;
    let forced = patch.forced.load(Relaxed);
    drop(patch);
    // A forced patch's code may still be running somewhere: its module
    // keeps our reference for ever, as upstream.
    if !forced {
        // SAFETY: the reference taken in enable(); the patch is gone from
        // sysfs and every list, so nothing of the module is used any more.
        unsafe { shim::lprs_module_put(module) };
    }
}

/// The system states a patch description declares.
fn states_of(c: *mut KlpPatch) -> Result<KVec<replace::State>> {
    let mut states = KVec::new();
    // SAFETY: a patch description of a referenced (or the calling) module;
    // `states` is NULL or ends with an entry whose id is 0.
    unsafe {
        let mut s = (*c).states;
        while !s.is_null() && (*s).id != 0 {
            states.push(
                replace::State {
                    id: (*s).id as u64,
                    version: (*s).version,
                },
                GFP_KERNEL,
            )?;
            s = s.add(1);
        }
    }
    Ok(states)
}

/// Whether the patch `c` can handle the states of the installed patches.
fn states_compatible(klp: &Klp, c: *mut KlpPatch) -> Result<bool> {
    let mut installed = KVec::new();
    for p in klp.patches.iter() {
        for s in states_of(p.c)? {
            installed.push(s, GFP_KERNEL)?;
        }
    }
    // SAFETY: the caller's own description.
    let replace = unsafe { (*c).replace };
    Ok(replace::states_compatible(
        &states_of(c)?,
        replace,
        installed.iter(),
    ))
}

/// `klp_enable_patch()`.
pub(crate) fn enable(c: *mut KlpPatch) -> Result {
    if c.is_null() {
        pr_err!("klp_enable_patch: NULL patch\n");
        return Err(EINVAL);
    }
    // SAFETY: non-NULL; the patch module passes its static description.
    let (module, objs) = unsafe { ((*c).module, (*c).objs) };
    if module.is_null() || objs.is_null() {
        pr_err!(
            "klp_enable_patch: patch without {}\n",
            if module.is_null() {
                "mod (set .mod = THIS_MODULE)"
            } else {
                "objs"
            }
        );
        return Err(EINVAL);
    }
    let name = module_name(module);
    // SAFETY: `module` is the caller's own module, loading or live.
    if !unsafe { shim::lprs_module_is_patch(module) } {
        pr_err!(
            "module {} is not marked as a livepatch module (KLP_PATCH_MODULE() missing)\n",
            show(name)
        );
        return Err(EINVAL);
    }
    let mut klp = KLP.lock();
    if Iterator::chain(klp.patches.iter(), klp.to_free.iter()).any(|p| p.c == c) {
        pr_err!("patch '{}' is already enabled\n", show(name));
        return Err(EINVAL);
    }
    if !states_compatible(&klp, c)? {
        pr_err!(
            "Livepatch patch ({}) is not compatible with the already installed livepatches.\n",
            show(name)
        );
        return Err(EINVAL);
    }
    // SAFETY: the module is loading or live.
    if !unsafe { shim::lprs_module_get(module) } {
        return Err(ENODEV);
    }
    let patch = match build_patch(c, name, &klp.patches).and_then(|p| Ok(Arc::new(p, GFP_KERNEL)?))
    {
        Ok(p) => p,
        Err(e) => {
            drop(klp);
            // SAFETY: taken above.
            unsafe { shim::lprs_module_put(module) };
            return Err(e);
        }
    };
    let ret = enable_locked(&mut klp, &patch);
    if ret.is_err() {
        drop(klp);
        release(patch);
    }
    ret
}

fn enable_locked(klp: &mut Klp, patch: &Arc<Patch>) -> Result {
    let pname = show(&patch.name);
    // Resolve what is loaded now; modules loaded later are handled when
    // they come.
    for obj in patch.objs.iter() {
        let module = match &obj.name {
            None => null_mut(),
            // SAFETY: KLP serialises us against the module notifier.
            Some(n) => match unsafe { shim::lprs_find_live_module(n.as_char_ptr()) } {
                m if m.is_null() => continue,
                m => m,
            },
        };
        resolve_object(patch, obj, module)?;
    }
    add_kobjects(klp.root, patch)?;
    if let Some(busy) = &klp.transition {
        pr_err!(
            "patch '{}': cannot enable while patch '{}' is in transition\n",
            pname,
            show(&busy.patch.name)
        );
        return Err(EBUSY);
    }

    pr_notice!("enabling patch '{}'\n", pname);
    let mut garbage = Garbage::new();
    klp.demote_patch(patch, &mut garbage).inspect_err(|e| {
        pr_err!(
            "patch '{}': cannot move the functions it patches off the direct path ({})\n",
            pname,
            e.to_errno()
        )
    })?;
    shim::debug(fmt!("'{}': initializing patching transition", pname));
    transition::begin(klp, patch, Universe::Patched);
    let mut ret = Ok(());
    for obj in patch.loaded_objects() {
        ret = obj.pre_patch().and_then(|()| {
            klp.patch_object(patch, obj, &mut garbage)
                .inspect_err(|_| pr_err!("failed to patch object '{}'\n", show(obj.display_name())))
        });
        if ret.is_err() {
            break;
        }
    }
    if ret.is_ok() {
        ret = klp
            .patches
            .push(patch.clone(), GFP_KERNEL)
            .map_err(Error::from);
    }
    if let Err(e) = ret {
        pr_err!("failed to enable patch '{}'\n", pname);
        shim::debug(fmt!(
            "'{}': canceling patching transition, going to unpatch",
            pname
        ));
        transition::cancel(klp);
        klp.unpatch_objects(patch, &mut garbage);
        drop(garbage);
        shim::debug(fmt!("'{}': completing unpatching transition", pname));
        for obj in patch.loaded_objects() {
            obj.post_unpatch();
        }
        pr_notice!("'{}': unpatching complete\n", pname);
        transition::clear_states();
        klp.schedule_promote();
        return Err(e);
    }
    drop(garbage);
    pr_notice!("'{}': starting patching transition\n", pname);
    set_enabled(patch, true);
    // SAFETY: the patch module is referenced.
    unsafe { shim::lprs_taint(patch.module) };
    transition::try_complete(klp);
    Ok(())
}

/// Mirror `enabled` into our state and the author's structure.
pub(crate) fn set_enabled(patch: &Patch, enabled: bool) {
    patch.enabled.store(enabled, Relaxed);
    // SAFETY: `patch.c` is the module's description, valid until released.
    unsafe { (*patch.c).enabled = enabled };
}

fn attr_view(klp: &Klp, p: &Arc<Patch>) -> super::attr::PatchView {
    super::attr::PatchView {
        enabled: p.enabled.load(Relaxed),
        in_transition: klp
            .transition
            .as_ref()
            .is_some_and(|a| Arc::ptr_eq(&a.patch, p)),
        any_transition: klp.transition.is_some(),
    }
}

/// Whether `patch` is the patch in transition (the `transition` attribute).
pub(crate) fn in_transition(patch: *const Patch) -> bool {
    let klp = KLP.lock();
    klp.transition
        .as_ref()
        .is_some_and(|a| core::ptr::eq(&*a.patch, patch))
}

/// A write to `enabled`.
pub(crate) fn write_enabled(patch: *const Patch, value: bool) -> Result<(), Refusal> {
    let mut klp = KLP.lock();
    let Some(p) = klp.find(patch) else {
        // Retired: its directory outlives it only until the free work runs.
        return Err(Refusal::AlreadySet(false));
    };
    match super::attr::enabled_write(value, attr_view(&klp, &p)) {
        Err(r) => Err(r),
        Ok(super::attr::EnabledWrite::Reverse) => {
            transition::reverse(&mut klp);
            Ok(())
        }
        Ok(super::attr::EnabledWrite::Disable) => disable_locked(&mut klp, &p),
    }
}

/// A write to `force`.
pub(crate) fn write_force(patch: *const Patch, value: bool) -> Result<(), Refusal> {
    let mut klp = KLP.lock();
    let Some(p) = klp.find(patch) else {
        return Err(Refusal::NotInTransition);
    };
    match super::attr::force_write(value, attr_view(&klp, &p))? {
        false => Ok(()),
        true => {
            transition::force(&mut klp);
            Ok(())
        }
    }
}

fn disable_locked(klp: &mut Klp, patch: &Arc<Patch>) -> Result<(), Refusal> {
    let pname = show(&patch.name);
    let mut garbage = Garbage::new();
    if let Err(e) = klp.demote_patch(patch, &mut garbage) {
        pr_err!(
            "patch '{}': cannot move its functions off the direct path ({})\n",
            pname,
            e.to_errno()
        );
        return Err(Refusal::NoMemory);
    }
    shim::debug(fmt!("'{}': initializing unpatching transition", pname));
    transition::begin(klp, patch, Universe::Unpatched);
    for obj in patch.objs.iter().filter(|o| o.patched.load(Relaxed)) {
        obj.pre_unpatch();
    }
    klp.republish(patch, &mut garbage);
    drop(garbage);
    pr_notice!("'{}': starting unpatching transition\n", pname);
    set_enabled(patch, false);
    transition::try_complete(klp);
    Ok(())
}

/// A patch whose unpatching completed: off the stack, freed by the work.
pub(crate) fn retire(klp: &mut Klp, patch: &Arc<Patch>) {
    set_enabled(patch, false);
    klp.patches.retain(|p| !Arc::ptr_eq(p, patch));
    // The push can only fail for memory; then the patch stays referenced
    // (its module cannot be removed), which is safe.
    if klp.to_free.push(patch.clone(), GFP_KERNEL).is_ok() {
        // SAFETY: schedules the free work, which takes KLP itself.
        unsafe { shim::lprs_schedule_free() };
    }
}

#[no_mangle]
extern "C" fn lprs_rs_promote() {
    KLP.lock().promote();
}

#[no_mangle]
extern "C" fn lprs_rs_free_work() {
    let patches = core::mem::take(&mut KLP.lock().to_free);
    for p in patches.into_iter() {
        release(p);
    }
}

#[no_mangle]
extern "C" fn lprs_rs_module_coming(module: *mut bindings::module) -> c_int {
    let mname = module_name(module);
    let mut klp = KLP.lock();
    let klp = &mut *klp;
    let mut garbage = Garbage::new();
    let mut failed = None;
    'patches: for i in 0..klp.patches.len() {
        let patch = klp.patches[i].clone();
        for obj in patch.objs.iter().filter(|o| !o.is_spent()) {
            if obj.name.as_deref().map(|n| n.to_bytes()) != Some(mname.to_bytes()) {
                continue;
            }
            let in_transition = klp
                .transition
                .as_ref()
                .is_some_and(|a| Arc::ptr_eq(&a.patch, &patch));
            let ret = resolve_object(&patch, obj, module).and_then(|()| {
                pr_notice!(
                    "applying patch '{}' to loading module '{}'\n",
                    show(&patch.name),
                    show(mname)
                );
                obj.pre_patch()?;
                klp.patch_object(&patch, obj, &mut garbage)
                    .inspect_err(|e| {
                        pr_warn!(
                            "failed to apply patch '{}' to module '{}' ({})\n",
                            show(&patch.name),
                            show(mname),
                            e.to_errno()
                        );
                        obj.post_unpatch();
                    })?;
                // The transition's completion runs it for the patch in
                // transition.
                if !in_transition {
                    obj.post_patch();
                }
                Ok(())
            });
            if let Err(e) = ret {
                pr_warn!(
                    "patch '{}' failed for module '{}', refusing to load module '{}'\n",
                    show(&patch.name),
                    show(mname),
                    show(mname)
                );
                failed = Some((e, patch.clone()));
                break 'patches;
            }
        }
    }
    if let Some((e, failing)) = failed {
        // Undo the patches applied before the failing one, as if the
        // module went away; the failing one applied nothing.
        for i in 0..klp.patches.len() {
            let patch = klp.patches[i].clone();
            let is_failing = Arc::ptr_eq(&patch, &failing);
            for obj in patch
                .objs
                .iter()
                .filter(|o| o.module.load(Relaxed) == module)
            {
                if !is_failing {
                    klp.revert_going_object(&patch, obj, mname, &mut garbage);
                }
                clear_object(obj);
            }
        }
        return e.to_errno();
    }
    drop(garbage);
    klp.schedule_promote();
    0
}

#[no_mangle]
extern "C" fn lprs_rs_module_going(module: *mut bindings::module) {
    let mname = module_name(module);
    let mut klp = KLP.lock();
    let klp = &mut *klp;
    let mut garbage = Garbage::new();
    for i in 0..klp.patches.len() {
        let patch = klp.patches[i].clone();
        for obj in patch
            .objs
            .iter()
            .filter(|o| o.module.load(Relaxed) == module)
        {
            klp.revert_going_object(&patch, obj, mname, &mut garbage);
            clear_object(obj);
        }
    }
}

/// `klp_enable_patch`, exported to patch modules (c-shim/exports.c).
#[no_mangle]
extern "C" fn klp_enable_patch(patch: *mut KlpPatch) -> c_int {
    match enable(patch) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

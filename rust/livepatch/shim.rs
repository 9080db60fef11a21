// SPDX-License-Identifier: GPL-2.0

//! The C side of livepatch.ko, seen from Rust: the patch structures patch
//! modules hand us (`c-shim/include/livepatch-rs/livepatch.h`) and the
//! functions of `c-shim/*.c`.

use super::prereq::KernelFeatures;
use core::ffi::c_uint;
use kernel::{bindings, prelude::*};

// The patch structures, shared with the Rust API for patch modules.
#[allow(unreachable_pub)]
#[path = "../klp/abi.rs"]
mod abi;
pub(crate) use abi::*;

/// The head of `struct lprs_func_stack`.
#[repr(C)]
#[derive(Default)]
pub(crate) struct LprsFuncStackHead {
    pub(crate) transition: bool,
    pub(crate) initial_patched: bool,
    pub(crate) word_patched: c_ulong,
    pub(crate) word_unpatched: c_ulong,
    pub(crate) nr: c_uint,
}

/// `struct lprs_check`: one round's stack check of tasks.
#[repr(C)]
pub(crate) struct LprsCheck {
    pub(crate) word: c_ulong,
    pub(crate) other: c_ulong,
    pub(crate) ranges: *const c_void,
    pub(crate) nr_ranges: c_uint,
    pub(crate) addr: c_ulong,
    pub(crate) entries: [c_ulong; 64],
}

impl LprsCheck {
    /// A check switching tasks to `word`; `ranges` must outlive it.
    pub(crate) fn new(word: u64, other: u64, ranges: &[super::transition_core::Range]) -> Self {
        LprsCheck {
            word: word as c_ulong,
            other: other as c_ulong,
            ranges: ranges.as_ptr().cast(),
            nr_ranges: ranges.len() as c_uint,
            addr: 0,
            entries: [0; 64],
        }
    }
}

/// `struct lprs_task_info`.
#[repr(C)]
#[derive(Default)]
pub(crate) struct LprsTaskInfo {
    pub(crate) pid: c_int,
    pub(crate) kthread: bool,
    pub(crate) dead: bool,
    pub(crate) word: c_ulong,
    pub(crate) comm: [u8; 16],
}

/// `struct lprs_pending`, one line of the debugfs pending file.
#[repr(C)]
pub(crate) struct LprsPending {
    pub(crate) pid: c_int,
    pub(crate) comm: [u8; 16],
    pub(crate) why: c_int,
    pub(crate) addr: c_ulong,
    pub(crate) patch: [u8; 64],
    pub(crate) patching: bool,
}

/// Why a task could not switch (`LPRS_*` of lprs.h).
/// `LPRS_RUNNING` and `LPRS_SLEEPING_IN` of c-shim/lprs.h.
pub(crate) const WHY_RUNNING: c_int = 1;
pub(crate) const WHY_SLEEPING_IN: c_int = 3;

pub(crate) fn reason(why: c_int) -> &'static str {
    match why {
        WHY_RUNNING => "is running",
        2 => "has an unreliable stack",
        WHY_SLEEPING_IN => "is sleeping on function",
        _ => "cannot be switched",
    }
}

/// Opaque `struct task_struct`.
#[repr(C)]
pub(crate) struct Task {
    _opaque: [u8; 0],
}

/// `struct lprs_ops` (opaque).
#[repr(C)]
pub(crate) struct LprsOps {
    _opaque: [u8; 0],
}

/// `struct lprs_direct_batch` (opaque).
#[repr(C)]
pub(crate) struct LprsDirectBatch {
    _opaque: [u8; 0],
}

/// `struct lprs_func_stack` (opaque).
#[repr(C)]
pub(crate) struct LprsFuncStack {
    _opaque: [u8; 0],
}

pub(crate) const KOBJ_PATCH: c_int = 0;
pub(crate) const KOBJ_OBJECT: c_int = 1;
pub(crate) const KOBJ_FUNC: c_int = 2;

pub(crate) const ATTR_ENABLED: c_int = 0;
pub(crate) const ATTR_TRANSITION: c_int = 1;
pub(crate) const ATTR_FORCE: c_int = 2;
pub(crate) const ATTR_REPLACE: c_int = 3;
pub(crate) const ATTR_STACK_ORDER: c_int = 4;
pub(crate) const ATTR_PATCHED: c_int = 5;
pub(crate) const ATTR_ESCALATE: c_int = 6;

// `struct module` holds a flexible array bindgen cannot express; we only
// pass pointers to it.
#[allow(improper_ctypes)]
extern "C" {
    fn lprs_ksyms_init() -> c_int;
    fn lprs_kernel_has_ipmodify() -> bool;
    fn lprs_kernel_has_reliable_stacktrace() -> bool;
    fn lprs_sysfs_root_taken() -> bool;

    pub(crate) fn lprs_symbols_init() -> c_int;
    pub(crate) fn lprs_symbol_search(
        module: *mut bindings::module,
        name: *const c_char,
        pos: c_ulong,
        addr: *mut c_ulong,
    ) -> c_ulong;
    pub(crate) fn lprs_symbol_size(addr: c_ulong) -> c_ulong;
    pub(crate) fn lprs_find_live_module(name: *const c_char) -> *mut bindings::module;
    pub(crate) fn lprs_addr_is_runtime(addr: c_ulong) -> bool;
    pub(crate) fn lprs_ftrace_ip(addr: c_ulong) -> c_ulong;
    pub(crate) fn lprs_addr_is_uncallable_text(addr: c_ulong) -> bool;
    pub(crate) fn lprs_module_is_patch(module: *mut bindings::module) -> bool;

    pub(crate) fn lprs_ops_alloc(addrs: *const c_ulong, nr: c_uint) -> *mut LprsOps;
    pub(crate) fn lprs_ops_register(ops: *mut LprsOps) -> c_int;
    pub(crate) fn lprs_ops_unhook(ops: *mut LprsOps, slots: *const c_uint, nr: c_uint) -> c_int;
    pub(crate) fn lprs_ops_free(ops: *mut LprsOps);
    pub(crate) fn lprs_func_stack_alloc(
        head: *const LprsFuncStackHead,
        new_funcs: *const c_ulong,
        nr: c_uint,
    ) -> *mut LprsFuncStack;
    pub(crate) fn lprs_ops_publish(
        ops: *mut LprsOps,
        slot: c_uint,
        stack: *mut LprsFuncStack,
    ) -> *mut LprsFuncStack;
    pub(crate) fn lprs_func_stack_free(stack: *mut LprsFuncStack);
    pub(crate) fn lprs_synchronize();
    pub(crate) fn lprs_direct_attach(
        addrs: *const c_ulong,
        targets: *const c_ulong,
        nr: c_uint,
        entries: *mut c_int,
    ) -> c_int;
    pub(crate) fn lprs_direct_set(entry: c_int, target: c_ulong);
    pub(crate) fn lprs_direct_put(entry: c_int) -> *mut LprsDirectBatch;
    pub(crate) fn lprs_direct_free(batch: *mut LprsDirectBatch);
    pub(crate) fn lprs_direct_sparse(entry: c_int) -> bool;
    pub(crate) fn lprs_direct_usable(target: c_ulong) -> bool;
    pub(crate) fn lprs_schedule_promote(delay_ms: c_ulong);
    pub(crate) fn lprs_cancel_promote();
    pub(crate) fn lprs_synchronize_tasks();

    pub(crate) fn lprs_module_notifier_register() -> c_int;
    pub(crate) fn lprs_module_notifier_unregister();
    pub(crate) fn lprs_module_name(module: *mut bindings::module) -> *const c_char;
    pub(crate) fn lprs_module_get(module: *mut bindings::module) -> bool;
    pub(crate) fn lprs_module_put(module: *mut bindings::module);
    pub(crate) fn lprs_taint(module: *mut bindings::module);
    pub(crate) fn lprs_schedule_free();
    pub(crate) fn lprs_flush_free();
    pub(crate) fn lprs_pr_debug(msg: *const c_char);

    pub(crate) fn lprs_kobj_add(
        parent: *mut bindings::kobject,
        kind: c_int,
        rs: *const c_void,
        name: *const c_char,
    ) -> *mut bindings::kobject;
    pub(crate) fn lprs_kobj_del(kobj: *mut bindings::kobject);

    pub(crate) fn lprs_try_switch_task(t: *mut Task, check: *mut LprsCheck) -> c_int;
    pub(crate) fn lprs_tasks_get(nr: *mut c_uint) -> *mut *mut Task;
    pub(crate) fn lprs_tasks_put(tasks: *mut *mut Task, nr: c_uint);
    pub(crate) fn lprs_task_info(t: *mut Task, info: *mut LprsTaskInfo);
    pub(crate) fn lprs_count_pending(check: *const LprsCheck) -> c_uint;
    pub(crate) fn lprs_switch_idle_tasks(check: *mut LprsCheck) -> c_uint;
    pub(crate) fn lprs_force_all(word: c_ulong);
    pub(crate) fn lprs_set_switch_word(word: c_ulong);
    pub(crate) fn lprs_arm_kick(queued: bool);
    pub(crate) fn lprs_states_set(
        prev: *const *mut KlpPatch,
        nr: c_uint,
        transition: *mut KlpPatch,
    ) -> c_int;
    pub(crate) fn lprs_queue_twork(t: *mut Task, word: c_ulong, signal: bool) -> c_int;
    pub(crate) fn lprs_wake_kthread(t: *mut Task);
    pub(crate) fn lprs_task_init() -> c_int;
    pub(crate) fn lprs_task_exit();
    pub(crate) fn lprs_schedule_transition_work(delay_ms: c_ulong);
    pub(crate) fn lprs_cancel_transition_work();
    pub(crate) fn lprs_debugfs_init();
    pub(crate) fn lprs_debugfs_exit();
    pub(crate) fn lprs_shadow_exit();
    fn klp_try_switch_task(msg: *const c_char, addr: c_ulong);
}

/// Find the kernel's symbol lookup and ask the kernel what it offers.
pub(crate) fn probe_kernel() -> Result<KernelFeatures> {
    // SAFETY: called once from module init, before anything uses the lookup.
    kernel::error::to_result(unsafe { lprs_ksyms_init() })?;
    // SAFETY: the three probes only read kernel configuration and sysfs
    // state; the symbol lookup they may use was initialised above.
    let features = unsafe {
        KernelFeatures {
            builtin_core: lprs_sysfs_root_taken(),
            ftrace_ipmodify: lprs_kernel_has_ipmodify(),
            reliable_stacktrace: lprs_kernel_has_reliable_stacktrace(),
        }
    };
    Ok(features)
}

/// Print a debug message under dynamic debug (`module livepatch +p`).
pub(crate) fn debug(args: core::fmt::Arguments<'_>) {
    if let Ok(msg) = CString::try_from_fmt(args) {
        // SAFETY: `msg` is NUL-terminated and outlives the call.
        unsafe { lprs_pr_debug(msg.as_char_ptr()) };
    }
}

/// A per-task debug message, under the same dynamic-debug function name as
/// upstream's (`func klp_try_switch_task`), so tests can silence it alone.
/// With `addr`, the message ends with the function containing it.
pub(crate) fn debug_switch(args: core::fmt::Arguments<'_>, addr: c_ulong) {
    if let Ok(msg) = CString::try_from_fmt(args) {
        // SAFETY: `msg` is NUL-terminated and outlives the call.
        unsafe { klp_try_switch_task(msg.as_char_ptr(), addr) };
    }
}

/// The bytes of a C string, `None` for NULL.
///
/// # Safety
///
/// `p` is NULL or a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn c_str<'a>(p: *const c_char) -> Option<&'a CStr> {
    if p.is_null() {
        None
    } else {
        // SAFETY: non-NULL and NUL-terminated per the caller.
        Some(unsafe { CStr::from_char_ptr(p) })
    }
}

use kernel::str::{CStr, CString};

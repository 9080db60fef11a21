// SPDX-License-Identifier: GPL-2.0

//! The C side of livepatch.ko, seen from Rust: the patch structures patch
//! modules hand us (`c-shim/include/livepatch-rs/livepatch.h`) and the
//! functions of `c-shim/*.c`.

use super::prereq::KernelFeatures;
use core::ffi::c_uint;
use kernel::{bindings, prelude::*};

/// `struct klp_func`.
#[repr(C)]
pub(crate) struct KlpFunc {
    pub(crate) old_name: *const c_char,
    pub(crate) new_func: *mut c_void,
    pub(crate) old_sympos: c_ulong,
    pub(crate) old_func: *mut c_void,
    pub(crate) old_size: c_ulong,
    pub(crate) new_size: c_ulong,
    pub(crate) nop: bool,
    pub(crate) patched: bool,
    pub(crate) transition: bool,
    pub(crate) rs: *mut c_void,
}

/// `struct klp_callbacks`.
#[repr(C)]
pub(crate) struct KlpCallbacks {
    pub(crate) pre_patch: Option<unsafe extern "C" fn(*mut KlpObject) -> c_int>,
    pub(crate) post_patch: Option<unsafe extern "C" fn(*mut KlpObject)>,
    pub(crate) pre_unpatch: Option<unsafe extern "C" fn(*mut KlpObject)>,
    pub(crate) post_unpatch: Option<unsafe extern "C" fn(*mut KlpObject)>,
    pub(crate) post_unpatch_enabled: bool,
}

/// `struct klp_object`.
#[repr(C)]
pub(crate) struct KlpObject {
    pub(crate) name: *const c_char,
    pub(crate) funcs: *mut KlpFunc,
    pub(crate) callbacks: KlpCallbacks,
    pub(crate) module: *mut bindings::module,
    pub(crate) dynamic: bool,
    pub(crate) patched: bool,
    pub(crate) rs: *mut c_void,
}

/// `struct klp_state`.
#[repr(C)]
pub(crate) struct KlpState {
    pub(crate) id: c_ulong,
    pub(crate) version: c_uint,
    pub(crate) data: *mut c_void,
}

/// `struct klp_patch`.
#[repr(C)]
pub(crate) struct KlpPatch {
    pub(crate) module: *mut bindings::module,
    pub(crate) objs: *mut KlpObject,
    pub(crate) states: *mut KlpState,
    pub(crate) replace: bool,
    pub(crate) enabled: bool,
    pub(crate) forced: bool,
    pub(crate) rs: *mut c_void,
}

// The C header asserts the same sizes (c-shim/exports.c).
const _: () = assert!(core::mem::size_of::<KlpFunc>() == 64);
const _: () = assert!(core::mem::size_of::<KlpObject>() == 80);
const _: () = assert!(core::mem::size_of::<KlpState>() == 24);
const _: () = assert!(core::mem::size_of::<KlpPatch>() == 40);

/// `struct lprs_ops` (opaque).
#[repr(C)]
pub(crate) struct LprsOps {
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
    pub(crate) fn lprs_addr_is_traceable(addr: c_ulong) -> bool;
    pub(crate) fn lprs_module_is_patch(module: *mut bindings::module) -> bool;

    pub(crate) fn lprs_ops_alloc(old_addr: c_ulong) -> *mut LprsOps;
    pub(crate) fn lprs_ops_register(ops: *mut LprsOps, name: *const c_char) -> c_int;
    pub(crate) fn lprs_ops_unregister(ops: *mut LprsOps, name: *const c_char);
    pub(crate) fn lprs_ops_free(ops: *mut LprsOps);
    pub(crate) fn lprs_func_stack_alloc(
        new_funcs: *const c_ulong,
        nr: c_uint,
    ) -> *mut LprsFuncStack;
    pub(crate) fn lprs_ops_publish(
        ops: *mut LprsOps,
        stack: *mut LprsFuncStack,
    ) -> *mut LprsFuncStack;
    pub(crate) fn lprs_func_stack_free(stack: *mut LprsFuncStack);
    pub(crate) fn lprs_synchronize();

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

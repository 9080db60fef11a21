// SPDX-License-Identifier: GPL-2.0

//! The patch structures of `c-shim/include/livepatch-rs/livepatch.h`, in
//! Rust: what patch modules hand to `klp_enable_patch()`. Shared by
//! `livepatch.ko` and the Rust API for patch modules (`klp.rs`).

#![allow(dead_code)]

use kernel::bindings;
use kernel::ffi::{c_char, c_int, c_uint, c_ulong, c_void};

/// `struct klp_func`.
#[repr(C)]
pub struct KlpFunc {
    pub old_name: *const c_char,
    pub new_func: *mut c_void,
    pub old_sympos: c_ulong,
    pub old_func: *mut c_void,
    pub old_size: c_ulong,
    pub new_size: c_ulong,
    pub nop: bool,
    pub patched: bool,
    pub transition: bool,
    pub rs: *mut c_void,
}

/// `struct klp_callbacks`.
#[repr(C)]
pub struct KlpCallbacks {
    pub pre_patch: Option<unsafe extern "C" fn(*mut KlpObject) -> c_int>,
    pub post_patch: Option<unsafe extern "C" fn(*mut KlpObject)>,
    pub pre_unpatch: Option<unsafe extern "C" fn(*mut KlpObject)>,
    pub post_unpatch: Option<unsafe extern "C" fn(*mut KlpObject)>,
    pub post_unpatch_enabled: bool,
}

/// `struct klp_object`.
#[repr(C)]
pub struct KlpObject {
    pub name: *const c_char,
    pub funcs: *mut KlpFunc,
    pub callbacks: KlpCallbacks,
    pub module: *mut bindings::module,
    pub dynamic: bool,
    pub patched: bool,
    pub rs: *mut c_void,
    pub syms: *mut KlpSymRef,
}

/// `struct klp_sym_ref` (livepatch-rs extension).
#[repr(C)]
pub struct KlpSymRef {
    pub name: *const c_char,
    pub sympos: c_ulong,
    pub addr: *mut *mut c_void,
}

/// `struct klp_state`.
#[repr(C)]
pub struct KlpState {
    pub id: c_ulong,
    pub version: c_uint,
    pub data: *mut c_void,
}

/// `struct klp_patch`.
#[repr(C)]
pub struct KlpPatch {
    pub module: *mut bindings::module,
    pub objs: *mut KlpObject,
    pub states: *mut KlpState,
    pub replace: bool,
    pub enabled: bool,
    pub forced: bool,
    pub rs: *mut c_void,
}

// The C header asserts the same sizes (c-shim/exports.c).
const _: () = assert!(core::mem::size_of::<KlpFunc>() == 64);
const _: () = assert!(core::mem::size_of::<KlpObject>() == 88);
const _: () = assert!(core::mem::size_of::<KlpState>() == 24);
const _: () = assert!(core::mem::size_of::<KlpPatch>() == 40);

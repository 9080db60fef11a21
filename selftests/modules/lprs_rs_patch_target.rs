// SPDX-License-Identifier: GPL-2.0

//! Sample: a patch module in Rust replacing a function of a module
//! (lprs_test_target's static lprs_target_message()), which calls a static
//! function and reads a static variable of that module through symbol
//! references resolved when the module loads.

use kernel::ffi::{c_char, c_uint, c_void};
use kernel::prelude::*;

#[path = "../../rust/klp/klp.rs"]
mod klp;
klp::patch_module!();

module! {
    type: RsPatchTarget,
    name: "lprs_rs_patch_target",
    authors: ["livepatch-rs developers"],
    description: "livepatch-rs sample: a Rust patch of a module function",
    license: "GPL",
}

// Filled by the runtime before the new function can run.
static mut READS: *mut c_void = core::ptr::null_mut();
static mut FORMAT: *mut c_void = core::ptr::null_mut();

/// The new lprs_target_message(char *buf): "read <1000 + reads>", written
/// by the module's own static lprs_target_format().
unsafe extern "C" fn lprs_target_message(buf: *mut c_char) {
    // SAFETY: both pointers were resolved (to the module's
    // `unsigned int lprs_target_reads` and
    // `void lprs_target_format(char *, unsigned int)`) before the object
    // was patched, and the module is loaded while this runs.
    unsafe {
        let reads = core::ptr::read_volatile(READS.cast::<c_uint>());
        let format: unsafe extern "C" fn(*mut c_char, c_uint) = core::mem::transmute(FORMAT);
        format(buf, 1000 + reads);
    }
}

struct RsPatchTarget {
    _patch: klp::Registration,
}

impl kernel::Module for RsPatchTarget {
    fn init(module: &'static ThisModule) -> Result<Self> {
        // SAFETY: the destinations are this module's statics, read only by
        // the new function, after the runtime filled them.
        let (reads, format) = unsafe {
            (
                klp::SymRef::new(c"lprs_target_reads", &raw mut READS),
                klp::SymRef::new(c"lprs_target_format", &raw mut FORMAT),
            )
        };
        let target = klp::Object::module(c"lprs_test_target")
            .func(klp::func!(
                c"lprs_target_message" => lprs_target_message as unsafe extern "C" fn(*mut c_char)
            ))?
            .sym(reads)?
            .sym(format)?;
        let patch = klp::Patch::new().object(target)?.enable(module)?;
        Ok(RsPatchTarget { _patch: patch })
    }
}

// SPDX-License-Identifier: GPL-2.0

//! Sample: a cumulative (replace) patch module in Rust. It takes over
//! whatever patches come before it, C or Rust, and changes /proc/cmdline.

use kernel::bindings;
use kernel::ffi::{c_int, c_void};
use kernel::prelude::*;

#[path = "../../rust/klp/klp.rs"]
mod klp;
klp::patch_module!();

module! {
    type: RsPatchReplace,
    name: "lprs_rs_patch_replace",
    authors: ["livepatch-rs developers"],
    description: "livepatch-rs sample: a cumulative Rust patch",
    license: "GPL",
}

unsafe extern "C" fn cmdline_proc_show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: the kernel calls this with the seq_file of a read in progress.
    let m = unsafe { kernel::seq_file::SeqFile::from_raw(m) };
    kernel::seq_print!(m, "lprs_rs_patch_replace: patched by Rust\n");
    0
}

struct RsPatchReplace {
    _patch: klp::Registration,
}

impl kernel::Module for RsPatchReplace {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let vmlinux = klp::Object::vmlinux().func(klp::func!(
            c"cmdline_proc_show" => cmdline_proc_show
                as unsafe extern "C" fn(*mut bindings::seq_file, *mut c_void) -> c_int
        ))?;
        let patch = klp::Patch::new()
            .replace(true)
            .object(vmlinux)?
            .enable(module)?;
        Ok(RsPatchReplace { _patch: patch })
    }
}

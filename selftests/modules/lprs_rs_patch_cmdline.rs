// SPDX-License-Identifier: GPL-2.0

//! Sample: a patch module in Rust replacing a vmlinux function,
//! cmdline_proc_show() (what /proc/cmdline prints).

use kernel::bindings;
use kernel::ffi::{c_int, c_void};
use kernel::prelude::*;

#[path = "../../rust/klp/klp.rs"]
mod klp;
klp::patch_module!();

module! {
    type: RsPatchCmdline,
    name: "lprs_rs_patch_cmdline",
    authors: ["livepatch-rs developers"],
    description: "livepatch-rs sample: a Rust patch of a vmlinux function",
    license: "GPL",
    params: {
        mode: u32 {
            default: 0,
            description: "1: name an unknown function, 2: a sympos that does not exist (refusal tests)",
        },
    },
}

/// The new cmdline_proc_show(). It is static in the kernel, so bindgen has
/// no prototype: `func!` checks this function against the one stated below.
unsafe extern "C" fn cmdline_proc_show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: the kernel calls this with the seq_file of a read in progress.
    let m = unsafe { kernel::seq_file::SeqFile::from_raw(m) };
    kernel::seq_print!(m, "lprs_rs_patch_cmdline: patched by Rust\n");
    0
}

struct RsPatchCmdline {
    _patch: klp::Registration,
}

impl kernel::Module for RsPatchCmdline {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let func = klp::func!(
            c"cmdline_proc_show" => cmdline_proc_show
                as unsafe extern "C" fn(*mut bindings::seq_file, *mut c_void) -> c_int
        );
        let func = match *module_parameters::mode.value() {
            // SAFETY: never called: the runtime refuses the unknown name.
            1 => unsafe {
                klp::Func::new(c"lprs_no_such_function", cmdline_proc_show as *mut c_void)
            },
            2 => func.sympos(3),
            _ => func,
        };
        let vmlinux = klp::Object::vmlinux().func(func)?;
        let patch = klp::Patch::new().object(vmlinux)?.enable(module)?;
        Ok(RsPatchCmdline { _patch: patch })
    }
}

// SPDX-License-Identifier: GPL-2.0

//! Must NOT compile: the replacement of a static function does not match
//! the prototype its author states (one argument missing).

use kernel::bindings;
use kernel::ffi::{c_int, c_void};
use kernel::prelude::*;

#[path = "../../../rust/klp/klp.rs"]
mod klp;
klp::patch_module!();

module! {
    type: Case,
    name: "bad_sig",
    authors: ["livepatch-rs developers"],
    description: "compile check",
    license: "GPL",
}

unsafe extern "C" fn cmdline_proc_show(_m: *mut bindings::seq_file) -> c_int {
    0
}

struct Case(klp::Registration);

impl kernel::Module for Case {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let f = klp::func!(
            c"cmdline_proc_show" => cmdline_proc_show
                as unsafe extern "C" fn(*mut bindings::seq_file, *mut c_void) -> c_int
        );
        let patch = klp::Patch::new()
            .object(klp::Object::vmlinux().func(f)?)?
            .enable(module)?;
        Ok(Case(patch))
    }
}

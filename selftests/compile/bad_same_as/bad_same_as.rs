// SPDX-License-Identifier: GPL-2.0

//! Must NOT compile: the replacement takes an int where seq_lseek() takes a loff_t.

use kernel::bindings;
use kernel::ffi::c_int;
use kernel::prelude::*;

#[path = "../../../rust/klp/klp.rs"]
mod klp;
klp::patch_module!();

module! {
    type: Case,
    name: "bad_same_as",
    authors: ["livepatch-rs developers"],
    description: "compile check",
    license: "GPL",
}

unsafe extern "C" fn seq_lseek(_f: *mut bindings::file, off: c_int, _w: c_int) -> bindings::loff_t {
    off as bindings::loff_t
}

struct Case(klp::Registration);

impl kernel::Module for Case {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let f = klp::func!(c"seq_lseek" => seq_lseek, same_as bindings::seq_lseek);
        let patch = klp::Patch::new()
            .object(klp::Object::vmlinux().func(f)?)?
            .enable(module)?;
        Ok(Case(patch))
    }
}

// SPDX-License-Identifier: GPL-2.0

//! livepatch.ko: the Linux livepatch runtime as a loadable module, for
//! kernels built without `CONFIG_LIVEPATCH`.

use kernel::prelude::*;

// Shared with host tests: `pub` there is for cargo, not an export here.
#[allow(unreachable_pub)]
#[path = "../klp-core/src/prereq.rs"]
mod prereq;
mod shim;
mod sysfs;

module! {
    type: Livepatch,
    name: "livepatch",
    authors: ["livepatch-rs developers"],
    description: "Kernel live patching runtime (livepatch-rs)",
    license: "GPL",
}

struct Livepatch {
    _root: sysfs::Root,
}

impl kernel::Module for Livepatch {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let features = shim::probe_kernel()?;
        if let Err(refusal) = prereq::check(&features) {
            pr_err!("{}\n", refusal.message());
            return Err(Error::from_errno(-refusal.errno()));
        }
        let root = sysfs::Root::create()?;
        Ok(Livepatch { _root: root })
    }
}

// SPDX-License-Identifier: GPL-2.0

//! livepatch.ko: the Linux livepatch runtime as a loadable module, for
//! kernels built without `CONFIG_LIVEPATCH`.

use kernel::prelude::*;

// Shared with host tests (rust/klp-core): `pub` there is for cargo, not an
// export here.
#[allow(unreachable_pub)]
#[path = "../klp-core/src/attr.rs"]
mod attr;
#[allow(unreachable_pub)]
#[path = "../klp-core/src/prereq.rs"]
mod prereq;
#[allow(unreachable_pub)]
#[path = "../klp-core/src/replace.rs"]
mod replace;
#[allow(unreachable_pub)]
#[path = "../klp-core/src/sympos.rs"]
mod sympos;
#[allow(unreachable_pub)]
#[path = "../klp-core/src/transition.rs"]
mod transition_core;
#[allow(unreachable_pub)]
#[path = "../klp-core/src/validate.rs"]
mod validate;

mod patch;
mod shim;
mod sysfs;
mod transition;

module! {
    type: Livepatch,
    name: "livepatch",
    authors: ["livepatch-rs developers"],
    description: "Kernel live patching runtime (livepatch-rs)",
    license: "GPL",
    params: {
        transition_retry_ms: u32 {
            default: 1000,
            description: "Milliseconds between rounds of switching tasks during a transition",
        },
        direct_calls: u32 {
            default: 1,
            description: "Call patched functions through ftrace direct calls when no transition needs the handler (0: always the handler)",
        },
        direct_delay_ms: u32 {
            default: 1000,
            description: "Milliseconds after a transition before its functions take the direct path",
        },
        signal_rounds: u32 {
            default: 15,
            description: "Rounds after which stuck tasks are signalled or woken again (0: never)",
        },
    },
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
        // SAFETY: resolves kernel functions; the lookup is initialised.
        kernel::error::to_result(unsafe { shim::lprs_symbols_init() })?;
        // SAFETY: module init runs once, before anything takes the lock.
        unsafe { patch::KLP.init() };
        let root = sysfs::Root::create()?;
        patch::KLP.lock().set_root(root.kobj());
        // SAFETY: resolves scheduler functions and hooks fork; nothing of
        // ours runs from there before a transition starts.
        kernel::error::to_result(unsafe { shim::lprs_task_init() })?;
        // SAFETY: the notifier's callbacks only take KLP, initialised above.
        if let Err(e) = kernel::error::to_result(unsafe { shim::lprs_module_notifier_register() }) {
            // SAFETY: registered just above.
            unsafe { shim::lprs_task_exit() };
            return Err(e);
        }
        // SAFETY: creates our debugfs files; their reads take KLP.
        unsafe { shim::lprs_debugfs_init() };
        Ok(Livepatch { _root: root })
    }
}

impl Drop for Livepatch {
    fn drop(&mut self) {
        // Patch modules hold references on us while their patches exist,
        // so no patch is left here; only the free work may still run.
        // SAFETY: registered in init.
        unsafe {
            shim::lprs_debugfs_exit();
            shim::lprs_module_notifier_unregister();
            shim::lprs_cancel_transition_work();
            shim::lprs_cancel_promote();
            shim::lprs_flush_free();
            shim::lprs_task_exit();
        }
        // SAFETY: every module that could use a shadow variable imports
        // our symbols, holds a reference on us and so is gone: nothing
        // races with freeing the ones left behind.
        unsafe { shim::lprs_shadow_exit() };
    }
}

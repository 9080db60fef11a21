// SPDX-License-Identifier: GPL-2.0

//! The C shims of `c-shim/`, seen from Rust.

use super::prereq::KernelFeatures;
use kernel::prelude::*;

extern "C" {
    fn lprs_ksyms_init() -> c_int;
    fn lprs_kernel_has_ipmodify() -> bool;
    fn lprs_kernel_has_reliable_stacktrace() -> bool;
    fn lprs_sysfs_root_taken() -> bool;
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

// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/livepatch`, the directory the patches appear under.

use kernel::{bindings, prelude::*};

/// The `/sys/kernel/livepatch` kobject; removed when dropped.
pub(crate) struct Root(*mut bindings::kobject);

// SAFETY: the kobject is only created and released, both of which the
// kobject core serialises; nothing reads it through this pointer meanwhile.
unsafe impl Send for Root {}
// SAFETY: as above, `Root` exposes no access to the kobject.
unsafe impl Sync for Root {}

impl Root {
    pub(crate) fn create() -> Result<Self> {
        // SAFETY: `kernel_kobj` is the kernel's static /sys/kernel kobject,
        // valid for the kernel's lifetime; the name is a NUL-terminated
        // literal that kobject_create_and_add copies.
        let kobj = unsafe {
            bindings::kobject_create_and_add(c"livepatch".as_ptr().cast(), bindings::kernel_kobj)
        };
        if kobj.is_null() {
            pr_err!("cannot create /sys/kernel/livepatch\n");
            return Err(ENOMEM);
        }
        Ok(Root(kobj))
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from kobject_create_and_add and this is the
        // only reference we hold.
        unsafe { bindings::kobject_put(self.0) };
    }
}

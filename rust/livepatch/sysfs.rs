// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/livepatch`: the root directory, and the attributes of the
//! patch and object directories (created in patch.rs, kobjects in
//! c-shim/sysfs.c).

use super::attr;
use super::patch::{self, Object, Patch, KLP};
use super::shim;
use core::sync::atomic::Ordering::Relaxed;
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

    pub(crate) fn kobj(&self) -> *mut bindings::kobject {
        self.0
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from kobject_create_and_add and this is the
        // only reference we hold.
        unsafe { bindings::kobject_put(self.0) };
    }
}

/// Format `v` and a newline into the sysfs page `buf`.
fn emit(buf: *mut c_char, v: usize) -> isize {
    let mut digits = [0u8; 24];
    let mut n = v;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let len = digits.len() - i;
    // SAFETY: sysfs pages are PAGE_SIZE bytes; we write at most 25.
    unsafe {
        core::ptr::copy_nonoverlapping(digits[i..].as_ptr(), buf.cast::<u8>(), len);
        *buf.add(len) = b'\n' as c_char;
    }
    (len + 1) as isize
}

#[no_mangle]
extern "C" fn lprs_rs_attr_show(rs: *const c_void, attr: c_int, buf: *mut c_char) -> isize {
    if attr == shim::ATTR_PATCHED {
        // SAFETY: object directories carry their `Object`, which outlives them.
        let obj = unsafe { &*rs.cast::<Object>() };
        return emit(buf, obj.patched.load(Relaxed) as usize);
    }
    // SAFETY: patch directories carry their `Patch`, which outlives them.
    let patch = unsafe { &*rs.cast::<Patch>() };
    let v = match attr {
        shim::ATTR_ENABLED => patch.enabled.load(Relaxed) as usize,
        shim::ATTR_TRANSITION => patch::in_transition(patch) as usize,
        shim::ATTR_REPLACE => patch.replace as usize,
        shim::ATTR_STACK_ORDER => KLP.lock().stack_order(patch).unwrap_or(0),
        shim::ATTR_ESCALATE => patch.escalate.load(Relaxed) as usize,
        _ => return EINVAL.to_errno() as isize,
    };
    emit(buf, v)
}

#[no_mangle]
extern "C" fn lprs_rs_attr_store(
    rs: *const c_void,
    attr: c_int,
    buf: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: sysfs hands us `count` readable bytes.
    let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), count) };
    let patch = rs.cast::<Patch>();
    let (name, ret) = match attr {
        shim::ATTR_ENABLED => (
            "enabled",
            attr::parse_bool(input).and_then(|v| patch::write_enabled(patch, v)),
        ),
        shim::ATTR_FORCE => (
            "force",
            attr::parse_bool(input).and_then(|v| patch::write_force(patch, v)),
        ),
        shim::ATTR_ESCALATE => (
            "escalate",
            // SAFETY: patch directories carry their `Patch`, which outlives them.
            attr::parse_bool(input).map(|v| unsafe { (*patch).escalate.store(v, Relaxed) }),
        ),
        _ => return EINVAL.to_errno() as isize,
    };
    match ret {
        Ok(()) => count as isize,
        Err(r) => {
            // SAFETY: as above.
            let pname = patch::show(unsafe { &(*patch).name });
            pr_notice!("'{}': write to '{}' refused: {}\n", pname, name, r.reason());
            -(r.errno() as isize)
        }
    }
}

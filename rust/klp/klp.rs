// SPDX-License-Identifier: GPL-2.0

//! The Rust API for livepatch-rs patch modules.
//!
//! A patch module written in Rust includes this file in its crate root,
//!
//! ```ignore
//! #[path = "/path/to/livepatch-rs/rust/klp/klp.rs"]
//! mod klp;
//! klp::patch_module!();
//! ```
//!
//! (the module must be called `klp`, at the crate root: the macros name it),
//!
//! builds its patch with [`Patch`], [`Object`] and the [`func!`] macro, and
//! keeps the [`Registration`] that [`Patch::enable`] returns in its module
//! state. The patch description handed to `livepatch.ko` is the same one C
//! patch modules build (`abi.rs`), so both kinds stack and replace each
//! other. Errors are `kernel::error::Error`; the runtime logs why.
//!
//! Replacement functions are `extern "C"` functions with the old function's
//! prototype. [`func!`] checks it at compile time: against the kernel's
//! declaration when bindgen sees one (`same_as kernel::bindings::name`), or
//! against the signature the author states for a static function, which
//! bindgen never sees (`as unsafe extern "C" fn(...) -> ...`); the latter
//! only proves the replacement matches what the author wrote down.

// A patch module uses what it needs of this API, and it is one module of
// the patch's crate: unused items and crate-visible `pub` are expected.
#![allow(dead_code, unreachable_pub)]

#[path = "abi.rs"]
mod abi;
pub use abi::*;

use core::ptr::null_mut;
use kernel::ffi::{c_int, c_ulong, c_void};
use kernel::{prelude::*, str::CStr, ThisModule};

// `struct module` holds a flexible array bindgen cannot express; only
// pointers to it are passed.
#[allow(improper_ctypes)]
extern "C" {
    fn klp_enable_patch(patch: *mut KlpPatch) -> c_int;
    fn klp_shadow_get(obj: *mut c_void, id: c_ulong) -> *mut c_void;
    fn klp_shadow_get_or_alloc(
        obj: *mut c_void,
        id: c_ulong,
        size: usize,
        gfp: kernel::bindings::gfp_t,
        ctor: *const c_void,
        ctor_data: *mut c_void,
    ) -> *mut c_void;
    fn klp_shadow_free(obj: *mut c_void, id: c_ulong, dtor: *const c_void);
    fn klp_get_state(patch: *mut KlpPatch, id: c_ulong) -> *mut KlpState;
}

/// Mark the crate as a livepatch-rs patch module: the modinfo tag
/// `livepatch_rs: Y` and the symbol `livepatch.ko` checks (what
/// `KLP_PATCH_MODULE()` does for C).
macro_rules! patch_module {
    () => {
        #[link_section = ".modinfo"]
        #[used]
        static __KLP_RS_MODINFO: [u8; 15] = *b"livepatch_rs=Y\0";
        #[no_mangle]
        #[used]
        static __klp_rs_patch_module: [u8; 2] = *b"Y\0";
    };
}
pub(crate) use patch_module;

/// One replacement: the old function by name and `sympos`, and the new one.
pub struct Func {
    old_name: &'static CStr,
    sympos: u64,
    new_func: *mut c_void,
}

impl Func {
    /// A replacement of `old_name` by `new_func`.
    ///
    /// # Safety
    ///
    /// `new_func` is a function with the old function's prototype; prefer
    /// [`func!`], which checks it.
    pub const unsafe fn new(old_name: &'static CStr, new_func: *mut c_void) -> Self {
        Func {
            old_name,
            sympos: 0,
            new_func,
        }
    }

    /// Take the `pos`th symbol of that name (upstream's `old_sympos`).
    pub const fn sympos(mut self, pos: u64) -> Self {
        self.sympos = pos;
        self
    }
}

/// A replacement whose prototype is checked at compile time:
///
/// ```ignore
/// klp::func!("cmdline_proc_show" => my_show as unsafe extern "C" fn(*mut bindings::seq_file, *mut c_void) -> c_int)
/// klp::func!("vfs_read" => my_vfs_read, same_as kernel::bindings::vfs_read)
/// ```
macro_rules! func {
    ($old:literal => $new:path as $sig:ty) => {{
        let f: $sig = $new;
        // SAFETY: `f` has the stated prototype, checked just above.
        unsafe { $crate::klp::Func::new($old, f as *mut ::kernel::ffi::c_void) }
    }};
    ($old:literal => $new:path, same_as $proto:path) => {{
        // Both coerce to one function pointer type only if the prototypes
        // agree: a mismatch is a type error here.
        let [_, f] = [$proto, $new];
        // SAFETY: `f` has the kernel's prototype of the old function.
        unsafe { $crate::klp::Func::new($old, f as *mut ::kernel::ffi::c_void) }
    }};
}
pub(crate) use func;

/// A symbol the patch code cannot link against (a static function or
/// variable): the runtime stores its address in `*dest` before any new
/// function of the object runs (`KLP_SYM_REF` in C).
pub struct SymRef {
    name: &'static CStr,
    sympos: u64,
    dest: *mut *mut c_void,
}

impl SymRef {
    /// A reference to `name`, stored into `dest` (a `static mut` pointer
    /// of the patch module, typed by the author).
    ///
    /// # Safety
    ///
    /// `dest` stays valid while the patch is, and is only read by the patch
    /// code after the object is patched.
    pub const unsafe fn new(name: &'static CStr, dest: *mut *mut c_void) -> Self {
        SymRef {
            name,
            sympos: 0,
            dest,
        }
    }

    /// Take the `pos`th symbol of that name.
    pub const fn sympos(mut self, pos: u64) -> Self {
        self.sympos = pos;
        self
    }
}

/// vmlinux or one module, and what the patch changes in it.
pub struct Object {
    name: Option<&'static CStr>,
    funcs: KVec<Func>,
    syms: KVec<SymRef>,
    callbacks: KlpCallbacks,
}

impl Object {
    /// The kernel image.
    pub fn vmlinux() -> Self {
        Self::named(None)
    }

    /// The module `name`, patched whenever it is loaded.
    pub fn module(name: &'static CStr) -> Self {
        Self::named(Some(name))
    }

    fn named(name: Option<&'static CStr>) -> Self {
        Object {
            name,
            funcs: KVec::new(),
            syms: KVec::new(),
            callbacks: no_callbacks(),
        }
    }

    /// Replace a function of this object.
    pub fn func(mut self, f: Func) -> Result<Self> {
        self.funcs.push(f, GFP_KERNEL)?;
        Ok(self)
    }

    /// Reach a symbol of this object from the patch code.
    pub fn sym(mut self, s: SymRef) -> Result<Self> {
        self.syms.push(s, GFP_KERNEL)?;
        Ok(self)
    }

    /// Callbacks, with upstream semantics (`klp_callbacks`).
    pub fn callbacks(mut self, callbacks: KlpCallbacks) -> Self {
        self.callbacks = callbacks;
        self
    }
}

/// A patch: objects, whether it replaces all patches before it, and the
/// system states it declares.
pub struct Patch {
    objs: KVec<Object>,
    replace: bool,
    states: KVec<(u64, u32)>,
}

impl Patch {
    /// An empty, non-cumulative patch.
    pub fn new() -> Self {
        Patch {
            objs: KVec::new(),
            replace: false,
            states: KVec::new(),
        }
    }

    /// Add an object.
    pub fn object(mut self, o: Object) -> Result<Self> {
        self.objs.push(o, GFP_KERNEL)?;
        Ok(self)
    }

    /// A cumulative patch replaces every patch enabled before it.
    pub fn replace(mut self, replace: bool) -> Self {
        self.replace = replace;
        self
    }

    /// Declare system state `id` at `version` (`klp_state`).
    pub fn state(mut self, id: u64, version: u32) -> Result<Self> {
        self.states.push((id, version), GFP_KERNEL)?;
        Ok(self)
    }

    /// Build the patch description and enable it (`klp_enable_patch`).
    /// The transition to the new code then runs in the background.
    pub fn enable(self, module: &'static ThisModule) -> Result<Registration> {
        let mut reg = Registration {
            patch: KBox::new(
                KlpPatch {
                    module: module.as_ptr(),
                    objs: null_mut(),
                    states: null_mut(),
                    replace: self.replace,
                    enabled: false,
                    forced: false,
                    rs: null_mut(),
                },
                GFP_KERNEL,
            )?,
            objs: KVec::with_capacity(self.objs.len() + 1, GFP_KERNEL)?,
            funcs: KVec::with_capacity(self.objs.len(), GFP_KERNEL)?,
            syms: KVec::with_capacity(self.objs.len(), GFP_KERNEL)?,
            states: KVec::with_capacity(self.states.len() + 1, GFP_KERNEL)?,
        };
        for o in self.objs.iter() {
            // Each array ends with an all-zero entry, as in C.
            let mut funcs = KVec::with_capacity(o.funcs.len() + 1, GFP_KERNEL)?;
            for f in o.funcs.iter() {
                funcs.push(
                    KlpFunc {
                        old_name: f.old_name.as_char_ptr(),
                        new_func: f.new_func,
                        old_sympos: f.sympos as c_ulong,
                        ..zeroed_func()
                    },
                    GFP_KERNEL,
                )?;
            }
            funcs.push(zeroed_func(), GFP_KERNEL)?;
            let mut syms = KVec::with_capacity(o.syms.len() + 1, GFP_KERNEL)?;
            for s in o.syms.iter() {
                syms.push(
                    KlpSymRef {
                        name: s.name.as_char_ptr(),
                        sympos: s.sympos as c_ulong,
                        addr: s.dest,
                    },
                    GFP_KERNEL,
                )?;
            }
            syms.push(
                KlpSymRef {
                    name: core::ptr::null(),
                    sympos: 0,
                    addr: null_mut(),
                },
                GFP_KERNEL,
            )?;
            reg.funcs.push(funcs, GFP_KERNEL)?;
            reg.syms.push(syms, GFP_KERNEL)?;
        }
        for (i, o) in self.objs.iter().enumerate() {
            reg.objs.push(
                KlpObject {
                    name: o.name.map_or(core::ptr::null(), CStr::as_char_ptr),
                    funcs: reg.funcs[i].as_mut_ptr(),
                    callbacks: KlpCallbacks { ..o.callbacks },
                    module: null_mut(),
                    dynamic: false,
                    patched: false,
                    rs: null_mut(),
                    syms: reg.syms[i].as_mut_ptr(),
                },
                GFP_KERNEL,
            )?;
        }
        reg.objs.push(zeroed_object(), GFP_KERNEL)?;
        for &(id, version) in self.states.iter() {
            reg.states.push(
                KlpState {
                    id: id as c_ulong,
                    version,
                    data: null_mut(),
                },
                GFP_KERNEL,
            )?;
        }
        reg.states.push(
            KlpState {
                id: 0,
                version: 0,
                data: null_mut(),
            },
            GFP_KERNEL,
        )?;
        reg.patch.objs = reg.objs.as_mut_ptr();
        reg.patch.states = reg.states.as_mut_ptr();
        // SAFETY: the description is complete and lives in `reg`, whose
        // heap buffers do not move; the runtime keeps this module loaded
        // (so `reg` alive) while it uses them.
        kernel::error::to_result(unsafe { klp_enable_patch(&mut *reg.patch) })?;
        Ok(reg)
    }
}

const fn no_callbacks() -> KlpCallbacks {
    KlpCallbacks {
        pre_patch: None,
        post_patch: None,
        pre_unpatch: None,
        post_unpatch: None,
        post_unpatch_enabled: false,
    }
}

fn zeroed_func() -> KlpFunc {
    KlpFunc {
        old_name: core::ptr::null(),
        new_func: null_mut(),
        old_sympos: 0,
        old_func: null_mut(),
        old_size: 0,
        new_size: 0,
        nop: false,
        patched: false,
        transition: false,
        rs: null_mut(),
    }
}

fn zeroed_object() -> KlpObject {
    KlpObject {
        name: core::ptr::null(),
        funcs: null_mut(),
        callbacks: no_callbacks(),
        module: null_mut(),
        dynamic: false,
        patched: false,
        rs: null_mut(),
        syms: null_mut(),
    }
}

/// An enabled patch's description. Keep it in the module's state: the
/// runtime uses it until the patch is disabled, and holds the module loaded
/// until then, so it is dropped only after.
pub struct Registration {
    patch: KBox<KlpPatch>,
    objs: KVec<KlpObject>,
    funcs: KVec<KVec<KlpFunc>>,
    syms: KVec<KVec<KlpSymRef>>,
    states: KVec<KlpState>,
}

impl Registration {
    /// The state `id` this patch declared (`klp_get_state`).
    pub fn state(&self, id: u64) -> Option<&KlpState> {
        // SAFETY: our own description; the result points into `states`.
        unsafe { klp_get_state(&*self.patch as *const _ as *mut _, id as c_ulong).as_ref() }
    }
}

// SAFETY: the description is written before klp_enable_patch() and then
// only by the runtime, under its own lock; the module only reads it.
unsafe impl Send for Registration {}
// SAFETY: as above.
unsafe impl Sync for Registration {}

/// Shadow variables (`klp_shadow_*`): data attached to any kernel object
/// by address, found by the patch that allocated it or any later one.
pub mod shadow {
    use super::*;

    /// The shadow variable `id` of `obj`, if any.
    pub fn get(obj: *const c_void, id: u64) -> Option<*mut c_void> {
        // SAFETY: a lookup; the runtime validates nothing about `obj` but
        // its address.
        let p = unsafe { klp_shadow_get(obj as *mut c_void, id as c_ulong) };
        (!p.is_null()).then_some(p)
    }

    /// The shadow variable `id` of `obj`, allocated zeroed (`size` bytes)
    /// if it does not exist yet.
    pub fn get_or_alloc(obj: *const c_void, id: u64, size: usize) -> Result<*mut c_void> {
        // SAFETY: no constructor; the runtime allocates and zeroes.
        let p = unsafe {
            klp_shadow_get_or_alloc(
                obj as *mut c_void,
                id as c_ulong,
                size,
                kernel::bindings::GFP_KERNEL,
                core::ptr::null(),
                null_mut(),
            )
        };
        if p.is_null() {
            Err(ENOMEM)
        } else {
            Ok(p)
        }
    }

    /// Free the shadow variable `id` of `obj`.
    pub fn free(obj: *const c_void, id: u64) {
        // SAFETY: no destructor.
        unsafe { klp_shadow_free(obj as *mut c_void, id as c_ulong, core::ptr::null()) };
    }
}

//! Exit codes (stable: monitoring relies on them) and the error type.

/// Success.
pub const OK: i32 = 0;
/// An operation failed: the kernel refused, a file was unreadable or
/// malformed, a patch is not loaded, ...
pub const FAILED: i32 = 1;
/// Bad command line (clap's code).
pub const USAGE: i32 = 2;
/// A module was refused before inserting it: not a livepatch-rs patch
/// module, built for another kernel, not a module at all.
pub const REFUSED: i32 = 3;
/// A transition did not finish within the timeout and was reverted: the
/// system is as before the command.
pub const STALLED: i32 = 4;
/// `check`: an installed patch for this kernel is not loaded, not enabled,
/// or a transition is in progress.
pub const NOT_CURRENT: i32 = 5;
/// `livepatch.enable=0` on the kernel command line: nothing was loaded
/// (`load`, `check`).
pub const DISABLED: i32 = 6;
/// The livepatch-rs runtime is not loaded and could not be loaded.
pub const NO_RUNTIME: i32 = 7;
/// A stalled transition could not be reverted either: a patch is left in
/// transition (see `klpctl blocking`).
pub const STUCK: i32 = 8;

#[derive(Debug)]
pub struct Fail {
    pub code: i32,
    pub msg: String,
}

impl Fail {
    pub fn new(code: i32, msg: impl Into<String>) -> Fail {
        Fail {
            code,
            msg: msg.into(),
        }
    }
}

pub type Res<T> = Result<T, Fail>;

// SPDX-License-Identifier: GPL-2.0

//! Whether the running kernel can host the runtime, and if not, why.

/// What the loading code found out about the running kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelFeatures {
    /// `/sys/kernel/livepatch` already exists: a built-in core owns it.
    pub builtin_core: bool,
    /// ftrace can redirect a call by changing the instruction pointer.
    pub ftrace_ipmodify: bool,
    /// Stacks of sleeping tasks can be walked reliably.
    pub reliable_stacktrace: bool,
}

/// Why the runtime refuses to load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The kernel has its own livepatch core.
    BuiltinCore,
    /// No IPMODIFY-capable ftrace: calls cannot be redirected.
    NoIpmodify,
    /// No reliable stack traces: the consistency model cannot work.
    NoReliableStacktrace,
}

/// `EBUSY`, as the kernel numbers it. (Not `EEXIST`: the module loader
/// reserves that for "already loaded" and turns an init's `EEXIST` into
/// `EBUSY` anyway.)
pub const EBUSY: i32 = 16;
/// `ENODEV`, as the kernel numbers it.
pub const ENODEV: i32 = 19;

impl Refusal {
    /// The (positive) errno `init_module` fails with.
    pub fn errno(self) -> i32 {
        match self {
            Refusal::BuiltinCore => EBUSY,
            Refusal::NoIpmodify | Refusal::NoReliableStacktrace => ENODEV,
        }
    }

    /// The log line, without the `livepatch: ` prefix.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::BuiltinCore => {
                "refusing to load: /sys/kernel/livepatch exists, this kernel has a built-in livepatch core (CONFIG_LIVEPATCH=y)"
            }
            Refusal::NoIpmodify => {
                "refusing to load: ftrace cannot modify the instruction pointer (needs CONFIG_DYNAMIC_FTRACE_WITH_ARGS or _WITH_REGS)"
            }
            Refusal::NoReliableStacktrace => {
                "refusing to load: no reliable stack traces (needs CONFIG_HAVE_RELIABLE_STACKTRACE and stack_trace_save_tsk_reliable), the consistency model cannot work"
            }
        }
    }
}

/// Decide whether to load. The built-in core is checked first: with it
/// present nothing else matters.
pub fn check(f: &KernelFeatures) -> Result<(), Refusal> {
    if f.builtin_core {
        Err(Refusal::BuiltinCore)
    } else if !f.ftrace_ipmodify {
        Err(Refusal::NoIpmodify)
    } else if !f.reliable_stacktrace {
        Err(Refusal::NoReliableStacktrace)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: KernelFeatures = KernelFeatures {
        builtin_core: false,
        ftrace_ipmodify: true,
        reliable_stacktrace: true,
    };

    #[test]
    fn a_capable_kernel_is_accepted() {
        assert_eq!(check(&GOOD), Ok(()));
    }

    #[test]
    fn each_missing_feature_is_named() {
        let f = KernelFeatures {
            ftrace_ipmodify: false,
            ..GOOD
        };
        assert_eq!(check(&f), Err(Refusal::NoIpmodify));
        let f = KernelFeatures {
            reliable_stacktrace: false,
            ..GOOD
        };
        assert_eq!(check(&f), Err(Refusal::NoReliableStacktrace));
        assert!(Refusal::NoReliableStacktrace
            .message()
            .contains("reliable stack"));
        assert_eq!(Refusal::NoIpmodify.errno(), ENODEV);
    }

    #[test]
    fn builtin_core_wins_over_everything_else() {
        for bits in 0..4u8 {
            let f = KernelFeatures {
                builtin_core: true,
                ftrace_ipmodify: bits & 1 != 0,
                reliable_stacktrace: bits & 2 != 0,
            };
            assert_eq!(check(&f), Err(Refusal::BuiltinCore));
        }
        assert_eq!(Refusal::BuiltinCore.errno(), EBUSY);
    }
}

// SPDX-License-Identifier: GPL-2.0

//! What a write to a patch's sysfs attribute means, before anything is done.

/// `EINVAL`, as the kernel numbers it.
pub const EINVAL: i32 = 22;
/// `EBUSY`, as the kernel numbers it.
pub const EBUSY: i32 = 16;
/// `ENOMEM`, as the kernel numbers it.
pub const ENOMEM: i32 = 12;

/// Why a write to a patch attribute is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The value is not a boolean `kstrtobool` accepts.
    NotBool,
    /// `enabled` already has the written value.
    AlreadySet(bool),
    /// Writing 1 to a patch that was disabled: it is on its way out.
    Reenable,
    /// Disabling while another patch is in transition.
    OtherInTransition,
    /// Forcing a patch that is not in transition.
    NotInTransition,
    /// Disabling needs memory to put the patch's functions back on the
    /// ftrace handler (off the direct path), and there was none.
    NoMemory,
}

impl Refusal {
    /// The errno the write fails with (positive), as upstream returns it.
    pub fn errno(self) -> i32 {
        match self {
            Refusal::OtherInTransition => EBUSY,
            Refusal::NoMemory => ENOMEM,
            _ => EINVAL,
        }
    }

    /// The reason, for the log line that names the patch and attribute.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::NotBool => "value is not a boolean (1/0, y/n, on/off)",
            Refusal::AlreadySet(true) => "patch is already enabled",
            Refusal::AlreadySet(false) => "patch is already disabled",
            Refusal::Reenable => "a disabled patch cannot be enabled again; reload its module",
            Refusal::OtherInTransition => "another patch is in transition",
            Refusal::NotInTransition => "patch is not in transition, nothing to force",
            Refusal::NoMemory => "out of memory moving its functions off the direct path",
        }
    }
}

/// Parse a boolean the way the kernel's `kstrtobool` does: `1 y Y t T on`
/// are true, `0 n N f F off` are false; only the first (two) characters
/// count, so "yes\n" and "1\n" work.
pub fn parse_bool(s: &[u8]) -> Result<bool, Refusal> {
    match s {
        [b'1' | b'y' | b'Y' | b't' | b'T', ..] => Ok(true),
        [b'0' | b'n' | b'N' | b'f' | b'F', ..] => Ok(false),
        [b'o' | b'O', b'n' | b'N', ..] => Ok(true),
        [b'o' | b'O', b'f' | b'F', ..] => Ok(false),
        _ => Err(Refusal::NotBool),
    }
}

/// The state of one patch as an `enabled` write sees it.
#[derive(Clone, Copy, Debug)]
pub struct PatchView {
    /// `enabled` reads 1.
    pub enabled: bool,
    /// This patch is the one in transition.
    pub in_transition: bool,
    /// Some patch (maybe this one) is in transition.
    pub any_transition: bool,
}

/// What writing to `enabled` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnabledWrite {
    /// Turn this patch's transition around.
    Reverse,
    /// Start disabling this patch.
    Disable,
}

/// Upstream semantics: writing the current value is `EINVAL`; during this
/// patch's own transition either value reverses it (the value differs from
/// `enabled`, which flipped when the transition started); otherwise 0
/// disables (`EBUSY` while another patch is in transition) and 1 is
/// `EINVAL` (a disabled patch cannot be enabled again).
pub fn enabled_write(value: bool, p: PatchView) -> Result<EnabledWrite, Refusal> {
    if value == p.enabled {
        Err(Refusal::AlreadySet(value))
    } else if p.in_transition {
        Ok(EnabledWrite::Reverse)
    } else if value {
        Err(Refusal::Reenable)
    } else if p.any_transition {
        Err(Refusal::OtherInTransition)
    } else {
        Ok(EnabledWrite::Disable)
    }
}

/// Writing to `force`: 0 does nothing, 1 forces this patch's transition and
/// is `EINVAL` when the patch is not in transition. `Ok(true)` means force.
pub fn force_write(value: bool, p: PatchView) -> Result<bool, Refusal> {
    match (value, p.in_transition) {
        (false, _) => Ok(false),
        (true, true) => Ok(true),
        (true, false) => Err(Refusal::NotInTransition),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kstrtobool_forms() {
        for t in [&b"1"[..], b"1\n", b"y", b"Yes", b"t", b"on", b"ON\n"] {
            assert_eq!(parse_bool(t), Ok(true), "{t:?}");
        }
        for f in [&b"0"[..], b"0\n", b"n", b"No", b"f", b"off", b"OFF\n"] {
            assert_eq!(parse_bool(f), Ok(false), "{f:?}");
        }
        for bad in [&b""[..], b"\n", b"2", b"-1", b"o", b"ox", b" 1", b"enable"] {
            assert_eq!(parse_bool(bad), Err(Refusal::NotBool), "{bad:?}");
        }
    }

    const IDLE_ON: PatchView = PatchView {
        enabled: true,
        in_transition: false,
        any_transition: false,
    };

    #[test]
    fn enabled_semantics() {
        assert_eq!(enabled_write(false, IDLE_ON), Ok(EnabledWrite::Disable));
        assert_eq!(enabled_write(true, IDLE_ON), Err(Refusal::AlreadySet(true)));
        let other_busy = PatchView {
            any_transition: true,
            ..IDLE_ON
        };
        assert_eq!(
            enabled_write(false, other_busy),
            Err(Refusal::OtherInTransition)
        );
        assert_eq!(Refusal::OtherInTransition.errno(), EBUSY);
        let off = PatchView {
            enabled: false,
            ..IDLE_ON
        };
        assert_eq!(enabled_write(false, off), Err(Refusal::AlreadySet(false)));
        assert_eq!(enabled_write(true, off), Err(Refusal::Reenable));
        assert_eq!(Refusal::Reenable.errno(), EINVAL);
        // A disable that cannot get the memory to leave the direct path.
        assert_eq!(Refusal::NoMemory.errno(), ENOMEM);
    }

    #[test]
    fn either_value_that_differs_reverses_a_running_transition() {
        for enabled in [false, true] {
            let p = PatchView {
                enabled,
                in_transition: true,
                any_transition: true,
            };
            assert_eq!(enabled_write(!enabled, p), Ok(EnabledWrite::Reverse));
            assert_eq!(enabled_write(enabled, p), Err(Refusal::AlreadySet(enabled)));
        }
    }

    #[test]
    fn force_semantics() {
        assert_eq!(force_write(false, IDLE_ON), Ok(false));
        assert_eq!(force_write(true, IDLE_ON), Err(Refusal::NotInTransition));
        let t = PatchView {
            in_transition: true,
            any_transition: true,
            ..IDLE_ON
        };
        assert_eq!(force_write(true, t), Ok(true));
    }
}

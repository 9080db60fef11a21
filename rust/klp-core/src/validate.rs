// SPDX-License-Identifier: GPL-2.0

//! Checks on a patch description before anything is resolved or patched.

/// One `klp_func` as the author described it.
#[derive(Clone, Copy, Debug)]
pub struct FuncDesc<'a> {
    /// `old_name`, `None` when NULL.
    pub old_name: Option<&'a [u8]>,
    /// `new_func` is non-NULL.
    pub has_new_func: bool,
    /// `old_sympos`.
    pub sympos: u64,
}

/// What is wrong with a description; indexes point into the slices given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// A function has a NULL or empty `old_name`.
    NoName(usize),
    /// A function has a NULL `new_func`.
    NoNewFunc(usize),
    /// Functions `.0` and `.1` name the same symbol (same name and position).
    DuplicateFunc(usize, usize),
    /// Objects `.0` and `.1` have the same name.
    DuplicateObject(usize, usize),
}

fn same_symbol(a: &FuncDesc<'_>, b: &FuncDesc<'_>) -> bool {
    a.old_name == b.old_name && super::sympos::shown(a.sympos) == super::sympos::shown(b.sympos)
}

/// Check the functions of one object. An empty list is fine: an object
/// may carry only callbacks, as upstream.
pub fn object(funcs: &[FuncDesc<'_>]) -> Result<(), Invalid> {
    for (i, f) in funcs.iter().enumerate() {
        match f.old_name {
            None | Some([]) => return Err(Invalid::NoName(i)),
            Some(_) => {}
        }
        if !f.has_new_func {
            return Err(Invalid::NoNewFunc(i));
        }
        if let Some(j) = funcs[..i].iter().position(|g| same_symbol(g, f)) {
            return Err(Invalid::DuplicateFunc(j, i));
        }
    }
    Ok(())
}

/// The longest module name the kernel accepts (`MODULE_NAME_LEN - 1` on
/// 64-bit): a longer object name can never match a module.
pub const MODULE_NAME_MAX: usize = 55;

/// What is wrong with the name of an object (a module).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadObjectName {
    /// "vmlinux": NULL names vmlinux.
    Reserved,
    /// "".
    Empty,
    /// Longer than [`MODULE_NAME_MAX`].
    TooLong,
}

impl BadObjectName {
    /// Completes "object name '<name>' ..." in the refusal's log line.
    pub fn reason(self) -> &'static str {
        match self {
            BadObjectName::Reserved => "is reserved, use NULL for vmlinux",
            BadObjectName::Empty => "is empty, use NULL for vmlinux",
            BadObjectName::TooLong => "is longer than a module name can be (55 bytes)",
        }
    }
}

/// Check the name of a module object (vmlinux has none).
pub fn object_name(name: &[u8]) -> Result<(), BadObjectName> {
    match name {
        b"vmlinux" => Err(BadObjectName::Reserved),
        [] => Err(BadObjectName::Empty),
        n if n.len() > MODULE_NAME_MAX => Err(BadObjectName::TooLong),
        _ => Ok(()),
    }
}

/// Check that no two objects have the same name (`None` is vmlinux).
pub fn object_names(names: &[Option<&[u8]>]) -> Result<(), Invalid> {
    for (i, n) in names.iter().enumerate() {
        if let Some(j) = names[..i].iter().position(|m| m == n) {
            return Err(Invalid::DuplicateObject(j, i));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &'static str, sympos: u64) -> FuncDesc<'static> {
        FuncDesc {
            old_name: Some(name.as_bytes()),
            has_new_func: true,
            sympos,
        }
    }

    #[test]
    fn a_good_object_passes() {
        assert_eq!(object(&[f("a", 0), f("b", 0), f("a", 2)]), Ok(()));
    }

    #[test]
    fn each_defect_is_found_with_its_index() {
        assert_eq!(object(&[]), Ok(()));
        let none = FuncDesc {
            old_name: None,
            ..f("x", 0)
        };
        assert_eq!(object(&[f("a", 0), none]), Err(Invalid::NoName(1)));
        assert_eq!(object(&[f("", 0)]), Err(Invalid::NoName(0)));
        let nonew = FuncDesc {
            has_new_func: false,
            ..f("x", 0)
        };
        assert_eq!(object(&[nonew]), Err(Invalid::NoNewFunc(0)));
        assert_eq!(
            object(&[f("a", 0), f("b", 0), f("a", 0)]),
            Err(Invalid::DuplicateFunc(0, 2))
        );
    }

    #[test]
    fn sympos_0_and_1_are_the_same_symbol() {
        assert_eq!(
            object(&[f("a", 1), f("a", 0)]),
            Err(Invalid::DuplicateFunc(0, 1))
        );
    }

    #[test]
    fn object_names_that_can_never_match_a_module() {
        assert_eq!(object_name(b"lprs_test_target"), Ok(()));
        assert_eq!(object_name(b"vmlinux"), Err(BadObjectName::Reserved));
        assert_eq!(object_name(b""), Err(BadObjectName::Empty));
        assert_eq!(object_name(&[b'm'; MODULE_NAME_MAX]), Ok(()));
        assert_eq!(
            object_name(&[b'm'; MODULE_NAME_MAX + 1]),
            Err(BadObjectName::TooLong)
        );
    }

    #[test]
    fn duplicate_objects() {
        let m = Some(&b"mod"[..]);
        assert_eq!(object_names(&[None, m]), Ok(()));
        assert_eq!(
            object_names(&[None, m, None]),
            Err(Invalid::DuplicateObject(0, 2))
        );
    }
}

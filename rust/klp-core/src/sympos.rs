// SPDX-License-Identifier: GPL-2.0

//! Choosing an old function by name and position (`old_sympos`), as the
//! upstream core does: sympos 0 means the name must be unique in its object,
//! N means its Nth occurrence in symbol-table order.

/// Why a symbol could not be chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymposError {
    /// No symbol of that name in the object.
    NotFound,
    /// sympos 0, but the name occurs `count` times.
    Ambiguous {
        /// How many times the name occurs.
        count: u64,
    },
    /// The name occurs `count` times, fewer than sympos.
    NoSuchPosition {
        /// How many times the name occurs.
        count: u64,
    },
}

/// The 1-based occurrence to take, given how many symbols of the name the
/// object has and the requested `sympos`.
pub fn select(count: u64, sympos: u64) -> Result<u64, SymposError> {
    match (count, sympos) {
        (0, _) => Err(SymposError::NotFound),
        (1, 0) => Ok(1),
        (count, 0) => Err(SymposError::Ambiguous { count }),
        (count, pos) if pos > count => Err(SymposError::NoSuchPosition { count }),
        (_, pos) => Ok(pos),
    }
}

/// The position shown in sysfs (`<func>,<sympos>`): 0 is shown as 1, since a
/// unique symbol is its own first occurrence.
pub fn shown(sympos: u64) -> u64 {
    if sympos == 0 {
        1
    } else {
        sympos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_name_with_sympos_0_or_1() {
        assert_eq!(select(1, 0), Ok(1));
        assert_eq!(select(1, 1), Ok(1));
    }

    #[test]
    fn missing_ambiguous_and_out_of_range() {
        assert_eq!(select(0, 0), Err(SymposError::NotFound));
        assert_eq!(select(0, 3), Err(SymposError::NotFound));
        assert_eq!(select(3, 0), Err(SymposError::Ambiguous { count: 3 }));
        assert_eq!(select(2, 3), Err(SymposError::NoSuchPosition { count: 2 }));
    }

    #[test]
    fn every_valid_position_is_taken_as_is() {
        for count in 1..20 {
            for pos in 1..=count {
                assert_eq!(select(count, pos), Ok(pos));
            }
        }
    }

    #[test]
    fn sysfs_shows_zero_as_one() {
        assert_eq!(shown(0), 1);
        assert_eq!(shown(4), 4);
    }
}

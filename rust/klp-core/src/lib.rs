// SPDX-License-Identifier: GPL-2.0

//! The decisions of livepatch-rs, as plain Rust shared by `livepatch.ko`
//! (which includes these files with `#[path]`) and host tests.
//!
//! Only attributes and `mod` lines live here: the module crate has its own
//! root, so the logic files must not depend on this one.

#![cfg_attr(not(test), no_std)]

pub mod attr;
pub mod prereq;
pub mod replace;
pub mod sympos;
pub mod transition;
pub mod validate;

// SPDX-License-Identifier: GPL-2.0
/* The C API of livepatch.ko, implemented in Rust, exported as upstream's. */
#include <linux/export.h>
#include <linux/module.h>
#include <livepatch-rs/livepatch.h>

EXPORT_SYMBOL_GPL(klp_enable_patch);
EXPORT_SYMBOL_GPL(klp_get_state);
EXPORT_SYMBOL_GPL(klp_get_prev_state);

/* The Rust side mirrors these layouts (rust/livepatch/shim.rs). */
static_assert(sizeof(struct klp_func) == 64);
static_assert(sizeof(struct klp_object) == 80);
static_assert(sizeof(struct klp_state) == 24);
static_assert(sizeof(struct klp_patch) == 40);

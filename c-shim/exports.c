// SPDX-License-Identifier: GPL-2.0
/* The C API of livepatch.ko, exported as upstream's. */
#include <linux/export.h>
#include <linux/module.h>
#include <livepatch-rs/livepatch.h>

/* Implemented in Rust (rust/livepatch/patch.rs). */
EXPORT_SYMBOL_GPL(klp_enable_patch);
EXPORT_SYMBOL_GPL(klp_get_state);
EXPORT_SYMBOL_GPL(klp_get_prev_state);

/* Implemented in C (shadow.c). */
EXPORT_SYMBOL_GPL(klp_shadow_get);
EXPORT_SYMBOL_GPL(klp_shadow_alloc);
EXPORT_SYMBOL_GPL(klp_shadow_get_or_alloc);
EXPORT_SYMBOL_GPL(klp_shadow_free);
EXPORT_SYMBOL_GPL(klp_shadow_free_all);

/* The Rust side mirrors these layouts (rust/livepatch/shim.rs). */
static_assert(sizeof(struct klp_func) == 64);
static_assert(sizeof(struct klp_object) == 88);
static_assert(sizeof(struct klp_state) == 24);
static_assert(sizeof(struct klp_patch) == 40);

// SPDX-License-Identifier: GPL-2.0
/*
 * System states: klp_get_state() and klp_get_prev_state() for patch
 * modules' callbacks.
 *
 * klp_get_prev_state() looks at the patches installed before the patch in
 * transition. Callbacks run under the runtime's lock, which the Rust side
 * also holds when it records that list here (lprs_states_set), so the
 * callbacks read it without locking, as with the upstream core.
 */
#define pr_fmt(fmt) "livepatch: " fmt

#include <linux/slab.h>
#include <livepatch-rs/livepatch.h>

#include "lprs.h"

static struct klp_patch **lprs_prev_patches;
static unsigned int lprs_nr_prev;
static struct klp_patch *lprs_transition_patch;

struct klp_state *klp_get_state(struct klp_patch *patch, unsigned long id)
{
	struct klp_state *state;

	for (state = patch->states; state && state->id; state++)
		if (state->id == id)
			return state;
	return NULL;
}

struct klp_state *klp_get_prev_state(unsigned long id)
{
	struct klp_state *state, *last = NULL;
	unsigned int i;

	if (!lprs_transition_patch) {
		pr_err("klp_get_prev_state() called outside a transition\n");
		return NULL;
	}
	for (i = 0; i < lprs_nr_prev; i++) {
		state = klp_get_state(lprs_prev_patches[i], id);
		if (state)
			last = state;
	}
	return last;
}

/*
 * Record the patch in transition (NULL: none) and the patches installed
 * before it, oldest first. Called under the runtime's lock.
 */
int lprs_states_set(struct klp_patch *const *prev, unsigned int nr,
		    struct klp_patch *transition)
{
	struct klp_patch **copy = NULL;

	if (nr) {
		copy = kmemdup_array(prev, nr, sizeof(*prev), GFP_KERNEL);
		if (!copy)
			return -ENOMEM;
	}
	kfree(lprs_prev_patches);
	lprs_prev_patches = copy;
	lprs_nr_prev = nr;
	lprs_transition_patch = transition;
	return 0;
}

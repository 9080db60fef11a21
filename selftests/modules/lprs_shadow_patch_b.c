// SPDX-License-Identifier: GPL-2.0
/*
 * Takes over the shadow variable that lprs_shadow_patch_a created, then
 * patches on top of it; frees the variable when unloaded.
 */
#include "lprs_shadow_patch.h"

static int lprs_shadow_patch_b_init(void)
{
	struct lprs_cmdline_note *note;

	note = klp_shadow_get(LPRS_SHADOW_OBJ, LPRS_SHADOW_ID);
	if (!note) {
		pr_err("%s: no shadow variable <%p, %x> to take over\n",
		       THIS_MODULE->name, LPRS_SHADOW_OBJ, LPRS_SHADOW_ID);
		return -ENOENT;
	}
	pr_info("%s: found shadow variable <%p, %x> of %s\n",
		THIS_MODULE->name, LPRS_SHADOW_OBJ, LPRS_SHADOW_ID, note->owner);
	strscpy(note->owner, THIS_MODULE->name, sizeof(note->owner));
	return klp_enable_patch(&patch);
}

static void lprs_shadow_patch_b_exit(void)
{
	klp_shadow_free(LPRS_SHADOW_OBJ, LPRS_SHADOW_ID, lprs_note_dtor);
}

module_init(lprs_shadow_patch_b_init);
module_exit(lprs_shadow_patch_b_exit);
MODULE_DESCRIPTION("livepatch-rs test: patch with a shadow variable (takes it over)");

// SPDX-License-Identifier: GPL-2.0
/* Creates the shadow variable of lprs_shadow_patch.h, then patches. */
#include "lprs_shadow_patch.h"

/* klp_shadow_alloc() constructor: ctor_data is the owner's name. */
static int lprs_note_ctor(void *obj, void *shadow_data, void *ctor_data)
{
	struct lprs_cmdline_note *note = shadow_data;

	strscpy(note->owner, ctor_data, sizeof(note->owner));
	strscpy(note->creator, ctor_data, sizeof(note->creator));
	return 0;
}

static int lprs_shadow_patch_a_init(void)
{
	struct lprs_cmdline_note *note;
	int ret;

	note = klp_shadow_alloc(LPRS_SHADOW_OBJ, LPRS_SHADOW_ID, sizeof(*note),
				GFP_KERNEL, lprs_note_ctor, THIS_MODULE->name);
	if (!note)
		return -ENOMEM;
	pr_info("%s: created shadow variable <%p, %x>\n", THIS_MODULE->name,
		LPRS_SHADOW_OBJ, LPRS_SHADOW_ID);
	ret = klp_enable_patch(&patch);
	if (ret)
		klp_shadow_free(LPRS_SHADOW_OBJ, LPRS_SHADOW_ID, NULL);
	return ret;
}

/* Frees the variable if no one took it over (and freed it) meanwhile. */
static void lprs_shadow_patch_a_exit(void)
{
	klp_shadow_free(LPRS_SHADOW_OBJ, LPRS_SHADOW_ID, lprs_note_dtor);
}

module_init(lprs_shadow_patch_a_init);
module_exit(lprs_shadow_patch_a_exit);
MODULE_DESCRIPTION("livepatch-rs test: patch with a shadow variable (creates it)");

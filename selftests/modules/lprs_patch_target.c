// SPDX-License-Identifier: GPL-2.0
/* Patches lprs_target_message() of lprs_test_target, loaded or not. */
#include <linux/module.h>
#include <linux/livepatch.h>

static void lprs_patched_message(char *buf)
{
	strscpy(buf, "patched", 16);
}

static struct klp_func funcs[] = {
	{ .old_name = "lprs_target_message", .new_func = lprs_patched_message }, { }
};
static struct klp_object objs[] = {
	{ .name = "lprs_test_target", .funcs = funcs }, { }
};
static struct klp_patch patch = { .mod = THIS_MODULE, .objs = objs };

static int lprs_patch_target_init(void)
{
	return klp_enable_patch(&patch);
}

static void lprs_patch_target_exit(void)
{
}

module_init(lprs_patch_target_init);
module_exit(lprs_patch_target_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: patch a function of a module");
KLP_PATCH_MODULE();

// SPDX-License-Identifier: GPL-2.0
/*
 * Patches lprs_target_message() of lprs_test_target with a version that
 * reads the module's static lprs_target_reads and calls its static
 * lprs_target_format() through symbol references, resolved when the module
 * loads. With mode=wrong_object, one reference names a vmlinux symbol in
 * the module's object, which must refuse the module.
 */
#include <linux/module.h>
#include <linux/livepatch.h>

static char *mode = "ok";
module_param(mode, charp, 0444);

static unsigned int *klp_reads;
static void (*klp_format)(char *buf, unsigned int n);

static void lprs_patched_message(char *buf)
{
	klp_format(buf, READ_ONCE(*klp_reads));
}

static struct klp_sym_ref syms[] = {
	KLP_SYM_REF("lprs_target_reads", 0, &klp_reads),
	KLP_SYM_REF("lprs_target_format", 0, &klp_format),
	{ }
};
static struct klp_func funcs[] = {
	{ .old_name = "lprs_target_message", .new_func = lprs_patched_message }, { }
};
static struct klp_object objs[] = {
	{ .name = "lprs_test_target", .funcs = funcs, .syms = syms }, { }
};
static struct klp_patch patch = { .mod = THIS_MODULE, .objs = objs };

static int lprs_patch_target_syms_init(void)
{
	if (!strcmp(mode, "wrong_object"))
		syms[1].name = "version_proc_show";
	return klp_enable_patch(&patch);
}

static void lprs_patch_target_syms_exit(void)
{
}

module_init(lprs_patch_target_syms_init);
module_exit(lprs_patch_target_syms_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: a patch using static symbols of a module");
KLP_PATCH_MODULE();

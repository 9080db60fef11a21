// SPDX-License-Identifier: GPL-2.0
/*
 * Patches cmdline_proc_show() with a version that reads a static variable
 * (sysctl_hung_task_check_count) and calls a static function
 * (version_proc_show) of vmlinux through symbol references. The parameter
 * "mode" breaks one reference, for the refusal tests: unknown, ambiguous,
 * sympos, nodest.
 */
#include <linux/module.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>

static char *mode = "ok";
module_param(mode, charp, 0444);

static int (*klp_version_proc_show)(struct seq_file *m, void *v);
static int *klp_hung_task_check_count;

static int lprs_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "hung_task_check_count=%d\n", READ_ONCE(*klp_hung_task_check_count));
	return klp_version_proc_show(m, v);
}

static struct klp_sym_ref syms[] = {
	KLP_SYM_REF("version_proc_show", 0, &klp_version_proc_show),
	KLP_SYM_REF("sysctl_hung_task_check_count", 0, &klp_hung_task_check_count),
	{ }
};
static struct klp_func funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = lprs_cmdline_proc_show }, { }
};
static struct klp_object objs[] = {
	{ .funcs = funcs, .syms = syms }, { }
};
static struct klp_patch patch = { .mod = THIS_MODULE, .objs = objs };

static int lprs_patch_syms_init(void)
{
	if (!strcmp(mode, "unknown"))
		syms[1].name = "lprs_no_such_symbol";
	else if (!strcmp(mode, "ambiguous"))
		syms[1].name = "warn_unsupported";
	else if (!strcmp(mode, "sympos"))
		syms[0].sympos = 2;
	else if (!strcmp(mode, "nodest"))
		syms[1].addr = NULL;
	return klp_enable_patch(&patch);
}

static void lprs_patch_syms_exit(void)
{
}

module_init(lprs_patch_syms_init);
module_exit(lprs_patch_syms_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: a patch using static vmlinux symbols");
KLP_PATCH_MODULE();

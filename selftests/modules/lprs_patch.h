/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A patch of cmdline_proc_show (what /proc/cmdline prints), built as several
 * modules, for stacking tests. Each prints "<module name>: patched\n". A
 * module that defines LPRS_REPLACE first is a cumulative (replace) patch.
 */
#include <linux/module.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>

static int lprs_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s: patched\n", THIS_MODULE->name);
	return 0;
}

static struct klp_func funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = lprs_cmdline_proc_show,
	}, { }
};

static struct klp_object objs[] = {
	{
		/* name being NULL means vmlinux */
		.funcs = funcs,
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
#ifdef LPRS_REPLACE
	.replace = true,
#endif
};

static int lprs_patch_init(void)
{
	return klp_enable_patch(&patch);
}

static void lprs_patch_exit(void)
{
}

module_init(lprs_patch_init);
module_exit(lprs_patch_exit);
MODULE_LICENSE("GPL");
KLP_PATCH_MODULE();

// SPDX-License-Identifier: GPL-2.0
/* A well-formed patch from a module without KLP_PATCH_MODULE(): refused. */
#include <linux/module.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>

static int lprs_unmarked_show(struct seq_file *m, void *v)
{
	seq_puts(m, "lprs_test_unmarked: patched\n");
	return 0;
}

static struct klp_func funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = lprs_unmarked_show }, { }
};
static struct klp_object objs[] = { { .funcs = funcs }, { } };
static struct klp_patch patch = { .mod = THIS_MODULE, .objs = objs };

static int lprs_test_unmarked_init(void)
{
	return klp_enable_patch(&patch);
}

module_init(lprs_test_unmarked_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: patch module without the marker");

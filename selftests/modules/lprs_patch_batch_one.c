// SPDX-License-Identifier: GPL-2.0
/* Replaces lprs_batch_fn2 of lprs_test_batch again, on top: "one2". */
#include <linux/module.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>

static void lprs_one_fn2(struct seq_file *m)
{
	seq_puts(m, "one2");
}

static struct klp_func funcs[] = {
	{ .old_name = "lprs_batch_fn2", .new_func = lprs_one_fn2 }, { }
};
static struct klp_object objs[] = {
	{ .name = "lprs_test_batch", .funcs = funcs }, { }
};
static struct klp_patch patch = { .mod = THIS_MODULE, .objs = objs };

static int lprs_patch_batch_one_init(void)
{
	return klp_enable_patch(&patch);
}

static void lprs_patch_batch_one_exit(void)
{
}

module_init(lprs_patch_batch_one_init);
module_exit(lprs_patch_batch_one_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: a patch of one function, stacked on a batch");
KLP_PATCH_MODULE();

// SPDX-License-Identifier: GPL-2.0
/* Replaces the four functions of lprs_test_batch: "batch0 ... batch3". */
#include <linux/module.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>

static void lprs_batched_fn0(struct seq_file *m)
{
	seq_puts(m, "batch0");
}

static void lprs_batched_fn1(struct seq_file *m)
{
	seq_puts(m, "batch1");
}

static void lprs_batched_fn2(struct seq_file *m)
{
	seq_puts(m, "batch2");
}

static void lprs_batched_fn3(struct seq_file *m)
{
	seq_puts(m, "batch3");
}

static struct klp_func funcs[] = {
	{ .old_name = "lprs_batch_fn0", .new_func = lprs_batched_fn0 },
	{ .old_name = "lprs_batch_fn1", .new_func = lprs_batched_fn1 },
	{ .old_name = "lprs_batch_fn2", .new_func = lprs_batched_fn2 },
	{ .old_name = "lprs_batch_fn3", .new_func = lprs_batched_fn3 },
	{ }
};
static struct klp_object objs[] = {
	{ .name = "lprs_test_batch", .funcs = funcs }, { }
};
static struct klp_patch patch = { .mod = THIS_MODULE, .objs = objs };

static int lprs_patch_batch_init(void)
{
	return klp_enable_patch(&patch);
}

static void lprs_patch_batch_exit(void)
{
}

module_init(lprs_patch_batch_init);
module_exit(lprs_patch_batch_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: a patch of four functions of one object");
KLP_PATCH_MODULE();

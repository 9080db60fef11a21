// SPDX-License-Identifier: GPL-2.0
/*
 * Four functions one patch object replaces together, which the runtime
 * hooks with one ftrace ops: /proc/lprs_test_batch shows what each answers,
 * "orig0 orig1 orig2 orig3" unpatched.
 */
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

/* Distinct bodies, so the compiler cannot fold them into one. */
static noinline void lprs_batch_fn0(struct seq_file *m)
{
	seq_puts(m, "orig0");
}

static noinline void lprs_batch_fn1(struct seq_file *m)
{
	seq_puts(m, "orig1");
}

static noinline void lprs_batch_fn2(struct seq_file *m)
{
	seq_puts(m, "orig2");
}

static noinline void lprs_batch_fn3(struct seq_file *m)
{
	seq_puts(m, "orig3");
}

static int lprs_test_batch_show(struct seq_file *m, void *v)
{
	lprs_batch_fn0(m);
	seq_putc(m, ' ');
	lprs_batch_fn1(m);
	seq_putc(m, ' ');
	lprs_batch_fn2(m);
	seq_putc(m, ' ');
	lprs_batch_fn3(m);
	seq_putc(m, '\n');
	return 0;
}

static int lprs_test_batch_init(void)
{
	return proc_create_single("lprs_test_batch", 0444, NULL, lprs_test_batch_show) ?
	       0 : -ENOMEM;
}

static void lprs_test_batch_exit(void)
{
	remove_proc_entry("lprs_test_batch", NULL);
}

module_init(lprs_test_batch_init);
module_exit(lprs_test_batch_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: functions a patch replaces together");

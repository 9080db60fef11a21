// SPDX-License-Identifier: GPL-2.0
/*
 * What `make bench` patches and measures.
 *
 * lprs_bench_fn() is the hot function: /proc/lprs_bench takes "loop N"
 * (call it N times in a tight loop and keep the time taken), "hold" (the
 * writer sleeps inside it until "release", keeping a transition pending)
 * and "release"; "loopf N" loops on lprs_bench_f500() instead (one function
 * of a patch of many); a read shows "<calls> <ns>" of the last loop.
 * /proc/lprs_bench_call calls it once and shows "original" (or "patched",
 * under a patch), for lprs-hammer. lprs_bench_f000 ... lprs_bench_f999 are
 * targets for patches of many functions.
 */
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include "lprs_bench.h"

static bool lprs_hold;
static u64 lprs_last_calls, lprs_last_ns;
static DEFINE_MUTEX(lprs_lock);

noinline int lprs_bench_fn(int x);
noinline int lprs_bench_fn(int x)
{
	while (x < 0 && READ_ONCE(lprs_hold))
		msleep_interruptible(10);
	asm volatile("" : "+r"(x));
	return x + 1;
}

#define LPRS_FN(n)							\
	noinline int lprs_bench_f##n(int x);				\
	noinline int lprs_bench_f##n(int x)				\
	{								\
		asm volatile("" : "+r"(x));				\
		return x + 1;						\
	}
LPRS_BENCH_1000(LPRS_FN)

/* Call FN N times in a tight loop; keep the count and time taken. */
#define LPRS_TIME_LOOP(fn, n)						\
	do {								\
		u64 i, t0, t1;						\
		int acc = 0;						\
									\
		t0 = ktime_get_ns();					\
		for (i = 0; i < (n); i++)				\
			acc = fn(acc);					\
		t1 = ktime_get_ns();					\
		mutex_lock(&lprs_lock);					\
		lprs_last_calls = (n);					\
		lprs_last_ns = t1 - t0;					\
		mutex_unlock(&lprs_lock);				\
	} while (0)

static int lprs_bench_show(struct seq_file *m, void *v)
{
	mutex_lock(&lprs_lock);
	seq_printf(m, "%llu %llu\n", lprs_last_calls, lprs_last_ns);
	mutex_unlock(&lprs_lock);
	return 0;
}

static int lprs_bench_open(struct inode *inode, struct file *file)
{
	return single_open(file, lprs_bench_show, NULL);
}

static ssize_t lprs_bench_write(struct file *file, const char __user *ubuf, size_t count,
				loff_t *ppos)
{
	char cmd[32];
	u64 n;

	if (count >= sizeof(cmd) || copy_from_user(cmd, ubuf, count))
		return -EINVAL;
	cmd[count] = '\0';
	strim(cmd);
	if (!strcmp(cmd, "hold")) {
		WRITE_ONCE(lprs_hold, true);
		lprs_bench_fn(-1);
	} else if (!strcmp(cmd, "release")) {
		WRITE_ONCE(lprs_hold, false);
	} else if (!strncmp(cmd, "loop ", 5) && !kstrtou64(cmd + 5, 10, &n)) {
		LPRS_TIME_LOOP(lprs_bench_fn, n);
	} else if (!strncmp(cmd, "loopf ", 6) && !kstrtou64(cmd + 6, 10, &n)) {
		LPRS_TIME_LOOP(lprs_bench_f500, n);
	} else {
		return -EINVAL;
	}
	return count;
}

static const struct proc_ops lprs_bench_ops = {
	.proc_open = lprs_bench_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = lprs_bench_write,
};

static int lprs_bench_call_show(struct seq_file *m, void *v)
{
	seq_puts(m, lprs_bench_fn(1) == 2 ? "original\n" : "patched\n");
	return 0;
}

static int lprs_bench_target_init(void)
{
	if (!proc_create("lprs_bench", 0644, NULL, &lprs_bench_ops))
		return -ENOMEM;
	if (!proc_create_single("lprs_bench_call", 0444, NULL, lprs_bench_call_show)) {
		remove_proc_entry("lprs_bench", NULL);
		return -ENOMEM;
	}
	return 0;
}

static void lprs_bench_target_exit(void)
{
	remove_proc_entry("lprs_bench_call", NULL);
	remove_proc_entry("lprs_bench", NULL);
}

module_init(lprs_bench_target_init);
module_exit(lprs_bench_target_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs benchmark: functions to patch and a call loop");

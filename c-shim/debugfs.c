// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/livepatch/pending: during a transition, every task that
 * has not switched yet, and why, as of the last round of checks:
 *   <pid> <comm> <reason>[ <function+offset>]
 * The first line names the patch and the direction.
 */
#define pr_fmt(fmt) "livepatch: " fmt

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "lprs.h"

/* Implemented in Rust (rust/livepatch/transition.rs). */
bool lprs_rs_pending_get(unsigned int i, struct lprs_pending *out);
int lprs_rs_signal_now(void);

static const char *const lprs_reasons[] = {
	[LPRS_RUNNING] = "running",
	[LPRS_UNRELIABLE] = "unreliable-stack",
	[LPRS_SLEEPING_IN] = "sleeping-in",
};

static int lprs_pending_show(struct seq_file *m, void *v)
{
	struct lprs_pending p;
	unsigned int i;

	for (i = 0; lprs_rs_pending_get(i, &p); i++) {
		if (!i)
			seq_printf(m, "# %s %s\n", p.patch, p.patching ? "patching" : "unpatching");
		seq_printf(m, "%d %s %s", p.pid, p.comm,
			   p.why > 0 && p.why < ARRAY_SIZE(lprs_reasons) ?
			   lprs_reasons[p.why] : "unknown");
		if (p.why == LPRS_SLEEPING_IN)
			seq_printf(m, " %pS", (void *)p.addr);
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lprs_pending);

/*
 * /sys/kernel/debug/livepatch/signal: any write escalates the transition in
 * progress now (fake signals, kthread wake-ups), as upstream does after
 * 15 s; EINVAL when no transition runs.
 */
static ssize_t lprs_signal_write(struct file *file, const char __user *buf, size_t count,
				 loff_t *ppos)
{
	int ret = lprs_rs_signal_now();

	return ret ? ret : count;
}

static const struct file_operations lprs_signal_fops = {
	.owner = THIS_MODULE,
	.write = lprs_signal_write,
};

static struct dentry *lprs_debugfs_dir;

void lprs_debugfs_init(void)
{
	lprs_debugfs_dir = debugfs_create_dir("livepatch", NULL);
	debugfs_create_file("pending", 0400, lprs_debugfs_dir, NULL, &lprs_pending_fops);
	debugfs_create_file("signal", 0200, lprs_debugfs_dir, NULL, &lprs_signal_fops);
}

void lprs_debugfs_exit(void)
{
	debugfs_remove(lprs_debugfs_dir);
}

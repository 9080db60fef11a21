// SPDX-License-Identifier: GPL-2.0
/*
 * A module whose patched function can hold tasks inside it, for the
 * consistency model tests.
 *
 * /proc/lprs_sleeper: a read calls lprs_sleeper_call() and shows its answer
 * ("original"; a patch answers something else). While "hold" is set, the
 * original function sleeps (interruptibly) until "release"; after
 * "hold-kthread", only the kthread below does.
 *
 * /proc/lprs_sleeper_ctl: write "hold", "hold-kthread", "release", "kthread"
 * (start a kthread that calls lprs_sleeper_call() every 10 ms) or "stop"
 * (stop it); a read
 * shows "<tasks inside the original function> <kthread's last answer>".
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/wait.h>

#define LPRS_MSG_LEN 16

static DECLARE_WAIT_QUEUE_HEAD(lprs_wq);
static bool lprs_hold, lprs_hold_kthread_only;
static atomic_t lprs_inside = ATOMIC_INIT(0);
static struct task_struct *lprs_kthread;
static DEFINE_SPINLOCK(lprs_last_lock);
static char lprs_kthread_last[LPRS_MSG_LEN] = "none";

/* One argument, written to memory: see lprs_test_target.c. */
static noinline void lprs_sleeper_call(char *buf)
{
	atomic_inc(&lprs_inside);
	/* A fake signal ends the wait early; the answer is the same. */
	wait_event_interruptible(lprs_wq, !READ_ONCE(lprs_hold) ||
				 (READ_ONCE(lprs_hold_kthread_only) && current != lprs_kthread));
	atomic_dec(&lprs_inside);
	strscpy(buf, "original", LPRS_MSG_LEN);
}

static int lprs_sleeper_show(struct seq_file *m, void *v)
{
	char buf[LPRS_MSG_LEN];

	lprs_sleeper_call(buf);
	seq_printf(m, "%s\n", buf);
	return 0;
}

static int lprs_kthread_fn(void *unused)
{
	char buf[LPRS_MSG_LEN];

	while (!kthread_should_stop()) {
		lprs_sleeper_call(buf);
		spin_lock(&lprs_last_lock);
		strscpy(lprs_kthread_last, buf, LPRS_MSG_LEN);
		spin_unlock(&lprs_last_lock);
		msleep_interruptible(10);
	}
	return 0;
}

static void lprs_release(void)
{
	WRITE_ONCE(lprs_hold, false);
	wake_up_all(&lprs_wq);
}

static void lprs_stop_kthread(void)
{
	if (!lprs_kthread)
		return;
	lprs_release();
	kthread_stop(lprs_kthread);
	lprs_kthread = NULL;
}

static int lprs_ctl_show(struct seq_file *m, void *v)
{
	char last[LPRS_MSG_LEN];

	spin_lock(&lprs_last_lock);
	strscpy(last, lprs_kthread_last, LPRS_MSG_LEN);
	spin_unlock(&lprs_last_lock);
	seq_printf(m, "%d %s\n", atomic_read(&lprs_inside), last);
	return 0;
}

static int lprs_ctl_open(struct inode *inode, struct file *file)
{
	return single_open(file, lprs_ctl_show, NULL);
}

static ssize_t lprs_ctl_write(struct file *file, const char __user *ubuf, size_t count,
			      loff_t *ppos)
{
	char cmd[16];
	struct task_struct *t;

	if (count >= sizeof(cmd) || copy_from_user(cmd, ubuf, count))
		return -EINVAL;
	cmd[count] = '\0';
	strim(cmd);
	if (!strcmp(cmd, "hold") || !strcmp(cmd, "hold-kthread")) {
		WRITE_ONCE(lprs_hold_kthread_only, cmd[4] == '-');
		WRITE_ONCE(lprs_hold, true);
	} else if (!strcmp(cmd, "release")) {
		lprs_release();
	} else if (!strcmp(cmd, "kthread")) {
		if (lprs_kthread)
			return -EBUSY;
		t = kthread_run(lprs_kthread_fn, NULL, "lprs_sleeper");
		if (IS_ERR(t))
			return PTR_ERR(t);
		lprs_kthread = t;
	} else if (!strcmp(cmd, "stop")) {
		lprs_stop_kthread();
	} else {
		return -EINVAL;
	}
	return count;
}

static const struct proc_ops lprs_ctl_ops = {
	.proc_open = lprs_ctl_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = lprs_ctl_write,
};

static int lprs_test_sleeper_init(void)
{
	if (!proc_create_single("lprs_sleeper", 0444, NULL, lprs_sleeper_show))
		return -ENOMEM;
	if (!proc_create("lprs_sleeper_ctl", 0644, NULL, &lprs_ctl_ops)) {
		remove_proc_entry("lprs_sleeper", NULL);
		return -ENOMEM;
	}
	return 0;
}

static void lprs_test_sleeper_exit(void)
{
	lprs_stop_kthread();
	lprs_release();
	remove_proc_entry("lprs_sleeper_ctl", NULL);
	remove_proc_entry("lprs_sleeper", NULL);
}

module_init(lprs_test_sleeper_init);
module_exit(lprs_test_sleeper_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: a patched function tasks can sleep in");

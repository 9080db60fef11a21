// SPDX-License-Identifier: GPL-2.0
/*
 * Patches lprs_sleeper_call() of lprs_test_sleeper: answers "patched". While
 * the parameter "hold" is 1, the new function sleeps too, until it is 0 or a
 * signal comes; "hold_kthread" does the same for kthreads only.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/livepatch.h>
#include <linux/sched/signal.h>

static bool hold, hold_kthread;
module_param(hold, bool, 0644);
module_param(hold_kthread, bool, 0644);

static noinline void lprs_patched_sleeper_call(char *buf)
{
	while ((READ_ONCE(hold) || (READ_ONCE(hold_kthread) && (current->flags & PF_KTHREAD))) &&
	       !signal_pending(current))
		msleep_interruptible(20);
	strscpy(buf, "patched", 16);
}

static struct klp_func funcs[] = {
	{ .old_name = "lprs_sleeper_call", .new_func = lprs_patched_sleeper_call }, { }
};
static struct klp_object objs[] = {
	{ .name = "lprs_test_sleeper", .funcs = funcs }, { }
};
static struct klp_patch patch = { .mod = THIS_MODULE, .objs = objs };

static int lprs_patch_sleeper_init(void)
{
	return klp_enable_patch(&patch);
}

static void lprs_patch_sleeper_exit(void)
{
}

module_init(lprs_patch_sleeper_init);
module_exit(lprs_patch_sleeper_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: patch a function tasks sleep in");
KLP_PATCH_MODULE();

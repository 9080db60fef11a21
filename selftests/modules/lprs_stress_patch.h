/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Version LPRS_STRESS_VERSION of two functions in two modules, for the
 * stress and lifecycle tests: lprs_sleeper_call() of lprs_test_sleeper and
 * lprs_target_message() of lprs_test_target both answer "v<version>". A
 * module that defines LPRS_STRESS_REPLACE is a cumulative (replace) patch.
 * While the parameter "hold" is 1, the new functions sleep until it is 0 or
 * a signal comes (to keep an unpatching transition waiting).
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/livepatch.h>
#include <linux/sched/signal.h>

static bool hold;
module_param(hold, bool, 0644);

#define LPRS_STR(x) #x
#define LPRS_ANSWER(v) "v" LPRS_STR(v)

static noinline void lprs_stress_answer(char *buf)
{
	while (READ_ONCE(hold) && !signal_pending(current))
		msleep_interruptible(20);
	strscpy(buf, LPRS_ANSWER(LPRS_STRESS_VERSION), 16);
}

static struct klp_func sleeper_funcs[] = {
	{ .old_name = "lprs_sleeper_call", .new_func = lprs_stress_answer }, { }
};
static struct klp_func target_funcs[] = {
	{ .old_name = "lprs_target_message", .new_func = lprs_stress_answer }, { }
};
static struct klp_object objs[] = {
	{ .name = "lprs_test_sleeper", .funcs = sleeper_funcs },
	{ .name = "lprs_test_target", .funcs = target_funcs },
	{ }
};
static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
#ifdef LPRS_STRESS_REPLACE
	.replace = true,
#endif
};

static int lprs_stress_init(void)
{
	return klp_enable_patch(&patch);
}

static void lprs_stress_exit(void)
{
}

module_init(lprs_stress_init);
module_exit(lprs_stress_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: one version of the stress patch");
KLP_PATCH_MODULE();

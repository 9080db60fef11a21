// SPDX-License-Identifier: GPL-2.0
/*
 * Plants a kernel report at load, to prove the VM runner's log scanner
 * fails a run whose guest log shows one, and (on the debug kernel) that the
 * detectors are really on. "kind" picks the report: warn (WARN_ON), kasan
 * (use after free), lockdep (AB-BA lock order), atomic (sleeping in atomic
 * context), ubsan (shift out of bounds). Never loaded outside that test.
 */
#include <linux/module.h>
#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/slab.h>

static char *kind = "warn";
module_param(kind, charp, 0400);

static DEFINE_MUTEX(lprs_a);
static DEFINE_MUTEX(lprs_b);

static noinline void lprs_plant_kasan(void)
{
	char *p = kmalloc(16, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	OPTIMIZER_HIDE_VAR(p);
	pr_info("lprs_test_warn: read after free: %d\n", READ_ONCE(p[3]));
}

static noinline void lprs_plant_lockdep(void)
{
	mutex_lock(&lprs_a);
	mutex_lock(&lprs_b);
	mutex_unlock(&lprs_b);
	mutex_unlock(&lprs_a);
	mutex_lock(&lprs_b);
	mutex_lock(&lprs_a);
	mutex_unlock(&lprs_a);
	mutex_unlock(&lprs_b);
}

static noinline void lprs_plant_atomic(void)
{
	preempt_disable();
	might_sleep();
	preempt_enable();
}

static noinline void lprs_plant_ubsan(void)
{
	int shift = 40;

	OPTIMIZER_HIDE_VAR(shift);
	pr_info("lprs_test_warn: shifted: %d\n", 1 << shift);
}

static int __init lprs_test_warn_init(void)
{
	if (!strcmp(kind, "kasan"))
		lprs_plant_kasan();
	else if (!strcmp(kind, "lockdep"))
		lprs_plant_lockdep();
	else if (!strcmp(kind, "atomic"))
		lprs_plant_atomic();
	else if (!strcmp(kind, "ubsan"))
		lprs_plant_ubsan();
	else
		WARN_ON(1);
	return 0;
}
module_init(lprs_test_warn_init);

static void __exit lprs_test_warn_exit(void)
{
}
module_exit(lprs_test_warn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: deliberate kernel reports");

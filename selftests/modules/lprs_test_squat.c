// SPDX-License-Identifier: GPL-2.0
/*
 * Creates /sys/kernel/livepatch the way a built-in livepatch core does, so a
 * test can check that livepatch.ko then refuses to load.
 */
#include <linux/module.h>
#include <linux/kobject.h>

static struct kobject *squat;

static int __init lprs_test_squat_init(void)
{
	squat = kobject_create_and_add("livepatch", kernel_kobj);
	return squat ? 0 : -ENOMEM;
}
module_init(lprs_test_squat_init);

static void __exit lprs_test_squat_exit(void)
{
	kobject_put(squat);
}
module_exit(lprs_test_squat_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: occupy /sys/kernel/livepatch");

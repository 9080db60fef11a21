// SPDX-License-Identifier: GPL-2.0
/*
 * Plants a WARN_ON at load, to prove the VM runner's log scanner fails a
 * run whose guest log shows a splat. Never loaded outside that test.
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init lprs_test_warn_init(void)
{
	WARN_ON(1);
	return 0;
}
module_init(lprs_test_warn_init);

static void __exit lprs_test_warn_exit(void)
{
}
module_exit(lprs_test_warn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: a deliberate WARN_ON");

// SPDX-License-Identifier: GPL-2.0
/*
 * A kprobe on cmdline_proc_show. With a post_handler, kprobes need ftrace's
 * IPMODIFY on that function, which conflicts with a live patch of it.
 */
#include <linux/module.h>
#include <linux/kprobes.h>

static bool post_handler = true;
module_param(post_handler, bool, 0400);

static int lprs_pre(struct kprobe *p, struct pt_regs *regs)
{
	return 0;
}

static void lprs_post(struct kprobe *p, struct pt_regs *regs, unsigned long flags)
{
}

static struct kprobe kp = {
	.symbol_name = "cmdline_proc_show",
	.pre_handler = lprs_pre,
};

static int lprs_test_kprobe_init(void)
{
	if (post_handler)
		kp.post_handler = lprs_post;
	return register_kprobe(&kp);
}

static void lprs_test_kprobe_exit(void)
{
	unregister_kprobe(&kp);
}

module_init(lprs_test_kprobe_init);
module_exit(lprs_test_kprobe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: kprobe on a patched function");

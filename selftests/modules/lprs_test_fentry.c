// SPDX-License-Identifier: GPL-2.0
/*
 * An fentry hook on the function named by the "func" parameter (default
 * cmdline_proc_show), the way BPF trampolines attach: an ftrace direct call
 * to a trampoline that counts calls ("hits" parameter).
 * A direct call without an ops_func cannot share a function with an
 * IPMODIFY user such as a live patch; ftrace refuses whichever comes second.
 */
#include <linux/module.h>
#include <linux/ftrace.h>
#include <asm/asm.h>
#include <asm/ibt.h>
#include <asm/nospec-branch.h>

static char *func = "cmdline_proc_show";
module_param(func, charp, 0444);

static atomic_long_t lprs_hits = ATOMIC_LONG_INIT(0);

static int lprs_hits_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&lprs_hits));
}

static const struct kernel_param_ops lprs_hits_ops = { .get = lprs_hits_get };
module_param_cb(hits, &lprs_hits_ops, NULL, 0444);

void notrace lprs_fentry_hit(void);
void notrace lprs_fentry_hit(void)
{
	atomic_long_inc(&lprs_hits);
}

void lprs_fentry_tramp(void);
/*
 * Entered by a call from the hooked function's fentry site, so %rsp is
 * 16-byte aligned here; %rbp and seven pushes keep it aligned for the call.
 * The argument registers (and %rax) are the hooked function's: kept.
 */
asm(
"	.pushsection	.text, \"ax\", @progbits\n"
"	.type		lprs_fentry_tramp, @function\n"
"	.globl		lprs_fentry_tramp\n"
"lprs_fentry_tramp:\n"
	ASM_ENDBR
"	pushq	%rbp\n"
"	movq	%rsp, %rbp\n"
	CALL_DEPTH_ACCOUNT
"	pushq	%rdi\n"
"	pushq	%rsi\n"
"	pushq	%rdx\n"
"	pushq	%rcx\n"
"	pushq	%r8\n"
"	pushq	%r9\n"
"	pushq	%rax\n"
"	call	lprs_fentry_hit\n"
"	popq	%rax\n"
"	popq	%r9\n"
"	popq	%r8\n"
"	popq	%rcx\n"
"	popq	%rdx\n"
"	popq	%rsi\n"
"	popq	%rdi\n"
"	leave\n"
	ASM_RET
"	.size		lprs_fentry_tramp, .-lprs_fentry_tramp\n"
"	.popsection\n"
);

static struct ftrace_ops lprs_direct;

static int lprs_test_fentry_init(void)
{
	int ret = ftrace_set_filter(&lprs_direct, (unsigned char *)func, strlen(func), 0);

	if (ret) {
		pr_info("lprs_test_fentry: no function '%s': %d\n", func, ret);
		return ret;
	}
	ret = register_ftrace_direct(&lprs_direct, (unsigned long)lprs_fentry_tramp);
	if (ret)
		pr_info("lprs_test_fentry: register_ftrace_direct: %d\n", ret);
	return ret;
}

static void lprs_test_fentry_exit(void)
{
	unregister_ftrace_direct(&lprs_direct, (unsigned long)lprs_fentry_tramp, true);
}

module_init(lprs_test_fentry_init);
module_exit(lprs_test_fentry_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: an fentry (ftrace direct call) hook");

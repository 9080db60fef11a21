// SPDX-License-Identifier: GPL-2.0
/*
 * The patch `make bench` measures calls through: lprs_bench_fn() of
 * lprs_bench_target (the replacement does the same work, answering x + 2)
 * and the getpid syscall.
 */
#include <linux/module.h>
#include <linux/livepatch.h>
#include <linux/sched.h>
#include "lprs_bench.h"

static noinline int lprs_bench_fn_new(int x)
{
	asm volatile("" : "+r"(x));
	return x + 2;
}

static asmlinkage long lprs_bench_getpid(const struct pt_regs *regs)
{
	return task_tgid_vnr(current);
}

static struct klp_func target_funcs[] = {
	{ .old_name = "lprs_bench_fn", .new_func = lprs_bench_fn_new }, { }
};
static struct klp_func vmlinux_funcs[] = {
	{ .old_name = "__x64_sys_getpid", .new_func = lprs_bench_getpid }, { }
};
static struct klp_object objs[] = {
	{ .funcs = vmlinux_funcs },
	{ .name = "lprs_bench_target", .funcs = target_funcs },
	{ }
};
static struct klp_patch patch = { .mod = THIS_MODULE, .objs = objs };

static int lprs_bench_patch_init(void)
{
	return klp_enable_patch(&patch);
}

static void lprs_bench_patch_exit(void)
{
}

module_init(lprs_bench_patch_init);
module_exit(lprs_bench_patch_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs benchmark: patch of a hot function and getpid");
LPRS_BENCH_PATCH_MODULE();

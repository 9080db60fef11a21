/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A patch of the first LPRS_BENCH_N of lprs_bench_f000 ... lprs_bench_f999
 * (module lprs_bench_target). Every size carries the full 1000-entry table,
 * so the modules differ only in how much the core has to patch.
 */
#include <linux/module.h>
#include <linux/livepatch.h>
#include "lprs_bench.h"

static noinline int lprs_bench_f_new(int x)
{
	asm volatile("" : "+r"(x));
	return x + 2;
}

#define LPRS_FUNC(n) { .old_name = "lprs_bench_f" #n, .new_func = lprs_bench_f_new },
static struct klp_func funcs[] = { LPRS_BENCH_1000(LPRS_FUNC) { } };
static struct klp_object objs[] = {
	{ .name = "lprs_bench_target", .funcs = funcs },
	{ }
};
static struct klp_patch patch = { .mod = THIS_MODULE, .objs = objs };

static int lprs_bench_patch_init(void)
{
	memset(&funcs[LPRS_BENCH_N], 0, sizeof(funcs[0]));
	return klp_enable_patch(&patch);
}

static void lprs_bench_patch_exit(void)
{
}

module_init(lprs_bench_patch_init);
module_exit(lprs_bench_patch_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs benchmark: a patch of many functions");
LPRS_BENCH_PATCH_MODULE();

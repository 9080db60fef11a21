// SPDX-License-Identifier: GPL-2.0
/*
 * What the running kernel offers the runtime. The Rust side turns these
 * answers into a load/refuse decision (klp-core prereq.rs).
 */
#define pr_fmt(fmt) "livepatch: " fmt

#include <linux/kernfs.h>
#include <linux/kobject.h>

#include "lprs.h"

bool lprs_kernel_has_ipmodify(void)
{
	/* IPMODIFY needs ftrace to hand the callback a register set it may edit. */
	return IS_ENABLED(CONFIG_DYNAMIC_FTRACE) &&
	       (IS_ENABLED(CONFIG_DYNAMIC_FTRACE_WITH_REGS) ||
		IS_ENABLED(CONFIG_DYNAMIC_FTRACE_WITH_ARGS));
}

bool lprs_kernel_has_reliable_stacktrace(void)
{
	return IS_ENABLED(CONFIG_HAVE_RELIABLE_STACKTRACE) &&
	       lprs_ksym_func("stack_trace_save_tsk_reliable");
}

/*
 * A kernel built with CONFIG_LIVEPATCH owns /sys/kernel/livepatch. Look before
 * creating it: a duplicate sysfs name would WARN.
 */
bool lprs_sysfs_root_taken(void)
{
	struct kernfs_node *kn = kernfs_find_and_get(kernel_kobj->sd, "livepatch");

	kernfs_put(kn);
	return kn;
}

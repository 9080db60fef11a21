/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The task_work callback of livepatch.ko. Each queued work holds a
 * reference on the module; dropping it from C would return into module
 * text that may already be freed. So this does the work, then *jumps* to
 * module_put(), which returns straight to task_work_run().
 */
#include <linux/linkage.h>
#include <asm/ibt.h>

	.text
SYM_FUNC_START(lprs_twork_entry)
	ENDBR				/* called indirectly by task_work_run() */
	call	lprs_twork_fn
	leaq	__this_module(%rip), %rdi
	jmp	module_put
SYM_FUNC_END(lprs_twork_entry)

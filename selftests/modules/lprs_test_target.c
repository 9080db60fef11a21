// SPDX-License-Identifier: GPL-2.0
/*
 * A module whose function a patch replaces: /proc/lprs_test_target shows
 * lprs_target_message(). Its init logs the message too, which tells whether
 * a patch was applied before init ran.
 */
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

/*
 * Writes its answer to memory, so the compiler must keep every call. One
 * argument only: clang drops arguments that are constant at every call site
 * of a static function, and a replacement must see the same ABI.
 */
#define LPRS_MSG_LEN 16
static noinline void lprs_target_message(char *buf)
{
	strscpy(buf, "original", LPRS_MSG_LEN);
}

/*
 * A static variable and a static function for patches to reach through
 * symbol references (lprs_patch_target_syms.c). The function's address is
 * taken, so the compiler keeps its full calling convention.
 */
static unsigned int lprs_target_reads;

static noinline void lprs_target_format(char *buf, unsigned int n)
{
	snprintf(buf, LPRS_MSG_LEN, "read %u", n);
}

static void (*lprs_target_format_ptr)(char *, unsigned int) __used = lprs_target_format;

static int lprs_target_show(struct seq_file *m, void *v)
{
	char buf[LPRS_MSG_LEN];

	WRITE_ONCE(lprs_target_reads, lprs_target_reads + 1);
	lprs_target_message(buf);
	seq_printf(m, "%s\n", buf);
	return 0;
}

static int lprs_test_target_init(void)
{
	char buf[LPRS_MSG_LEN];

	lprs_target_message(buf);
	pr_info("lprs_test_target: init: %s\n", buf);
	return proc_create_single("lprs_test_target", 0444, NULL, lprs_target_show) ?
	       0 : -ENOMEM;
}

static void lprs_test_target_exit(void)
{
	remove_proc_entry("lprs_test_target", NULL);
}

module_init(lprs_test_target_init);
module_exit(lprs_test_target_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: a module to patch");

// SPDX-License-Identifier: GPL-2.0
/*
 * The demo's "vulnerable" kernel code: a bank account in a module.
 * Each read of /proc/lprs_demo_bank withdraws 30 through
 * lprs_demo_withdraw(), which has a bug: it never checks the balance, so
 * the account goes negative. Every sixth read deposits 100 first, so the
 * bug shows again and again. /proc/lprs_demo_bank_slow does the same, but
 * the withdrawal takes 3 seconds (a task the live patch must wait for).
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "lprs_demo_bank.h"

static long lprs_balance = 100;
static DEFINE_MUTEX(lprs_acct_lock);
static unsigned int lprs_reads;

/* The bug: no check that the balance covers the withdrawal. */
static noinline void lprs_demo_withdraw(struct lprs_account *acct)
{
	if (acct->slow)
		msleep_interruptible(3000);
	acct->balance -= LPRS_WITHDRAWAL;
	snprintf(acct->msg, sizeof(acct->msg), "withdrew %d, balance %ld%s",
		 LPRS_WITHDRAWAL, acct->balance,
		 acct->balance < 0 ? "   <-- BUG: overdrawn" : "");
}

/*
 * The account passed to lprs_demo_withdraw() lives on the stack: were it
 * always the same global, clang could drop the constant argument from the
 * static function, and a replacement taking it would read garbage.
 */
static int lprs_bank_show_common(struct seq_file *m, bool slow)
{
	struct lprs_account acct = { .slow = slow };

	mutex_lock(&lprs_acct_lock);
	if (lprs_reads++ % 6 == 5)
		lprs_balance += 100;
	acct.balance = lprs_balance;
	lprs_demo_withdraw(&acct);
	lprs_balance = acct.balance;
	mutex_unlock(&lprs_acct_lock);
	seq_printf(m, "%s\n", acct.msg);
	return 0;
}

static int lprs_bank_show(struct seq_file *m, void *v)
{
	return lprs_bank_show_common(m, false);
}

static int lprs_bank_slow_show(struct seq_file *m, void *v)
{
	return lprs_bank_show_common(m, true);
}

static int lprs_demo_bank_init(void)
{
	if (!proc_create_single("lprs_demo_bank", 0444, NULL, lprs_bank_show))
		return -ENOMEM;
	if (!proc_create_single("lprs_demo_bank_slow", 0444, NULL, lprs_bank_slow_show)) {
		remove_proc_entry("lprs_demo_bank", NULL);
		return -ENOMEM;
	}
	return 0;
}

static void lprs_demo_bank_exit(void)
{
	remove_proc_entry("lprs_demo_bank_slow", NULL);
	remove_proc_entry("lprs_demo_bank", NULL);
}

module_init(lprs_demo_bank_init);
module_exit(lprs_demo_bank_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs demo: a module with a bug to live-patch");

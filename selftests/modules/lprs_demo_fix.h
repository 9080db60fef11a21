/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The demo's fix of lprs_demo_withdraw(): refuse a withdrawal the balance
 * does not cover. Built as two patch modules: v1, and v2, a cumulative
 * (replace) patch that also reports its version differently.
 */
#include <linux/module.h>
#include <linux/livepatch.h>

#include "lprs_demo_bank.h"

static void lprs_demo_withdraw_fixed(struct lprs_account *acct)
{
	if (acct->balance < LPRS_WITHDRAWAL) {
		snprintf(acct->msg, sizeof(acct->msg),
			 "refused %d, balance %ld stays   (fixed by %s)",
			 LPRS_WITHDRAWAL, acct->balance, THIS_MODULE->name);
		return;
	}
	acct->balance -= LPRS_WITHDRAWAL;
	snprintf(acct->msg, sizeof(acct->msg), "withdrew %d, balance %ld   (fixed by %s)",
		 LPRS_WITHDRAWAL, acct->balance, THIS_MODULE->name);
}

static struct klp_func funcs[] = {
	{ .old_name = "lprs_demo_withdraw", .new_func = lprs_demo_withdraw_fixed }, { }
};
static struct klp_object objs[] = {
	{ .name = "lprs_demo_bank", .funcs = funcs }, { }
};
static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
	.replace = LPRS_DEMO_REPLACE,
};

static int lprs_demo_fix_init(void)
{
	return klp_enable_patch(&patch);
}

static void lprs_demo_fix_exit(void)
{
}

module_init(lprs_demo_fix_init);
module_exit(lprs_demo_fix_exit);
MODULE_LICENSE("GPL");
KLP_PATCH_MODULE();

// SPDX-License-Identifier: GPL-2.0
/*
 * Module events and module facts for the Rust side: the notifier that
 * patches modules as they come and unpatches them as they go, taint, and
 * the deferred work that frees disabled patches.
 */
#define pr_fmt(fmt) "livepatch: " fmt

#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/workqueue.h>

#include "lprs.h"

/* Implemented in Rust (rust/livepatch/patch.rs). */
int lprs_rs_module_coming(struct module *mod);
void lprs_rs_module_going(struct module *mod);
void lprs_rs_free_work(void);

static int lprs_module_notify(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	struct module *mod = data;

	switch (action) {
	case MODULE_STATE_COMING:
		return notifier_from_errno(lprs_rs_module_coming(mod));
	case MODULE_STATE_GOING:
		lprs_rs_module_going(mod);
		break;
	}
	return NOTIFY_OK;
}

/*
 * First in the chain, so a module is patched before other notifiers see it
 * and before its init runs, as the upstream core's hook in the loader does.
 */
static struct notifier_block lprs_module_nb = {
	.notifier_call = lprs_module_notify,
	.priority = INT_MAX,
};

int lprs_module_notifier_register(void)
{
	return register_module_notifier(&lprs_module_nb);
}

void lprs_module_notifier_unregister(void)
{
	unregister_module_notifier(&lprs_module_nb);
}

const char *lprs_module_name(struct module *mod)
{
	return mod->name;
}

bool lprs_module_get(struct module *mod)
{
	return try_module_get(mod);
}

void lprs_module_put(struct module *mod)
{
	module_put(mod);
}

/* A patched kernel, and the patch module, say so in their taint flags. */
void lprs_taint(struct module *patch_mod)
{
	add_taint(TAINT_LIVEPATCH, LOCKDEP_STILL_OK);
	set_bit(TAINT_LIVEPATCH, &patch_mod->taints);
}

static void lprs_free_work_fn(struct work_struct *work)
{
	lprs_rs_free_work();
}
static DECLARE_WORK(lprs_free_work, lprs_free_work_fn);

/* Patches are freed from a work item: never from their own sysfs writes. */
void lprs_schedule_free(void)
{
	schedule_work(&lprs_free_work);
}

void lprs_flush_free(void)
{
	flush_work(&lprs_free_work);
}

/* Debug messages under dynamic debug ("module livepatch +p"). */
void lprs_pr_debug(const char *msg)
{
	pr_debug("%s\n", msg);
}

/*
 * Per-task messages of a transition round, under the function name the
 * upstream selftests silence with "func klp_try_switch_task -p".
 */
void klp_try_switch_task(const char *msg, unsigned long addr)
{
	if (addr)
		pr_debug("%s %ps\n", msg, (void *)addr);
	else
		pr_debug("%s\n", msg);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Patches of cmdline_proc_show that keep state in a shadow variable, for
 * the hand-over test of shadow-vars.sh: lprs_shadow_patch_a creates the
 * variable, lprs_shadow_patch_b, loaded on top of it later, finds it with
 * klp_shadow_get(), takes it over and frees it when it goes. /proc/cmdline
 * shows "<module>: owner <module>, created by <module>" from the variable,
 * or "<module>: no shadow variable".
 */
#include <linux/module.h>
#include <linux/livepatch.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>

/* The parent: an object both modules can name, alive for the whole boot. */
#define LPRS_SHADOW_OBJ		(&init_task)
#define LPRS_SHADOW_ID		0x1a2b

struct lprs_cmdline_note {
	char owner[MODULE_NAME_LEN];
	char creator[MODULE_NAME_LEN];
};

static void lprs_note_dtor(void *obj, void *shadow_data)
{
	struct lprs_cmdline_note *note = shadow_data;

	pr_info("%s: freeing the shadow variable of %s, created by %s\n",
		THIS_MODULE->name, note->owner, note->creator);
}

static int lprs_cmdline_proc_show(struct seq_file *m, void *v)
{
	struct lprs_cmdline_note *note;

	/*
	 * The other patch module may free the variable meanwhile; livepatch.ko
	 * frees shadow variables only after an RCU grace period.
	 */
	rcu_read_lock();
	note = klp_shadow_get(LPRS_SHADOW_OBJ, LPRS_SHADOW_ID);
	if (note)
		seq_printf(m, "%s: owner %s, created by %s\n", THIS_MODULE->name,
			   note->owner, note->creator);
	else
		seq_printf(m, "%s: no shadow variable\n", THIS_MODULE->name);
	rcu_read_unlock();
	return 0;
}

static struct klp_func funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = lprs_cmdline_proc_show,
	}, { }
};

static struct klp_object objs[] = {
	{
		/* name being NULL means vmlinux */
		.funcs = funcs,
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

MODULE_LICENSE("GPL");
KLP_PATCH_MODULE();

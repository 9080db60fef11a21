// SPDX-License-Identifier: GPL-2.0
/*
 * A patch module whose description is broken in the way the "mode"
 * parameter names; klp_enable_patch() must refuse it cleanly. Mode "twice"
 * enables a good patch, then enables it again; mode "absent" is a good
 * patch with a second object for a module that never loads.
 */
#include <linux/module.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>

static char *mode = "";
module_param(mode, charp, 0400);
MODULE_PARM_DESC(mode, "which defect to present");

static int lprs_bad_show(struct seq_file *m, void *v)
{
	seq_puts(m, "lprs_test_bad: patched\n");
	return 0;
}

static struct klp_func funcs[3], absent_funcs[2];
static struct klp_object objs[3];
static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static void set_func(int i, const char *name, void *new_func, unsigned long sympos)
{
	funcs[i].old_name = name;
	funcs[i].new_func = new_func;
	funcs[i].old_sympos = sympos;
}

static int lprs_test_bad_init(void)
{
	int ret;

	set_func(0, "cmdline_proc_show", lprs_bad_show, 0);
	objs[0].funcs = funcs;

	if (!strcmp(mode, "null_name"))
		set_func(0, NULL, lprs_bad_show, 0);
	else if (!strcmp(mode, "empty_name"))
		set_func(0, "", lprs_bad_show, 0);
	else if (!strcmp(mode, "null_new"))
		set_func(0, "cmdline_proc_show", NULL, 0);
	else if (!strcmp(mode, "dup_func"))
		set_func(1, "cmdline_proc_show", lprs_bad_show, 1);
	else if (!strcmp(mode, "dup_obj"))
		objs[1].funcs = funcs;
	else if (!strcmp(mode, "vmlinux_name"))
		objs[0].name = "vmlinux";
	else if (!strcmp(mode, "empty_obj_name"))
		objs[0].name = "";
	else if (!strcmp(mode, "long_obj_name"))
		objs[0].name = "lprs_a_module_name_longer_than_any_module_name_can_ever_be_";
	else if (!strcmp(mode, "absent")) {
		absent_funcs[0].old_name = "lprs_never_called";
		absent_funcs[0].new_func = lprs_bad_show;
		objs[1].name = "lprs_never_loaded";
		objs[1].funcs = absent_funcs;
	}
	else if (!strcmp(mode, "unknown"))
		set_func(0, "lprs_no_such_function", lprs_bad_show, 0);
	else if (!strcmp(mode, "ambiguous"))
		set_func(0, "cmp_range", lprs_bad_show, 0);
	else if (!strcmp(mode, "sympos"))
		set_func(0, "cmdline_proc_show", lprs_bad_show, 3);
	else if (!strcmp(mode, "notrace"))
		set_func(0, "do_syscall_64", lprs_bad_show, 0);
	else if (!strcmp(mode, "runtime")) {
		objs[0].name = "livepatch";
		set_func(0, "lprs_rs_module_coming", lprs_bad_show, 0);
	} else if (!strcmp(mode, "no_objs"))
		patch.objs = NULL;
	else if (!strcmp(mode, "no_funcs"))
		objs[0].funcs = NULL, objs[0].name = "some_module";
	else if (!strcmp(mode, "no_mod"))
		patch.mod = NULL;

	ret = klp_enable_patch(&patch);
	if (!strcmp(mode, "twice") && !ret) {
		ret = klp_enable_patch(&patch);
		pr_info("lprs_test_bad: second klp_enable_patch: %d\n", ret);
		return 0;
	}
	return ret;
}

static void lprs_test_bad_exit(void)
{
}

module_init(lprs_test_bad_init);
module_exit(lprs_test_bad_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: malformed patch descriptions");
KLP_PATCH_MODULE();

// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow variable API case by case, run at load: duplicates, failing
 * constructors, destructors, free_all, atomic context. Each failed check
 * logs "lprs_test_shadow_api: FAIL: ..."; the number of them is in
 * /sys/module/lprs_test_shadow_api/parameters/errors. The keys behind the
 * runtime's own error lines are logged first, for the test to match:
 *   lprs_test_shadow_api: duplicate: <%p, %lx>
 *   lprs_test_shadow_api: failing ctor: <%p, %lx>
 * With leak=N, N shadow variables are left behind at unload, for the
 * runtime to free when it goes.
 */
/* livepatch-rs.mk force-includes printk.h, with its default pr_fmt. */
#undef pr_fmt
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/livepatch.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

static int errors;
module_param(errors, int, 0444);
MODULE_PARM_DESC(errors, "Failed checks of the last run");

static unsigned int leak;
module_param(leak, uint, 0444);
MODULE_PARM_DESC(leak, "Shadow variables to leave behind at unload (at most 16)");

#define LPRS_LEAK_MAX 16

static char objs[3];
static char leak_objs[LPRS_LEAK_MAX];
static DEFINE_SPINLOCK(lprs_lock);

#define check(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		errors++;						\
		pr_err("FAIL: line %d: " fmt "\n", __LINE__, ##__VA_ARGS__); \
	}								\
} while (0)

struct lprs_data {
	unsigned long value;
	unsigned long pad[7];
};

static int ctor_calls, dtor_calls;
static void *ctor_seen_data, *dtor_seen_obj, *dtor_seen_data;
static int ctor_ret;

/* ctor_data: the value to store. Fails with ctor_ret if that is set. */
static int lprs_ctor(void *obj, void *shadow_data, void *ctor_data)
{
	struct lprs_data *d = shadow_data;

	ctor_calls++;
	ctor_seen_data = shadow_data;
	check(!memchr_inv(d, 0, sizeof(*d)), "constructor: data not zeroed");
	if (ctor_ret)
		return ctor_ret;
	d->value = *(unsigned long *)ctor_data;
	return 0;
}

static void lprs_dtor(void *obj, void *shadow_data)
{
	dtor_calls++;
	dtor_seen_obj = obj;
	dtor_seen_data = shadow_data;
}

static void lprs_run(void)
{
	unsigned long value = 0x5eed, flags;
	struct lprs_data *d, *d2;
	unsigned int i;

	/* get of a missing variable */
	check(!klp_shadow_get(&objs[0], 0x10), "get of a missing variable");

	/* alloc without a constructor: zeroed data, found by get */
	d = klp_shadow_alloc(&objs[0], 0x10, sizeof(*d), GFP_KERNEL, NULL, NULL);
	check(d, "alloc failed");
	if (!d)
		return;
	check(!memchr_inv(d, 0, sizeof(*d)), "data not zeroed");
	check(klp_shadow_get(&objs[0], 0x10) == d, "get after alloc");
	check(!klp_shadow_get(&objs[0], 0x11), "get of another id");
	check(!klp_shadow_get(&objs[1], 0x10), "get of another object");

	/* a duplicate: NULL, no constructor call, the original stays */
	pr_info("duplicate: <%p, %lx>\n", &objs[0], 0x10UL);
	ctor_calls = 0;
	d2 = klp_shadow_alloc(&objs[0], 0x10, sizeof(*d), GFP_KERNEL, lprs_ctor, &value);
	check(!d2, "duplicate alloc returned %p", d2);
	check(ctor_calls == 0, "constructor called for a duplicate");
	check(klp_shadow_get(&objs[0], 0x10) == d, "original gone after duplicate");

	/* get_or_alloc of an existing variable: the original, no constructor */
	d2 = klp_shadow_get_or_alloc(&objs[0], 0x10, sizeof(*d), GFP_KERNEL,
				     lprs_ctor, &value);
	check(d2 == d, "get_or_alloc of an existing variable");
	check(ctor_calls == 0, "constructor called by get_or_alloc of an existing variable");

	/* a constructor that fails: NULL, nothing added */
	pr_info("failing ctor: <%p, %lx>\n", &objs[0], 0x11UL);
	ctor_ret = -ENOSPC;
	d2 = klp_shadow_alloc(&objs[0], 0x11, sizeof(*d), GFP_KERNEL, lprs_ctor, &value);
	check(!d2, "alloc with a failing constructor returned %p", d2);
	check(ctor_calls == 1, "failing constructor called %d times", ctor_calls);
	check(!klp_shadow_get(&objs[0], 0x11), "variable added despite its constructor failing");
	d2 = klp_shadow_get_or_alloc(&objs[0], 0x11, sizeof(*d), GFP_KERNEL,
				     lprs_ctor, &value);
	check(!d2, "get_or_alloc with a failing constructor returned %p", d2);
	check(ctor_calls == 2, "failing constructor called %d times", ctor_calls);
	check(!klp_shadow_get(&objs[0], 0x11), "variable added despite its constructor failing");
	ctor_ret = 0;

	/* a constructor that succeeds: called once, with the new data */
	ctor_calls = 0;
	d2 = klp_shadow_get_or_alloc(&objs[1], 0x10, sizeof(*d), GFP_KERNEL,
				     lprs_ctor, &value);
	check(d2 && d2->value == value, "constructed value");
	check(ctor_calls == 1 && ctor_seen_data == d2, "constructor calls");
	check(klp_shadow_get(&objs[1], 0x10) == d2, "get after get_or_alloc");

	/* free: the destructor sees the variable, once */
	dtor_calls = 0;
	klp_shadow_free(&objs[1], 0x10, lprs_dtor);
	check(dtor_calls == 1 && dtor_seen_obj == &objs[1] && dtor_seen_data == d2,
	      "destructor of free");
	check(!klp_shadow_get(&objs[1], 0x10), "get after free");
	check(klp_shadow_get(&objs[0], 0x10) == d, "free took another variable");
	klp_shadow_free(&objs[1], 0x10, lprs_dtor);
	check(dtor_calls == 1, "free of a missing variable called the destructor");

	/* free_all: only its id, a destructor call for each */
	check(klp_shadow_alloc(&objs[1], 0x10, 8, GFP_KERNEL, NULL, NULL), "alloc");
	check(klp_shadow_alloc(&objs[2], 0x10, 8, GFP_KERNEL, NULL, NULL), "alloc");
	d2 = klp_shadow_alloc(&objs[2], 0x12, 8, GFP_KERNEL, NULL, NULL);
	check(d2, "alloc");
	dtor_calls = 0;
	klp_shadow_free_all(0x10, lprs_dtor);
	check(dtor_calls == 3, "free_all called the destructor %d times", dtor_calls);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		check(!klp_shadow_get(&objs[i], 0x10), "get after free_all");
	check(klp_shadow_get(&objs[2], 0x12) == d2, "free_all took another id");
	klp_shadow_free_all(0x12, NULL);
	check(!klp_shadow_get(&objs[2], 0x12), "get after free_all");

	/* atomic context: interrupts off, and under a spinlock */
	local_irq_save(flags);
	d = klp_shadow_alloc(&objs[0], 0x13, sizeof(*d), GFP_ATOMIC, lprs_ctor, &value);
	d2 = klp_shadow_get_or_alloc(&objs[0], 0x13, sizeof(*d), GFP_ATOMIC, lprs_ctor, &value);
	local_irq_restore(flags);
	check(d && d2 == d && d->value == value, "alloc with interrupts off");
	spin_lock(&lprs_lock);
	d2 = klp_shadow_get(&objs[0], 0x13);
	klp_shadow_free(&objs[0], 0x13, lprs_dtor);
	spin_unlock(&lprs_lock);
	check(d2 == d && !klp_shadow_get(&objs[0], 0x13), "get and free under a spinlock");

	/* nothing left of this run */
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		check(!klp_shadow_get(&objs[i], 0x10), "leftover");
		check(!klp_shadow_get(&objs[i], 0x11), "leftover");
		check(!klp_shadow_get(&objs[i], 0x13), "leftover");
	}
}

static int lprs_test_shadow_api_init(void)
{
	unsigned int i;

	if (leak > LPRS_LEAK_MAX)
		return -EINVAL;
	lprs_run();
	for (i = 0; i < leak; i++)
		check(klp_shadow_alloc(&leak_objs[i], 0x30, 64, GFP_KERNEL, NULL, NULL),
		      "alloc to leak");
	pr_info("done, %d errors\n", errors);
	return 0;
}

static void lprs_test_shadow_api_exit(void)
{
}

module_init(lprs_test_shadow_api_init);
module_exit(lprs_test_shadow_api_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: the shadow variable API case by case");

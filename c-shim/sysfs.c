// SPDX-License-Identifier: GPL-2.0
/*
 * The kobjects of /sys/kernel/livepatch/<patch>/<object>/<func,sympos>/.
 * Attribute values come from the Rust side through lprs_rs_attr_show/store.
 */
#define pr_fmt(fmt) "livepatch: " fmt

#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "lprs.h"

/* Implemented in Rust (rust/livepatch/sysfs.rs). */
ssize_t lprs_rs_attr_show(const void *rs, int attr, char *buf);
ssize_t lprs_rs_attr_store(const void *rs, int attr, const char *buf, size_t count);

struct lprs_kobj {
	struct kobject kobj;
	const void *rs;
};

struct lprs_attr {
	struct kobj_attribute kattr;
	int id;
};

static ssize_t lprs_show(struct kobject *kobj, struct kobj_attribute *kattr, char *buf)
{
	struct lprs_attr *a = container_of(kattr, struct lprs_attr, kattr);

	return lprs_rs_attr_show(container_of(kobj, struct lprs_kobj, kobj)->rs, a->id, buf);
}

static ssize_t lprs_store(struct kobject *kobj, struct kobj_attribute *kattr,
			  const char *buf, size_t count)
{
	struct lprs_attr *a = container_of(kattr, struct lprs_attr, kattr);

	return lprs_rs_attr_store(container_of(kobj, struct lprs_kobj, kobj)->rs,
				  a->id, buf, count);
}

#define LPRS_ATTR(_name, _mode, _id)					\
	static struct lprs_attr lprs_attr_##_name = {			\
		.kattr = __ATTR(_name, _mode, lprs_show, lprs_store),	\
		.id = _id,						\
	}

LPRS_ATTR(enabled, 0644, LPRS_ATTR_ENABLED);
LPRS_ATTR(transition, 0444, LPRS_ATTR_TRANSITION);
LPRS_ATTR(force, 0200, LPRS_ATTR_FORCE);
LPRS_ATTR(replace, 0444, LPRS_ATTR_REPLACE);
LPRS_ATTR(stack_order, 0444, LPRS_ATTR_STACK_ORDER);
LPRS_ATTR(patched, 0444, LPRS_ATTR_PATCHED);
LPRS_ATTR(escalate, 0644, LPRS_ATTR_ESCALATE);

static struct attribute *lprs_patch_attrs[] = {
	&lprs_attr_enabled.kattr.attr,
	&lprs_attr_transition.kattr.attr,
	&lprs_attr_force.kattr.attr,
	&lprs_attr_replace.kattr.attr,
	&lprs_attr_stack_order.kattr.attr,
	&lprs_attr_escalate.kattr.attr,
	NULL
};
ATTRIBUTE_GROUPS(lprs_patch);

static struct attribute *lprs_object_attrs[] = {
	&lprs_attr_patched.kattr.attr,
	NULL
};
ATTRIBUTE_GROUPS(lprs_object);

static void lprs_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct lprs_kobj, kobj));
}

static const struct kobj_type lprs_ktypes[] = {
	[LPRS_KOBJ_PATCH] = {
		.release = lprs_kobj_release,
		.sysfs_ops = &kobj_sysfs_ops,
		.default_groups = lprs_patch_groups,
	},
	[LPRS_KOBJ_OBJECT] = {
		.release = lprs_kobj_release,
		.sysfs_ops = &kobj_sysfs_ops,
		.default_groups = lprs_object_groups,
	},
	[LPRS_KOBJ_FUNC] = {
		.release = lprs_kobj_release,
		.sysfs_ops = &kobj_sysfs_ops,
	},
};

/*
 * Add a directory @name of @kind under @parent whose attributes report on
 * @rs. @rs must stay valid until lprs_kobj_del() returns.
 */
struct kobject *lprs_kobj_add(struct kobject *parent, int kind, const void *rs,
			      const char *name)
{
	struct lprs_kobj *k = kzalloc(sizeof(*k), GFP_KERNEL);
	int ret;

	if (!k)
		return ERR_PTR(-ENOMEM);
	k->rs = rs;
	ret = kobject_init_and_add(&k->kobj, &lprs_ktypes[kind], parent, "%s", name);
	if (ret) {
		kobject_put(&k->kobj);
		return ERR_PTR(ret);
	}
	return &k->kobj;
}

/* Remove a directory; waits for running show/store calls to finish. */
void lprs_kobj_del(struct kobject *kobj)
{
	kobject_del(kobj);
	kobject_put(kobj);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow variables (Documentation/livepatch/shadow-vars.rst): data that
 * patch modules attach to existing kernel objects without changing their
 * layout. A variable is named by <obj, id>: the address of its parent
 * object and a number chosen by the patch author.
 *
 * All variables live in one hash table keyed by the parent's address.
 * Lookups walk it under RCU only; additions and removals take
 * lprs_shadow_lock with interrupts disabled, so every call works from any
 * context (allocating ones then need GFP_ATOMIC). Removed entries are freed
 * after a grace period, so a lookup never walks into freed memory.
 */
#define pr_fmt(fmt) "livepatch: " fmt

#include <linux/hashtable.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <livepatch-rs/livepatch.h>

#include "lprs.h"

static DEFINE_HASHTABLE(lprs_shadow_table, 12);

/* Serialises changes to lprs_shadow_table, constructors and destructors. */
static DEFINE_SPINLOCK(lprs_shadow_lock);

struct lprs_shadow {
	struct hlist_node node;		/* in lprs_shadow_table */
	struct rcu_head rcu;		/* delays the free past lookups */
	void *obj;
	unsigned long id;
	char data[];			/* what the API hands out */
};

/*
 * The variable <obj, id>, or NULL. The caller is in an RCU read-side
 * critical section or holds lprs_shadow_lock.
 */
static struct lprs_shadow *lprs_shadow_find(void *obj, unsigned long id)
{
	struct lprs_shadow *s;

	hash_for_each_possible_rcu(lprs_shadow_table, s, node, (unsigned long)obj,
				   lockdep_is_held(&lprs_shadow_lock)) {
		if (s->obj == obj && s->id == id)
			return s;
	}
	return NULL;
}

void *klp_shadow_get(void *obj, unsigned long id)
{
	struct lprs_shadow *s;
	void *data = NULL;

	rcu_read_lock();
	s = lprs_shadow_find(obj, id);
	if (s)
		data = s->data;
	rcu_read_unlock();
	return data;
}

/*
 * Return <obj, id>, creating it when missing. With @only_new, an existing
 * variable is an error: log it and return NULL.
 */
static void *lprs_shadow_get_or_alloc(void *obj, unsigned long id, size_t size,
				      gfp_t gfp_flags, klp_shadow_ctor_t ctor,
				      void *ctor_data, bool only_new)
{
	struct lprs_shadow *s, *found;
	unsigned long flags;
	void *data;
	int err;

	data = klp_shadow_get(obj, id);
	if (data)
		goto exists;

	/*
	 * Allocate without the lock, so that GFP_KERNEL callers may sleep,
	 * and look again under it: another caller may have won the race
	 * meanwhile, and then this allocation is thrown away unused.
	 */
	s = kzalloc(struct_size(s, data, size), gfp_flags);
	if (!s)
		return NULL;

	spin_lock_irqsave(&lprs_shadow_lock, flags);
	found = lprs_shadow_find(obj, id);
	if (unlikely(found)) {
		data = found->data;
		spin_unlock_irqrestore(&lprs_shadow_lock, flags);
		kfree(s);
		goto exists;
	}

	s->obj = obj;
	s->id = id;
	/* Under the lock: a constructor runs once per variable, or never. */
	if (ctor) {
		err = ctor(obj, s->data, ctor_data);
		if (err) {
			spin_unlock_irqrestore(&lprs_shadow_lock, flags);
			kfree(s);
			pr_err("Failed to construct shadow variable <%p, %lx> (%d)\n",
			       obj, id, err);
			return NULL;
		}
	}
	hash_add_rcu(lprs_shadow_table, &s->node, (unsigned long)obj);
	spin_unlock_irqrestore(&lprs_shadow_lock, flags);
	return s->data;

exists:
	if (only_new) {
		/* Upstream WARNs: an error line says as much without a splat. */
		pr_err("Duplicate shadow variable <%p, %lx>\n", obj, id);
		return NULL;
	}
	return data;
}

void *klp_shadow_alloc(void *obj, unsigned long id, size_t size, gfp_t gfp_flags,
		       klp_shadow_ctor_t ctor, void *ctor_data)
{
	return lprs_shadow_get_or_alloc(obj, id, size, gfp_flags, ctor,
					ctor_data, true);
}

void *klp_shadow_get_or_alloc(void *obj, unsigned long id, size_t size,
			      gfp_t gfp_flags, klp_shadow_ctor_t ctor,
			      void *ctor_data)
{
	return lprs_shadow_get_or_alloc(obj, id, size, gfp_flags, ctor,
					ctor_data, false);
}

/* Unlink @s and free it once no lookup can still see it. Under the lock. */
static void lprs_shadow_remove(struct lprs_shadow *s, klp_shadow_dtor_t dtor)
{
	hash_del_rcu(&s->node);
	if (dtor)
		dtor(s->obj, s->data);
	kfree_rcu(s, rcu);
}

void klp_shadow_free(void *obj, unsigned long id, klp_shadow_dtor_t dtor)
{
	struct lprs_shadow *s;
	unsigned long flags;

	spin_lock_irqsave(&lprs_shadow_lock, flags);
	s = lprs_shadow_find(obj, id);
	if (s)
		lprs_shadow_remove(s, dtor);
	spin_unlock_irqrestore(&lprs_shadow_lock, flags);
}

void klp_shadow_free_all(unsigned long id, klp_shadow_dtor_t dtor)
{
	struct hlist_node *next;
	struct lprs_shadow *s;
	unsigned long flags;
	int bkt;

	spin_lock_irqsave(&lprs_shadow_lock, flags);
	hash_for_each_safe(lprs_shadow_table, bkt, next, s, node) {
		if (s->id == id)
			lprs_shadow_remove(s, dtor);
	}
	spin_unlock_irqrestore(&lprs_shadow_lock, flags);
}

/*
 * At unload of livepatch.ko, free the variables that patch modules left
 * behind. Every module that used the API is gone by then (it held a
 * reference on us), and so are its destructors: none is called.
 */
void lprs_shadow_exit(void)
{
	struct hlist_node *next;
	struct lprs_shadow *s;
	unsigned long flags;
	unsigned int nr = 0;
	int bkt;

	spin_lock_irqsave(&lprs_shadow_lock, flags);
	hash_for_each_safe(lprs_shadow_table, bkt, next, s, node) {
		lprs_shadow_remove(s, NULL);
		nr++;
	}
	spin_unlock_irqrestore(&lprs_shadow_lock, flags);
	if (nr)
		pr_warn("freed %u shadow variable(s) left behind by modules\n", nr);
}

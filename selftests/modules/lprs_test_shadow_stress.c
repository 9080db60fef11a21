// SPDX-License-Identifier: GPL-2.0
/*
 * Many threads at once on overlapping shadow variables. Loading the module
 * runs the test: `threads` kthreads do `rounds` random operations each on
 * LPRS_KEYS parent objects, then the module checks the books and logs
 *   lprs_test_shadow_stress: <t> threads x <r> rounds: ... errors <n>
 * /sys/module/lprs_test_shadow_stress/parameters/errors holds <n>.
 *
 * Each object has two shadow variables:
 *  - <obj, LPRS_OWNED>: a thread that claims the object allocates it with
 *    klp_shadow_alloc() (no one else creates it, so that must succeed),
 *    must get the same pointer back from klp_shadow_get() and
 *    klp_shadow_get_or_alloc(), then frees it; the others look it up.
 *  - <obj, LPRS_SHARED>: every thread klp_shadow_get_or_alloc()s it, some
 *    with interrupts off and GFP_ATOMIC, and frees it at random.
 * Constructors and destructors run under the runtime's lock: they count
 * the live variables of each key, which must stay 0 or 1, and at the end
 * (after klp_shadow_free_all()) constructor and destructor calls balance.
 * Data found by a lookup is checked inside an RCU read-side critical
 * section, which the runtime's deferred free makes safe.
 */
/* livepatch-rs.mk force-includes printk.h, with its default pr_fmt. */
#undef pr_fmt
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/livepatch.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

static unsigned int threads = 16;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "Threads to run (at most 64)");

static unsigned int rounds = 20000;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "Operations per thread");

static atomic_t lprs_errors = ATOMIC_INIT(0);
static int errors;
module_param(errors, int, 0444);
MODULE_PARM_DESC(errors, "Failed checks of the run");

#define LPRS_MAX_THREADS	64
#define LPRS_KEYS		8
#define LPRS_OWNED		1
#define LPRS_SHARED		2
#define LPRS_MAGIC		0x5ad0a11c5ad0a11cUL
#define LPRS_THREAD_MAGIC	0x7468726561647321UL

/* Logs the first few failures; counts them all. */
#define fail(fmt, ...) do {						\
	if (atomic_inc_return(&lprs_errors) <= 10)			\
		pr_err("FAIL: " fmt "\n", ##__VA_ARGS__);		\
} while (0)

/* The parent objects. */
struct lprs_key {
	atomic_t owner;			/* 0, or the claiming thread + 1 */
	atomic_t live[2];		/* live variables per id */
} ____cacheline_aligned;

static struct lprs_key keys[LPRS_KEYS];

struct lprs_data {
	unsigned long magic;
	void *obj;
	unsigned long id;
	unsigned long pad[5];
};

struct lprs_thread {
	unsigned long magic;
	unsigned int nr;
	u64 rand;
	unsigned long id;		/* of the variable being allocated */
	struct task_struct *task;
	struct completion done;
};

static struct lprs_thread *lprs_threads;
static DECLARE_COMPLETION(lprs_go);	/* all threads start at once */
static atomic_long_t ctor_calls, dtor_calls, owned_allocs, hits;

static unsigned int lprs_key_of(void *obj)
{
	return (struct lprs_key *)obj - keys;
}

static int lprs_ctor(void *obj, void *shadow_data, void *ctor_data)
{
	struct lprs_thread *t = ctor_data;
	struct lprs_data *d = shadow_data;
	int live;

	if (t->magic != LPRS_THREAD_MAGIC)
		fail("constructor: wrong ctor_data %p", t);
	if (memchr_inv(d, 0, sizeof(*d)))
		fail("constructor: data not zeroed");
	live = atomic_inc_return(&keys[lprs_key_of(obj)].live[t->id - 1]);
	if (live != 1)
		fail("constructor: %d live variables <key %u, %lu>", live,
		     lprs_key_of(obj), t->id);
	d->magic = LPRS_MAGIC;
	d->obj = obj;
	d->id = t->id;
	atomic_long_inc(&ctor_calls);
	return 0;
}

static void lprs_dtor(void *obj, void *shadow_data)
{
	struct lprs_data *d = shadow_data;
	int live;

	if (d->magic != LPRS_MAGIC || d->obj != obj) {
		fail("destructor: bad data");
		return;
	}
	live = atomic_dec_return(&keys[lprs_key_of(obj)].live[d->id - 1]);
	if (live)
		fail("destructor: %d live variables left <key %u, %lu>", live,
		     lprs_key_of(obj), d->id);
	atomic_long_inc(&dtor_calls);
}

/* Data found for <obj, id>; the caller is in an RCU read-side section. */
static void lprs_check_data(struct lprs_data *d, void *obj, unsigned long id)
{
	if (d->magic != LPRS_MAGIC || d->obj != obj || d->id != id)
		fail("data of <key %u, %lu>: magic %lx obj %p id %lu",
		     lprs_key_of(obj), id, d->magic, d->obj, d->id);
}

static void lprs_lookup(void *obj, unsigned long id)
{
	struct lprs_data *d;

	rcu_read_lock();
	d = klp_shadow_get(obj, id);
	if (d) {
		lprs_check_data(d, obj, id);
		atomic_long_inc(&hits);
	}
	rcu_read_unlock();
}

/* Allocate, use and free <obj, LPRS_OWNED> while owning obj. */
static void lprs_owned_cycle(struct lprs_thread *t, struct lprs_key *key)
{
	struct lprs_data *d, *d2;

	if (atomic_cmpxchg(&key->owner, 0, t->nr + 1)) {
		lprs_lookup(key, LPRS_OWNED);
		return;
	}
	t->id = LPRS_OWNED;
	d = klp_shadow_alloc(key, LPRS_OWNED, sizeof(*d), GFP_KERNEL, lprs_ctor, t);
	if (!d) {
		fail("alloc of owned <key %u> failed", lprs_key_of(key));
		goto out;
	}
	atomic_long_inc(&owned_allocs);
	if (klp_shadow_get(key, LPRS_OWNED) != d)
		fail("get after alloc of <key %u>", lprs_key_of(key));
	cond_resched();
	d2 = klp_shadow_get_or_alloc(key, LPRS_OWNED, sizeof(*d), GFP_KERNEL,
				     lprs_ctor, t);
	if (d2 != d)
		fail("get_or_alloc of allocated <key %u>", lprs_key_of(key));
	lprs_check_data(d, key, LPRS_OWNED);
	klp_shadow_free(key, LPRS_OWNED, lprs_dtor);
	if (klp_shadow_get(key, LPRS_OWNED))
		fail("get after free of <key %u>", lprs_key_of(key));
out:
	atomic_set_release(&key->owner, 0);
}

static void lprs_shared_atomic(struct lprs_thread *t, struct lprs_key *key)
{
	struct lprs_data *d;
	unsigned long flags;

	local_irq_save(flags);
	rcu_read_lock();
	t->id = LPRS_SHARED;
	d = klp_shadow_get_or_alloc(key, LPRS_SHARED, sizeof(*d), GFP_ATOMIC,
				    lprs_ctor, t);
	/* GFP_ATOMIC may fail; anything else is checked. */
	if (d)
		lprs_check_data(d, key, LPRS_SHARED);
	rcu_read_unlock();
	local_irq_restore(flags);
}

static int lprs_thread_fn(void *arg)
{
	struct lprs_thread *t = arg;
	struct lprs_key *key;
	unsigned int i;
	u64 r;

	wait_for_completion(&lprs_go);
	for (i = 0; i < rounds; i++) {
		/* xorshift64 */
		r = t->rand;
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		t->rand = r;
		key = &keys[r % LPRS_KEYS];

		switch ((r >> 16) % 8) {
		case 0:
		case 1:
			lprs_owned_cycle(t, key);
			break;
		case 2:
			lprs_lookup(key, LPRS_OWNED);
			break;
		case 3:
		case 4:
			t->id = LPRS_SHARED;
			if (!klp_shadow_get_or_alloc(key, LPRS_SHARED,
						     sizeof(struct lprs_data),
						     GFP_KERNEL, lprs_ctor, t))
				fail("get_or_alloc of shared <key %u> failed",
				     lprs_key_of(key));
			lprs_lookup(key, LPRS_SHARED);
			break;
		case 5:
			lprs_shared_atomic(t, key);
			break;
		case 6:
			klp_shadow_free(key, LPRS_SHARED, lprs_dtor);
			break;
		case 7:
			lprs_lookup(key, LPRS_SHARED);
			break;
		}
		cond_resched();
	}
	kthread_complete_and_exit(&t->done, 0);
}

static int lprs_test_shadow_stress_init(void)
{
	unsigned int i, started = 0;
	struct lprs_thread *t;
	int k, id;

	if (!threads || threads > LPRS_MAX_THREADS)
		return -EINVAL;
	lprs_threads = kcalloc(threads, sizeof(*lprs_threads), GFP_KERNEL);
	if (!lprs_threads)
		return -ENOMEM;

	for (i = 0; i < threads; i++) {
		t = &lprs_threads[i];
		t->magic = LPRS_THREAD_MAGIC;
		t->nr = i;
		t->rand = 0x9e3779b97f4a7c15ULL * (i + 1);
		init_completion(&t->done);
		t->task = kthread_run(lprs_thread_fn, t, "lprs_shadow/%u", i);
		if (IS_ERR(t->task)) {
			fail("kthread_run: %ld", PTR_ERR(t->task));
			break;
		}
		started++;
	}
	complete_all(&lprs_go);
	for (i = 0; i < started; i++)
		wait_for_completion(&lprs_threads[i].done);
	kfree(lprs_threads);

	/* Owners freed theirs: only shared variables may be left. */
	for (k = 0; k < LPRS_KEYS; k++)
		if (atomic_read(&keys[k].live[LPRS_OWNED - 1]))
			fail("owned <key %d> still live", k);
	klp_shadow_free_all(LPRS_OWNED, lprs_dtor);
	klp_shadow_free_all(LPRS_SHARED, lprs_dtor);
	for (k = 0; k < LPRS_KEYS; k++) {
		for (id = LPRS_OWNED; id <= LPRS_SHARED; id++) {
			if (atomic_read(&keys[k].live[id - 1]))
				fail("<key %d, %d> live after free_all", k, id);
			if (klp_shadow_get(&keys[k], id))
				fail("<key %d, %d> found after free_all", k, id);
		}
	}
	if (atomic_long_read(&ctor_calls) != atomic_long_read(&dtor_calls))
		fail("%ld constructor calls, %ld destructor calls",
		     atomic_long_read(&ctor_calls), atomic_long_read(&dtor_calls));

	errors = atomic_read(&lprs_errors);
	pr_info("%u threads x %u rounds: %ld allocated (%ld by owners), %ld freed, %ld lookups found data, errors %d\n",
		started, rounds, atomic_long_read(&ctor_calls),
		atomic_long_read(&owned_allocs), atomic_long_read(&dtor_calls),
		atomic_long_read(&hits), errors);
	return 0;
}

static void lprs_test_shadow_stress_exit(void)
{
}

module_init(lprs_test_shadow_stress_init);
module_exit(lprs_test_shadow_stress_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch-rs test: shadow variables from many threads");

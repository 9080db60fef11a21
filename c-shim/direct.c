// SPDX-License-Identifier: GPL-2.0
/*
 * The direct path: while no transition runs, every task runs the top of a
 * function's stack, so the call needs no per-task decision. Then the old
 * function's fentry site calls lprs_direct_stub (x86_64/direct.S) through
 * an ftrace direct call, and the stub jumps to the new function found in
 * lprs_dtab by the return address: no ftrace trampoline, no handler.
 *
 * An entry whose target is 0 is transparent: the stub returns into the old
 * function, or wherever the ftrace handler, which then shares the function,
 * sent the call. Before a transition the Rust side hooks the handler again
 * and makes the entry transparent; after it, sets the target and unhooks
 * the handler. Both hold the same target while they share, so a call goes
 * to the same place whichever path it takes.
 *
 * Functions made direct together share one ftrace_ops, registered in one
 * update, and stay in it (transparent when no stack uses them) until none
 * of them is used. The table is changed under the Rust side's lock; the
 * stub reads it locklessly: an entry's target is written before its key.
 */
#define pr_fmt(fmt) "livepatch: " fmt

#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "lprs.h"
#include "lprs-direct.h"

struct lprs_dent {
	unsigned long key;	/* the return address of the fentry call */
	unsigned long target;	/* the new function, or 0 */
};

struct lprs_dent lprs_dtab[LPRS_DTAB_ENTRIES] __aligned(1 << LPRS_DENT_SHIFT);
static struct lprs_direct_batch *lprs_dtab_batch[LPRS_DTAB_ENTRIES];

struct lprs_direct_batch {
	struct ftrace_ops fops;
	unsigned int used;	/* entries a function stack holds */
	unsigned int nr;
	int entries[] __counted_by(nr);
};

/* The task registering our own ftrace handler or direct ops, if any. */
struct task_struct *lprs_direct_sharer;

static unsigned int lprs_dhome(unsigned long key)
{
	return (key * LPRS_DTAB_MULT) >> (64 - LPRS_DTAB_BITS);
}

static unsigned long lprs_dkey(unsigned long ip)
{
	return ip + MCOUNT_INSN_SIZE;
}

static int lprs_dtab_find(unsigned long key)
{
	unsigned int i;

	for (i = lprs_dhome(key); lprs_dtab[i].key; i++)
		if (lprs_dtab[i].key == key)
			return i;
	return -1;
}

/*
 * A free entry for @key within LPRS_DTAB_PROBE - 1 of its home: the last
 * two entries stay empty, so every probe ends inside the table.
 */
static int lprs_dtab_insert(unsigned long key, unsigned long target,
			    struct lprs_direct_batch *batch)
{
	unsigned int home = lprs_dhome(key), i;

	for (i = home; i < home + LPRS_DTAB_PROBE - 1; i++) {
		unsigned long k = lprs_dtab[i].key;

		if (k && k != LPRS_DKEY_FREED)
			continue;
		lprs_dtab_batch[i] = batch;
		WRITE_ONCE(lprs_dtab[i].target, target);
		smp_wmb();	/* the stub reads the key, then the target */
		WRITE_ONCE(lprs_dtab[i].key, key);
		return i;
	}
	return -ENOSPC;
}

static void lprs_dtab_free(int i)
{
	WRITE_ONCE(lprs_dtab[i].target, 0);
	WRITE_ONCE(lprs_dtab[i].key, LPRS_DKEY_FREED);
	lprs_dtab_batch[i] = NULL;
}

/*
 * ftrace asks before an IPMODIFY user and our direct call share a function.
 * Ours do while the Rust side switches paths, with the same target on
 * both. Anyone else's may only while the entry is transparent: otherwise
 * the stub would override where it sends the call.
 */
static int lprs_direct_share(struct ftrace_ops *op, unsigned long ip,
			     enum ftrace_ops_cmd cmd)
{
	int i;

	if (cmd == FTRACE_OPS_CMD_DISABLE_SHARE_IPMODIFY_PEER ||
	    current == READ_ONCE(lprs_direct_sharer))
		return 0;
	i = lprs_dtab_find(lprs_dkey(ip));
	if (cmd == FTRACE_OPS_CMD_ENABLE_SHARE_IPMODIFY_PEER && i >= 0 &&
	    !READ_ONCE(lprs_dtab[i].target))
		return 0;
	pr_warn("refused sharing %ps with another ftrace user that changes the return address\n",
		(void *)ip);
	return -EBUSY;
}

/* Frees a batch no stub can be running for; it must be unregistered. */
static void lprs_direct_batch_release(struct lprs_direct_batch *batch)
{
	unsigned int i;

	for (i = 0; i < batch->nr; i++)
		lprs_dtab_free(batch->entries[i]);
	kfree(batch);
}

/*
 * Send each function at @addrs to @targets[i] directly. A function whose
 * entry is still in the table gets it back; the others get new entries in
 * one new ftrace ops, registered in one update. All or nothing; @entries
 * gets the entry of each function.
 */
int lprs_direct_attach(const unsigned long *addrs, const unsigned long *targets,
		       unsigned int nr, int *entries)
{
	struct lprs_direct_batch *batch = NULL;
	unsigned long *ips = NULL;
	unsigned int i, fresh = 0;
	int ret = -ENOMEM;

	for (i = 0; i < nr; i++) {
		unsigned long ip = lprs_ftrace_ip(addrs[i]);

		if (!ip)
			return -EINVAL;
		entries[i] = lprs_dtab_find(lprs_dkey(ip));
		if (entries[i] < 0)
			fresh++;
		else if (READ_ONCE(lprs_dtab[entries[i]].target))
			return -EBUSY;
	}
	if (fresh) {
		batch = kzalloc(struct_size(batch, entries, fresh), GFP_KERNEL);
		ips = kmalloc_array(fresh, sizeof(*ips), GFP_KERNEL);
		if (!batch || !ips)
			goto out;
		batch->nr = fresh;
		batch->fops.ops_func = lprs_direct_share;
		batch->fops.flags = FTRACE_OPS_FL_PERMANENT;
		fresh = 0;
		for (i = 0; i < nr; i++) {
			if (entries[i] >= 0)
				continue;
			ips[fresh] = lprs_ftrace_ip(addrs[i]);
			/* Not called before the ops is registered. */
			ret = lprs_dtab_insert(lprs_dkey(ips[fresh]), targets[i], batch);
			if (ret < 0)
				goto out;
			batch->entries[fresh++] = ret;
			entries[i] = ret;
		}
		ret = ftrace_set_filter_ips(&batch->fops, ips, fresh, 0, 0);
		if (!ret) {
			WRITE_ONCE(lprs_direct_sharer, current);
			ret = register_ftrace_direct(&batch->fops,
						     (unsigned long)lprs_direct_stub);
			WRITE_ONCE(lprs_direct_sharer, NULL);
		}
		if (ret) {
			ftrace_free_filter(&batch->fops);
			goto out;
		}
	}
	for (i = 0; i < nr; i++) {
		WRITE_ONCE(lprs_dtab[entries[i]].target, targets[i]);
		lprs_dtab_batch[entries[i]]->used++;
	}
	kfree(ips);
	return 0;
out:
	if (batch) {
		for (i = 0; i < nr; i++)
			if (entries[i] >= 0 && lprs_dtab_batch[entries[i]] == batch)
				entries[i] = -1;
		/* Never registered, so never read: free the entries now. */
		batch->nr = fresh;
		lprs_direct_batch_release(batch);
	}
	kfree(ips);
	return ret;
}

/* Set the target of entry @i; 0 makes it transparent. */
void lprs_direct_set(int i, unsigned long target)
{
	WRITE_ONCE(lprs_dtab[i].target, target);
}

/*
 * A function stack no longer uses entry @i: it becomes transparent. Returns
 * its batch when no entry of it is used any more, for lprs_direct_free().
 */
struct lprs_direct_batch *lprs_direct_put(int i)
{
	struct lprs_direct_batch *batch = lprs_dtab_batch[i];

	lprs_direct_set(i, 0);
	if (--batch->used)
		return NULL;
	return batch;
}

/* Whether the batch of entry @i has entries no function stack uses. */
bool lprs_direct_sparse(int i)
{
	struct lprs_direct_batch *batch = lprs_dtab_batch[i];

	return batch->used < batch->nr;
}

/*
 * Unregister and free an unused batch. ftrace waits, for an ops like ours,
 * until no task can be in the stub on its behalf (RCU-tasks), so its
 * entries can go. If that fails the calls stay, transparent, for good.
 */
void lprs_direct_free(struct lprs_direct_batch *batch)
{
	int ret;

	if (batch->used)
		return;
	ret = unregister_ftrace_direct(&batch->fops, (unsigned long)lprs_direct_stub, true);
	if (ret) {
		/* ftrace may still call the stub: livepatch.ko must stay. */
		__module_get(THIS_MODULE);
		pr_warn("failed to unregister direct calls of %u functions (%d); livepatch.ko stays loaded\n",
			batch->nr, ret);
		return;
	}
	lprs_direct_batch_release(batch);
}

/* Rust: move what a transition left on the handler to the direct path. */
void lprs_rs_promote(void);

static void lprs_promote_work_fn(struct work_struct *work)
{
	lprs_rs_promote();
}
static DECLARE_DELAYED_WORK(lprs_promote_work, lprs_promote_work_fn);

/*
 * Later rather than at once: a transition that follows soon (a stack being
 * built, a module coming and going) then finds its functions still on the
 * handler, and neither move costs an ftrace update and RCU-tasks waits.
 */
void lprs_schedule_promote(unsigned long delay_ms)
{
	mod_delayed_work(system_dfl_wq, &lprs_promote_work, msecs_to_jiffies(delay_ms));
}

void lprs_cancel_promote(void)
{
	cancel_delayed_work_sync(&lprs_promote_work);
}

/* Whether a call may jump to @target from the stub: an indirect jump. */
bool lprs_direct_usable(unsigned long target)
{
	return lprs_ksym_callable(target);
}

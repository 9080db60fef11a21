// SPDX-License-Identifier: GPL-2.0
/*
 * Call redirection: an ftrace_ops hooks a batch of old functions (those a
 * patch object hooks first), so that enabling a patch of N functions costs
 * one ftrace update, not N. The handler finds the function's slot by its
 * address (no lookup when the ops hooks one function, a hash probe when
 * more) and sends the call to the new function on top of its stack.
 *
 * Each stack is an immutable array published with RCU: the handler reads
 * one pointer and one entry, takes no lock and allocates nothing. The Rust
 * side computes each new array and publishes it through lprs_ops_publish().
 * All changes are serialised by the Rust side's lock.
 */
#define pr_fmt(fmt) "livepatch: " fmt

#include <linux/ftrace.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/rcupdate.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>

#include "lprs.h"

struct lprs_hook {
	unsigned long ip;	/* ftrace's address in the old function */
	struct lprs_func_stack __rcu *stack;
	/* Unpublished when unhooked; freed with the ops, after a grace period. */
	struct lprs_func_stack *retired;
};

struct lprs_ops {
	struct ftrace_ops fops;
	unsigned int live;	/* hooks still in the ftrace filter */
	unsigned int bits;	/* the table has 1 << bits entries */
	struct lprs_hook **table;	/* open addressing by hash_long(ip); nr > 1 */
	unsigned int nr;
	struct lprs_hook hooks[] __counted_by(nr);
};

static __always_inline struct lprs_hook *lprs_hook_of(struct lprs_ops *ops,
						      unsigned long ip)
{
	unsigned long mask, i;
	struct lprs_hook *hook;

	/* The filter holds no other address. */
	if (likely(ops->nr == 1))
		return &ops->hooks[0];
	mask = (1UL << ops->bits) - 1;
	for (i = hash_long(ip, ops->bits); (hook = ops->table[i]); i = (i + 1) & mask)
		if (hook->ip == ip)
			return hook;
	return NULL;
}

static void notrace lprs_ftrace_handler(unsigned long ip, unsigned long parent_ip,
					struct ftrace_ops *fops,
					struct ftrace_regs *fregs)
{
	struct lprs_ops *ops = container_of(fops, struct lprs_ops, fops);
	struct lprs_func_stack *stack;
	struct lprs_hook *hook;
	unsigned long new_func;
	unsigned int idx = 0;

	/*
	 * Disabled preemption is the read side lprs_synchronize() waits out.
	 * No recursion guard: nothing here is traced or calls out.
	 */
	preempt_disable_notrace();
	hook = lprs_hook_of(ops, ip);
	if (!hook)
		goto out;
	stack = rcu_dereference_sched(hook->stack);
	if (!stack || !stack->nr)
		goto out;
	/*
	 * The top patch is in transition: a task not yet switched to it runs
	 * what is below (or the original code). The task's word is its own,
	 * written by itself or while it was off the CPU.
	 */
	if (stack->transition) {
		unsigned long word = READ_ONCE(*(end_of_stack(current) + 1));
		bool patched = word == stack->word_patched ? true :
			       word == stack->word_unpatched ? false :
			       stack->initial_patched;

		if (!patched)
			idx = 1;
	}
	/* Past the stack, or a no-op entry: run the original code. */
	if (idx < stack->nr) {
		new_func = READ_ONCE(stack->new_func[idx]);
		if (new_func)
			ftrace_regs_set_instruction_pointer(fregs, new_func);
	}
out:
	preempt_enable_notrace();
}

/*
 * An ops for the distinct, traceable functions at @addrs; slot i hooks
 * @addrs[i].
 */
struct lprs_ops *lprs_ops_alloc(const unsigned long *addrs, unsigned int nr)
{
	struct lprs_ops *ops;
	unsigned int i;

	ops = kzalloc(struct_size(ops, hooks, nr), GFP_KERNEL);
	if (!ops)
		return NULL;
	ops->nr = nr;
	for (i = 0; i < nr; i++) {
		ops->hooks[i].ip = lprs_ftrace_ip(addrs[i]);
		if (WARN_ON_ONCE(!ops->hooks[i].ip))
			goto fail;
	}
	if (nr > 1) {
		/* At most half full: probes stay short. */
		ops->bits = ilog2(roundup_pow_of_two(nr)) + 1;
		ops->table = kcalloc(1UL << ops->bits, sizeof(*ops->table), GFP_KERNEL);
		if (!ops->table)
			goto fail;
		for (i = 0; i < nr; i++) {
			unsigned long mask = (1UL << ops->bits) - 1;
			unsigned long j = hash_long(ops->hooks[i].ip, ops->bits);

			while (ops->table[j])
				j = (j + 1) & mask;
			ops->table[j] = &ops->hooks[i];
		}
	}
	ops->fops.func = lprs_ftrace_handler;
	/*
	 * PERMANENT: ftrace_enabled cannot be switched off under a patch.
	 * Without ftrace_regs the handler needs the full register set.
	 */
	ops->fops.flags = FTRACE_OPS_FL_DYNAMIC | FTRACE_OPS_FL_IPMODIFY |
			  FTRACE_OPS_FL_PERMANENT;
#ifndef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
	ops->fops.flags |= FTRACE_OPS_FL_SAVE_REGS;
#endif
	return ops;
fail:
	kfree(ops);
	return NULL;
}

/* One ftrace update for every function of the ops. */
int lprs_ops_register(struct lprs_ops *ops)
{
	unsigned long *ips;
	unsigned int i;
	int ret;

	ips = kmalloc_array(ops->nr, sizeof(*ips), GFP_KERNEL);
	if (!ips)
		return -ENOMEM;
	for (i = 0; i < ops->nr; i++)
		ips[i] = ops->hooks[i].ip;
	ret = ftrace_set_filter_ips(&ops->fops, ips, ops->nr, 0, 0);
	kfree(ips);
	if (!ret) {
		/* It may share functions with our direct calls (direct.c). */
		WRITE_ONCE(lprs_direct_sharer, current);
		ret = register_ftrace_function(&ops->fops);
		WRITE_ONCE(lprs_direct_sharer, NULL);
	}
	if (ret)
		ftrace_free_filter(&ops->fops);
	else
		ops->live = ops->nr;
	return ret;
}

/*
 * Stop hooking the functions at @slots: drop them from the filter, in one
 * update, or unregister the ops when none would be left (an empty filter
 * would hook every function). Returns 1 when the ops was unregistered and
 * can be freed after lprs_synchronize(), 0 when it still hooks others, or
 * an error: then the functions stay hooked but run their original code.
 */
int lprs_ops_unhook(struct lprs_ops *ops, const unsigned int *slots, unsigned int nr)
{
	unsigned long *ips = NULL;
	unsigned int i;
	int ret;

	for (i = 0; i < nr; i++) {
		struct lprs_hook *hook = &ops->hooks[slots[i]];

		hook->retired = rcu_replace_pointer(hook->stack, NULL, true);
	}
	if (nr >= ops->live) {
		ret = unregister_ftrace_function(&ops->fops);
		if (ret) {
			pr_warn("failed to unregister an ftrace handler (%d)\n", ret);
			return ret;
		}
		ops->live = 0;
		ftrace_free_filter(&ops->fops);
		return 1;
	}
	ips = kmalloc_array(nr, sizeof(*ips), GFP_KERNEL);
	if (!ips)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		ips[i] = ops->hooks[slots[i]].ip;
	ret = ftrace_set_filter_ips(&ops->fops, ips, nr, 1, 0);
	kfree(ips);
	if (ret) {
		pr_warn("failed to remove %u functions from an ftrace filter (%d)\n",
			nr, ret);
		return ret;
	}
	ops->live -= nr;
	return 0;
}

/* Frees the ops and its stacks; it must be unregistered. */
void lprs_ops_free(struct lprs_ops *ops)
{
	unsigned int i;

	for (i = 0; i < ops->nr; i++) {
		kfree(rcu_dereference_protected(ops->hooks[i].stack, true));
		kfree(ops->hooks[i].retired);
	}
	kfree(ops->table);
	kfree(ops);
}

struct lprs_func_stack *lprs_func_stack_alloc(const struct lprs_func_stack *head,
					      const unsigned long *new_funcs,
					      unsigned int nr)
{
	struct lprs_func_stack *stack;

	stack = kmalloc(struct_size(stack, new_func, nr), GFP_KERNEL);
	if (!stack)
		return NULL;
	*stack = *head;
	stack->nr = nr;
	memcpy(stack->new_func, new_funcs, nr * sizeof(*new_funcs));
	return stack;
}

/* Returns the previous stack, to be freed after lprs_synchronize(). */
struct lprs_func_stack *lprs_ops_publish(struct lprs_ops *ops, unsigned int slot,
					 struct lprs_func_stack *stack)
{
	return rcu_replace_pointer(ops->hooks[slot].stack, stack, true);
}

void lprs_func_stack_free(struct lprs_func_stack *stack)
{
	kfree(stack);
}

/*
 * Before a patch's new functions may go: a task preempted in a trampoline
 * after the handler chose a new function, but before it jumped there, shows
 * only the old function on its stack, so the stack check lets it switch;
 * it must have left the trampoline before that new function is freed. It
 * has once it scheduled voluntarily or ran in user space: RCU-tasks.
 */
void lprs_synchronize_tasks(void)
{
	synchronize_rcu_tasks();
}

/*
 * Wait until no handler can still see what was published before. Handlers
 * run with preemption disabled, so an RCU grace period covers them.
 */
void lprs_synchronize(void)
{
	synchronize_rcu();
}

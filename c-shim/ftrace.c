// SPDX-License-Identifier: GPL-2.0
/*
 * Call redirection: one ftrace_ops per old function, whose handler sends the
 * call to the new function on top of that function's stack.
 *
 * The stack is an immutable array published with RCU: the handler reads one
 * pointer and one entry, takes no lock and allocates nothing. The Rust side
 * computes each new array and publishes it through lprs_ops_publish().
 */
#define pr_fmt(fmt) "livepatch: " fmt

#include <linux/ftrace.h>
#include <linux/rcupdate.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>

#include "lprs.h"

struct lprs_ops {
	struct ftrace_ops fops;
	unsigned long old_addr;
	struct lprs_func_stack __rcu *stack;
};

static void notrace lprs_ftrace_handler(unsigned long ip, unsigned long parent_ip,
					struct ftrace_ops *fops,
					struct ftrace_regs *fregs)
{
	struct lprs_ops *ops = container_of(fops, struct lprs_ops, fops);
	struct lprs_func_stack *stack;
	unsigned long new_func;
	unsigned int idx = 0;
	int bit;

	/* Also disables preemption, which lprs_synchronize() waits out. */
	bit = ftrace_test_recursion_trylock(ip, parent_ip);
	if (WARN_ON_ONCE(bit < 0))
		return;

	stack = rcu_dereference_sched(ops->stack);
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

	ftrace_test_recursion_unlock(bit);
}

struct lprs_ops *lprs_ops_alloc(unsigned long old_addr)
{
	struct lprs_ops *ops = kzalloc(sizeof(*ops), GFP_KERNEL);

	if (!ops)
		return NULL;
	ops->old_addr = old_addr;
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
}

int lprs_ops_register(struct lprs_ops *ops, const char *name)
{
	int ret;

	ret = ftrace_set_filter_ip(&ops->fops, ops->old_addr, 0, 0);
	if (ret) {
		pr_err("failed to set ftrace filter for function '%s' (%d)\n", name, ret);
		return ret;
	}
	ret = register_ftrace_function(&ops->fops);
	if (ret) {
		pr_err("failed to register ftrace handler for function '%s' (%d)\n", name, ret);
		ftrace_set_filter_ip(&ops->fops, ops->old_addr, 1, 0);
	}
	return ret;
}

void lprs_ops_unregister(struct lprs_ops *ops, const char *name)
{
	int ret = unregister_ftrace_function(&ops->fops);

	if (ret)
		pr_warn("failed to unregister ftrace handler for function '%s' (%d)\n",
			name, ret);
	ftrace_set_filter_ip(&ops->fops, ops->old_addr, 1, 0);
}

/* Frees the ops and its current stack; it must be unregistered. */
void lprs_ops_free(struct lprs_ops *ops)
{
	kfree(rcu_dereference_protected(ops->stack, true));
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
struct lprs_func_stack *lprs_ops_publish(struct lprs_ops *ops,
					 struct lprs_func_stack *stack)
{
	return rcu_replace_pointer(ops->stack, stack, true);
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

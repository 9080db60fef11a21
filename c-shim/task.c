// SPDX-License-Identifier: GPL-2.0
/*
 * Tasks for the consistency model: the per-task word, switching a task
 * after checking its stack, the task list, idle tasks, switching at return
 * to user space (task_work), fork inheritance and escalation.
 *
 * A kernel without CONFIG_LIVEPATCH has no task_struct field for the patch
 * state, so the word lives just above STACK_END_MAGIC at the bottom of the
 * task's stack: stacks are zeroed when allocated, only the task's own
 * handler calls read it, and it goes away with the stack. What a word
 * means is decided on the Rust side (klp-core transition.rs).
 */
#define pr_fmt(fmt) "livepatch: " fmt

#include <linux/cpu.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "lprs.h"

/* Implemented in Rust (rust/livepatch/transition.rs). */
long lprs_rs_stack_blocks(const void *ranges, unsigned int nr_ranges,
			  const unsigned long *entries, unsigned int nr);
void lprs_rs_transition_work(void);
void lprs_rs_transition_kick(void);

static int (*lprs_task_call_func)(struct task_struct *p, task_call_f func, void *arg);
static int (*lprs_save_stack_reliable)(struct task_struct *tsk, unsigned long *store,
				       unsigned int size);
static struct task_struct *(*lprs_idle_task)(int cpu);
static int (*lprs_wake_up_state)(struct task_struct *p, unsigned int state);
static void (*lprs_put_task_stack)(struct task_struct *tsk);

/* The word a task gets when it switches at return to user space; 0 outside
 * transitions. Read by task_work callbacks, which may run late.
 */
static unsigned long lprs_switch_word;

unsigned long *lprs_task_word(struct task_struct *t)
{
	return end_of_stack(t) + 1;
}

/*
 * Another task's word, read or written while its stack is pinned: a task
 * that has exited may have no stack any more. Both return false then.
 */
static bool lprs_read_word(struct task_struct *t, unsigned long *word)
{
	if (!try_get_task_stack(t))
		return false;
	*word = READ_ONCE(*lprs_task_word(t));
	lprs_put_task_stack(t);
	return true;
}

static bool lprs_write_word(struct task_struct *t, unsigned long word)
{
	if (!try_get_task_stack(t))
		return false;
	WRITE_ONCE(*lprs_task_word(t), word);
	lprs_put_task_stack(t);
	return true;
}

static int lprs_check_and_switch(struct task_struct *t, void *arg)
{
	struct lprs_check *c = arg;
	long i;
	int nr;

	/* A task running elsewhere has no stack we could trust. */
	if (t != current && t->on_cpu)
		return LPRS_RUNNING;
	nr = lprs_save_stack_reliable(t, c->entries, ARRAY_SIZE(c->entries));
	if (nr < 0)
		return LPRS_UNRELIABLE;
	i = lprs_rs_stack_blocks(c->ranges, c->nr_ranges, c->entries, nr);
	if (i >= 0) {
		c->addr = c->entries[i];
		return LPRS_SLEEPING_IN;
	}
	/* An exited task has nothing to switch. */
	lprs_write_word(t, c->word);
	return 0;
}

/*
 * Check @t's stack and switch it when no range of @c is on it. Returns 0 or
 * why not (LPRS_*).
 */
int lprs_try_switch_task(struct task_struct *t, struct lprs_check *c)
{
	int ret;

	if (t == current) {
		preempt_disable();
		ret = lprs_check_and_switch(t, c);
		preempt_enable();
		return ret;
	}
	return lprs_task_call_func(t, lprs_check_and_switch, c);
}

#define LPRS_BATCH 256

/*
 * Call @fn on every thread, LPRS_BATCH at a time under the RCU read lock,
 * rescheduling between batches: with many threads, no read-side section
 * gets long (upstream once hard-locked walking every task in one go). As
 * the hung-task detector does, the walk pins its place across the break
 * and gives up when that thread or its leader has exited meanwhile.
 * Returns false when the walk did not see every thread.
 */
static bool lprs_for_each_thread(void (*fn)(struct task_struct *t, void *arg), void *arg)
{
	struct task_struct *g, *t;
	unsigned int n = 0;
	bool complete = true;

	rcu_read_lock();
	for_each_process_thread(g, t) {
		fn(t, arg);
		if (++n % LPRS_BATCH)
			continue;
		get_task_struct(g);
		get_task_struct(t);
		rcu_read_unlock();
		cond_resched();
		rcu_read_lock();
		complete = pid_alive(g) && pid_alive(t);
		put_task_struct(t);
		put_task_struct(g);
		if (!complete)
			break;
	}
	rcu_read_unlock();
	return complete;
}

struct lprs_task_array {
	struct task_struct **tasks;
	unsigned int nr, cap;
};

static void lprs_count_thread(struct task_struct *t, void *arg)
{
	((struct lprs_task_array *)arg)->cap++;
}

static void lprs_get_thread(struct task_struct *t, void *arg)
{
	struct lprs_task_array *a = arg;

	if (a->nr < a->cap) {
		get_task_struct(t);
		a->tasks[a->nr++] = t;
	}
}

/*
 * Take a reference on every thread, so the checks can run outside RCU.
 * Threads the walk misses (see lprs_for_each_thread) are checked in a later
 * round: completion is decided by lprs_count_pending(), not by this list.
 * Returns the array (free with lprs_tasks_put) and its length in *@nr.
 */
struct task_struct **lprs_tasks_get(unsigned int *nr)
{
	struct lprs_task_array a = { .cap = 64 };

	lprs_for_each_thread(lprs_count_thread, &a);
	a.tasks = kvmalloc_array(a.cap, sizeof(*a.tasks), GFP_KERNEL);
	if (!a.tasks)
		return NULL;
	lprs_for_each_thread(lprs_get_thread, &a);
	*nr = a.nr;
	return a.tasks;
}

void lprs_tasks_put(struct task_struct **tasks, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		put_task_struct(tasks[i]);
		cond_resched();
	}
	kvfree(tasks);
}

/* Facts about a task for the Rust side (task fields are not bound there). */
void lprs_task_info(struct task_struct *t, struct lprs_task_info *info)
{
	info->pid = task_pid_nr(t);
	info->kthread = t->flags & PF_KTHREAD;
	info->dead = t->exit_state || !lprs_read_word(t, &info->word);
	get_task_comm(info->comm, t);
}

/*
 * Whether a task with word @w still has to switch. The Rust side chose the
 * words: @c->other is 0 when every word but @c->word is pending, else the
 * one word that is (after a reverse, unknown words are already in place).
 */
static bool lprs_word_pending(const struct lprs_check *c, unsigned long w)
{
	return c->other ? w == c->other : w != c->word;
}

struct lprs_pending_count {
	const struct lprs_check *check;
	unsigned int n;
};

static void lprs_count_pending_thread(struct task_struct *t, void *arg)
{
	struct lprs_pending_count *pc = arg;
	unsigned long word;

	if (!t->exit_state && lprs_read_word(t, &word) && lprs_word_pending(pc->check, word))
		pc->n++;
}

/*
 * How many threads and idle tasks are pending; at least 1 when the walk
 * could not see every thread, so a transition never completes on a partial
 * look.
 */
unsigned int lprs_count_pending(const struct lprs_check *c)
{
	struct lprs_pending_count pc = { .check = c };
	unsigned int n;
	int cpu;

	if (!lprs_for_each_thread(lprs_count_pending_thread, &pc))
		pc.n++;
	n = pc.n;
	for_each_online_cpu(cpu) {
		if (lprs_word_pending(c, READ_ONCE(*lprs_task_word(lprs_idle_task(cpu)))))
			n++;
	}
	return n;
}

struct lprs_idle_work {
	struct work_struct work;
	struct lprs_check *check;
	int ret;
};

/*
 * Runs on the idle task's CPU, so the idle task is off the CPU and its
 * stack, left through schedule_idle(), can be walked reliably.
 */
static void lprs_idle_work_fn(struct work_struct *work)
{
	struct lprs_idle_work *w = container_of(work, struct lprs_idle_work, work);

	w->ret = lprs_try_switch_task(lprs_idle_task(smp_processor_id()), w->check);
}

/*
 * Switch the idle task of every CPU whose idle task is pending. Offline CPUs' idle tasks run nothing: switch them
 * directly. Returns how many stay pending.
 */
unsigned int lprs_switch_idle_tasks(struct lprs_check *c)
{
	static struct lprs_idle_work works[NR_CPUS];
	unsigned int pending = 0;
	int cpu;

	cpus_read_lock();
	for_each_possible_cpu(cpu) {
		struct task_struct *idle = lprs_idle_task(cpu);

		if (!lprs_word_pending(c, READ_ONCE(*lprs_task_word(idle))))
			continue;
		if (!cpu_online(cpu)) {
			WRITE_ONCE(*lprs_task_word(idle), c->word);
			continue;
		}
		INIT_WORK(&works[cpu].work, lprs_idle_work_fn);
		works[cpu].check = c;
		works[cpu].ret = -1;
		queue_work_on(cpu, system_highpri_wq, &works[cpu].work);
		flush_work(&works[cpu].work);
		if (works[cpu].ret)
			pending++;
	}
	cpus_read_unlock();
	return pending;
}

/*
 * Works queued for the current switch word and not run yet. When the last
 * one runs, every task asked has switched: a round then may complete the
 * transition now instead of at the next retry ("kick"). Armed at the end
 * of a round that left tasks pending, once, so kicks cannot make rounds
 * run back to back.
 */
static atomic_t lprs_works_left = ATOMIC_INIT(0);
static atomic_t lprs_kick_armed = ATOMIC_INIT(0);

static void lprs_kick_work_fn(struct work_struct *work)
{
	lprs_rs_transition_kick();
}
static DECLARE_WORK(lprs_kick_work, lprs_kick_work_fn);

void lprs_set_switch_word(unsigned long word)
{
	if (word != READ_ONCE(lprs_switch_word)) {
		atomic_set(&lprs_kick_armed, 0);
		atomic_set(&lprs_works_left, 0);
	}
	WRITE_ONCE(lprs_switch_word, word);
}

/*
 * A round left tasks pending: kick when the last work runs - or now, when
 * the works this round @queued have all run already.
 */
void lprs_arm_kick(bool queued)
{
	atomic_set(&lprs_kick_armed, 1);
	if (!atomic_read(&lprs_works_left) && atomic_xchg(&lprs_kick_armed, 0) && queued)
		queue_work(system_dfl_wq, &lprs_kick_work);
}

struct lprs_twork {
	struct callback_head cb;
	unsigned long word;
};

/*
 * Called (from lprs_twork_entry, see x86_64/twork.S) when a task returns to
 * user space: nothing of the kernel but entry code is on its stack, so it
 * can switch. Works of an older transition, or run by an exiting task, do
 * nothing.
 */
void lprs_twork_fn(struct callback_head *cb)
{
	struct lprs_twork *w = container_of(cb, struct lprs_twork, cb);

	if (w->word == READ_ONCE(lprs_switch_word)) {
		if (!(current->flags & PF_EXITING))
			WRITE_ONCE(*lprs_task_word(current), w->word);
		if (atomic_dec_and_test(&lprs_works_left) && atomic_xchg(&lprs_kick_armed, 0))
			queue_work(system_dfl_wq, &lprs_kick_work);
	}
	kfree(w);
}

void lprs_twork_entry(struct callback_head *cb);

/*
 * Whether @t has one of our works for @word queued. Under @t's pi_lock the
 * works cannot run (task_work_run() takes the lock after taking the list),
 * so walking them is safe, as task_work_cancel_match() does.
 */
static bool lprs_twork_queued(struct task_struct *t, unsigned long word)
{
	struct callback_head *w;
	unsigned long flags;
	bool found = false;

	raw_spin_lock_irqsave(&t->pi_lock, flags);
	for (w = READ_ONCE(t->task_works); w && !found; w = w->next)
		found = w->func == lprs_twork_entry &&
			container_of(w, struct lprs_twork, cb)->word == word;
	raw_spin_unlock_irqrestore(&t->pi_lock, flags);
	return found;
}

/*
 * Have @t switch itself to @word when it next returns to user space; with
 * @signal, kick it there now with a fake signal. Each queued work holds a
 * reference on this module, dropped by lprs_twork_entry's tail call, so the
 * module cannot go while a work may still run. Without @signal, a task with
 * one of our works for @word queued already gets no more (returns 1), so
 * works do not pile up on a task that stays in the kernel (other works, a
 * file's last fput say, or ours of an older transition, do not stop us).
 */
int lprs_queue_twork(struct task_struct *t, unsigned long word, bool signal)
{
	struct lprs_twork *w;
	int ret;

	if (!signal && lprs_twork_queued(t, word))
		return 1;

	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (!w) {
		module_put(THIS_MODULE);
		return -ENOMEM;
	}
	init_task_work(&w->cb, lprs_twork_entry);
	w->word = word;
	atomic_inc(&lprs_works_left);
	ret = task_work_add(t, &w->cb, signal ? TWA_SIGNAL : TWA_RESUME);
	if (ret) {
		atomic_dec(&lprs_works_left);
		kfree(w);
		module_put(THIS_MODULE);
	}
	return ret;
}

/* Wake a kthread sleeping interruptibly, so it passes a switch point. */
void lprs_wake_kthread(struct task_struct *t)
{
	lprs_wake_up_state(t, TASK_INTERRUPTIBLE);
}

/* A child starts in its parent's universe, as with the upstream core. */
static void lprs_newtask(void *data, struct task_struct *task, u64 clone_flags)
{
	WRITE_ONCE(*lprs_task_word(task), READ_ONCE(*lprs_task_word(current)));
}

static struct tracepoint *lprs_tp_newtask;

static void lprs_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "task_newtask"))
		lprs_tp_newtask = tp;
}

int lprs_task_init(void)
{
	lprs_task_call_func = (void *)lprs_ksym_func("task_call_func");
	lprs_save_stack_reliable = (void *)lprs_ksym_func("stack_trace_save_tsk_reliable");
	lprs_idle_task = (void *)lprs_ksym_func("idle_task");
	lprs_wake_up_state = (void *)lprs_ksym_func("wake_up_state");
	lprs_put_task_stack = (void *)lprs_ksym_func("put_task_stack");
	if (!lprs_task_call_func || !lprs_save_stack_reliable || !lprs_idle_task ||
	    !lprs_wake_up_state || !lprs_put_task_stack) {
		pr_err("cannot resolve the scheduler functions the consistency model needs\n");
		return -ENOENT;
	}
	for_each_kernel_tracepoint(lprs_find_tp, NULL);
	if (!lprs_tp_newtask) {
		pr_err("cannot find the task_newtask tracepoint\n");
		return -ENOENT;
	}
	return tracepoint_probe_register(lprs_tp_newtask, lprs_newtask, NULL);
}

void lprs_task_exit(void)
{
	tracepoint_probe_unregister(lprs_tp_newtask, lprs_newtask, NULL);
	tracepoint_synchronize_unregister();
}

static void lprs_transition_work_fn(struct work_struct *work)
{
	lprs_rs_transition_work();
}
static DECLARE_DELAYED_WORK(lprs_transition_work, lprs_transition_work_fn);

void lprs_schedule_transition_work(unsigned long delay_ms)
{
	mod_delayed_work(system_dfl_wq, &lprs_transition_work, msecs_to_jiffies(delay_ms));
}

void lprs_cancel_transition_work(void)
{
	cancel_work_sync(&lprs_kick_work);
	cancel_delayed_work_sync(&lprs_transition_work);
}

static void lprs_force_thread(struct task_struct *t, void *arg)
{
	if (!t->exit_state)
		lprs_write_word(t, *(unsigned long *)arg);
}

/*
 * force: every thread and idle task gets @word, running or not. A walk cut
 * short starts over (writing the same word twice is harmless; new threads
 * inherit it from their parents).
 */
void lprs_force_all(unsigned long word)
{
	int cpu;

	while (!lprs_for_each_thread(lprs_force_thread, &word))
		;
	for_each_possible_cpu(cpu)
		WRITE_ONCE(*lprs_task_word(lprs_idle_task(cpu)), word);
}

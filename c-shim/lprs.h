/* SPDX-License-Identifier: GPL-2.0 */
/* Functions the C shims provide to the Rust side of livepatch.ko. */
#ifndef _LPRS_H
#define _LPRS_H

#include <linux/types.h>

struct module;
struct kobject;

/* ksyms.c */
int lprs_ksyms_init(void);
unsigned long lprs_ksym(const char *name);
unsigned long lprs_ksym_func(const char *name);
bool lprs_ksym_callable(unsigned long addr);

/* env.c */
bool lprs_kernel_has_ipmodify(void);
bool lprs_kernel_has_reliable_stacktrace(void);
bool lprs_sysfs_root_taken(void);

/* symbols.c */
int lprs_symbols_init(void);
unsigned long lprs_symbol_search(struct module *mod, const char *name,
				 unsigned long pos, unsigned long *addr);
unsigned long lprs_symbol_size(unsigned long addr);
struct module *lprs_find_live_module(const char *name);
bool lprs_addr_is_runtime(unsigned long addr);
unsigned long lprs_ftrace_ip(unsigned long addr);
bool lprs_addr_is_uncallable_text(unsigned long addr);
bool lprs_module_is_patch(struct module *mod);

/* ftrace.c */
struct lprs_func_stack {
	/* While the top entry's patch is in transition: */
	bool transition;
	bool initial_patched;	/* the universe of tasks with other words */
	unsigned long word_patched, word_unpatched;
	unsigned int nr;
	unsigned long new_func[];	/* top first; 0 runs the original */
};
struct lprs_ops;
struct lprs_ops *lprs_ops_alloc(const unsigned long *addrs, unsigned int nr);
int lprs_ops_register(struct lprs_ops *ops);
int lprs_ops_unhook(struct lprs_ops *ops, const unsigned int *slots, unsigned int nr);
void lprs_ops_free(struct lprs_ops *ops);
struct lprs_func_stack *lprs_func_stack_alloc(const struct lprs_func_stack *head,
					      const unsigned long *new_funcs,
					      unsigned int nr);
struct lprs_func_stack *lprs_ops_publish(struct lprs_ops *ops, unsigned int slot,
					 struct lprs_func_stack *stack);
void lprs_func_stack_free(struct lprs_func_stack *stack);

/* direct.c, x86_64/direct.S */
void lprs_direct_stub(void);
struct task_struct;
extern struct task_struct *lprs_direct_sharer;
struct lprs_direct_batch;
int lprs_direct_attach(const unsigned long *addrs, const unsigned long *targets,
		       unsigned int nr, int *entries);
void lprs_direct_set(int i, unsigned long target);
struct lprs_direct_batch *lprs_direct_put(int i);
bool lprs_direct_sparse(int i);
void lprs_direct_free(struct lprs_direct_batch *batch);
bool lprs_direct_usable(unsigned long target);
void lprs_schedule_promote(unsigned long delay_ms);
void lprs_cancel_promote(void);
void lprs_synchronize(void);
void lprs_synchronize_tasks(void);

/* module.c */
int lprs_module_notifier_register(void);
void lprs_module_notifier_unregister(void);
const char *lprs_module_name(struct module *mod);
bool lprs_module_get(struct module *mod);
void lprs_module_put(struct module *mod);
void lprs_taint(struct module *patch_mod);
void lprs_schedule_free(void);
void lprs_flush_free(void);
void lprs_pr_debug(const char *msg);
void klp_try_switch_task(const char *msg, unsigned long addr);

/* task.c */
enum { LPRS_RUNNING = 1, LPRS_UNRELIABLE, LPRS_SLEEPING_IN };
#define LPRS_MAX_ENTRIES 64
struct lprs_check {
	unsigned long word;	/* what a switching task gets */
	unsigned long other;	/* see lprs_word_pending() */
	const void *ranges;	/* klp-core transition::Range[] */
	unsigned int nr_ranges;
	unsigned long addr;	/* out: the blocking return address */
	unsigned long entries[LPRS_MAX_ENTRIES];
};
struct lprs_task_info {
	int pid;
	bool kthread;
	bool dead;
	unsigned long word;
	char comm[16];
};
struct task_struct;
struct callback_head;
unsigned long *lprs_task_word(struct task_struct *t);
int lprs_try_switch_task(struct task_struct *t, struct lprs_check *c);
struct task_struct **lprs_tasks_get(unsigned int *nr);
void lprs_tasks_put(struct task_struct **tasks, unsigned int nr);
void lprs_task_info(struct task_struct *t, struct lprs_task_info *info);
unsigned int lprs_count_pending(const struct lprs_check *c);
unsigned int lprs_switch_idle_tasks(struct lprs_check *c);
void lprs_force_all(unsigned long word);
void lprs_set_switch_word(unsigned long word);
void lprs_arm_kick(bool queued);
void lprs_twork_fn(struct callback_head *cb);
int lprs_queue_twork(struct task_struct *t, unsigned long word, bool signal);
void lprs_wake_kthread(struct task_struct *t);
int lprs_task_init(void);
void lprs_task_exit(void);
void lprs_schedule_transition_work(unsigned long delay_ms);
void lprs_cancel_transition_work(void);

/* debugfs.c */
struct lprs_pending {
	int pid;
	char comm[16];
	int why;
	unsigned long addr;
	char patch[64];
	bool patching;
};
void lprs_debugfs_init(void);
void lprs_debugfs_exit(void);

/* state.c */
struct klp_patch;
int lprs_states_set(struct klp_patch *const *prev, unsigned int nr,
		    struct klp_patch *transition);

/* sysfs.c */
enum { LPRS_KOBJ_PATCH, LPRS_KOBJ_OBJECT, LPRS_KOBJ_FUNC };
enum {
	LPRS_ATTR_ENABLED,
	LPRS_ATTR_TRANSITION,
	LPRS_ATTR_FORCE,
	LPRS_ATTR_REPLACE,
	LPRS_ATTR_STACK_ORDER,
	LPRS_ATTR_PATCHED,
	LPRS_ATTR_ESCALATE,
};
struct kobject *lprs_kobj_add(struct kobject *parent, int kind, const void *rs,
			      const char *name);
void lprs_kobj_del(struct kobject *kobj);

/* shadow.c */
void lprs_shadow_exit(void);

#endif /* _LPRS_H */

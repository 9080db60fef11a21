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
bool lprs_addr_is_traceable(unsigned long addr);
bool lprs_module_is_patch(struct module *mod);

/* ftrace.c */
struct lprs_func_stack {
	unsigned int nr;
	unsigned long new_func[];	/* top first; 0 runs the original */
};
struct lprs_ops;
struct lprs_ops *lprs_ops_alloc(unsigned long old_addr);
int lprs_ops_register(struct lprs_ops *ops, const char *name);
void lprs_ops_unregister(struct lprs_ops *ops, const char *name);
void lprs_ops_free(struct lprs_ops *ops);
struct lprs_func_stack *lprs_func_stack_alloc(const unsigned long *new_funcs,
					      unsigned int nr);
struct lprs_func_stack *lprs_ops_publish(struct lprs_ops *ops,
					 struct lprs_func_stack *stack);
void lprs_func_stack_free(struct lprs_func_stack *stack);
void lprs_synchronize(void);

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

/* sysfs.c */
enum { LPRS_KOBJ_PATCH, LPRS_KOBJ_OBJECT, LPRS_KOBJ_FUNC };
enum {
	LPRS_ATTR_ENABLED,
	LPRS_ATTR_TRANSITION,
	LPRS_ATTR_FORCE,
	LPRS_ATTR_REPLACE,
	LPRS_ATTR_STACK_ORDER,
	LPRS_ATTR_PATCHED,
};
struct kobject *lprs_kobj_add(struct kobject *parent, int kind, const void *rs,
			      const char *name);
void lprs_kobj_del(struct kobject *kobj);

#endif /* _LPRS_H */

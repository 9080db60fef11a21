/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The livepatch API of livepatch-rs for patch modules written in C.
 *
 * A kernel built without CONFIG_LIVEPATCH has no klp_* structures or
 * prototypes in <linux/livepatch.h>. This header provides them with the
 * upstream names and user-set fields, so upstream-style patch modules build
 * unchanged. It takes over the kernel header's include guard: force-include
 * it (livepatch-rs.mk does) and a later #include <linux/livepatch.h> is a
 * no-op.
 *
 * One difference: instead of MODULE_INFO(livepatch, "Y"), which the module
 * loader rejects when CONFIG_LIVEPATCH=n, a patch module says
 * KLP_PATCH_MODULE(); livepatch.ko refuses patches from modules without it.
 */
#ifndef _LINUX_LIVEPATCH_H_
#define _LINUX_LIVEPATCH_H_

#include <linux/module.h>
#include <linux/ftrace.h>
#include <linux/livepatch_external.h>

/* Task patch states, as upstream. */
#define KLP_TRANSITION_IDLE		-1
#define KLP_TRANSITION_UNPATCHED	 0
#define KLP_TRANSITION_PATCHED		 1

/*
 * Marks a module as a patch module: a modinfo tag for user space (modinfo
 * shows "livepatch_rs: Y") and a symbol the runtime looks for.
 */
#define KLP_PATCH_MODULE()						\
	MODULE_INFO(livepatch_rs, "Y");					\
	__visible const char __klp_rs_patch_module[] __used = "Y"

struct klp_func {
	/* set by the patch author */
	const char *old_name;
	void *new_func;
	/* 0: the name must be unique in its object; N: its Nth occurrence */
	unsigned long old_sympos;

	/* set by the runtime */
	void *old_func;
	unsigned long old_size, new_size;
	bool nop;
	bool patched;
	bool transition;
	void *rs;
};

/*
 * livepatch-rs extension: a symbol of the object (vmlinux or a module) that
 * the patch code cannot link against, such as a static function or
 * variable. The runtime resolves name and sympos (as for klp_func) when the
 * object is patched, before any new function of the object can run, and
 * stores the address in *addr: data only, no code is rewritten.
 */
struct klp_sym_ref {
	const char *name;
	unsigned long sympos;
	void **addr;
};

/*
 * KLP_SYM_REF("name", sympos, &ptr): an entry of a klp_object's .syms array
 * (ended by { }), where ptr is the patch's own typed pointer, e.g.
 *	static int (*klp_version_proc_show)(struct seq_file *m, void *v);
 */
#define KLP_SYM_REF(_name, _sympos, _ptr)				\
	{ .name = (_name), .sympos = (_sympos), .addr = (void **)(_ptr) }

struct klp_object {
	/* set by the patch author; name NULL means vmlinux */
	const char *name;
	struct klp_func *funcs;
	struct klp_callbacks callbacks;

	/* set by the runtime */
	struct module *mod;
	bool dynamic;
	bool patched;
	void *rs;

	/* set by the patch author (livepatch-rs extension): symbol references */
	struct klp_sym_ref *syms;
};

struct klp_state {
	unsigned long id;
	unsigned int version;
	void *data;
};

struct klp_patch {
	/* set by the patch author */
	struct module *mod;
	struct klp_object *objs;
	struct klp_state *states;
	bool replace;

	/* set by the runtime */
	bool enabled;
	bool forced;
	void *rs;
};

#define klp_for_each_object_static(patch, obj) \
	for (obj = (patch)->objs; obj->funcs || obj->name; obj++)

#define klp_for_each_func_static(obj, func) \
	for (func = (obj)->funcs; \
	     func->old_name || func->new_func || func->old_sympos; \
	     func++)

int klp_enable_patch(struct klp_patch *patch);

typedef int (*klp_shadow_ctor_t)(void *obj, void *shadow_data, void *ctor_data);
typedef void (*klp_shadow_dtor_t)(void *obj, void *shadow_data);

void *klp_shadow_get(void *obj, unsigned long id);
void *klp_shadow_alloc(void *obj, unsigned long id, size_t size, gfp_t gfp_flags,
		       klp_shadow_ctor_t ctor, void *ctor_data);
void *klp_shadow_get_or_alloc(void *obj, unsigned long id, size_t size,
			      gfp_t gfp_flags, klp_shadow_ctor_t ctor,
			      void *ctor_data);
void klp_shadow_free(void *obj, unsigned long id, klp_shadow_dtor_t dtor);
void klp_shadow_free_all(unsigned long id, klp_shadow_dtor_t dtor);

struct klp_state *klp_get_state(struct klp_patch *patch, unsigned long id);
struct klp_state *klp_get_prev_state(unsigned long id);

static inline bool klp_have_reliable_stack(void)
{
	return IS_ENABLED(CONFIG_STACKTRACE) &&
	       IS_ENABLED(CONFIG_HAVE_RELIABLE_STACKTRACE);
}

#endif /* _LINUX_LIVEPATCH_H_ */

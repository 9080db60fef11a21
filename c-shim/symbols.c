// SPDX-License-Identifier: GPL-2.0
/*
 * Finding old functions: symbols of vmlinux or of one module, by name and
 * position, and the modules themselves. Which occurrence to take is decided
 * on the Rust side (klp-core sympos.rs); this only counts and records.
 */
#define pr_fmt(fmt) "livepatch: " fmt

#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/rcupdate.h>

#include "lprs.h"

struct lprs_sym_search {
	const char *name;
	unsigned long pos;	/* occurrence to record, 1-based; 0: the first */
	unsigned long count;
	unsigned long addr;
};

static void lprs_sym_match(struct lprs_sym_search *s, unsigned long addr)
{
	s->count++;
	if (s->count == s->pos || (!s->pos && s->count == 1))
		s->addr = addr;
}

static int lprs_sym_match_cb(void *data, unsigned long addr)
{
	lprs_sym_match(data, addr);
	return 0;
}

static int (*lprs_kallsyms_on_each_match_symbol)(int (*fn)(void *, unsigned long),
						 const char *name, void *data);
static int (*lprs_kallsyms_lookup_size_offset)(unsigned long addr,
					       unsigned long *symbolsize,
					       unsigned long *offset);
static struct module *(*lprs_find_module_fn)(const char *name);
static unsigned long (*lprs_ftrace_location)(unsigned long ip);

static int (*lprs_kernel_text_address)(unsigned long addr);

int lprs_symbols_init(void)
{
	lprs_kallsyms_on_each_match_symbol = (void *)lprs_ksym_func("kallsyms_on_each_match_symbol");
	lprs_kallsyms_lookup_size_offset = (void *)lprs_ksym_func("kallsyms_lookup_size_offset");
	lprs_find_module_fn = (void *)lprs_ksym_func("find_module");
	lprs_ftrace_location = (void *)lprs_ksym_func("ftrace_location");
	lprs_kernel_text_address = (void *)lprs_ksym_func("kernel_text_address");
	if (!lprs_kernel_text_address)
		pr_warn("kernel_text_address not found: every symbol reference is checked as code\n");
	if (!lprs_kallsyms_on_each_match_symbol || !lprs_kallsyms_lookup_size_offset ||
	    !lprs_find_module_fn || !lprs_ftrace_location) {
		pr_err("cannot resolve the kernel's symbol lookup functions\n");
		return -ENOENT;
	}
	return 0;
}

/*
 * Count the symbols called @name in @mod (vmlinux when NULL) and return the
 * address of occurrence @pos (the first when 0) in *@addr.
 */
unsigned long lprs_symbol_search(struct module *mod, const char *name,
				 unsigned long pos, unsigned long *addr)
{
	struct lprs_sym_search s = { .name = name, .pos = pos };

	if (!mod) {
		lprs_kallsyms_on_each_match_symbol(lprs_sym_match_cb, name, &s);
	} else {
		struct mod_kallsyms *kallsyms;
		unsigned int i;

		rcu_read_lock();
		kallsyms = rcu_dereference(mod->kallsyms);
		for (i = 0; kallsyms && i < kallsyms->num_symtab; i++) {
			const Elf_Sym *sym = &kallsyms->symtab[i];

			if (sym->st_shndx == SHN_UNDEF)
				continue;
			if (!strcmp(kallsyms->strtab + sym->st_name, name))
				lprs_sym_match(&s, sym->st_value);
		}
		rcu_read_unlock();
	}
	*addr = s.addr;
	return s.count;
}

/* The size of the function at @addr, 0 when unknown. */
unsigned long lprs_symbol_size(unsigned long addr)
{
	unsigned long size, offset;

	if (!lprs_kallsyms_lookup_size_offset(addr, &size, &offset) || offset)
		return 0;
	return size;
}

/*
 * The loaded module called @name that patches may apply to: fully formed
 * and not going away. The caller serialises against our module notifier,
 * which keeps the pointer valid.
 */
struct module *lprs_find_live_module(const char *name)
{
	struct module *mod;

	rcu_read_lock();
	mod = lprs_find_module_fn(name);
	if (mod && mod->state != MODULE_STATE_LIVE && mod->state != MODULE_STATE_COMING)
		mod = NULL;
	rcu_read_unlock();
	return mod;
}

/*
 * The address ftrace hooks in the function at @addr (past an ENDBR), or 0
 * when it cannot be traced (notrace, noinstr).
 */
unsigned long lprs_ftrace_ip(unsigned long addr)
{
	return lprs_ftrace_location(addr);
}

/*
 * Whether @addr is code that a patch could not call through a pointer: with
 * IBT enforced, objtool sealed its ENDBR (its address is never taken).
 */
bool lprs_addr_is_uncallable_text(unsigned long addr)
{
	if (lprs_kernel_text_address && !lprs_kernel_text_address(addr))
		return false;
	return !lprs_ksym_callable(addr);
}

/* Whether @addr lies in livepatch.ko itself. */
bool lprs_addr_is_runtime(unsigned long addr)
{
	return within_module(addr, THIS_MODULE);
}

/* Whether @mod carries the KLP_PATCH_MODULE() marker. */
bool lprs_module_is_patch(struct module *mod)
{
	unsigned long addr;

	return lprs_symbol_search(mod, "__klp_rs_patch_module", 0, &addr) == 1;
}

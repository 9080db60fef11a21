// SPDX-License-Identifier: GPL-2.0
/*
 * The one place where livepatch.ko reaches kernel symbols that are not
 * exported to modules.
 *
 * kallsyms_lookup_name() is not exported, but kprobes resolve symbol names
 * with it, so registering a (disabled) kprobe on it tells us its address.
 * Everything else is then looked up by name.
 */
#define pr_fmt(fmt) "livepatch: " fmt

#include <linux/kprobes.h>
#include <linux/uaccess.h>
#include <asm/ibt.h>

#include "lprs.h"

static unsigned long (*lprs_kallsyms_lookup_name)(const char *name);

/*
 * An address we are about to call indirectly must start with ENDBR when the
 * CPU enforces IBT: objtool seals the ENDBR of functions whose address is
 * never taken, and calling those would fault.
 */
bool lprs_ksym_callable(unsigned long addr)
{
#ifdef CONFIG_X86_KERNEL_IBT
	u32 insn;

	if (!cpu_feature_enabled(X86_FEATURE_IBT))
		return true;
	if (get_kernel_nofault(insn, (u32 *)addr))
		return false;
	return __is_endbr(insn);
#else
	return true;
#endif
}

int lprs_ksyms_init(void)
{
	struct kprobe kp = {
		.symbol_name = "kallsyms_lookup_name",
		.flags = KPROBE_FLAG_DISABLED,
	};
	unsigned long addr;
	int ret;

	ret = register_kprobe(&kp);
	if (ret) {
		pr_err("cannot locate kallsyms_lookup_name through kprobes (%d)\n", ret);
		return ret;
	}
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);

#ifdef CONFIG_X86_KERNEL_IBT
	{
		u32 insn;

		/* kprobes step over the ENDBR; we want the function's start. */
		if (!get_kernel_nofault(insn, (u32 *)(addr - ENDBR_INSN_SIZE)) &&
		    __is_endbr(insn))
			addr -= ENDBR_INSN_SIZE;
	}
#endif
	if (!lprs_ksym_callable(addr)) {
		pr_err("kallsyms_lookup_name cannot be called indirectly with IBT enforced\n");
		return -ENOSYS;
	}
	lprs_kallsyms_lookup_name = (void *)addr;
	return 0;
}

unsigned long lprs_ksym(const char *name)
{
	return lprs_kallsyms_lookup_name ? lprs_kallsyms_lookup_name(name) : 0;
}

unsigned long lprs_ksym_func(const char *name)
{
	unsigned long addr = lprs_ksym(name);

	if (addr && !lprs_ksym_callable(addr)) {
		pr_err("%s cannot be called indirectly with IBT enforced\n", name);
		return 0;
	}
	return addr;
}

/* SPDX-License-Identifier: GPL-2.0 */
/* Functions the C shims provide to the Rust side of livepatch.ko. */
#ifndef _LPRS_H
#define _LPRS_H

#include <linux/types.h>

int lprs_ksyms_init(void);
unsigned long lprs_ksym(const char *name);
unsigned long lprs_ksym_func(const char *name);

bool lprs_kernel_has_ipmodify(void);
bool lprs_kernel_has_reliable_stacktrace(void);
bool lprs_sysfs_root_taken(void);

#endif /* _LPRS_H */

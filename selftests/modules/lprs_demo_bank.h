/* SPDX-License-Identifier: GPL-2.0 */
/* The demo bank account, shared by the demo module and its fixes. */
#ifndef _LPRS_DEMO_BANK_H
#define _LPRS_DEMO_BANK_H

#define LPRS_WITHDRAWAL 30

struct lprs_account {
	long balance;
	bool slow;
	char msg[96];
};

#endif

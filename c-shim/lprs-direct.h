/* SPDX-License-Identifier: GPL-2.0 */
/* The direct-call table, shared by direct.c and x86_64/direct.S. */
#ifndef _LPRS_DIRECT_H
#define _LPRS_DIRECT_H

/* 1 << LPRS_DTAB_BITS home entries, then room for probes never to wrap. */
#define LPRS_DTAB_BITS		12
#define LPRS_DTAB_PROBE		32
#define LPRS_DTAB_ENTRIES	((1 << LPRS_DTAB_BITS) + LPRS_DTAB_PROBE)
/* Each entry: the key (8 bytes), then the target (8 bytes). */
#define LPRS_DENT_SHIFT		4
/* linux/hash.h's GOLDEN_RATIO_64: the home entry is the product's top bits. */
#define LPRS_DTAB_MULT		0x61C8864680B583EB
/* A key that matches no address: an entry given up, which probes pass. */
#define LPRS_DKEY_FREED		1

#endif

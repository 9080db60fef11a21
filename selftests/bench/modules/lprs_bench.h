/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the benchmark modules (built for both kernels of `make bench`):
 * LPRS_BENCH_1000(M) expands M(n) for n = 000 ... 999.
 */
#ifndef LPRS_BENCH_H
#define LPRS_BENCH_H

#define LPRS_BENCH_10(M, p)						\
	M(p##0) M(p##1) M(p##2) M(p##3) M(p##4)				\
	M(p##5) M(p##6) M(p##7) M(p##8) M(p##9)
#define LPRS_BENCH_100(M, p)						\
	LPRS_BENCH_10(M, p##0) LPRS_BENCH_10(M, p##1)			\
	LPRS_BENCH_10(M, p##2) LPRS_BENCH_10(M, p##3)			\
	LPRS_BENCH_10(M, p##4) LPRS_BENCH_10(M, p##5)			\
	LPRS_BENCH_10(M, p##6) LPRS_BENCH_10(M, p##7)			\
	LPRS_BENCH_10(M, p##8) LPRS_BENCH_10(M, p##9)
#define LPRS_BENCH_1000(M)						\
	LPRS_BENCH_100(M, 0) LPRS_BENCH_100(M, 1) LPRS_BENCH_100(M, 2)	\
	LPRS_BENCH_100(M, 3) LPRS_BENCH_100(M, 4) LPRS_BENCH_100(M, 5)	\
	LPRS_BENCH_100(M, 6) LPRS_BENCH_100(M, 7) LPRS_BENCH_100(M, 8)	\
	LPRS_BENCH_100(M, 9)

/*
 * Patch modules say so to whichever core loads them: livepatch-rs's header
 * (force-included for the default kernel) defines KLP_PATCH_MODULE; the
 * upstream core wants the modinfo tag.
 */
#ifdef KLP_PATCH_MODULE
#define LPRS_BENCH_PATCH_MODULE() KLP_PATCH_MODULE()
#else
#define LPRS_BENCH_PATCH_MODULE() MODULE_INFO(livepatch, "Y")
#endif

#endif

// SPDX-License-Identifier: GPL-2.0
#define LPRS_BENCH_N 1000
#include "lprs_bench_patch_n.h"

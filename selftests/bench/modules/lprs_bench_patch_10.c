// SPDX-License-Identifier: GPL-2.0
#define LPRS_BENCH_N 10
#include "lprs_bench_patch_n.h"

// SPDX-License-Identifier: GPL-2.0
#define LPRS_BENCH_N 1
#include "lprs_bench_patch_n.h"

// SPDX-License-Identifier: GPL-2.0
#define LPRS_STRESS_VERSION 4
#define LPRS_STRESS_REPLACE
#include "lprs_stress_patch.h"

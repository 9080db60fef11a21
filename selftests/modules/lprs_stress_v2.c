// SPDX-License-Identifier: GPL-2.0
#define LPRS_STRESS_VERSION 2
#include "lprs_stress_patch.h"

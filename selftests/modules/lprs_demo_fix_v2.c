// SPDX-License-Identifier: GPL-2.0
#define LPRS_DEMO_REPLACE true
#include "lprs_demo_fix.h"
MODULE_DESCRIPTION("livepatch-rs demo: cumulative fix of the bank module (replaces v1)");
MODULE_VERSION("2");

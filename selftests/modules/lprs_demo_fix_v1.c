// SPDX-License-Identifier: GPL-2.0
#define LPRS_DEMO_REPLACE false
#include "lprs_demo_fix.h"
MODULE_DESCRIPTION("livepatch-rs demo: fix of the bank module's overdraft bug");
MODULE_VERSION("1");

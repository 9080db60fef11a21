// SPDX-License-Identifier: GPL-2.0
#define LPRS_REPLACE
#include "lprs_patch.h"
MODULE_DESCRIPTION("livepatch-rs test: a cumulative patch of /proc/cmdline");

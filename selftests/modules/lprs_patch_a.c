// SPDX-License-Identifier: GPL-2.0
#include "lprs_patch.h"
MODULE_DESCRIPTION("livepatch-rs test: patch /proc/cmdline (a)");

// SPDX-License-Identifier: GPL-2.0
#define LPRS_REPLACE
#include "lprs_patch.h"
MODULE_DESCRIPTION("livepatch-rs test: a cumulative patch of /proc/cmdline");
/* For klpctl's `info` and `uname` (selftests/guest/tests/klpctl.sh). */
MODULE_VERSION("lp2");
MODULE_INFO(cve, "CVE-2026-00001");

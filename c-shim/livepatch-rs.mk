# SPDX-License-Identifier: GPL-2.0
# Include from a patch module's Kbuild to build it against livepatch-rs:
#
#   LPRS := /path/to/livepatch-rs
#   include $(LPRS)/c-shim/livepatch-rs.mk
#
# and pass KBUILD_EXTRA_SYMBOLS=<livepatch.ko build dir>/Module.symvers to
# make so modpost knows klp_enable_patch and friends.
LPRS ?= $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
ccflags-y += -include $(LPRS)/c-shim/include/livepatch-rs/livepatch.h

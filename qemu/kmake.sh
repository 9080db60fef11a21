#!/usr/bin/env bash
# Run kbuild for an external module directory against the kernel in use.
#   qemu/kmake.sh MODULE_DIR OUTPUT_DIR [make args...]
# The kernel is $KDIR if set, else the cached build of config $KCONFIG.
set -euo pipefail
. "$(dirname "$0")/env.sh"
m=$1 mo=$2; shift 2
kdir=${KDIR:-$("$LPRS_ROOT/qemu/build-kernel.sh" "$KCONFIG")}
mkdir -p "$mo"
mo=$(cd "$mo" && pwd) # make -C changes directory
exec make --no-print-directory -C "$kdir" M="$(cd "$m" && pwd)" MO="$mo" LLVM="$LLVM_SUFFIX" RUSTC="$KRUSTC" \
	BINDGEN="$BINDGEN" -j"$(nproc)" "$@"

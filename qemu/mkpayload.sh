#!/usr/bin/env bash
# Assemble what goes into the guest's /lprs: livepatch.ko, the test modules,
# the guest-side test scripts and programs (selftests/tools, in /lprs/bin). Prints the payload directory (the root of
# what is added to the guest's filesystem).
set -euo pipefail
. "$(dirname "$0")/env.sh"
build=$LPRS_ROOT/build/$KCONFIG
p=$build/payload/lprs
rm -rf "$build/payload"
mkdir -p "$p/modules"
cp "$build/module/livepatch.ko" "$p/modules/"
find "$build/test-modules" -name '*.ko' -exec cp {} "$p/modules/" \; 2>/dev/null || true
cp -r "$LPRS_ROOT/selftests/guest" "$p/"
cp -r "$build/guest-bin" "$p/bin"
# The kernel's own selftests, when selftests/upstream/prepare.sh made them.
if [ -f "$build/upstream/cases.tsv" ]; then
	mkdir -p "$p/upstream"
	cp -r "$build/upstream/livepatch" "$build/upstream/cases.tsv" "$p/upstream/"
fi
echo "$build/payload"

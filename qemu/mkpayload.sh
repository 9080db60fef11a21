#!/usr/bin/env bash
# Assemble what goes into the guest's /lprs: livepatch.ko, the test modules,
# the guest-side test scripts and programs (selftests/tools, in /lprs/bin),
# and a `make install` tree (/lprs/root). Prints the payload directory (the
# root of what is added to the guest's filesystem).
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
# What `make install` installs (runtime, klpctl, boot unit), for the VMs
# that boot systemd (guest-init.sh copies it to /).
make -s -C "$LPRS_ROOT" install DESTDIR="$p/root" KCONFIG="$KCONFIG" >&2
# The kernel's own selftests, when selftests/upstream/prepare.sh made them.
if [ -f "$build/upstream/cases.tsv" ]; then
	mkdir -p "$p/upstream"
	cp -r "$build/upstream/livepatch" "$build/upstream/cases.tsv" "$p/upstream/"
fi
echo "$build/payload"

#!/usr/bin/env bash
# Build bzImage + modules for one config of qemu/configs/ into the cache and
# print the build directory. Unchanged inputs make this a no-op.
#   qemu/build-kernel.sh [CONFIG]      (default: $KCONFIG, i.e. "default")
# A config file may start with "#include NAME.config" lines: those fragments
# are merged first, in order.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cfg=${1:-$KCONFIG}

ksrc=${KSRC:-$("$LPRS_ROOT/qemu/fetch-kernel.sh")}
ksrc=$(cd "$ksrc" && pwd)

# The fragments of $1, includes first.
fragments() {
	local f=$LPRS_ROOT/qemu/configs/$1.config inc
	[ -f "$f" ] || { echo "build-kernel: no config $f" >&2; exit 1; }
	for inc in $(sed -n 's/^#include \(.*\)\.config$/\1/p' "$f"); do fragments "$inc"; done
	echo "$f"
}
frags=$(fragments "$cfg")

# The cache key: kernel, fragments, toolchain, and this script.
key=$({
	echo "$KVER $ksrc"
	cat $frags "$0"
	"$KRUSTC" --version; "clang$LLVM_SUFFIX" --version | head -n1; "$BINDGEN" --version
} | sha256sum | cut -c1-12)
out=$CACHE_DIR/build/$KVER-$cfg-$key
if [ -f "$out/.lprs-built" ]; then echo "$out"; exit 0; fi

kmake=(make -C "$ksrc" O="$out" LLVM="$LLVM_SUFFIX" RUSTC="$KRUSTC" BINDGEN="$BINDGEN"
       RUST_LIB_SRC="$RUST_LIB_SRC" -j"$(nproc)")
echo "build-kernel: configuring $cfg in $out" >&2
mkdir -p "$out"
"${kmake[@]}" -s tinyconfig >&2
# shellcheck disable=SC2086
(cd "$out" && "$ksrc/scripts/kconfig/merge_config.sh" -m -O "$out" .config $frags >/dev/null)
"${kmake[@]}" -s olddefconfig >&2

# Every option the fragments set (the last setting wins, as in
# merge_config.sh) must have survived olddefconfig: a silently dropped option
# (unmet dependency) would give a kernel that tests nothing.
missing=0
# shellcheck disable=SC2086
while IFS= read -r line; do
	case $line in
	CONFIG_*=n) opt=${line%%=*}; grep -q "^$opt=" "$out/.config" && { echo "build-kernel: $opt should be unset" >&2; missing=1; } ;;
	CONFIG_*) grep -qxF "$line" "$out/.config" || { echo "build-kernel: $line did not stick ($(grep "^${line%%=*}=" "$out/.config" || echo unset))" >&2; missing=1; } ;;
	esac
done < <(grep -h '^CONFIG_' $frags | awk -F= '{ v[$1] = $0; if (!($1 in o)) { o[$1] = n++ ; k[n-1] = $1 } } END { for (i = 0; i < n; i++) print v[k[i]] }')
[ $missing = 0 ] || exit 1

echo "build-kernel: building (a few minutes on 2 cores)" >&2
"${kmake[@]}" -s bzImage modules >&2
touch "$out/.lprs-built"
echo "$out"

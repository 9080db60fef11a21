#!/usr/bin/env bash
# Install what building the kernel, livepatch.ko and the test VM needs.
# Idempotent: does nothing (quickly) when everything is already there.
set -euo pipefail
. "$(dirname "$0")/env.sh"

need_pkgs=()
check_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' || need_pkgs+=("$1"); }

# Toolchain for the kernel's Rust: rustc/rust-src and an LLVM of the same
# major version, all from bookworm-security (see shared/docs/toolchain.md).
SEC_PKGS=(rustc-web rust-web-src clang-22 lld-22 llvm-22 libclang-22-dev)
# systemd: PID 1 of the boot-unit test VMs (qemu/mksystemd.sh); dkms: make
# check builds livepatch.ko with it.
BASE_PKGS=(flex bison bc libelf-dev libssl-dev cpio xz-utils make gcc python3 systemd dkms
	   qemu-system-x86 busybox-static kmod procps coreutils bash gawk)
for p in "${SEC_PKGS[@]}" "${BASE_PKGS[@]}"; do check_pkg "$p"; done

if ((${#need_pkgs[@]})); then
	if [ ! -r /etc/debian_version ] || ! command -v apt-get >/dev/null; then
		echo "bootstrap: missing packages: ${need_pkgs[*]}" >&2
		echo "bootstrap: this is not a Debian-like system; install their equivalents by hand" >&2
		exit 1
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "bootstrap: missing packages: ${need_pkgs[*]}" >&2
		echo "bootstrap: run as root (or: sudo apt-get install -t bookworm-security ${need_pkgs[*]})" >&2
		exit 1
	fi
	echo "bootstrap: installing ${need_pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# Only the security suite's versions match each other; take every
	# package from there where it exists.
	apt-get install -y -qq -t bookworm-security --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

if ! [ -x "$BINDGEN" ] || ! "$BINDGEN" --version 2>/dev/null | grep -q "$BINDGEN_VERSION"; then
	echo "bootstrap: building bindgen-cli $BINDGEN_VERSION into $TOOLS_DIR"
	LIBCLANG_PATH=$LIBCLANG_PATH cargo install -q bindgen-cli --version "$BINDGEN_VERSION" \
		--locked --root "$TOOLS_DIR"
fi

unset RUST_LIB_SRC; . "$(dirname "$0")/env.sh"
[ -x "$KRUSTC" ] || { echo "bootstrap: $KRUSTC missing after install" >&2; exit 1; }
[ -d "$RUST_LIB_SRC" ] || { echo "bootstrap: rust-src missing at $RUST_LIB_SRC" >&2; exit 1; }

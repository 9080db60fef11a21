# Shared settings for the qemu/ scripts and the Makefile. Sourced, not run.
# Every value can be overridden from the environment.
LPRS_ROOT=${LPRS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
CACHE_DIR=${LPRS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/livepatch-rs}
TOOLS_DIR=$CACHE_DIR/tools

KVER=${KVER:-7.2.13}
KSRC_DEB_VERSION=${KSRC_DEB_VERSION:-7.2.13-1}
KSRC_DEB_SHA256=${KSRC_DEB_SHA256:-30a8c5fc63f9028a62e6d7b3f7f43bee67425dbce2a05fceba83f9b87c92083d}
KCONFIG=${KCONFIG:-default}

LLVM_SUFFIX=${LLVM_SUFFIX:--22}
LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm${LLVM_SUFFIX}/lib}
KRUSTC=${KRUSTC:-/usr/bin/rustc}
BINDGEN_VERSION=${BINDGEN_VERSION:-0.72.1}
BINDGEN=${BINDGEN:-$TOOLS_DIR/bin/bindgen}
if [ -z "${RUST_LIB_SRC:-}" ]; then
	RUST_LIB_SRC=/usr/src/rustc-$({ "$KRUSTC" --version 2>/dev/null || true; } | awk '{print $2}')/library
fi
export LIBCLANG_PATH

#!/usr/bin/env bash
# Fetch and unpack the pinned kernel source (Debian's linux-source-7.2) into
# the cache, unless it is already there. Prints the source tree's path.
set -euo pipefail
. "$(dirname "$0")/env.sh"

src=$CACHE_DIR/src/linux-$KVER
if [ -f "$src/.lprs-unpacked" ]; then echo "$src"; exit 0; fi

dl=$CACHE_DIR/downloads
mkdir -p "$dl"
deb=$dl/linux-source-7.2_${KSRC_DEB_VERSION}_all.deb
if ! [ -f "$deb" ] || ! echo "$KSRC_DEB_SHA256  $deb" | sha256sum -c --quiet - 2>/dev/null; then
	# The package lives in the 'sid' suite, which the system's apt sources
	# do not carry: use a private sources file and lists directory so the
	# system's apt state is left alone. The mirror is whatever the system
	# already uses.
	uri=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list 2>/dev/null |
		grep -oE '^(URIs:|deb) *[^ ]+/debian/?$|^deb( \[[^]]*\])? *[^ ]+/debian/? ' |
		awk '{print $NF}' | head -n1 || true)
	[ -n "$uri" ] || { echo "fetch-kernel: no Debian mirror found in /etc/apt" >&2; exit 1; }
	aptdir=$dl/apt
	mkdir -p "$aptdir/lists/partial"
	echo "deb $uri sid main" > "$aptdir/sources.list"
	opts=(-o Dir::Etc::SourceList="$aptdir/sources.list" -o Dir::Etc::SourceParts=/dev/null
	      -o Dir::State::Lists="$aptdir/lists" -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root)
	echo "fetch-kernel: downloading linux-source-7.2=$KSRC_DEB_VERSION" >&2
	apt-get -qq "${opts[@]}" update
	(cd "$dl" && apt-get -qq "${opts[@]}" download "linux-source-7.2=$KSRC_DEB_VERSION")
	echo "$KSRC_DEB_SHA256  $deb" | sha256sum -c --quiet - || {
		echo "fetch-kernel: checksum mismatch for $deb (expected $KSRC_DEB_SHA256)" >&2
		echo "fetch-kernel: got $(sha256sum "$deb" | cut -d' ' -f1)" >&2
		exit 1
	}
fi

echo "fetch-kernel: unpacking into $src" >&2
tmp=$(mktemp -d "$CACHE_DIR/src/unpack.XXXXXX" 2>/dev/null || { mkdir -p "$CACHE_DIR/src"; mktemp -d "$CACHE_DIR/src/unpack.XXXXXX"; })
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./usr/src/linux-source-7.2.tar.xz
tar -xJf "$tmp/usr/src/linux-source-7.2.tar.xz" -C "$tmp"
rm -rf "$src"
mv "$tmp/linux-source-7.2" "$src"
touch "$src/.lprs-unpacked"
echo "$src"

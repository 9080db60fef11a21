#!/usr/bin/env bash
# Build the guest's base initramfs (busybox, bash, kmod, the GNU tools the
# kernel's livepatch selftests need, and /init) into the cache; print its path.
set -euo pipefail
. "$(dirname "$0")/env.sh"

# GNU/Debian binaries the selftests rely on (busybox's lack options they use).
bins=(/bin/bash /bin/kmod /bin/date /usr/bin/stat /sbin/sysctl /usr/bin/timeout /usr/bin/gawk
      /usr/bin/getconf /usr/bin/diff)
init=$LPRS_ROOT/qemu/guest-init.sh
key=$({ cat "$0" "$init"; for b in /bin/busybox "${bins[@]}"; do sha256sum "$(readlink -f "$b")"; done; } |
	sha256sum | cut -c1-12)
out=$CACHE_DIR/initramfs/base-$key.cpio.gz
if [ -f "$out" ]; then echo "$out"; exit 0; fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,etc,lib/modules,var/log,mnt}
cp /bin/busybox "$root/bin/busybox"
for app in $("$root/bin/busybox" --list-full); do
	[ -e "$root/$app" ] || ln -s /bin/busybox "$root/$app"
done
copy_with_libs() {
	local f=$1 lib
	mkdir -p "$root$(dirname "$f")"
	rm -f "$root$f"
	cp -L "$f" "$root$f"
	for lib in $(ldd "$f" 2>/dev/null | grep -oE '/[^ ]+'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
for b in "${bins[@]}"; do copy_with_libs "$b"; done
# kmod provides every module tool by its argv[0].
for t in insmod rmmod lsmod modinfo modprobe depmod; do
	rm -f "$root/sbin/$t" "$root/bin/$t" "$root/usr/sbin/$t" "$root/usr/bin/$t"
	ln -s /bin/kmod "$root/sbin/$t"
done
ln -sf gawk "$root/usr/bin/awk"; rm -f "$root/bin/awk"
# functions.sh calls /bin/stat by that path, where busybox's would be.
ln -sf /usr/bin/stat "$root/bin/stat"
ln -sf bash "$root/bin/sh"
cp "$init" "$root/init"
chmod +x "$root/init"
echo 'root:x:0:0:root:/root:/bin/bash' > "$root/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/sh' >> "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"

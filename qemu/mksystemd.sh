#!/usr/bin/env bash
# Build the systemd layer of the boot-unit test VMs into the cache and print
# its path: the host's systemd (PID 1, journald, systemctl, journalctl) with
# its libraries, the few units such a boot needs and qemu/systemd/*. Added
# on top of the base initramfs (qemu/mkinitramfs.sh) by run-vm.sh --systemd.
set -euo pipefail
. "$(dirname "$0")/env.sh"

bins=(/lib/systemd/systemd /lib/systemd/systemd-journald /usr/bin/systemctl /usr/bin/journalctl)
units=(sysinit.target local-fs.target local-fs-pre.target shutdown.target network-pre.target
       systemd-journald.socket systemd-journald-dev-log.socket)
here=$LPRS_ROOT/qemu/systemd
key=$({ cat "$0" "$here"/*; for b in "${bins[@]}"; do sha256sum "$(readlink -f "$b")"; done
	for u in "${units[@]}"; do cat "/lib/systemd/system/$u"; done; } | sha256sum | cut -c1-12)
out=$CACHE_DIR/initramfs/systemd-$key.cpio.gz
if [ -f "$out" ]; then echo "$out"; exit 0; fi
for b in "${bins[@]}"; do
	[ -x "$b" ] || { echo "mksystemd: $b missing (Debian package systemd; make bootstrap)" >&2; exit 1; }
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
for b in "${bins[@]}"; do
	mkdir -p "$root$(dirname "$b")"
	cp -L "$b" "$root$b"
	for lib in $(ldd "$b" | grep -oE '/[^ ]+'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done
mkdir -p "$root/lib/systemd/system" "$root/etc/systemd/system/sysinit.target.wants" "$root/run" \
	"$root/var/lib"
for u in "${units[@]}"; do cp "/lib/systemd/system/$u" "$root/lib/systemd/system/"; done
cp "$here"/lprs.target "$here"/lprs-test.service "$root/lib/systemd/system/"
# In /etc: takes the place of the distribution's unit.
cp "$here"/systemd-journald.service "$root/etc/systemd/system/"
ln -s /lib/systemd/system/lprs.target "$root/etc/systemd/system/default.target"
printf 'ID=lprs\nNAME="livepatch-rs test VM"\nPRETTY_NAME="livepatch-rs test VM"\n' > "$root/etc/os-release"
: > "$root/etc/machine-id"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"

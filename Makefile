# livepatch-rs. `make` builds livepatch.ko; `make check` runs every test;
# `make check-debug` runs the VM tests again on the debug kernel (lockdep,
# KASAN, UBSAN, KFENCE); `make demo` boots a VM and shows the runtime at
# work. See README.md.
#
#   KCONFIG=name   kernel config of qemu/configs/ to build and boot (default)
#   KSRC=dir       use this kernel source tree instead of fetching 7.2.13
#   KDIR=dir       use this already-built kernel tree (skips the kernel build)
#   T=name         with `make test`: run one VM test of selftests/tests/
#   DESTDIR, PREFIX, UNITDIR   with `make install`

KCONFIG ?= default
export KCONFIG KSRC KDIR
BUILD := $(CURDIR)/build/$(KCONFIG)
Q := @
MAKEFLAGS += --no-print-directory

.PHONY: all bootstrap kernel module klpctl install test-modules check check-debug bench host-test vm-test test demo shell clean

all: module

bootstrap:
	$(Q)qemu/bootstrap.sh

kernel: bootstrap
	$(Q)qemu/build-kernel.sh $(KCONFIG) >/dev/null

module: kernel
	$(Q)qemu/kmake.sh . $(BUILD)/module modules

test-modules: module
	$(Q)qemu/kmake.sh selftests/modules $(BUILD)/test-modules modules \
		KBUILD_EXTRA_SYMBOLS=$(BUILD)/module/Module.symvers
	$(Q)mkdir -p $(BUILD)/guest-bin
	$(Q)for t in selftests/tools/*.c; do \
		gcc -O2 -Wall -static -pthread -o $(BUILD)/guest-bin/$$(basename $$t .c) $$t || exit 1; \
	done
	$(Q)$(MAKE) klpctl
	$(Q)cp $(KLPCTL) $(BUILD)/guest-bin/klpctl
	@# A patch "built for another kernel": lprs_patch_a with the release in
	@# its vermagic replaced in place by one of the same length.
	$(Q)perl -0777 -pe 's/(vermagic=)(\S+)/$$1 . substr("9.9.9-other" . "x" x 64, 0, length($$2))/e' \
		$(BUILD)/test-modules/lprs_patch_a.ko > $(BUILD)/test-modules/lprs_patch_foreign.ko

# klpctl, statically linked (glibc) so that it runs in the VM's initramfs.
KLPCTL := $(CURDIR)/target/x86_64-unknown-linux-gnu/release/klpctl
klpctl:
	$(Q)RUSTFLAGS='-C target-feature=+crt-static' cargo build -q --release \
		--target x86_64-unknown-linux-gnu -p klpctl

# The runtime (into /lib/modules/<its release>/extra, where klpctl looks for
# it), klpctl and the boot-time unit.
PREFIX ?= /usr/local
UNITDIR ?= /lib/systemd/system
install: module klpctl
	$(Q)rel=$$(modinfo -F vermagic $(BUILD)/module/livepatch.ko | cut -d' ' -f1) && \
	install -D -m 644 $(BUILD)/module/livepatch.ko $(DESTDIR)/lib/modules/$$rel/extra/livepatch.ko
	$(Q)install -D -m 755 $(KLPCTL) $(DESTDIR)$(PREFIX)/sbin/klpctl
	$(Q)mkdir -p $(DESTDIR)$(UNITDIR) $(DESTDIR)/var/lib/livepatch-rs
	$(Q)sed 's|@SBINDIR@|$(PREFIX)/sbin|' dist/livepatch-rs.service.in > $(DESTDIR)$(UNITDIR)/livepatch-rs.service

host-test:
	$(Q)selftests/check.sh --host-only

vm-test: test-modules
	$(Q)selftests/check.sh --vm-only

check: bootstrap
	$(Q)selftests/check.sh

# livepatch-rs against the upstream core, side by side (README, "Benchmarks").
bench: bootstrap
	$(Q)selftests/bench/run.sh

# The whole VM suite on qemu/configs/debug.config (CI runs it after check).
check-debug: bootstrap
	$(Q)$(MAKE) vm-test KCONFIG=debug

test: test-modules
	$(Q)selftests/check.sh --vm-only $(T)

demo: test-modules
	$(Q)qemu/demo.sh

shell: test-modules
	$(Q)qemu/run-vm.sh --interactive

clean:
	rm -rf build target

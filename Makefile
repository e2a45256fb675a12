# SPDX-License-Identifier: GPL-2.0
# tlsview: x86-64 per-thread TLS registers, visible and checked.
# `make help` lists the targets. V=1 shows full commands; KDIR=... and V=...
# given on the command line reach every folder through MAKEFLAGS.


SUBDIRS := kmod userlib selftests tools
# Each folder prints its own short step lines; -s only hides make's chatter.
SUBMAKE = $(MAKE) $(if $(filter 1,$(V)),,-s) --no-print-directory
DEPS_STAMP := build/.deps-ok

.DEFAULT_GOAL := all

help:
	@echo 'tlsview targets:'
	@echo '  all          build the module, libtlsview, the selftests and the tools'
	@echo '  demo         boot the VM, load the module, show threads with their bases'
	@echo '  check        every test tier: host, then the VM booted three ways'
	@echo '  check-host   userlib unit tests and selftests on this machine (no root, no module)'
	@echo '  check-vm     every test in the VM: -cpu max, nofsgsbase, -cpu qemu64'
	@echo '  stress       fuzz, thread churn, credential changes, load/unload: long runs in the VM'
	@echo '  bench        what each TLS access path costs (host), and LIST vs ptrace (VM)'
	@echo '  deps         install build/test packages and fetch the VM kernel (root)'
	@echo '  install      PREFIX=/usr/local DESTDIR= (module under /lib/modules/<rel>/extra)'
	@echo '  clean        remove build products'
	@echo 'Variables: KDIR=<kernel build tree> (default: running kernel, else Debian 6.1 headers), V=1'

# tools/deps is cheap to ask and installs only what is missing.
deps:
	@tools/deps --check || tools/deps

$(DEPS_STAMP): tools/deps
	@tools/deps --check || tools/deps
	@mkdir -p build && touch $@

all: $(DEPS_STAMP)
	@$(SUBMAKE) -C userlib
	@$(SUBMAKE) -C kmod
	@$(SUBMAKE) -C selftests
	@$(SUBMAKE) -C tools

kmod userlib: $(DEPS_STAMP)
	@$(SUBMAKE) -C $@

selftests tools: userlib
	@$(SUBMAKE) -C $@

demo: all
	@tools/demo

check: all
	@tools/check all

check-host: all
	@tools/check host

check-vm: all
	@tools/check vm

stress: all
	@tools/stress

bench: all
	@tools/bench

install: all
	@for dir in $(SUBDIRS); do $(SUBMAKE) -C $$dir install || exit; done

clean:
	@for dir in $(SUBDIRS); do $(SUBMAKE) -C $$dir clean; done
	@rm -rf build

.PHONY: help deps all $(SUBDIRS) demo check check-host check-vm stress bench install clean

# SPDX-License-Identifier: GPL-2.0
# tlsview: x86-64 per-thread TLS registers, visible and checked.
# `make help` lists the targets. V=1 shows full commands; KDIR=... and V=...
# given on the command line reach every folder through MAKEFLAGS.


SUBDIRS := kmod userlib selftests tools
# Each folder prints its own short step lines; -s only hides make's chatter.
SUBMAKE = $(MAKE) $(if $(filter 1,$(V)),,-s) --no-print-directory

include build.mk
# `make kselftest-install INSTALL_PATH=DIR`: every folder's test collections.
KSELFTEST_SUBDIRS := userlib selftests tools

.DEFAULT_GOAL := all

help:
	@echo 'tlsview targets:'
	@echo '  all          build the module, libtlsview, the selftests and the tools (installs nothing)'
	@echo '  demo         boot the VM, load the module, show threads with their bases'
	@echo '  check        every test tier: host, then the VM booted three ways'
	@echo '  check-host   userlib unit tests and selftests on this machine (no root, no module)'
	@echo '  check-vm     every test in the VM: -cpu max, nofsgsbase, -cpu qemu64'
	@echo '  stress       fuzz, thread churn, credential changes, load/unload: long runs in the VM'
	@echo '  bench        what each TLS access path costs (host), and LIST vs ptrace (VM)'
	@echo '  coverage     line and branch coverage of kmod/, userlib/, tools/tlsview/ (gcov kernel)'
	@echo '  deps         install build/test packages and fetch the VM kernel (root; demo, check,'
	@echo '               check-*, stress, bench and coverage do this first)'
	@echo '  install      PREFIX=/usr/local DESTDIR= (module under /lib/modules/<rel>/extra)'
	@echo '  clean        remove build products'
	@echo 'Variables: KDIR=<kernel build tree> (default: running kernel, else Debian 6.1 headers),'
	@echo '  KSELFTEST_DIR=<a kernel tree'"'"'s tools/testing/selftests> (default: from linux-source-6.1), V=1'

# Building never installs: a missing package stops the build with a message
# naming `make deps`. tools/deps is cheap to ask and installs only what is missing.
deps:
	@tools/deps --check || tools/deps

all:
	@$(SUBMAKE) -C userlib
	@$(SUBMAKE) -C kmod
	@$(SUBMAKE) -C selftests
	@$(SUBMAKE) -C tools
	@$(SUBMAKE) test-tree

# build/tests: the kselftest runner's tree, laid out as the kernel's selftests
# install makes it (run_kselftest.sh, kselftest/, kselftest-list.txt, one
# folder per collection), linked to the programs where they were built, plus
# tools/run-tests. tools/check runs it here; tools/vmtest copies it into the
# guest as /usr/local/libexec/tlsview.
TEST_TREE := $(TOP)/build/tests
test-tree: $(KSELFTEST)
	$(Q)rm -rf $(TEST_TREE).new && mkdir -p $(TEST_TREE).new/kselftest
	$(Q)cp $(KSELFTEST_DIR)/run_kselftest.sh $(TEST_TREE).new/
	$(Q)cp $(KSELFTEST_DIR)/kselftest/runner.sh $(KSELFTEST_DIR)/kselftest/prefix.pl \
		$(TEST_TREE).new/kselftest/
	$(Q)cp tools/run-tests $(TEST_TREE).new/
	$(Q)$(foreach d,$(KSELFTEST_SUBDIRS),$(MAKE) -s -C $(d) --no-print-directory \
		kselftest-install INSTALL_PATH=$(TEST_TREE).new KSELFTEST_LINK=1 &&) true
	$(Q)rm -rf $(TEST_TREE) && mv $(TEST_TREE).new $(TEST_TREE)

kmod userlib:
	@$(SUBMAKE) -C $@

selftests tools: userlib
	@$(SUBMAKE) -C $@

# What runs the tests or the VM sets the machine up first, then builds:
# a fresh machine gets its packages before the build needs them.
deps-then-all: deps
	@$(SUBMAKE) all

demo: deps-then-all
	@tools/demo

check: deps-then-all
	@tools/check all

check-host: deps-then-all
	@tools/check host

check-vm: deps-then-all
	@tools/check vm

stress: deps-then-all
	@tools/stress

bench: deps-then-all
	@tools/bench

# Builds its own profiled copy (build/coverage/tree): needs no `all`.
coverage: deps
	@tools/coverage

# The selftests install with the kselftest runner, in its layout, at
# $(PREFIX)/libexec/tlsview: run_kselftest.sh (or run-tests) there runs them.
install: all
	@for dir in $(SUBDIRS); do $(SUBMAKE) -C $$dir install || exit; done
	$(Q)install -d $(DESTDIR)$(PREFIX)/libexec/tlsview/kselftest
	$(Q)install -m 0755 $(KSELFTEST_DIR)/run_kselftest.sh tools/run-tests \
		$(DESTDIR)$(PREFIX)/libexec/tlsview/
	$(Q)install -m 0644 $(KSELFTEST_DIR)/kselftest/runner.sh $(DESTDIR)$(PREFIX)/libexec/tlsview/kselftest/
	$(Q)install -m 0755 $(KSELFTEST_DIR)/kselftest/prefix.pl $(DESTDIR)$(PREFIX)/libexec/tlsview/kselftest/

clean:
	@for dir in $(SUBDIRS); do $(SUBMAKE) -C $$dir clean; done
	@rm -rf build

.PHONY: help deps deps-then-all all test-tree $(SUBDIRS) demo check check-host check-vm stress bench coverage install clean

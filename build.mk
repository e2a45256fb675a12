# SPDX-License-Identifier: GPL-2.0
# Shared make settings for every user-space folder (userlib, selftests, tools),
# included as ../build.mk. Dependencies point one way: selftests and tools use
# userlib's libraries (LIBTLSVIEW below builds them); userlib uses neither.
#
# Layout every folder follows:
#   <folder>/build/bin/    programs for people
#   <folder>/build/tests/  test programs, each printing TAP
#   <folder>/build/lib/    libraries
#
# Building never installs anything: when a package the build needs is
# missing, the step that needs it stops with a message naming `make deps`.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# V=1 shows full commands; the default shows one short line per step.
ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-8s %s\n'
endif

CC ?= gcc
CFLAGS_WARN := -Wall -Wextra -Werror
CFLAGS_STD := -std=gnu11 -O2 -g
CPPFLAGS_UAPI := -I$(TOP)/uapi
CFLAGS += $(CFLAGS_STD) $(CFLAGS_WARN)
CPPFLAGS += $(CPPFLAGS_UAPI)

PREFIX ?= /usr/local
DESTDIR ?=

# The rules below are helpers; each folder's first goal is its own `all`.
.DEFAULT_GOAL := all

# $(call need,WHAT): in a recipe, stop the build saying what is missing.
need = { printf '%s: %s is missing: run "make deps" (as root) to install it\n' \
	'$(notdir $(CURDIR))' '$(1)' >&2; exit 1; }

# Order-only prerequisites of what needs a package, each checked once per
# build folder: gcc -m32 needs the i386 libc (gcc-multilib), the unit tests
# libcheck (found by pkg-config).
NEED_M32 := build/.m32-ok
%/.m32-ok:
	$(Q)echo 'int main(void) { return 0; }' | $(CC) -m32 -static -x c -o /dev/null - \
		2>/dev/null || $(call need,the 32-bit C library for gcc -m32 (gcc-multilib))
	$(Q)mkdir -p $(dir $@) && touch $@
%/.libcheck-ok:
	$(Q)pkg-config --exists check 2>/dev/null || $(call need,libcheck (packages check and pkg-config))
	$(Q)mkdir -p $(dir $@) && touch $@
.PRECIOUS: %/.m32-ok %/.libcheck-ok

# The kselftest harness (kselftest_harness.h, kselftest.h) and runner
# (run_kselftest.sh, kselftest/runner.sh, kselftest/prefix.pl) come from a
# kernel tree's tools/testing/selftests: KSELFTEST_DIR=<that folder> uses any
# kernel's. By default they are extracted from Debian's linux-source-6.1 into
# build/kselftest at the top (same layout), never kept in this repository.
LINUX_SOURCE_TARBALL ?= /usr/src/linux-source-6.1.tar.xz
KSELFTEST_EXTRACTED := $(TOP)/build/kselftest
KSELFTEST_DIR ?= $(KSELFTEST_EXTRACTED)
KSELFTEST_FILES := kselftest_harness.h kselftest.h run_kselftest.sh \
	kselftest/runner.sh kselftest/prefix.pl

ifeq ($(KSELFTEST_DIR),$(KSELFTEST_EXTRACTED))
# What harness programs and the runner depend on: the extraction's stamp.
KSELFTEST := $(KSELFTEST_DIR)/.extracted
# Extracted into a private folder, then renamed file by file, so folders
# built at the same time never see a half-written header.
$(KSELFTEST): $(wildcard $(LINUX_SOURCE_TARBALL))
	$(Q)test -r $(LINUX_SOURCE_TARBALL) || $(call need,$(LINUX_SOURCE_TARBALL) (linux-source-6.1))
	$(quiet) EXTRACT "kselftest harness and runner from $(notdir $(LINUX_SOURCE_TARBALL))"
	$(Q)mkdir -p $(KSELFTEST_DIR)/kselftest
	$(Q)tmp=$$(mktemp -d $(KSELFTEST_DIR)/.extract.XXXXXX) && \
	tar -xJf $(LINUX_SOURCE_TARBALL) -C $$tmp --strip-components=4 \
		$(addprefix linux-source-6.1/tools/testing/selftests/,$(KSELFTEST_FILES)) && \
	for f in $(KSELFTEST_FILES); do mv -f $$tmp/$$f $(KSELFTEST_DIR)/$$f || exit; done; \
	status=$$?; rm -rf $$tmp; exit $$status
	$(Q)touch $@
else
KSELFTEST := $(KSELFTEST_DIR)/kselftest_harness.h
$(KSELFTEST):
	@echo "KSELFTEST_DIR=$(KSELFTEST_DIR) has no kselftest_harness.h:" \
		"point it at a kernel tree's tools/testing/selftests" >&2; exit 1
endif

# Debian 6.1's kselftest_harness.h has an unused signal-handler parameter,
# and its EXPECT_EQ(1, u32_field) compares an int literal with an unsigned
# value: harmless, but both break -Wextra -Werror in every harness program.
HARNESS_CFLAGS := -Wno-unused-parameter -Wno-sign-compare

# libtlsview and libtlsview-check, built by userlib's own Makefile whenever a
# folder that links them is built (make re-reads the archives' times after,
# so nothing relinks needlessly).
LIBTLSVIEW := $(TOP)/userlib/build/lib/libtlsview.a
LIBTLSVIEW_CHECK := $(TOP)/userlib/build/lib/libtlsview-check.a
LIBTLSVIEW_CPPFLAGS := -I$(TOP)/userlib/include -I$(TOP)/userlib/check/include
$(LIBTLSVIEW) $(LIBTLSVIEW_CHECK) &: FORCE
	$(Q)$(MAKE) -C $(TOP)/userlib $(if $(filter 1,$(V)),,-s) --no-print-directory

.PHONY: FORCE
FORCE:

# The kselftest layout (what the kernel's `make -C tools/testing/selftests
# install` makes): one folder per collection with its test programs, the
# files they need beside them (helpers are started as ./NAME from there) and
# a `settings` file (the runner's timeout), and kselftest-list.txt lines
# COLLECTION:PROGRAM. Each folder sets, for each of its collections C:
#   KSELFTEST_COLLECTIONS += C
#   C_PROGS := programs the runner runs     C_FILES := helpers, settings, data
# `make kselftest-install INSTALL_PATH=DIR` copies them (KSELFTEST_LINK=1:
# symbolic links, which the build's own tree at build/tests uses), puts the
# collection's lines in DIR/kselftest-list.txt (replacing those of an earlier
# install), and does the same in KSELFTEST_SUBDIRS.
INSTALL_PATH ?= $(TOP)/build/tests
kselftest-install: all
	$(Q)test -n "$(INSTALL_PATH)" || { echo "kselftest-install: no INSTALL_PATH" >&2; exit 1; }
	$(Q)set -e; $(foreach c,$(KSELFTEST_COLLECTIONS),\
		mkdir -p $(INSTALL_PATH)/$(c); \
		for f in $($(c)_PROGS) $($(c)_FILES); do \
			if [ "$(KSELFTEST_LINK)" = 1 ]; then ln -sfn $(CURDIR)/$$f $(INSTALL_PATH)/$(c)/; \
			else cp -pR $$f $(INSTALL_PATH)/$(c)/; fi; \
		done; \
		touch $(INSTALL_PATH)/kselftest-list.txt; \
		sed -i '\|^$(c):|d' $(INSTALL_PATH)/kselftest-list.txt; \
		for f in $($(c)_PROGS); do echo "$(c):$${f##*/}"; done >>$(INSTALL_PATH)/kselftest-list.txt;)
	$(Q)$(foreach d,$(KSELFTEST_SUBDIRS),$(MAKE) -C $(d) --no-print-directory kselftest-install \
		INSTALL_PATH=$(INSTALL_PATH) KSELFTEST_LINK=$(KSELFTEST_LINK) &&) true

# `make check` in a folder: its programs through the kselftest runner, as
# the kernel's lib.mk does for `make run_tests`.
RUN_TESTS = cd $(dir $(firstword $(1))) && BASE_DIR=$(KSELFTEST_DIR) && \
	. $(KSELFTEST_DIR)/kselftest/runner.sh && run_many $(notdir $(1))

.PHONY: kselftest-install

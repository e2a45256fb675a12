# SPDX-License-Identifier: GPL-2.0
# Shared make settings for every user-space folder (userlib, selftests, tools).
#
# Layout every folder follows, so that tools/vmtest and tools/run-tests need
# no per-folder knowledge:
#   <folder>/build/bin/    programs for people and for tests (guest: /usr/local/bin)
#   <folder>/build/tests/  test programs, each printing TAP (guest: /usr/local/libexec/tlsview/tests)
#   <folder>/build/lib/    libraries (guest: /usr/local/lib)

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)

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

# kselftest_harness.h and kselftest.h come from Debian's linux-source-6.1 at
# build time, never from this repository.
LINUX_SOURCE_TARBALL ?= /usr/src/linux-source-6.1.tar.xz
KSELFTEST_DIR := $(TOP)/selftests/build/include

PREFIX ?= /usr/local
DESTDIR ?=

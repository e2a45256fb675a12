#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Description: `make install` (into a DESTDIR) puts only what users run in
# public places: tlsbench's private shared objects go to $(PREFIX)/lib/tlsview,
# not $(PREFIX)/lib, and the installed tlsbench finds them there by itself;
# installing the module prints no sign-file SSL errors (without the kernel's
# signing key it is installed unsigned, and says so).
here=$(dirname "$(realpath "$0")")
top=$here/../..
# shellcheck source=tools/tests/tap.sh
. "$here/tap.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
tap_plan 4

make -s -C "$top/tools" install DESTDIR="$tmp/root" PREFIX=/usr >"$tmp/tools.log" 2>&1
status=$?
public=$(find "$tmp/root/usr/lib" -maxdepth 1 -name '*.so*' 2>/dev/null | wc -l)
[ $status = 0 ] && [ "$public" = 0 ] && [ -f "$tmp/root/usr/lib/tlsview/libtlsbench_gd.so" ] &&
	[ -f "$tmp/root/usr/lib/tlsview/libtlsbench_desc.so" ]
tap_result $? "tools: tlsbench's libraries in \$(PREFIX)/lib/tlsview, none in \$(PREFIX)/lib (exit $status, $public there)"

env -u LD_LIBRARY_PATH "$tmp/root/usr/bin/tlsbench" --help >/dev/null 2>&1
tap_result $? "the installed tlsbench finds its libraries without LD_LIBRARY_PATH"

if [ -f "$top/kmod/tlsview.ko" ]; then
	make -s -C "$top/kmod" install DESTDIR="$tmp/root" >"$tmp/kmod.log" 2>&1
	status=$?
	[ $status = 0 ] && [ -n "$(find "$tmp/root/lib/modules" -name tlsview.ko)" ]
	tap_result $? "kmod: the module is installed under lib/modules/*/extra (exit $status)"
	! grep -qiE 'SSL error|sign-file|No such file' "$tmp/kmod.log"
	tap_result $? "kmod: no sign-file errors ($(grep -ciE 'SSL error|sign-file' "$tmp/kmod.log") lines)"
else
	tap_skip "kmod: the module is installed" "kmod/tlsview.ko is not built"
	tap_skip "kmod: no sign-file errors" "kmod/tlsview.ko is not built"
fi
tap_done

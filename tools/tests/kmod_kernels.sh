#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Description: the module's source is clean on every kernel of tools/kernel:
# `make -C kmod check` (a W=1 build with sparse, then checkpatch) against
# each one's kbuild tree, in that kernel's own module build folder
# (tools/debug-kernel/build-module --check). Where the installed sparse
# cannot parse a kernel's headers (bookworm's 0.6.4 and 7.x), kbuild drops
# sparse with only a notice; that kernel's sparse line is then a SKIP that
# says so, never an "ok".
here=$(dirname "$(realpath "$0")")
top=$(cd "$here/../.." && pwd)
# shellcheck source=tools/tests/tap.sh
. "$here/tap.sh"
mapfile -t kernels < <("$top/tools/kernel" names)
tap_plan $((2 * ${#kernels[@]}))
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

for kernel in "${kernels[@]}"; do
	"$top/tools/debug-kernel/build-module" --kernel "$kernel" --check >"$tmp/check.log" 2>&1
	status=$?
	release=$(sed -n 's/^build-module: kernel [^:]*: //p' "$tmp/check.log" | head -n 1)
	tap_result $status "$kernel ${release:+($release)}: W=1 build and checkpatch clean"
	[ $status -eq 0 ] || sed 's/^/# /' "$tmp/check.log" | tail -n 60
	if grep -q 'SPARSE DID NOT RUN' "$tmp/check.log"; then
		tap_skip "$kernel: sparse clean" "$(sparse --version 2>&1) cannot parse this kernel's headers; kbuild skipped sparse"
	elif [ $status -eq 0 ]; then
		tap_result 0 "$kernel: sparse clean"
	else
		tap_result 1 "$kernel: sparse clean (see the failed build above)"
	fi
done
tap_done

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Description: kmod/dkms.conf works: `dkms add` and `dkms build` of the
# module, laid out as kmod/dkms.conf says, succeed against the headers of
# Debian's 6.1, 6.12 and 6.12-rt (tools/kernel), each giving a tlsview.ko
# whose vermagic names that kernel's release. DKMS runs on a private tree,
# source and install folder (--dkmstree, --sourcetree, --installtree):
# nothing under /var/lib/dkms or /lib/modules is touched.
here=$(dirname "$(realpath "$0")")
top=$(cd "$here/../.." && pwd)
# shellcheck source=tools/tests/tap.sh
. "$here/tap.sh"
kernels=(6.1 6.12 6.12-rt)
tap_plan $((1 + 2 * ${#kernels[@]}))

if ! command -v dkms >/dev/null; then
	for ((i = 0; i < 1 + 2 * ${#kernels[@]}; i++)); do tap_skip "dkms" "dkms is not installed (tools/deps)"; done
	exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
src=$tmp/src/tlsview-1.0
dkms_opts=(--dkmstree "$tmp/tree" --sourcetree "$tmp/src" --installtree "$tmp/install")
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/kmod/dkms.conf")

# The source tree as kmod/dkms.conf's own instructions lay it out.
mkdir -p "$src" "$tmp/tree" "$tmp/install"
cp -r "$top/kmod" "$top/uapi" "$src/" && cp "$top/kmod/dkms.conf" "$src/"
(cd "$src/kmod" && rm -rf build ./*.o ./*.ko ./*.mod* ./.*.cmd Module.symvers modules.order tlsview_features.h*)
dkms add "${dkms_opts[@]}" "tlsview/$version" >"$tmp/add.log" 2>&1
tap_result $? "dkms add tlsview/$version"
[ "$tap_failed" -eq 0 ] || sed 's/^/# /' "$tmp/add.log"

for kernel in "${kernels[@]}"; do
	facts=$("$top/tools/kernel" print "$kernel" 2>"$tmp/kernel.log")
	release=$(sed -n 's/^RELEASE=//p' <<<"$facts")
	kdir=$(sed -n 's/^KDIR=//p' <<<"$facts")
	if [ -z "$release" ] || [ ! -d "$kdir" ]; then
		tap_result 1 "$kernel: dkms build (tools/kernel print $kernel failed)"
		sed 's/^/# /' "$tmp/kernel.log"
		tap_result 1 "$kernel: vermagic (no module)"
		continue
	fi
	dkms build "${dkms_opts[@]}" -k "$release" --kernelsourcedir "$kdir" \
		"tlsview/$version" >"$tmp/build.log" 2>&1
	status=$?
	tap_result $status "$kernel: dkms build against $release"
	if [ $status -ne 0 ]; then
		sed 's/^/# /' "$tmp/build.log"
		find "$tmp/tree" -name make.log -exec sed 's/^/# /' {} \;
	fi
	ko=$(find "$tmp/tree/tlsview/$version/$release" -name 'tlsview.ko*' 2>/dev/null | head -n 1)
	vermagic=$( [ -n "$ko" ] && modinfo -F vermagic "$ko" 2>/dev/null)
	[ "${vermagic%% *}" = "$release" ]
	tap_result $? "$kernel: the built tlsview.ko's vermagic is $release (${vermagic:-no module})"
done
tap_done

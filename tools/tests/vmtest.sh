#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Description: tools/vmtest keeps its contract: COMMAND's exit status comes
# back, a kernel crash is a VM failure (125), --add puts a file in the guest,
# --out brings the guest's /vmtest/out back even when COMMAND fails,
# the guest has the unprivileged user nobody, leaving --shell prints neither
# markers nor the guest's kernel log, and the three boot modes give the
# guest the FSGSBASE state they promise, as the module reports it and as the
# guest kernel's own cpuinfo says.
# The kselftest runner starts this through a link in its tree: find the repo.
here=$(dirname "$(realpath "$0")")
vmtest=$here/../vmtest
# shellcheck source=tools/tests/tap.sh
. "$here/tap.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
tap_plan 10

"$vmtest" --no-module -- sh -c 'exit 7' >/dev/null 2>&1
tap_result $(( $? != 7 )) "COMMAND's status 7 is vmtest's status"

"$vmtest" --no-module -- true >/dev/null 2>&1
tap_result $? "COMMAND true exits 0"

"$vmtest" --no-module -- sh -c 'echo c > /proc/sysrq-trigger' >/dev/null 2>&1
tap_result $(( $? != 125 )) "a guest kernel crash exits 125"

# One boot for both directions: --add's file in, --out's files out. The
# guest makes a nested file of binary data: its checksum must match on the
# host, and COMMAND's failing status must still come back.
echo "payload $$" >"$tmp/payload"
out=$("$vmtest" --no-module --add "$tmp/payload:/opt/payload" --out "$tmp/out" -- sh -c \
	'cat /opt/payload &&
	 mkdir -p /vmtest/out/sub && head -c 200000 /dev/urandom >/vmtest/out/sub/data &&
	 (cd /vmtest/out/sub && md5sum data) >/vmtest/out/data.md5 && exit 3' 2>/dev/null)
status=$?
[ "$out" = "payload $$" ]
tap_result $? "--add HOST:GUEST puts the file in the guest"
[ "$status" = 3 ] && [ "$(stat -c %s "$tmp/out/sub/data" 2>/dev/null)" = 200000 ] &&
	(cd "$tmp/out/sub" && md5sum -c --quiet ../data.md5)
tap_result $? "--out HOST_DIR gets /vmtest/out's files intact, and COMMAND's status (3)"

"$vmtest" --no-module --out /proc/version/out -- true >/dev/null 2>"$tmp/err"
status=$?
[ "$status" = 2 ] && grep -q -- '--out: cannot create' "$tmp/err"
tap_result $? "--out into a folder that cannot be made: exit 2 and a clear error (exit $status)"

out=$("$vmtest" --no-module -- sh -c 'grep ^nobody: /etc/passwd | cut -d: -f3' 2>/dev/null)
[ "$out" = 65534 ]
tap_result $? "the guest has nobody with uid 65534"

# Leaving --shell ends the VM quietly. A terminal drives it (shell_session.py):
# input piped into the serial console is read before the guest's shell starts.
out=$(python3 "$here/shell_session.py" "$vmtest" --no-module 2>/dev/null)
status=$?
after=$(printf '%s\n' "$out" | sed -n '/^@@SESSION-EXIT-TYPED@@$/,$p' | wc -l)
[ "$status" = 0 ] && printf '%s\n' "$out" | grep -qx 'shell-42-says' &&
	! printf '%s\n' "$out" | grep -q '@@VMTEST' && [ "$after" -ge 2 ] && [ "$after" -le 10 ]
tap_result $? "--shell: the shell runs; leaving it prints no markers nor kernel log (exit $status, $after lines from exit on)"

# expect_fsgsbase WANT [vmtest options]: the module and cpuinfo agree with WANT.
expect_fsgsbase() {
	local want=$1 out
	shift
	out=$("$vmtest" "$@" -- sh -c \
		'sed -n "s/^fsgsbase: //p" /sys/kernel/debug/tlsview/info
		 grep -qw fsgsbase /proc/cpuinfo && echo 1 || echo 0' 2>/dev/null)
	[ "$out" = "$want"$'\n'"$want" ]
}
if [ -f "$here/../../kmod/tlsview.ko" ]; then
	expect_fsgsbase 1 && expect_fsgsbase 0 --nofsgsbase
	tap_result $? "default boot has FSGSBASE (fsgsbase: 1), --nofsgsbase has not (fsgsbase: 0)"
	expect_fsgsbase 0 --cpu qemu64
	tap_result $? "--cpu qemu64 has no FSGSBASE (fsgsbase: 0)"
else
	tap_skip "FSGSBASE state per boot mode" "kmod/tlsview.ko is not built"
	tap_skip "--cpu qemu64 FSGSBASE state" "kmod/tlsview.ko is not built"
fi
tap_done

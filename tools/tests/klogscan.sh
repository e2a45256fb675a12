#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Description: tools/klogscan finds every kind of kernel report vmtest must
# fail a run on, in kernel logs recorded from real VM runs (a clean boot, a
# WARN() from a throwaway module, the panic panic_on_warn turns it into), and
# stays quiet on a clean log.
# The kselftest runner starts this through a link in its tree: find the repo.
here=$(dirname "$(realpath "$0")")
scan=$here/../klogscan
data=$here/data
# shellcheck source=tools/tests/tap.sh
. "$here/tap.sh"

reports=(
	'[    5.1] BUG: KASAN: slab-use-after-free in tlsview_read+0x10/0x20'
	'[    5.1] BUG: kernel NULL pointer dereference, address: 0000000000000008'
	'[    5.1] Oops: 0000 [#1] PREEMPT SMP NOPTI'
	'[    5.1] general protection fault, probably for non-canonical address 0xdead000000000100'
	'[    5.1] UBSAN: shift-out-of-bounds in kmod/tlsview_read.c:42:7'
	'[    5.1] BUG: KFENCE: out-of-bounds read in tlsview_list+0x1/0x2'
	'[    5.1] WARNING: possible circular locking dependency detected'
	'[    5.1] WARNING: suspicious RCU usage'
	'[    5.1] BUG: sleeping function called from invalid context at mm/slab.h:700'
	'[    5.1] list_del corruption. prev->next should be ffff8880, but was dead000000000122'
)
tap_plan $((3 + ${#reports[@]}))

out=$("$scan" "$data/clean-boot.log"); rc=$?
[ $rc -eq 0 ] && [ -z "$out" ]
tap_result $? "a clean recorded boot log passes"

out=$("$scan" "$data/warning.log"); rc=$?
[ $rc -eq 1 ] && grep -q 'WARNING: CPU: .* warnmod_init' <<<"$out" && grep -q 'Call Trace:' <<<"$out"
tap_result $? "a recorded WARN() is found with its call trace"

out=$("$scan" "$data/panic-on-warn.log"); rc=$?
[ $rc -eq 1 ] && grep -q 'Kernel panic - not syncing' <<<"$out"
tap_result $? "a recorded panic_on_warn panic is found"

for line in "${reports[@]}"; do
	out=$(printf '[    1.0] clean line\n%s\n' "$line" | "$scan"); rc=$?
	[ $rc -eq 1 ] && [ "$out" = "2:$line" ]
	tap_result $? "found: ${line#*] }"
done
tap_done

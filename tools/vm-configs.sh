# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM configurations the test tiers boot, in one table that tools/check
# (`make check`) and tools/stress (`make stress`) share, and the one way they
# run tools/vmtest. Sourced, not run.
#
# One row per configuration, fields separated by "|":
#   name | tools/vmtest options | the guest command `make check` runs there
# A guest command of "-" means `make check` does not boot it (tools/stress
# may: it boots every row with its own command). tlsview-run-tests is
# tools/run-tests in the guest: the kselftest runner over the project's
# tests; with COLLECTION:GLOB arguments, over the matching ones
# ("selftests:[!s]* selftests:s[!t]*": the module and invariant selftests,
# every program of the collection but the long stress_* ones). The kernels
# (--kernel NAME) are those of tools/kernel.
VM_CONFIGS='
fsgsbase          |                              | tlsview-run-tests
nofsgsbase        | --nofsgsbase                 | tlsview-run-tests
qemu64            | --cpu qemu64                 | tlsview-run-tests
debug             | --kernel debug               | tlsview-run-tests selftests:module_*
debug-nofsgsbase  | --kernel debug --nofsgsbase  | -
6.12              | --kernel 6.12                | tlsview-run-tests
6.12-rt           | --kernel 6.12-rt             | tlsview-run-tests selftests:[!s]* selftests:s[!t]*
6.12-rt-nofsgsbase| --kernel 6.12-rt --nofsgsbase| tlsview-run-tests selftests:[!s]* selftests:s[!t]*
latest            | --kernel latest              | tlsview-run-tests selftests:[!s]* selftests:s[!t]*
latest-nofsgsbase | --kernel latest --nofsgsbase | tlsview-run-tests selftests:[!s]* selftests:s[!t]*
'

# vm_configs: every configuration's name, in the table's order.
vm_configs() {
	local name rest
	while IFS='|' read -r name rest; do
		name=${name// /}
		[ -z "$name" ] || printf '%s\n' "$name"
	done <<<"$VM_CONFIGS"
}

# vm_config NAME: sets vm_options (an array) and vm_command (a string, "-"
# for none) from NAME's row; returns 1 when there is no such row.
vm_config() {
	local name options command
	while IFS='|' read -r name options command; do
		[ "${name// /}" = "$1" ] || continue
		read -r -a vm_options <<<"$options"
		vm_command=$(sed 's/^ *//; s/ *$//' <<<"$command")
		return 0
	done <<<"$VM_CONFIGS"
	return 1
}

banner() { printf '\n=== %s ===\n' "$*"; }

# record_failure LOG REASON: one failing TAP line in LOG, with the reason.
record_failure() { printf 'not ok - %s\n' "$2" >>"$1"; }

# vmtest_logged NAME LOG [VMTEST ARGS...]: run tools/vmtest with its output
# shown and kept in LOG, which tools/tap-summary sums. Exit 1 means tests
# failed, and the log counts them; any other failure status of a VM run that
# could not count its own tests is recorded in LOG as one failure.
vmtest_logged() {
	local name=$1 log=$2 rc
	shift 2
	"$TOP/tools/vmtest" "$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	case $rc in
	0|1) ;;
	124) record_failure "$log" "$name: the guest kernel log reports a problem (tools/vmtest exited 124)" ;;
	*) record_failure "$log" "$name: tools/vmtest exited $rc" ;;
	esac
}

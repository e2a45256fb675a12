# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by tools/check and tools/stress: run tools/vmtest with its output
# shown and kept in a log that tools/tap-summary counts, and turn a VM run
# that could not count its own tests into one failure of its own.

banner() { printf '\n=== %s ===\n' "$*"; }

# record_failure LOG REASON: one failing TAP line in LOG, with the reason.
record_failure() { printf 'not ok - %s\n' "$2" >>"$1"; }

# vmtest_logged NAME LOG [VMTEST ARGS...]: exit 1 means tests failed, and
# the log counts them; any other failure status is recorded in LOG.
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

# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the tools' shell tests (sourced, not run): the TAP 13 the
# kselftest harness prints (plan, "ok N NAME", "# SKIP REASON"), so the
# kselftest runner runs these scripts like every other test program and
# tools/tap-summary counts them the same way.
tap_count=0
tap_failed=0
tap_plan() { echo "TAP version 13"; echo "1..$1"; }
# tap_result STATUS NAME: STATUS 0 is ok.
tap_result() {
	tap_count=$((tap_count + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_count $2"
	else
		echo "not ok $tap_count $2"
		tap_failed=$((tap_failed + 1))
	fi
}
tap_skip() { tap_count=$((tap_count + 1)); echo "ok $tap_count $1 # SKIP $2"; }
tap_done() { [ "$tap_failed" -eq 0 ]; }

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Description: tools/tap-summary counts what CI reads: passes, failures and
# skips, a crashed program, a program that ran no test, a program that never
# finished, and a missing log.
here=$(cd "$(dirname "$0")" && pwd)
summary=$here/../tap-summary
# shellcheck source=tools/tests/tap.sh
. "$here/tap.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
tap_plan 6

# expect LOG_TEXT CLOSING_LINE STATUS
expect() {
	printf '%b' "$1" >"$tmp/log"
	out=$("$summary" "t=$tmp/log"); rc=$?
	[ "$(tail -n 1 <<<"$out")" = "$2" ] && [ $rc -eq "$3" ]
}

expect '# run-tests: BEGIN /t/a\nok 1 x\nok 2 y # SKIP no device\nok 3 z\n# run-tests: END /t/a exit=0\n' \
	'2 passed, 0 failed, 1 skipped' 0
tap_result $? "passes and skips are counted, exit 0"
expect '# run-tests: BEGIN /t/a\nok 1 x\nnot ok 2 y\n# run-tests: END /t/a exit=1\n' \
	'1 passed, 1 failed, 0 skipped' 1
tap_result $? "a failing test counts once, exit 1"
expect '# run-tests: BEGIN /t/a\nok 1 x\n# run-tests: END /t/a exit=139\n' \
	'1 passed, 1 failed, 0 skipped' 1
tap_result $? "a program that crashed after passing tests fails"
expect '# run-tests: BEGIN /t/a\n# run-tests: END /t/a exit=0\n' \
	'0 passed, 1 failed, 0 skipped' 1
tap_result $? "a program that ran no test fails"
expect '# run-tests: BEGIN /t/a\nok 1 x\n' '1 passed, 1 failed, 0 skipped' 1
tap_result $? "a program that never finished fails"
out=$("$summary" "t=$tmp/absent"); rc=$?
[ "$(tail -n 1 <<<"$out")" = '0 passed, 1 failed, 0 skipped' ] && [ $rc -eq 1 ]
tap_result $? "a missing log fails"
tap_done

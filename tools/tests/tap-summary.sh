#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Description: tools/tap-summary sums what the kselftest runner prints into
# the line CI reads: passes, failures and skips, a crashed or timed-out
# program, a program skipped as a whole, a program that ran no test or
# never finished, a failed VM run, and a missing log.
# The kselftest runner starts this through a link in its tree: find the repo.
here=$(dirname "$(realpath "$0")")
summary=$here/../tap-summary
# shellcheck source=tools/tests/tap.sh
. "$here/tap.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
tap_plan 9

# expect LOG_TEXT CLOSING_LINE STATUS
expect() {
	printf '%b' "$1" >"$tmp/log"
	out=$("$summary" "t=$tmp/log"); rc=$?
	[ "$(tail -n 1 <<<"$out")" = "$2" ] && [ $rc -eq "$3" ]
}

# What run_kselftest.sh prints around one program's own TAP.
head='TAP version 13\n1..1\n# selftests: c: a\n# TAP version 13\n# 1..3\n'
expect "$head"'# ok 1 x\n# ok 2 y # SKIP no device\n# ok 3 z\nok 1 selftests: c: a\n' \
	'2 passed, 0 failed, 1 skipped' 0
tap_result $? "a program's tests are counted, passes and skips, exit 0"
expect "$head"'# ok 1 x\n# not ok 2 y\nnot ok 1 selftests: c: a # exit=1\n' \
	'1 passed, 1 failed, 0 skipped' 1
tap_result $? "a failing test counts once, not again for its program, exit 1"
expect "$head"'# ok 1 x\nnot ok 1 selftests: c: a # exit=139\n' \
	'1 passed, 1 failed, 0 skipped' 1
tap_result $? "a program that crashed after passing tests fails"
expect "$head"'# ok 1 x\n#\nnot ok 1 selftests: c: a # TIMEOUT 600 seconds\n' \
	'1 passed, 1 failed, 0 skipped' 1
tap_result $? "a program that timed out fails"
expect "$head"'# 1..0 # SKIP no module\nok 1 selftests: c: a # SKIP\n' \
	'0 passed, 0 failed, 1 skipped' 0
tap_result $? "a program skipped as a whole counts as one skip"
expect "$head"'ok 1 selftests: c: a\n' '0 passed, 1 failed, 0 skipped' 1
tap_result $? "a program that ran no test fails"
expect "$head"'# ok 1 x\n' '1 passed, 1 failed, 0 skipped' 1
tap_result $? "a program that never finished fails"
expect "$head"'# ok 1 x\nok 1 selftests: c: a\nnot ok - vm: tools/vmtest exited 125\n' \
	'1 passed, 1 failed, 0 skipped' 1
tap_result $? "a failed VM run recorded by tools/check fails"
out=$("$summary" "t=$tmp/absent"); rc=$?
[ "$(tail -n 1 <<<"$out")" = '0 passed, 1 failed, 0 skipped' ] && [ $rc -eq 1 ]
tap_result $? "a missing log fails"
tap_done

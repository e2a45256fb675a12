#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Description: the README's sample output is the tlsview command's, as it is
# today: its "source:" line and its table header are what tlsview prints.
here=$(dirname "$(realpath "$0")")
top=$here/../..
tlsview=$top/tools/build/bin/tlsview
# shellcheck source=tools/tests/tap.sh
. "$here/tap.sh"
tap_plan 2

sample_header=$(grep -m1 '^    TGID ' "$top/README.md" | tr -s ' ' | sed 's/^ //')
real_header=$("$tlsview" -p $$ 2>/dev/null | grep -m1 '^ *TGID ' | tr -s ' ' | sed 's/^ //')
[ -n "$real_header" ] && [ "$sample_header" = "$real_header" ]
tap_result $? "the README's table header is tlsview's ('$sample_header')"

grep -q '^    source: module (/dev/tlsview)$' "$top/README.md" &&
	! grep -q '^    # tgid tid cpu flags' "$top/README.md"
tap_result $? "the README shows the command's source line, not the debugfs file"
tap_done

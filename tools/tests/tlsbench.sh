#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Description: tlsbench's output, not its timings: --json is a valid JSON list
# naming every op of issue 6 once, each with a positive ns and ratio (null
# only for an instruction op the CPU cannot run, marked "skipped"); --svg
# writes a well-formed SVG with one labelled bar per op, on both scales; the
# shared objects really use the TLS dialects tls_gd and tls_desc claim; bad
# usage exits 2, an unwritable chart 1, --module without the module 1.
# No assertion depends on how fast anything is.
# The kselftest runner starts this through a link in its tree: find the repo.
here=$(dirname "$(realpath "$0")")
tlsbench=${TLSBENCH:-$here/../build/bin/tlsbench}
libdir=$(dirname "$tlsbench")/../lib
# shellcheck source=tools/tests/tap.sh
. "$here/tap.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
tap_plan 12

if [ ! -x "$tlsbench" ]; then
	for i in $(seq 12); do echo "not ok $i $tlsbench not built"; done
	exit 1
fi

# Short runs: only the shape of the output is checked.
quick=(--runs 3 --target-ms 0.2)

# The CPU and kernel let user space run rdfsbase: AT_HWCAP2 bit 1.
hwcap2=$(LD_SHOW_AUXV=1 /bin/true | awk '$1 == "AT_HWCAP2:" { print $2 }')
if [ -n "$hwcap2" ] && [ $((hwcap2 & 2)) -ne 0 ]; then fsgsbase=1; else fsgsbase=0; fi

"$tlsbench" "${quick[@]}" --json >"$tmp/out.json" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ ! -s "$tmp/err" ]
tap_result $? "--json exits 0 with nothing on stderr (exit $rc)"

check_json() {
	python3 - "$tmp/out.json" "$fsgsbase" <<'PY'
import json, math, sys

required = """rdfsbase wrfsbase rdgsbase wrgsbase arch_prctl_get_fs arch_prctl_set_fs
lib_get_fs lib_set_fs lib_get_gs lib_set_gs lib_get_fs_syscall lib_gs_context
tls_le tls_ie tls_gd tls_desc thread_local pthread_getspecific
pthread_setspecific""".split()
needs_fsgsbase = {"rdfsbase", "wrfsbase", "rdgsbase", "wrgsbase"}
have_fsgsbase = sys.argv[2] == "1"
bad = []
try:
    with open(sys.argv[1]) as f:
        data = json.load(f)
except ValueError as e:
    print("# not JSON:", e)
    sys.exit(1)
if not isinstance(data, list) or not data:
    print("# not a non-empty list")
    sys.exit(1)

def positive(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) \
        and math.isfinite(x) and x > 0

seen = {}
for entry in data:
    if not isinstance(entry, dict) or not isinstance(entry.get("op"), str) \
            or "ns" not in entry or "ratio" not in entry:
        bad.append("malformed entry %r" % (entry,))
        continue
    if entry["op"] in seen:
        bad.append("%s listed twice" % entry["op"])
    seen[entry["op"]] = entry
for op in required:
    e = seen.get(op)
    if e is None:
        bad.append("%s missing" % op)
    elif op in needs_fsgsbase and not have_fsgsbase:
        if not (e["ns"] is None and "skipped" in e):
            bad.append("%s: no FSGSBASE here, yet not skipped: %r" % (op, e))
    elif not positive(e["ns"]):
        bad.append("%s: ns %r" % (op, e["ns"]))
    elif have_fsgsbase and not positive(e["ratio"]):
        bad.append("%s: ratio %r" % (op, e["ratio"]))
if have_fsgsbase and "rdfsbase" in seen and seen["rdfsbase"]["ratio"] != 1:
    bad.append("rdfsbase's ratio to itself is %r" % seen["rdfsbase"]["ratio"])
for b in bad:
    print("#", b)
sys.exit(1 if bad else 0)
PY
}
check_json
tap_result $? "--json: a list of {op, ns, ratio}, every required op once, ns and ratio positive"

# check_svg FILE: well-formed, an <svg> root, a text label and a bar per op.
check_svg() {
	python3 - "$1" "$tmp/out.json" <<'PY'
import json, sys
import xml.etree.ElementTree as ET

ns = "{http://www.w3.org/2000/svg}"
try:
    root = ET.parse(sys.argv[1]).getroot()
except (ET.ParseError, OSError) as e:
    print("# not well-formed:", e)
    sys.exit(1)
if root.tag != ns + "svg":
    print("# root is", root.tag)
    sys.exit(1)
texts = {t.text for t in root.iter(ns + "text")}
bars = [r for r in root.iter(ns + "rect") if r.find(ns + "title") is not None]
with open(sys.argv[2]) as f:
    ops = [e["op"] for e in json.load(f)]
missing = [op for op in ops if op not in texts]
for op in missing:
    print("# no label for", op)
bad_width = [r for r in bars if float(r.get("width", "0")) <= 0]
if len(bars) == 0 or bad_width:
    print("# %d bars, %d without a width" % (len(bars), len(bad_width)))
    sys.exit(1)
sys.exit(1 if missing else 0)
PY
}

"$tlsbench" "${quick[@]}" --svg "$tmp/chart.svg" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ -s "$tmp/chart.svg" ]
tap_result $? "--svg FILE exits 0 and writes FILE (exit $rc)"
check_svg "$tmp/chart.svg"
tap_result $? "--svg: well-formed SVG, a label for every op, bars with a width"
"$tlsbench" "${quick[@]}" --svg "$tmp/linear.svg" --svg-scale linear >/dev/null 2>&1 &&
	check_svg "$tmp/linear.svg"
tap_result $? "--svg-scale linear: well-formed too"

"$tlsbench" --runs 1 --target-ms 0.1 --svg "$tmp/no/such/dir/chart.svg" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]
tap_result $? "an unwritable --svg FILE: exit 1, one line on stderr (exit $rc)"

usage_exit() { "$tlsbench" "$@" >/dev/null 2>&1; [ $? -eq 2 ]; }
usage_exit --runs 0 && usage_exit --svg-scale cubic && usage_exit --bogus &&
	usage_exit extra-argument && usage_exit --threads 10 && usage_exit --module --threads 2
tap_result $? "usage errors exit 2"

"$tlsbench" --help | grep -q -- '--module'
tap_result $? "--help exits 0 and names --module"

# The dialects: tls_gd must reach its variable through __tls_get_addr
# (DTPMOD64/DTPOFF64 relocations), tls_desc through a TLSDESC descriptor.
relocs() { readelf -rW "$libdir/$1" 2>/dev/null | awk '{ print $3 }' | sort -u; }
relocs libtlsbench_gd.so | grep -qx R_X86_64_DTPMOD64 &&
	! relocs libtlsbench_gd.so | grep -qx R_X86_64_TLSDESC
tap_result $? "libtlsbench_gd.so: general-dynamic (DTPMOD64, no TLSDESC)"
relocs libtlsbench_desc.so | grep -qx R_X86_64_TLSDESC &&
	! relocs libtlsbench_desc.so | grep -qx R_X86_64_DTPMOD64
tap_result $? "libtlsbench_desc.so: TLSDESC (no DTPMOD64)"
# tls_ie: the executable reads the .so's variable through a TPOFF64 GOT slot.
readelf -rW "$tlsbench" | grep -q 'R_X86_64_TPOFF64.*tlsbench_var_gd'
tap_result $? "tlsbench: initial-exec access to the .so's variable (TPOFF64)"

if [ -e /dev/tlsview ]; then
	tap_skip "--module without the module exits 1" "/dev/tlsview exists here"
else
	"$tlsbench" --module --threads 4 >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]
	tap_result $? "--module without the module: exit 1, one line on stderr (exit $rc)"
fi
tap_done

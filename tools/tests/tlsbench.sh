#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Description: tlsbench's output, not its timings. --json is one object of
# the documented shape (schema_version, machine, per op latency and
# throughput with min <= median <= max and cycles, criteria as computed
# results, the GS context vs pthread_getspecific on both metrics) naming
# every op once; no op's median latency is below one cycle (a latency under
# a cycle means the loop measured overlapped accesses, not one access);
# --markdown has the same rows; --svg writes a well-formed SVG with both
# panels, a bar and a whisker per op and metric, and the machine line; the
# shared objects really use the TLS dialects tls_gd and tls_desc claim; bad
# usage exits 2, an unwritable chart 1, --module without the module 1.
# No assertion depends on how fast anything is, nor on a criterion being met.
# The kselftest runner starts this through a link in its tree: find the repo.
here=$(dirname "$(realpath "$0")")
tlsbench=${TLSBENCH:-$here/../build/bin/tlsbench}
libdir=$(dirname "$tlsbench")/../lib
# shellcheck source=tools/tests/tap.sh
. "$here/tap.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
tap_plan 13

if [ ! -x "$tlsbench" ]; then
	for i in $(seq 13); do echo "not ok $i $tlsbench not built"; done
	exit 1
fi

# Short runs: only the shape of the output is checked.
quick=(--runs 5 --target-ms 0.2)

# The CPU and kernel let user space run rdfsbase: AT_HWCAP2 bit 1.
hwcap2=$(LD_SHOW_AUXV=1 /bin/true | awk '$1 == "AT_HWCAP2:" { print $2 }')
if [ -n "$hwcap2" ] && [ $((hwcap2 & 2)) -ne 0 ]; then fsgsbase=1; else fsgsbase=0; fi

"$tlsbench" "${quick[@]}" --json >"$tmp/out.json" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ ! -s "$tmp/err" ]
tap_result $? "--json exits 0 with nothing on stderr (exit $rc)"

# check_json RULES: the document against one group of rules.
check_json() {
	python3 - "$tmp/out.json" "$fsgsbase" "$1" <<'PY'
import json, math, sys

required = """l1_load lfence rdfsbase wrfsbase rdgsbase wrgsbase syscall
arch_prctl_get_fs arch_prctl_set_fs arch_prctl_get_gs arch_prctl_set_gs
fs_load gs_load lib_get_fs lib_set_fs lib_get_gs lib_set_gs
lib_get_fs_syscall lib_set_fs_syscall lib_get_gs_syscall lib_set_gs_syscall
lib_gs_context fs0_read pthread_getspecific pthread_setspecific call_global
tls_le tls_ie tls_gd tls_desc c11_thread_local""".split()
needs_fsgsbase = {"rdfsbase", "wrfsbase", "rdgsbase", "wrgsbase"}
have_fsgsbase = sys.argv[2] == "1"
rules = sys.argv[3]
bad = []
try:
    with open(sys.argv[1]) as f:
        doc = json.load(f)
except ValueError as e:
    print("# not JSON:", e)
    sys.exit(1)

def positive(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) \
        and math.isfinite(x) and x > 0

def need(cond, what):
    if not cond:
        bad.append(what)
    return cond

if not isinstance(doc, dict):
    print("# not one object")
    sys.exit(1)
m = doc.get("machine") or {}
ops = {}
for e in doc.get("ops") or []:
    if need(isinstance(e, dict) and isinstance(e.get("op"), str), "malformed op %r" % (e,)):
        need(e["op"] not in ops, "%s listed twice" % e["op"])
        ops[e["op"]] = e
tsc_mhz = m.get("tsc_mhz")

if rules == "shape":
    need(doc.get("schema_version") == 2, "schema_version %r" % doc.get("schema_version"))
    for key in ("cpu_model", "kernel_release", "fsgsbase_path", "clock_source",
                "tlsbench_version", "cycles_source"):
        need(isinstance(m.get(key), str) and m.get(key), "machine.%s %r" % (key, m.get(key)))
    need(positive(m.get("cpu_mhz")) and positive(tsc_mhz),
         "machine MHz %r, TSC %r" % (m.get("cpu_mhz"), tsc_mhz))
    need(m.get("fsgsbase") is have_fsgsbase,
         "machine.fsgsbase %r, AT_HWCAP2 says %r" % (m.get("fsgsbase"), have_fsgsbase))
    need(m.get("fsgsbase_path") == ("instruction" if have_fsgsbase else "arch_prctl"),
         "fsgsbase_path %r" % m.get("fsgsbase_path"))
    need(isinstance(m.get("runs"), int) and m["runs"] >= 5, "machine.runs %r" % m.get("runs"))
    for name in required:
        e = ops.get(name)
        if not need(e is not None, "%s missing" % name):
            continue
        if name in needs_fsgsbase and not have_fsgsbase:
            need(e.get("skipped") and e.get("latency") is None, "%s not skipped" % name)
            continue
        need(e.get("chain") in ("address", "argument", "fenced"),
             "%s chain %r" % (name, e.get("chain")))
        for metric in ("latency", "throughput"):
            s = e.get(metric)
            if not need(isinstance(s, dict), "%s.%s %r" % (name, metric, s)):
                continue
            if not need(all(positive(s.get(k)) for k in ("min", "median", "max",
                                                         "cycles_median")),
                        "%s.%s not all positive: %r" % (name, metric, s)):
                continue
            need(s["min"] <= s["median"] <= s["max"], "%s.%s unordered %r" % (name, metric, s))
            # Cycles are ns at the TSC rate (both printed rounded).
            need(abs(s["cycles_median"] - s["median"] * tsc_mhz / 1e3)
                 <= 0.001 * s["cycles_median"] + 0.01,
                 "%s.%s: %r cycles for %r ns" % (name, metric, s["cycles_median"], s["median"]))
        base = ops.get(e.get("base"))
        if base and base.get("latency"):
            r = e.get("latency_ratio_to_base")
            want = e["latency"]["median"] / base["latency"]["median"]
            need(positive(r) and abs(r - want) <= 0.001 * want + 1e-4,
                 "%s: ratio to %s %r, want %r" % (name, e["base"], r, want))
    crit = doc.get("criteria")
    if need(isinstance(crit, list) and len(crit) == 8, "criteria %r" % (crit,)):
        for c in crit:
            need(c.get("metric") == "latency" and positive(c.get("bound")),
                 "criterion %r" % (c,))
            op, base = ops.get(c.get("op"), {}), ops.get(c.get("base"), {})
            if op.get("latency") and base.get("latency"):
                want = op["latency"]["median"] / base["latency"]["median"]
                need(positive(c.get("ratio")) and abs(c["ratio"] - want) <= 0.001 * want + 1e-4
                     and c.get("met") == (c["ratio"] <= c["bound"]),
                     "criterion not computed from the ops: %r" % (c,))
            else:
                need(c.get("met") is None, "criterion of a skipped base: %r" % (c,))
    gs = doc.get("gs_context_vs_pthread_getspecific") or {}
    for metric in ("latency", "throughput"):
        want = (ops["pthread_getspecific"][metric]["median"]
                / ops["lib_gs_context"][metric]["median"])
        need(positive(gs.get(metric)) and abs(gs[metric] - want) <= 0.001 * want + 1e-4,
             "GS context vs pthread_getspecific, %s: %r, want %r"
             % (metric, gs.get(metric), want))
elif rules == "cycles":
    for name, e in sorted(ops.items()):
        s = e.get("latency")
        if s:
            need(s["cycles_median"] >= 1, "%s: median latency %.2f cycles (%.3f ns)"
                 % (name, s["cycles_median"], s["median"]))
for b in bad:
    print("#", b)
sys.exit(1 if bad else 0)
PY
}
check_json shape
tap_result $? "--json: one object: machine, each op's latency and throughput, criteria, GS ratio"
check_json cycles
tap_result $? "--json: no op's median latency is below one cycle"

"$tlsbench" "${quick[@]}" --markdown "$tmp/out.md" >/dev/null 2>"$tmp/err"
rc=$?
python3 - "$tmp/out.md" "$tmp/out.json" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
ops = [e["op"] for e in json.load(open(sys.argv[2]))["ops"]]
rows = {l.split("|")[1].strip() for l in text.splitlines() if l.startswith("| ")}
missing = [op for op in ops if op not in rows]
for op in missing:
    print("# no row for", op)
heads = "latency ns" in text and "throughput ns" in text and "cycles" in text
sys.exit(1 if missing or not heads else 0)
PY
[ $? -eq 0 ] && [ $rc -eq 0 ]
tap_result $? "--markdown: a row per op, columns naming latency, throughput, ns and cycles (exit $rc)"

"$tlsbench" "${quick[@]}" --svg "$tmp/chart.svg" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ -s "$tmp/chart.svg" ]
tap_result $? "--svg FILE exits 0 and writes FILE (exit $rc)"
# Well-formed, an <svg> root, both panels, the machine line, and per op
# and metric a bar (its <title> naming op and metric) and a whisker.
python3 - "$tmp/chart.svg" "$tmp/out.json" <<'PY'
import json, sys
import xml.etree.ElementTree as ET

ns = "{http://www.w3.org/2000/svg}"
try:
    root = ET.parse(sys.argv[1]).getroot()
except (ET.ParseError, OSError) as e:
    print("# not well-formed:", e)
    sys.exit(1)
bad = []
if root.tag != ns + "svg":
    bad.append("root is " + root.tag)
texts = [t.text or "" for t in root.iter(ns + "text")]
doc = json.load(open(sys.argv[2]))
if not any(doc["machine"]["cpu_model"] in t and doc["machine"]["kernel_release"] in t
           for t in texts):
    bad.append("no machine line")
for panel in ("latency", "throughput"):
    if not any(t.startswith(panel) for t in texts):
        bad.append("no %s panel" % panel)
bars = {}
for r in root.iter(ns + "rect"):
    t = r.find(ns + "title")
    if t is not None:
        op, metric = t.text.split(":")[0].split()
        bars[(op, metric)] = float(r.get("width", "0"))
whiskers = len([p for p in root.iter(ns + "path") if "whisker" in p.get("class", "")])
measured = [e["op"] for e in doc["ops"] if e.get("latency")]
for op in measured:
    if op not in texts:
        bad.append("no label for " + op)
    for metric in ("latency", "throughput"):
        if bars.get((op, metric), 0) <= 0:
            bad.append("no %s bar for %s" % (metric, op))
if whiskers != 2 * len(measured):
    bad.append("%d whiskers for %d ops" % (whiskers, len(measured)))
for b in bad:
    print("#", b)
sys.exit(1 if bad else 0)
PY
tap_result $? "--svg: well-formed, both panels, the machine line, a bar and a whisker per op and metric"

"$tlsbench" --runs 5 --target-ms 0.05 --svg "$tmp/no/such/dir/chart.svg" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]
tap_result $? "an unwritable --svg FILE: exit 1, one line on stderr (exit $rc)"

usage_exit() { "$tlsbench" "$@" >/dev/null 2>&1; [ $? -eq 2 ]; }
usage_exit --runs 4 && usage_exit --runs 0 && usage_exit --target-ms 0 && usage_exit --bogus &&
	usage_exit extra-argument && usage_exit --threads 10 && usage_exit --module --threads 2 &&
	usage_exit --markdown && usage_exit --module --markdown x.md && usage_exit --spinners 1 &&
	usage_exit --module --spinners -1 && usage_exit --module --beside 0
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
readelf -rW "$tlsbench" | grep -q 'R_X86_64_TPOFF64.*tlsbench_array_gd'
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

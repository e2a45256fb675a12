// SPDX-License-Identifier: GPL-2.0
/*
 * tlsbench - what reaching the FS and GS bases and thread-local data costs.
 *
 *   tlsbench [-j|--json] [-r|--runs N] [-t|--target-ms MS] [-w|--wall]
 *            [--svg FILE] [--markdown FILE]
 *   tlsbench --module [-n|--threads N] [--spinners N] [--gdb PATH] [-j|--json]
 *   tlsbench --module --beside N [-j|--json]
 *
 * The first form measures every op of ops.c two ways, latency (a
 * dependent chain) and throughput (independent accesses), in ns and in
 * cycles, and reports min, median and max over N runs (default 11, at
 * least 5), each op's ratio to its baseline and the acceptance criteria.
 * The man page (tools/tlsbench.1) explains every row and column.
 * The second form needs tlsview.ko (and root): the cost per thread of
 * collecting every thread's view of an N-thread process (module.c).
 *
 * Timing: each sample runs an op's loop for about MS ms (default 1) on the
 * thread's CPU clock (CLOCK_THREAD_CPUTIME_ID, so time spent preempted on
 * a busy machine does not count; --wall uses CLOCK_MONOTONIC), pinned to
 * one CPU; the runs are interleaved (run 1 of every op, then run 2 ...) so
 * drift hits all ops alike. Cycles are ns times the TSC rate, measured
 * against CLOCK_MONOTONIC at start (this kernel offers no cycle counter to
 * perf_event everywhere we run, and the TSC is what every x86-64 has).
 *
 * Exit status: 0 ok, 1 failure (setup, an output file that cannot be
 * written, a failed module-mode check), 2 usage. Criteria are reported,
 * never turned into the exit status: a busy machine is no failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include <tlsview/tlsview.h>

#include "tlsbench.h"

static clockid_t clock_id = CLOCK_THREAD_CPUTIME_ID;

static double clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

struct op *find_op(const char *name)
{
	for (size_t i = 0; name && i < nops; i++)
		if (strcmp(ops[i].name, name) == 0)
			return &ops[i];
	return NULL;
}

double ratio_of(const struct op *op, const struct op *base, enum metric m)
{
	if (!op || !base || op->skipped || base->skipped || base->metric[m].median <= 0)
		return -1;
	return op->metric[m].median / base->metric[m].median;
}

double latency_ratio(const struct op *op, const struct op *base)
{
	return ratio_of(op, base, LATENCY);
}

const char *metric_name(enum metric m)
{
	return m == LATENCY ? "latency" : "throughput";
}

const char *chain_name(enum op_chain chain)
{
	switch (chain) {
	case CHAIN_ADDRESS:
		return "address";
	case CHAIN_ARGUMENT:
		return "argument";
	default:
		return "fenced";
	}
}

static void (*loop_of(const struct op *op, enum metric m))(uint64_t)
{
	return m == LATENCY ? op->latency : op->throughput;
}

static double time_once(void (*loop)(uint64_t), uint64_t n)
{
	double start = clock_ns(clock_id);

	loop(n);
	return clock_ns(clock_id) - start;
}

/* Accesses for about @target_ns per sample. */
static uint64_t calibrate(void (*loop)(uint64_t), double target_ns)
{
	uint64_t n = 64;
	double t;

	for (;;) {
		t = time_once(loop, n);
		if (t >= target_ns / 8 || n >= (1ULL << 34))
			break;
		n *= 4;
	}
	n = (uint64_t)((double)n * target_ns / (t > 0 ? t : 1));
	n = (n + UNROLL - 1) / UNROLL * UNROLL;
	return n < UNROLL ? UNROLL : n;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* TSC ticks per µs, against CLOCK_MONOTONIC over about 50 ms. */
static double tsc_mhz(void)
{
	double t0 = clock_ns(CLOCK_MONOTONIC), t1;
	uint64_t c0 = __rdtsc(), c1;

	do
		t1 = clock_ns(CLOCK_MONOTONIC);
	while (t1 - t0 < 50e6);
	c1 = __rdtsc();
	return (double)(c1 - c0) / (t1 - t0) * 1e3;
}

/* The value of "key<tab>: value" for the @cpu-th processor of /proc/cpuinfo. */
static void cpuinfo_field(int cpu, const char *key, char *out, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512];
	int processor = -1;
	size_t len = strlen(key);

	snprintf(out, size, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		if (strncmp(line, "processor", 9) == 0)
			processor = atoi(colon + 1);
		if ((processor == cpu || cpu < 0) && strncmp(line, key, len) == 0 &&
		    (line[len] == '\t' || line[len] == ' ')) {
			snprintf(out, size, "%s", colon + 2);
			out[strcspn(out, "\n")] = '\0';
			break;
		}
	}
	fclose(f);
}

static void describe_machine(struct machine *mc)
{
	struct utsname u;
	char mhz[64];
	FILE *f;

	cpuinfo_field(mc->cpu, "model name", mc->cpu_model, sizeof(mc->cpu_model));
	cpuinfo_field(mc->cpu, "cpu MHz", mhz, sizeof(mhz));
	mc->cpu_mhz = atof(mhz);
	mc->tsc_mhz = tsc_mhz();
	snprintf(mc->kernel, sizeof(mc->kernel), "%s",
		 uname(&u) == 0 ? u.release : "unknown");
	mc->fsgsbase = (getauxval(AT_HWCAP2) & TLSVIEW_HWCAP2_FSGSBASE) != 0;
	mc->path = tlsview_have_fsgsbase() ? "instruction" : "arch_prctl";
	mc->clock = clock_id == CLOCK_MONOTONIC ? "CLOCK_MONOTONIC" : "CLOCK_THREAD_CPUTIME_ID";
	mc->cycles_source = "tsc";
	snprintf(mc->clocksource, sizeof(mc->clocksource), "unknown");
	f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");
	if (f) {
		if (fgets(mc->clocksource, sizeof(mc->clocksource), f))
			mc->clocksource[strcspn(mc->clocksource, "\n")] = '\0';
		fclose(f);
	}
}

static void summarise(struct stats *s, int runs, double tsc_mhz)
{
	qsort(s->samples, (size_t)runs, sizeof(double), compare_double);
	s->min = s->samples[0];
	s->median = s->samples[runs / 2];
	s->max = s->samples[runs - 1];
	s->cycles_median = s->median * tsc_mhz / 1e3;
}

static int write_markdown(const char *path, const struct machine *mc)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	report_markdown(f, mc);
	return close_output(f);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tlsbench [-j|--json] [-r|--runs N] [-t|--target-ms MS] [-w|--wall]\n"
		"                [--svg FILE] [--markdown FILE]\n"
		"       tlsbench --module [-n|--threads N] [--spinners N] [--gdb PATH] [-j|--json]\n"
		"       tlsbench --module --beside N [-j|--json]\n"
		"  latency (dependent accesses) and throughput (independent ones) of every\n"
		"  FS/GS base and thread-local access path, in ns and cycles: min, median and\n"
		"  max of N runs (default 11, 5..%d) of about MS ms each (default 1), on the\n"
		"  thread's CPU clock (--wall: monotonic); --svg FILE draws them, --markdown\n"
		"  FILE writes them as a Markdown table.\n"
		"  --module: with tlsview.ko loaded, as root: ns per thread to collect every\n"
		"  thread's view of an N-thread process (default 10000, none spinning) by LIST,\n"
		"  GET_TASK, debugfs, ptrace (and gdb), and checks that only the tracers stop\n"
		"  threads; --beside N: a 10-thread process's LIST alone and beside N threads.\n"
		"  See tlsbench(1).\n", MAX_RUNS);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "markdown", required_argument, NULL, 'M' },
		{ "runs", required_argument, NULL, 'r' },
		{ "target-ms", required_argument, NULL, 't' },
		{ "wall", no_argument, NULL, 'w' },
		{ "svg", required_argument, NULL, 'S' },
		{ "module", no_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 'n' },
		{ "spinners", required_argument, NULL, 's' },
		{ "gdb", required_argument, NULL, 'g' },
		{ "beside", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct module_options mopt = { .threads = 10000 };
	int runs = 11, c, module = 0, module_only = 0;
	const char *markdown_path = NULL;
	int json = 0;
	struct machine mc = { 0 };
	const char *svg_path = NULL;
	double target_ms = 1;
	cpu_set_t set;
	char *end;

	while ((c = getopt_long(argc, argv, "jr:t:whmn:", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'M':
			markdown_path = optarg;
			break;
		case 'r':
			runs = (int)strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || runs < MIN_RUNS || runs > MAX_RUNS) {
				fprintf(stderr, "tlsbench: --runs must be %d..%d\n", MIN_RUNS,
					MAX_RUNS);
				return 2;
			}
			break;
		case 't':
			target_ms = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(target_ms > 0) ||
			    target_ms > 1000) {
				fprintf(stderr, "tlsbench: --target-ms must be in (0, 1000]\n");
				return 2;
			}
			break;
		case 'w':
			clock_id = CLOCK_MONOTONIC;
			break;
		case 'S':
			svg_path = optarg;
			break;
		case 'm':
			module = 1;
			break;
		case 'n':
		case 's':
		case 'b': {
			long n = strtol(optarg, &end, 10);
			long low = c == 'n' ? 4 : c == 's' ? 0 : 1;

			if (*optarg == '\0' || *end != '\0' || n < low || n > 1000000) {
				fprintf(stderr, "tlsbench: --%s must be %ld..1000000\n",
					c == 'n' ? "threads" : c == 's' ? "spinners" : "beside", low);
				return 2;
			}
			*(c == 'n' ? &mopt.threads : c == 's' ? &mopt.spinners : &mopt.beside) = (int)n;
			module_only = 1;
			break;
		}
		case 'g':
			mopt.gdb = optarg;
			module_only = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (module_only && !module) {
		fprintf(stderr, "tlsbench: --threads, --spinners, --gdb and --beside go with --module\n");
		return 2;
	}
	if (module && (svg_path || markdown_path)) {
		fprintf(stderr, "tlsbench: --svg and --markdown describe the ops, not --module\n");
		return 2;
	}
	if (module) {
		mopt.json = json;
		return module_bench(&mopt);
	}

	/* One CPU: no migrations inside a sample. */
	mc.cpu = sched_getcpu();
	if (mc.cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(mc.cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	mc.runs = runs;
	mc.sample_ms = target_ms;
	describe_machine(&mc);

	if (tlsview_get_fs_syscall(&bench_fs_value) != 0 ||
	    pthread_key_create(&bench_key, NULL) != 0) {
		fprintf(stderr, "tlsbench: setup failed: %s\n", strerror(errno));
		return 1;
	}
	pthread_setspecific(bench_key, &bench_context);
	if (tlsview_gs_context_set(&bench_context.self) != 0) {
		fprintf(stderr, "tlsbench: cannot install a GS context\n");
		return 1;
	}
	bench_gs_value = (uintptr_t)&bench_context;
	ops_setup();

	for (size_t i = 0; i < nops; i++) {
		ops[i].skipped = ops[i].need == NEED_FSGSBASE && !mc.fsgsbase;
		for (int m = 0; m < NMETRICS && !ops[i].skipped; m++)
			ops[i].metric[m].iterations = calibrate(loop_of(&ops[i], m),
								target_ms * 1e6);
	}
	for (int run = 0; run < runs; run++)
		for (size_t i = 0; i < nops; i++)
			for (int m = 0; m < NMETRICS && !ops[i].skipped; m++) {
				struct stats *s = &ops[i].metric[m];

				s->samples[run] = time_once(loop_of(&ops[i], m), s->iterations) /
						  (double)s->iterations;
			}
	for (size_t i = 0; i < nops; i++)
		for (int m = 0; m < NMETRICS && !ops[i].skipped; m++)
			summarise(&ops[i].metric[m], runs, mc.tsc_mhz);
	tlsview_gs_context_clear();

	if (svg_path && svg_write(svg_path, &mc) != 0) {
		fprintf(stderr, "tlsbench: %s: %s\n", svg_path, strerror(errno));
		return 1;
	}
	if (markdown_path && write_markdown(markdown_path, &mc) != 0) {
		fprintf(stderr, "tlsbench: %s: %s\n", markdown_path, strerror(errno));
		return 1;
	}
	if (json)
		report_json(stdout, &mc);
	else
		report_table(stdout, &mc);
	return fflush(stdout) == 0 ? 0 : 1;
}

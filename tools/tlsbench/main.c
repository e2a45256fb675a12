// SPDX-License-Identifier: GPL-2.0
/*
 * tlsbench - what reaching the FS and GS bases costs, in ns per operation.
 *
 *   tlsbench [-j|--json] [-r|--runs N] [-t|--target-ms MS] [-w|--wall]
 *            [--svg FILE [--svg-scale log|linear]]
 *   tlsbench --module [-n|--threads N] [-j|--json]
 *
 * The first form times each op below in this process; --svg also draws the
 * ns/op bar chart into FILE (svg.c). The second needs tlsview.ko (and root,
 * for ptrace and debugfs): the cost per thread of collecting every thread's
 * view of an N-thread process by LIST, GET_TASK, debugfs and ptrace
 * (module.c).
 *
 * Every operation is a tight loop (unrolled 8x) timed with the thread's CPU
 * clock (CLOCK_THREAD_CPUTIME_ID, so time spent preempted on a busy machine
 * does not count; --wall uses CLOCK_MONOTONIC), calibrated to about MS
 * milliseconds per sample (short samples rarely contain a context switch,
 * and the median drops those that do); the runs are interleaved
 * (run 1 of every op, then run 2 ...) so drift hits all ops alike, and the
 * median of the runs is reported, with its ratio to rdfsbase measured in
 * the same process. The bare instructions and syscalls use their own asm,
 * not libtlsview's, so the library is compared against an independent
 * baseline. Operations needing FSGSBASE are reported as skipped where the
 * kernel does not enable it.
 *
 * Adding an operation: write an op_NAME(n) loop and add a row to ops[].
 *
 * What each op measures (one op = one of these, timed in a loop):
 *   rdfsbase, rdgsbase     the instruction (inline asm, result kept live)
 *   wrfsbase, wrgsbase     the instruction, writing the current FS base back
 *                          / a fixed GS base
 *   arch_prctl_get_fs/set_fs  the raw syscall (own asm, not libc's wrapper)
 *   lib_get_fs/set_fs/get_gs/set_gs  libtlsview's inline accessors, on the
 *                          path the library picked (instruction or syscall)
 *   lib_*_syscall          libtlsview's arch_prctl path, forced
 *   fs0_read               mov %fs:0, the ABI's thread-pointer self-pointer
 *   lib_gs_context         mov %gs:0 through libtlsview's GS context
 *   pthread_getspecific/setspecific  one call, on a key created at start
 *   call_global            a call to a noinline function loading a plain
 *                          global: the overhead inside every tls_* op
 *   tls_le                 that call, loading an executable's __thread
 *                          variable, local-exec: mov %fs:OFFSET
 *   tls_ie                 that call, loading a shared object's exported
 *                          __thread variable from the executable,
 *                          initial-exec: mov OFFSET@GOT(%rip),%rax;
 *                          mov %fs:(%rax)
 *   tls_gd                 that call inside libtlsbench_gd.so, loading its
 *                          own exported __thread variable, general-dynamic:
 *                          call __tls_get_addr@PLT, then a load
 *   tls_desc               the same in libtlsbench_desc.so, built with
 *                          -mtls-dialect=gnu2 (TLSDESC): call *descriptor
 *                          (the resolver ld.so picked), then a %fs: load
 *   thread_local           that call, loading a C11 thread_local variable of
 *                          the executable: the compiler picks local-exec,
 *                          so it is tls_le's code reached portably
 * The tls_* accesses each sit in a noinline function with a volatile asm in
 * it: the call boundary keeps the address computation inside the loop (a
 * compiler hoists a TLS address out of a loop otherwise) and the volatile
 * asm keeps the function from being treated as pure and merged.
 *
 * Exit status: 0 ok, 1 failure (setup, an SVG that cannot be written, a
 * failed module-mode check), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <tlsview/tlsview.h>

#include "tlsbench.h"

#define UNROLL 8
#define MAX_RUNS 101

/* Keeps a value alive without costing an instruction. */
#define SINK(v) __asm__ __volatile__("" : : "r" (v))

#define REPEAT8(body) do { body; body; body; body; body; body; body; body; } while (0)

static uint64_t fs_value;		/* this thread's FS base, written back unchanged */
static uint64_t gs_value;		/* a GS base to write */
static pthread_key_t key;
static struct {
	struct tlsview_gs_self self;
	long payload;
} context;

/* ---- independent baselines ---- */

static inline uint64_t bare_rdfsbase(void)
{
	uint64_t v;

	__asm__ __volatile__("rdfsbase %[v]" : [v] "=r" (v));
	return v;
}

static inline uint64_t bare_rdgsbase(void)
{
	uint64_t v;

	__asm__ __volatile__("rdgsbase %[v]" : [v] "=r" (v));
	return v;
}

static inline void bare_wrfsbase(uint64_t v)
{
	__asm__ __volatile__("wrfsbase %[v]" : : [v] "r" (v) : "memory");
}

static inline void bare_wrgsbase(uint64_t v)
{
	__asm__ __volatile__("wrgsbase %[v]" : : [v] "r" (v) : "memory");
}

static inline long bare_arch_prctl(long code, long addr)
{
	long ret;

	__asm__ __volatile__("syscall"
			     : [ret] "=a" (ret)
			     : [nr] "a" (158L /* __NR_arch_prctl */), [code] "D" (code),
			       [addr] "S" (addr)
			     : "rcx", "r11", "memory");
	return ret;
}

/* ---- the operations: each runs n (a multiple of UNROLL) of itself ---- */

#define OP(name, body)							\
	static __attribute__((noinline)) void op_##name(uint64_t n)	\
	{								\
		for (uint64_t i = 0; i < n; i += UNROLL)		\
			REPEAT8(body);					\
	}

/*
 * The __thread ops. Each access is a call to a noinline function that
 * computes the variable's address and loads it; the volatile asm in it
 * keeps the compiler from treating it as pure (merging the 8 calls of an
 * unrolled step into one) and the call boundary keeps the address
 * computation from being hoisted out of the loop, which is the cost
 * measured. call_global is the same function reading a plain global: what
 * every tls_* op pays besides the TLS address computation.
 */
#define READER(name, variable)						\
	static __attribute__((noinline)) int read_##name(void)		\
	{								\
		int v = (variable);					\
		__asm__ __volatile__("" : "+r" (v));			\
		return v;						\
	}

/*
 * Not static: the compiler must not see that nothing writes them (it would
 * fold the reads to a constant); tlsbench's setup writes them.
 */
int plain_global;
/* Defined here: local-exec, mov %fs:OFFSET (offset fixed at link time). */
__attribute__((tls_model("local-exec"))) __thread int tls_le_variable;
/*
 * C11 _Thread_local (<threads.h> spells it thread_local) with no model
 * asked for: in an executable (PIE or not) the compiler picks local-exec,
 * so this is the tls_le code reached by the portable spelling.
 */
thread_local int thread_local_variable;
/*
 * Defined in libtlsbench_gd.so, read from here: the compiler emits
 * initial-exec for an extern __thread in an executable (a load of the
 * variable's TP offset from the GOT, then a %fs: load); the linker cannot
 * relax it to local-exec because the variable lives in a shared object.
 */
extern __thread int tlsbench_var_gd;
/* Loops in the shared objects (tls_shared.c). */
void tlsbench_run_gd(uint64_t n);
void tlsbench_run_desc(uint64_t n);

READER(plain_global, plain_global)
READER(tls_le, tls_le_variable)
READER(thread_local, thread_local_variable)
READER(tls_ie, tlsbench_var_gd)

OP(rdfsbase, SINK(bare_rdfsbase()))
OP(wrfsbase, bare_wrfsbase(fs_value))
OP(rdgsbase, SINK(bare_rdgsbase()))
OP(wrgsbase, bare_wrgsbase(gs_value))
OP(arch_prctl_get_fs, { uint64_t v; bare_arch_prctl(ARCH_GET_FS, (long)&v); SINK(v); })
OP(arch_prctl_set_fs, SINK(bare_arch_prctl(ARCH_SET_FS, (long)fs_value)))
OP(lib_get_fs, SINK(tlsview_get_fs()))
OP(lib_set_fs, SINK(tlsview_set_fs(fs_value)))
OP(lib_get_gs, SINK(tlsview_get_gs()))
OP(lib_set_gs, SINK(tlsview_set_gs(gs_value)))
OP(lib_get_fs_syscall, { uint64_t v; tlsview_get_fs_syscall(&v); SINK(v); })
OP(lib_set_fs_syscall, SINK(tlsview_set_fs_syscall(fs_value)))
OP(lib_get_gs_syscall, { uint64_t v; tlsview_get_gs_syscall(&v); SINK(v); })
OP(lib_set_gs_syscall, SINK(tlsview_set_gs_syscall(gs_value)))
OP(fs0_read, SINK(tlsview_thread_pointer()))
OP(lib_gs_context, SINK(tlsview_gs_context()))
OP(pthread_getspecific, SINK(pthread_getspecific(key)))
OP(pthread_setspecific, SINK(pthread_setspecific(key, &context)))
OP(call_global, SINK(read_plain_global()))
OP(tls_le, SINK(read_tls_le()))
OP(tls_ie, SINK(read_tls_ie()))
OP(thread_local, SINK(read_thread_local()))

static void op_tls_gd(uint64_t n)
{
	tlsbench_run_gd(n);
}

static void op_tls_desc(uint64_t n)
{
	tlsbench_run_desc(n);
}

enum need { NEED_NOTHING, NEED_FSGSBASE };

static struct op {
	const char *name;
	void (*run)(uint64_t n);
	enum need need;
	const char *what;
	/* filled in */
	int skipped;
	uint64_t iterations;
	double samples[MAX_RUNS];
	double ns;
} ops[] = {
#define ROW(op, needs, text) { .name = #op, .run = op_##op, .need = needs, .what = text }
	ROW(rdfsbase, NEED_FSGSBASE, "rdfsbase instruction"),
	ROW(wrfsbase, NEED_FSGSBASE, "wrfsbase instruction (same value)"),
	ROW(rdgsbase, NEED_FSGSBASE, "rdgsbase instruction"),
	ROW(wrgsbase, NEED_FSGSBASE, "wrgsbase instruction"),
	ROW(arch_prctl_get_fs, NEED_NOTHING, "raw arch_prctl(ARCH_GET_FS)"),
	ROW(arch_prctl_set_fs, NEED_NOTHING, "raw arch_prctl(ARCH_SET_FS)"),
	ROW(lib_get_fs, NEED_NOTHING, "tlsview_get_fs()"),
	ROW(lib_set_fs, NEED_NOTHING, "tlsview_set_fs()"),
	ROW(lib_get_gs, NEED_NOTHING, "tlsview_get_gs()"),
	ROW(lib_set_gs, NEED_NOTHING, "tlsview_set_gs()"),
	ROW(lib_get_fs_syscall, NEED_NOTHING, "tlsview_get_fs_syscall()"),
	ROW(lib_set_fs_syscall, NEED_NOTHING, "tlsview_set_fs_syscall()"),
	ROW(lib_get_gs_syscall, NEED_NOTHING, "tlsview_get_gs_syscall()"),
	ROW(lib_set_gs_syscall, NEED_NOTHING, "tlsview_set_gs_syscall()"),
	ROW(fs0_read, NEED_NOTHING, "tlsview_thread_pointer(): mov %fs:0"),
	ROW(lib_gs_context, NEED_NOTHING, "tlsview_gs_context(): mov %gs:0"),
	ROW(pthread_getspecific, NEED_NOTHING, "pthread_getspecific()"),
	ROW(pthread_setspecific, NEED_NOTHING, "pthread_setspecific()"),
	ROW(call_global, NEED_NOTHING, "noinline call reading a plain global (call cost in tls_*)"),
	ROW(tls_le, NEED_NOTHING, "__thread in the executable, local-exec: mov %fs:OFF"),
	ROW(tls_ie, NEED_NOTHING, "extern __thread of a .so from the executable, initial-exec"),
	ROW(tls_gd, NEED_NOTHING, "__thread in a .so, general-dynamic: __tls_get_addr()"),
	ROW(tls_desc, NEED_NOTHING, "__thread in a .so, TLSDESC (gnu2): call *descriptor"),
	ROW(thread_local, NEED_NOTHING, "C11 thread_local in the executable (local-exec)"),
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

/* The acceptance ratios of issue 4: numerator op, denominator op, bound. */
static const struct criterion {
	const char *op, *base;
	double max_ratio;
	const char *text;
} criteria[] = {
	{ "lib_get_fs", "rdfsbase", 1.10, "library FS get vs bare rdfsbase" },
	{ "lib_get_gs", "rdgsbase", 1.10, "library GS get vs bare rdgsbase" },
	{ "lib_set_fs", "wrfsbase", 1.10, "library FS set vs bare wrfsbase" },
	{ "lib_set_gs", "wrgsbase", 1.10, "library GS set vs bare wrgsbase" },
	{ "lib_get_fs_syscall", "arch_prctl_get_fs", 1.05, "library arch_prctl path vs bare syscall" },
	{ "lib_gs_context", "pthread_getspecific", 0.20, "GS context read vs pthread_getspecific (>= 5x faster)" },
};

static clockid_t clock_id = CLOCK_THREAD_CPUTIME_ID;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(clock_id, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double time_once(const struct op *op, uint64_t n)
{
	double start = now_ns();

	op->run(n);
	return now_ns() - start;
}

/* Iterations for about target_ns per sample. */
static uint64_t calibrate(const struct op *op, double target_ns)
{
	uint64_t n = 1024;
	double t;

	for (;;) {
		t = time_once(op, n);
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

static struct op *find_op(const char *name)
{
	for (size_t i = 0; i < NOPS; i++)
		if (strcmp(ops[i].name, name) == 0)
			return &ops[i];
	return NULL;
}

static double ratio_of(const struct op *op, const struct op *base)
{
	if (!op || !base || op->skipped || base->skipped || base->ns <= 0)
		return -1;
	return op->ns / base->ns;
}

static int write_chart(const char *path, int runs, enum svg_scale scale)
{
	struct svg_bar bars[NOPS];
	char title[128];

	for (size_t i = 0; i < NOPS; i++) {
		bars[i].label = ops[i].name;
		bars[i].value = ops[i].skipped ? 0 : ops[i].ns;
	}
	snprintf(title, sizeof(title), "tlsbench: ns per operation (median of %d runs)", runs);
	return svg_write(path, title, "ns/op", bars, NOPS, scale);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tlsbench [-j|--json] [-r|--runs N] [-t|--target-ms MS] [-w|--wall]\n"
		"                [--svg FILE [--svg-scale log|linear]]\n"
		"       tlsbench --module [-n|--threads N] [-j|--json]\n"
		"  ns/op (median of N runs, default 31, of about MS ms each, default 1)\n"
		"  of FS/GS base access by instruction, arch_prctl, libtlsview and\n"
		"  pthread keys, timed on the thread's CPU clock (--wall: monotonic);\n"
		"  --svg FILE draws them as a bar chart (log scale unless --svg-scale linear).\n"
		"  --module: with tlsview.ko loaded, as root: ns per thread to collect every\n"
		"  thread's view of an N-thread process (default 10000) by LIST, GET_TASK,\n"
		"  debugfs and ptrace, and checks that only ptrace stops threads.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "runs", required_argument, NULL, 'r' },
		{ "target-ms", required_argument, NULL, 't' },
		{ "wall", no_argument, NULL, 'w' },
		{ "svg", required_argument, NULL, 'S' },
		{ "svg-scale", required_argument, NULL, 'L' },
		{ "module", no_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, runs = 31, c, cpu, module = 0, threads = 10000, threads_given = 0;
	const char *svg_path = NULL;
	enum svg_scale svg_scale = SVG_SCALE_LOG;
	double target_ms = 1;
	int have = (getauxval(AT_HWCAP2) & TLSVIEW_HWCAP2_FSGSBASE) != 0;
	struct op *base;
	cpu_set_t set;
	size_t i;

	while ((c = getopt_long(argc, argv, "jr:t:whmn:", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'r':
			runs = atoi(optarg);
			if (runs < 1 || runs > MAX_RUNS) {
				fprintf(stderr, "tlsbench: --runs must be 1..%d\n", MAX_RUNS);
				return 2;
			}
			break;
		case 't':
			target_ms = atof(optarg);
			if (target_ms <= 0) {
				fprintf(stderr, "tlsbench: --target-ms must be positive\n");
				return 2;
			}
			break;
		case 'w':
			clock_id = CLOCK_MONOTONIC;
			break;
		case 'S':
			svg_path = optarg;
			break;
		case 'L':
			if (strcmp(optarg, "log") == 0) {
				svg_scale = SVG_SCALE_LOG;
			} else if (strcmp(optarg, "linear") == 0) {
				svg_scale = SVG_SCALE_LINEAR;
			} else {
				fprintf(stderr, "tlsbench: --svg-scale is log or linear\n");
				return 2;
			}
			break;
		case 'm':
			module = 1;
			break;
		case 'n': {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || n < 4 || n > 1000000) {
				fprintf(stderr, "tlsbench: --threads must be 4..1000000\n");
				return 2;
			}
			threads = (int)n;
			threads_given = 1;
			break;
		}
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
	if (threads_given && !module) {
		fprintf(stderr, "tlsbench: --threads goes with --module\n");
		return 2;
	}
	if (module && svg_path) {
		fprintf(stderr, "tlsbench: --svg draws the ops, not --module\n");
		return 2;
	}
	if (module)
		return module_bench(threads, json);

	/* One CPU: no migrations inside a sample. */
	cpu = sched_getcpu();
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}

	if (tlsview_get_fs_syscall(&fs_value) != 0 || pthread_key_create(&key, NULL) != 0) {
		fprintf(stderr, "tlsbench: setup failed: %s\n", strerror(errno));
		return 1;
	}
	pthread_setspecific(key, &context);
	if (tlsview_gs_context_set(&context.self) != 0) {
		fprintf(stderr, "tlsbench: cannot install a GS context\n");
		return 1;
	}
	gs_value = (uintptr_t)&context;
	plain_global = 1;
	tls_le_variable = 2;
	thread_local_variable = 3;
	tlsbench_var_gd = 4;

	for (i = 0; i < NOPS; i++) {
		ops[i].skipped = ops[i].need == NEED_FSGSBASE && !have;
		if (!ops[i].skipped)
			ops[i].iterations = calibrate(&ops[i], target_ms * 1e6);
	}
	for (int run = 0; run < runs; run++)
		for (i = 0; i < NOPS; i++)
			if (!ops[i].skipped)
				ops[i].samples[run] =
					time_once(&ops[i], ops[i].iterations) / (double)ops[i].iterations;
	for (i = 0; i < NOPS; i++) {
		if (ops[i].skipped)
			continue;
		qsort(ops[i].samples, (size_t)runs, sizeof(double), compare_double);
		ops[i].ns = ops[i].samples[runs / 2];
	}
	tlsview_gs_context_clear();

	base = find_op("rdfsbase");
	if (svg_path && write_chart(svg_path, runs, svg_scale) != 0) {
		fprintf(stderr, "tlsbench: %s: %s\n", svg_path, strerror(errno));
		return 1;
	}
	if (json) {
		printf("[");
		for (i = 0; i < NOPS; i++) {
			double r = ratio_of(&ops[i], base);

			printf("%s\n  {\"op\": \"%s\", ", i ? "," : "", ops[i].name);
			if (ops[i].skipped)
				printf("\"ns\": null, \"ratio\": null, \"skipped\": \"no FSGSBASE\"}");
			else if (r < 0)
				printf("\"ns\": %.3f, \"ratio\": null}", ops[i].ns);
			else
				printf("\"ns\": %.3f, \"ratio\": %.3f}", ops[i].ns, r);
		}
		printf("\n]\n");
		return 0;
	}

	printf("tlsbench: median of %d runs, ~%g ms each (%s clock), CPU %d, FSGSBASE %s, "
	       "library path %s\n\n", runs, target_ms,
	       clock_id == CLOCK_MONOTONIC ? "wall" : "thread CPU", cpu, have ? "yes" : "no",
	       tlsview_have_fsgsbase() ? "instruction" : "arch_prctl");
	printf("%-22s %10s %14s  %s\n", "op", "ns/op", "x rdfsbase", "what");
	for (i = 0; i < NOPS; i++) {
		double r = ratio_of(&ops[i], base);

		if (ops[i].skipped) {
			printf("%-22s %10s %14s  %s\n", ops[i].name, "skipped", "-", ops[i].what);
			continue;
		}
		if (r < 0)
			printf("%-22s %10.3f %14s  %s\n", ops[i].name, ops[i].ns, "-", ops[i].what);
		else
			printf("%-22s %10.3f %14.3f  %s\n", ops[i].name, ops[i].ns, r, ops[i].what);
	}
	printf("\n%-58s %8s %8s  %s\n", "criterion", "ratio", "bound", "result");
	for (i = 0; i < sizeof(criteria) / sizeof(criteria[0]); i++) {
		double r = ratio_of(find_op(criteria[i].op), find_op(criteria[i].base));

		if (r < 0)
			printf("%-58s %8s %8.2f  skipped\n", criteria[i].text, "-", criteria[i].max_ratio);
		else
			printf("%-58s %8.3f %8.2f  %s\n", criteria[i].text, r, criteria[i].max_ratio,
			       r <= criteria[i].max_ratio ? "ok" : "OVER");
	}
	return 0;
}

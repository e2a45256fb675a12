/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsbench's parts: the operations and their loops (ops.c), timing them
 * (main.c), the reports (report.c: table, JSON, Markdown), the chart
 * (svg.c) and the module mode (module.c).
 */
#ifndef TLSBENCH_H
#define TLSBENCH_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <tlsview/gscontext.h>

/* Accesses per unrolled loop step; every n given to a loop is a multiple. */
#define UNROLL		8
#define MIN_RUNS	5
#define MAX_RUNS	101
/* The version of the --json document's shape. */
#define TLSBENCH_SCHEMA	2

enum op_group { GROUP_BASELINE, GROUP_LIBRARY, GROUP_TLS };
/* How the latency loop makes each access wait for the one before (ops.c). */
enum op_chain { CHAIN_ADDRESS, CHAIN_ARGUMENT, CHAIN_FENCED };
enum op_need { NEED_NOTHING, NEED_FSGSBASE };
enum metric { LATENCY, THROUGHPUT, NMETRICS };

/* One metric of one op over the runs, in ns per access. */
struct stats {
	uint64_t iterations;		/* accesses per sample */
	double samples[MAX_RUNS];
	double min, median, max;
	double cycles_median;
};

struct op {
	const char *name;
	enum op_group group;
	enum op_chain chain;
	enum op_need need;
	const char *base;	/* latency ratio taken against this op, or NULL */
	int load_based;		/* a TLS read: shown as a ratio to l1_load */
	const char *what;
	void (*latency)(uint64_t n);
	void (*throughput)(uint64_t n);
	/* filled in by the run */
	int skipped;
	struct stats metric[NMETRICS];
};

struct criterion {
	const char *op, *base;
	double max_ratio;
	const char *text;
};

/* The machine and the run, as the reports describe them. */
struct machine {
	char cpu_model[128];
	double cpu_mhz;		/* /proc/cpuinfo of the CPU the run was pinned to */
	double tsc_mhz;		/* rdtsc calibrated against CLOCK_MONOTONIC */
	char kernel[128];
	int fsgsbase;		/* AT_HWCAP2 says user space may use rd/wr{fs,gs}base */
	const char *path;	/* the library's path: "instruction" or "arch_prctl" */
	const char *clock;	/* the clock the ns come from */
	char clocksource[64];	/* the kernel's clocksource */
	const char *cycles_source;
	int cpu;
	int runs;
	double sample_ms;
};

/* The GS context the gs_* ops read: its first word points at itself. */
struct bench_context {
	struct tlsview_gs_self self;
	long self_offset;	/* holds its own offset: the gs_load chain */
};

extern struct op ops[];
extern const size_t nops;
extern const struct criterion criteria[];
extern const size_t ncriteria;
extern uint64_t bench_fs_value;
extern uint64_t bench_gs_value;
extern pthread_key_t bench_key;
extern struct bench_context bench_context;

void ops_setup(void);
struct op *find_op(const char *name);
/* Latency ratio of @op to @base; < 0 when either is skipped. */
double latency_ratio(const struct op *op, const struct op *base);
double ratio_of(const struct op *op, const struct op *base, enum metric m);
const char *metric_name(enum metric m);
const char *chain_name(enum op_chain chain);

void report_table(FILE *out, const struct machine *mc);
void report_json(FILE *out, const struct machine *mc);
void report_markdown(FILE *out, const struct machine *mc);
/* fclose() an output file; 0, or -1 with errno set when anything failed. */
int close_output(FILE *f);
/* The one-line description of the machine, for tables and the chart. */
void machine_line(const struct machine *mc, char *buf, size_t size);

/* svg_write() - the chart of both metrics to @path; 0, or -1 with errno. */
int svg_write(const char *path, const struct machine *mc);

struct module_options {
	int threads;		/* of the child process */
	int spinners;		/* of them spinning at SCHED_IDLE, the rest asleep */
	int json;
	const char *gdb;	/* also time this gdb, or NULL */
	int beside;		/* instead: a 10-thread LIST beside this many others */
};

/*
 * module_bench() - the module mode: a child process of @opt->threads
 * threads, every thread's view collected by LIST, GET_TASK, debugfs,
 * ptrace (and gdb); or, with @opt->beside, one small group's LIST alone and
 * beside a crowd. Prints a table (or JSON). Returns the exit status: 0, 1
 * when the benchmark could not run or a check failed, 2 bad options.
 */
int module_bench(const struct module_options *opt);

#endif /* TLSBENCH_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tools/tlsview/tlsview.h - what the parts of the tlsview command share.
 *
 * The command collects "views" of threads (struct tlsview_task, the same
 * record the module returns) from one source -- the module through
 * /dev/tlsview, or ptrace when the module is absent -- optionally checks
 * each thread's TCB, and prints the result as a table or as JSON.
 */
#ifndef TOOLS_TLSVIEW_H
#define TOOLS_TLSVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/tlsview.h>

/* Exit codes, as bpftool and the design page have them. */
#define TV_EXIT_OK	0
#define TV_EXIT_FAILURE	1
#define TV_EXIT_USAGE	2
/* The process exited while it was read: what was read is printed, marked so. */
#define TV_EXIT_INCOMPLETE 3

/* The version of the JSON output's layout ("schema"), raised when a field changes meaning. */
#define TV_JSON_SCHEMA	1

enum tv_source {
	TV_SOURCE_AUTO,		/* the module when /dev/tlsview opens, else ptrace */
	TV_SOURCE_MODULE,
	TV_SOURCE_PTRACE,
	TV_SOURCE_CORE,		/* --core: the threads of a core dump */
};

/* --format: how --var shows 1-, 2-, 4- and 8-byte values. */
enum tv_format {
	TV_FORMAT_UNSIGNED,
	TV_FORMAT_SIGNED,
	TV_FORMAT_HEX,
};

enum tv_sort {
	TV_SORT_TID,		/* by process, then thread: ps -L's order (the default) */
	TV_SORT_CPU,
	TV_SORT_FSBASE,
	TV_SORT_GSBASE,
};

struct tv_options {
	pid_t pid;		/* -p: one process's threads (0: every thread) */
	pid_t tid;		/* -t: one thread (0: not asked) */
	bool cpus;		/* --cpus */
	bool json;		/* -j/--json */
	bool pretty;		/* --pretty: indented JSON */
	bool tcb;		/* --tcb */
	enum tv_source source;	/* --source */
	const char *comm;	/* --comm: an fnmatch(3) pattern for thread names, or NULL */
	bool user_set;		/* --user given */
	uid_t user;		/* --user: the effective uid to keep */
	enum tv_sort sort;	/* --sort */
	double watch;		/* --watch: seconds between rounds, 0 for one round */
	const char *vars;	/* --var NAME[,NAME...] */
	bool keys;		/* --keys */
	bool dtv;		/* --dtv */
	enum tv_format format;	/* --format */
	const char *core;	/* --core FILE */
	const char *exe;	/* --exe PATH */
};

/* The outcome of one thread's TCB check (tcb.c). */
enum tv_tcb_status {
	TV_TCB_NOT_CHECKED,	/* --tcb not given */
	TV_TCB_OK,		/* the ABI holds */
	TV_TCB_BROKEN,		/* the ABI is broken: flagged */
	TV_TCB_NO_TCB,		/* FS base 0: the thread has no TCB (allowed) */
	TV_TCB_SKIPPED,		/* kernel thread or 32-bit task: the rule does not apply */
	TV_TCB_UNREADABLE,	/* process_vm_readv was refused (access, or the thread left) */
};

struct tv_tcb_result {
	enum tv_tcb_status status;
	bool words_read;	/* the words below were read from the process */
	bool glibc;		/* the process runs glibc, so the glibc words were checked */
	uint64_t word0;		/* %fs:0x00, the ABI self-pointer */
	uint64_t self;		/* %fs:0x10, glibc's header.self */
	uint64_t canary;	/* %fs:0x28, glibc's stack guard */
	char reason[96];	/* why BROKEN, SKIPPED or UNREADABLE */
};

struct tv_tlsdata_result;

struct tv_thread {
	struct tlsview_task view;	/* flags carry the TLSVIEW_TASK_* state bits */
	struct tv_tcb_result tcb;
	char no_bases[128];		/* why the bases are not shown, or "" */
	bool fsbase_changed;		/* --watch: since the previous round */
	bool gsbase_changed;
	struct tv_tlsdata_result *tlsdata;	/* --var/--keys/--dtv (tlsdata.c) */
};

struct tv_threads {
	struct tv_thread *items;
	size_t count;
	size_t capacity;
	enum tv_source source;	/* MODULE or PTRACE: where the views came from */
	const char *why_ptrace;	/* with PTRACE: why not the module */
	size_t skipped;		/* listed threads whose bases could not be read */
	bool incomplete;	/* the process (-p) exited while it was read */
	enum {
		TV_FOUND,		/* threads were listed (or -t found its thread) */
		TV_NO_PROCESS,		/* -p: no such process */
		TV_NONE_VISIBLE,	/* -p: it has threads, none visible to the caller */
	} found;
};

/* One CPU's row of --cpus. */
struct tv_cpu {
	uint32_t cpu;
	bool online;
	bool fsgsbase;
	uint64_t cr4;
};

/* errors.c: one clear line on stderr, or a JSON error object on stdout. */
void tv_errors_init(const struct tv_options *options);
void tv_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same words from both sources: what went wrong, with whom, and the fix. */
void tv_error_no_process(pid_t pid);
void tv_error_not_visible(pid_t tgid, pid_t tid, bool process);

/* threads.c: the growable array of views. */
struct tv_thread *tv_threads_add(struct tv_threads *threads);
void tv_threads_sort(struct tv_threads *threads, enum tv_sort sort);
/* filter.c: --comm and --user. */
void tv_threads_filter(struct tv_threads *threads, const struct tv_options *options);
int tv_user_parse(const char *text, uid_t *uid);
/* watch.c: --watch. */
void tv_watch_mark_changes(struct tv_threads *threads, const struct tv_threads *previous);
bool tv_watch_sleep(double seconds);
void tv_threads_mark_states(struct tv_threads *threads);
bool tv_threads_dying(const struct tv_threads *threads);
void tv_threads_free(struct tv_threads *threads);

/* proc.c: what /proc says about processes and threads. */
int tv_proc_tgid_of(pid_t tid);
bool tv_proc_is_kthread(pid_t tgid, pid_t tid);
int tv_proc_cpu(pid_t tgid, pid_t tid);
void tv_proc_comm(pid_t tgid, pid_t tid, char comm[TLSVIEW_COMM_LEN]);
bool tv_proc_maps_glibc(pid_t tid);
int tv_proc_state(pid_t tgid, pid_t tid, uint32_t *flags, pid_t *tracer);
int tv_proc_euid(pid_t tgid, pid_t tid, uid_t *uid);
bool tv_proc_process_alive(pid_t tgid);
bool tv_proc_visible(pid_t tgid, pid_t tid);
pid_t tv_proc_live_tid(pid_t tgid);
/* Calls fn for each numeric entry of dir (a /proc or /proc/PID/task folder). */
int tv_proc_each_number(const char *dir, int (*fn)(pid_t number, void *data), void *data);

/* source_module.c: views and CPUs through /dev/tlsview. */
struct tlsview_client;
int tv_module_open(struct tlsview_client **client, char *msg, size_t msg_size);
int tv_module_collect(struct tlsview_client *client, const struct tv_options *options,
		      struct tv_threads *threads);
int tv_module_cpus(struct tlsview_client *client, struct tv_cpu **cpus, size_t *count);

/* source_ptrace.c: the same views by stopping each thread for a moment. */
int tv_ptrace_collect(const struct tv_options *options, struct tv_threads *threads);

/* tcb.c: the x86-64 TLS ABI check of each thread's TCB. */
void tv_tcb_check(struct tv_threads *threads);
size_t tv_tcb_broken_count(const struct tv_threads *threads);
const char *tv_tcb_status_name(enum tv_tcb_status status);

/* output_table.c and output_json.c */
void tv_table_threads(const struct tv_options *options, const struct tv_threads *threads);
void tv_table_cpus(const struct tv_cpu *cpus, size_t count);
void tv_json_threads(const struct tv_options *options, const struct tv_threads *threads);
void tv_json_cpus(const struct tv_options *options, const struct tv_cpu *cpus, size_t count);

/* Descriptor decoding shared by both outputs. */
static inline bool tv_desc_empty(const struct tlsview_desc *desc)
{
	return desc->flags & TLSVIEW_DESC_EMPTY;
}

/* tlsdata.c: --var, --keys, --dtv, --core */
struct tv_json;
bool tv_tlsdata_wanted(const struct tv_options *options);
int tv_tlsdata_collect(const struct tv_options *options, struct tv_threads *threads);
int tv_core_collect(const struct tv_options *options, struct tv_threads *threads);
void tv_tlsdata_free(struct tv_threads *threads);
void tv_tlsdata_table(const struct tv_options *options, const struct tv_thread *thread);
void tv_tlsdata_json(struct tv_json *json, const struct tv_options *options,
		     const struct tv_thread *thread);

/* check.c: `tlsview check` */
int tv_check_main(int argc, char **argv);

#endif /* TOOLS_TLSVIEW_H */

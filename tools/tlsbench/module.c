// SPDX-License-Identifier: GPL-2.0
/*
 * tlsbench --module: what collecting every thread's view of a big process
 * costs, per thread, four ways, in one run:
 *
 *   list      one TLSVIEW_IOC_LIST through libtlsview's client (which asks
 *             for the count first, then fills one buffer: two ioctls);
 *   get_task  one TLSVIEW_IOC_GET_TASK per thread id (the ids known);
 *   debugfs   reading and parsing /sys/kernel/debug/tlsview/tasks (every
 *             thread of the system; the process's lines picked out);
 *   ptrace    what a debugger does without the module: per thread
 *             PTRACE_SEIZE, PTRACE_INTERRUPT, waitpid for the stop,
 *             PTRACE_GETREGS (fs_base, gs_base), PTRACE_DETACH.
 *
 * The process is a child (a thread cannot ptrace its own thread group)
 * with N threads on small stacks: SPINNERS of them count in a loop at
 * SCHED_IDLE (they run whenever a CPU is free, so they are live on a CPU
 * during the reads, but never delay the reader), the others, the main
 * thread included, sleep on a futex like the idle threads of a server.
 *
 * Checks, each making the run fail (exit 1), none about time:
 *  - every method returned a view for each of the N thread ids, and every
 *    view's FS base equals LIST's for that thread (ptrace's fs_base too);
 *  - list, get_task and debugfs stop no thread: the spinners' counters
 *    advanced while each of them ran, and no sleeping thread was scheduled
 *    (its context-switch counts in /proc are the same before and after).
 *    The ptrace row shows the contrast: every sleeping thread woke up.
 * Whether LIST is 100 times faster than ptrace is reported, not enforced.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <tlsview/client.h>

#include "tlsbench.h"

#define SPINNERS		2
#define THREAD_STACK_SIZE	(16 * 1024)
#define DEBUGFS_TASKS		"/sys/kernel/debug/tlsview/tasks"
/* A fast method is repeated for at least this long (and MIN_RUNS times). */
#define PHASE_MIN_NS		200e6
#define MIN_RUNS		3
#define MAX_RUNS		1000
#define START_TIMEOUT_S		600

/* Shared between the reader and the child (MAP_SHARED, futex words). */
struct shared {
	int release;		/* sleeping threads wait while it is 0 */
	int stop;		/* spinners count while it is 0 */
	int started;		/* threads that stored their id */
	int create_error;	/* pthread_create's error, 0 if all started */
	struct {
		uint64_t count;
		char pad[56];
	} spin[SPINNERS];
	pid_t tids[];		/* [threads]: [0] the main thread */
};

struct method {
	const char *name;
	const char *what;
	int runs;
	double total_ns;	/* median of the runs, for all threads */
	long views;		/* views of the process's threads in the last run */
	long mismatches;	/* views whose FS base differs from LIST's */
	long woken;		/* sleeping threads scheduled during the method */
	int spinners_advanced;	/* spinners whose counter moved meanwhile */
	int must_not_stop;	/* the woken/spinner checks apply */
};

static struct shared *shared;
static int nthreads;
static pid_t child;
static uint64_t *list_fsbase;	/* by thread index, from LIST */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static long futex(int *word, int op, int val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/* ---- the child process ---- */

static void *spinner(void *arg)
{
	int index = (int)(intptr_t)arg;
	struct sched_param param = { 0 };

	shared->tids[index] = (pid_t)syscall(SYS_gettid);
	sched_setscheduler(0, SCHED_IDLE, &param);	/* 0: this thread */
	__atomic_add_fetch(&shared->started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&shared->stop, __ATOMIC_RELAXED))
		__atomic_store_n(&shared->spin[index - 1].count,
				 shared->spin[index - 1].count + 1, __ATOMIC_RELAXED);
	return NULL;
}

static void sleep_until_released(void)
{
	while (!__atomic_load_n(&shared->release, __ATOMIC_ACQUIRE))
		futex(&shared->release, FUTEX_WAIT, 0);
}

static void *sleeper(void *arg)
{
	shared->tids[(intptr_t)arg] = (pid_t)syscall(SYS_gettid);
	__atomic_add_fetch(&shared->started, 1, __ATOMIC_RELEASE);
	sleep_until_released();
	return NULL;
}

static void child_main(void)
{
	size_t stack = THREAD_STACK_SIZE;
	long minimum = sysconf(_SC_THREAD_STACK_MIN);
	pthread_attr_t attr;
	pthread_t t;

	if (minimum > 0 && (size_t)minimum > stack)
		stack = (size_t)minimum;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, stack);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	shared->tids[0] = (pid_t)syscall(SYS_gettid);
	__atomic_add_fetch(&shared->started, 1, __ATOMIC_RELEASE);
	for (intptr_t i = 1; i < nthreads; i++) {
		int err = pthread_create(&t, &attr, i <= SPINNERS ? spinner : sleeper, (void *)i);

		if (err) {
			__atomic_store_n(&shared->create_error, err, __ATOMIC_RELEASE);
			break;
		}
	}
	sleep_until_released();
	_exit(0);
}

/* ---- limits ---- */

static long read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Raise a sysctl to at least @want (as root); quietly leaves it otherwise. */
static void raise_sysctl(const char *path, long want)
{
	long have = read_long(path);
	FILE *f;

	if (have < 0 || have >= want)
		return;
	f = fopen(path, "we");
	if (f) {
		fprintf(f, "%ld\n", want);
		fclose(f);
	}
}

static void raise_limits(void)
{
	struct rlimit rl;

	raise_sysctl("/proc/sys/kernel/threads-max", nthreads + 4096L);
	raise_sysctl("/proc/sys/kernel/pid_max", nthreads + 8192L);
	/* A thread stack is two mappings (the stack and its guard page). */
	raise_sysctl("/proc/sys/vm/max_map_count", 3L * nthreads + 65536L);
	if (getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NPROC, &rl);
	}
}

/* ---- checks around a method ---- */

/* Context switches of one thread of the child, or -1. */
static long context_switches(pid_t tid)
{
	char path[64], text[4096], *p;
	long total = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", child, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	for (p = text; (p = strstr(p, "ctxt_switches:")); p++)
		total += strtol(p + strlen("ctxt_switches:"), NULL, 10);
	return total;
}

/* Sleeping threads are the ones that are not spinners. */
static int is_sleeper(int index)
{
	return index == 0 || index > SPINNERS;
}

struct snapshot {
	long *switches;		/* by thread index */
	uint64_t spin[SPINNERS];
};

static void take_snapshot(struct snapshot *s)
{
	for (int i = 0; i < nthreads; i++)
		if (is_sleeper(i))
			s->switches[i] = context_switches(shared->tids[i]);
	for (int i = 0; i < SPINNERS; i++)
		s->spin[i] = __atomic_load_n(&shared->spin[i].count, __ATOMIC_RELAXED);
}

static void compare_snapshots(struct method *m, const struct snapshot *before,
			      const struct snapshot *after)
{
	m->woken = 0;
	for (int i = 0; i < nthreads; i++)
		if (is_sleeper(i) && before->switches[i] != after->switches[i])
			m->woken++;
	m->spinners_advanced = 0;
	for (int i = 0; i < SPINNERS && i + 1 < nthreads; i++)
		if (after->spin[i] > before->spin[i])
			m->spinners_advanced++;
}

/* ---- thread ids to indexes ---- */

struct tid_index {
	pid_t tid;
	int index;
};

static struct tid_index *by_tid;

static int compare_tid(const void *a, const void *b)
{
	const struct tid_index *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

static int index_of(pid_t tid)
{
	struct tid_index key = { .tid = tid }, *found;

	found = bsearch(&key, by_tid, (size_t)nthreads, sizeof(*by_tid), compare_tid);
	return found ? found->index : -1;
}

/*
 * Counts one view: @seen marks each thread once, @fsbase is checked against
 * LIST's (or, for LIST itself, recorded).
 */
static void count_view(struct method *m, char *seen, pid_t tid, uint64_t fsbase, int record)
{
	int i = index_of(tid);

	if (i < 0 || seen[i])
		return;
	seen[i] = 1;
	m->views++;
	if (record)
		list_fsbase[i] = fsbase;
	else if (list_fsbase[i] != fsbase)
		m->mismatches++;
}

/* ---- the four methods: each collects every view once ---- */

static struct tlsview_client *client;

static int collect_list(struct method *m, char *seen)
{
	struct tlsview_task *tasks;
	size_t count;

	if (tlsview_client_list(client, child, &tasks, &count) != 0)
		return -1;
	for (size_t i = 0; i < count; i++)
		count_view(m, seen, tasks[i].tid, tasks[i].fsbase, 1);
	free(tasks);
	return 0;
}

static int collect_get_task(struct method *m, char *seen)
{
	struct tlsview_task task;

	for (int i = 0; i < nthreads; i++)
		if (tlsview_client_get_task(client, shared->tids[i], 0, &task) == 0)
			count_view(m, seen, task.tid, task.fsbase, 0);
	return 0;
}

static char *debugfs_text;
static size_t debugfs_size;

static int collect_debugfs(struct method *m, char *seen)
{
	size_t used = 0;
	ssize_t n;
	char *line, *next;
	int fd = open(DEBUGFS_TASKS, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	for (;;) {
		if (debugfs_size - used < 65536) {
			char *bigger = realloc(debugfs_text, debugfs_size * 2 + 65536);

			if (!bigger) {
				close(fd);
				return -1;
			}
			debugfs_text = bigger;
			debugfs_size = debugfs_size * 2 + 65536;
		}
		n = read(fd, debugfs_text + used, debugfs_size - used - 1);
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	if (n < 0)
		return -1;
	debugfs_text[used] = '\0';
	for (line = debugfs_text; *line; line = next) {
		unsigned long long fsbase;
		int tgid, tid;
		char flags[32];

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (*line == '#')
			continue;
		if (sscanf(line, "%d %d %*u %31s %llx", &tgid, &tid, flags, &fsbase) == 4 &&
		    tgid == child)
			count_view(m, seen, tid, fsbase, 0);
	}
	return 0;
}

static int collect_ptrace(struct method *m, char *seen)
{
	struct user_regs_struct regs;
	int status;

	for (int i = 0; i < nthreads; i++) {
		pid_t tid = shared->tids[i];

		if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0)
			continue;
		if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) == 0 &&
		    waitpid(tid, &status, __WALL) == tid && WIFSTOPPED(status) &&
		    ptrace(PTRACE_GETREGS, tid, NULL, &regs) == 0)
			count_view(m, seen, tid, regs.fs_base, 0);
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
	}
	return 0;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Runs @collect until MIN_RUNS runs and PHASE_MIN_NS have passed (once only
 * when @once), and keeps the median time and the last run's counts.
 */
static int run_method(struct method *m, int (*collect)(struct method *, char *), int once,
		      struct snapshot *before, struct snapshot *after)
{
	static double times[MAX_RUNS];
	char *seen = malloc((size_t)nthreads);
	double phase_start, t;

	if (!seen)
		return -1;
	take_snapshot(before);
	phase_start = now_ns();
	for (m->runs = 0; m->runs < MAX_RUNS; m->runs++) {
		if (m->runs >= (once ? 1 : MIN_RUNS) && now_ns() - phase_start >= PHASE_MIN_NS)
			break;
		if (once && m->runs == 1)
			break;
		memset(seen, 0, (size_t)nthreads);
		m->views = 0;
		m->mismatches = 0;
		t = now_ns();
		if (collect(m, seen) != 0) {
			fprintf(stderr, "tlsbench: %s: %s\n", m->name, strerror(errno));
			free(seen);
			return -1;
		}
		times[m->runs] = now_ns() - t;
	}
	take_snapshot(after);
	compare_snapshots(m, before, after);
	qsort(times, (size_t)m->runs, sizeof(double), compare_double);
	m->total_ns = times[m->runs / 2];
	free(seen);
	return 0;
}

/* ---- setup, teardown, report ---- */

static int start_child(void)
{
	size_t size = sizeof(struct shared) + (size_t)nthreads * sizeof(pid_t);
	double deadline;
	int status;

	shared = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		fprintf(stderr, "tlsbench: mmap: %s\n", strerror(errno));
		return -1;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		fprintf(stderr, "tlsbench: fork: %s\n", strerror(errno));
		return -1;
	}
	if (child == 0)
		child_main();

	deadline = now_ns() + START_TIMEOUT_S * 1e9;
	while (__atomic_load_n(&shared->started, __ATOMIC_ACQUIRE) < nthreads) {
		int err = __atomic_load_n(&shared->create_error, __ATOMIC_ACQUIRE);

		if (err || now_ns() > deadline || waitpid(child, &status, WNOHANG) == child) {
			fprintf(stderr, "tlsbench: started %d of %d threads: %s\n",
				__atomic_load_n(&shared->started, __ATOMIC_ACQUIRE), nthreads,
				err ? strerror(err) : "the child stopped or timed out");
			return -1;
		}
		usleep(10000);
	}
	return 0;
}

static void stop_child(void)
{
	if (child <= 0)
		return;
	__atomic_store_n(&shared->stop, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&shared->release, 1, __ATOMIC_RELEASE);
	futex(&shared->release, FUTEX_WAKE, INT_MAX);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	child = 0;
}

static int method_ok(const struct method *m)
{
	if (m->views != nthreads || m->mismatches)
		return 0;
	if (m->must_not_stop &&
	    (m->woken || m->spinners_advanced < (nthreads > SPINNERS ? SPINNERS : nthreads - 1)))
		return 0;
	return 1;
}

static void report(struct method *methods, int count, int json, double setup_s)
{
	double list_ns = methods[0].total_ns, ptrace_ns = methods[count - 1].total_ns;
	double speedup = list_ns > 0 ? ptrace_ns / list_ns : 0;
	int spinning = nthreads - 1 < SPINNERS ? nthreads - 1 : SPINNERS;

	if (json) {
		printf("{\"mode\": \"module\", \"threads\": %d, \"spinning\": %d, "
		       "\"stack_size\": %d, \"cpus\": %ld, \"setup_s\": %.3f,\n \"methods\": [",
		       nthreads, spinning, THREAD_STACK_SIZE, sysconf(_SC_NPROCESSORS_ONLN),
		       setup_s);
		for (int i = 0; i < count; i++) {
			const struct method *m = &methods[i];

			printf("%s\n  {\"method\": \"%s\", \"ns_per_thread\": %.1f, \"total_ns\": %.0f, "
			       "\"runs\": %d, \"ratio_to_list\": %.3f, \"ptrace_over_this\": %.3f, "
			       "\"views\": %ld, \"fsbase_mismatches\": %ld, \"sleepers_woken\": %ld, "
			       "\"spinners_advanced\": %d, \"ok\": %s}",
			       i ? "," : "", m->name, m->total_ns / nthreads, m->total_ns, m->runs,
			       list_ns > 0 ? m->total_ns / list_ns : 0,
			       m->total_ns > 0 ? ptrace_ns / m->total_ns : 0, m->views,
			       m->mismatches, m->woken, m->spinners_advanced,
			       method_ok(m) ? "true" : "false");
		}
		printf("\n ],\n \"list_speedup_over_ptrace\": %.1f, \"target_100x_met\": %s}\n",
		       speedup, speedup >= 100 ? "true" : "false");
		return;
	}
	printf("tlsbench --module: %d threads (%d spinning at SCHED_IDLE, %d asleep), "
	       "%d KiB stacks, %ld CPUs, started in %.1f s; wall clock, median of runs\n\n",
	       nthreads, spinning, nthreads - spinning, THREAD_STACK_SIZE / 1024,
	       sysconf(_SC_NPROCESSORS_ONLN), setup_s);
	printf("%-9s %12s %12s %5s %9s %10s %7s %7s %8s %4s  %s\n", "method", "ns/thread",
	       "total ms", "runs", "x list", "ptrace/x", "views", "woken", "spinning", "ok",
	       "what");
	for (int i = 0; i < count; i++) {
		const struct method *m = &methods[i];

		printf("%-9s %12.1f %12.3f %5d %9.2f %10.1f %7ld %7ld %6d/%d %4s  %s\n", m->name,
		       m->total_ns / nthreads, m->total_ns / 1e6, m->runs,
		       list_ns > 0 ? m->total_ns / list_ns : 0,
		       m->total_ns > 0 ? ptrace_ns / m->total_ns : 0, m->views, m->woken,
		       m->spinners_advanced, spinning, method_ok(m) ? "yes" : "NO", m->what);
	}
	printf("\nLIST vs ptrace: %.1fx faster (target 100x: %s). views: of %d threads; "
	       "woken: sleeping threads scheduled during the method; spinning: counters that "
	       "kept moving.\n", speedup, speedup >= 100 ? "met" : "NOT met", nthreads);
}

int module_bench(int threads, int json)
{
	struct method methods[] = {
		{ .name = "list", .what = "one TLSVIEW_IOC_LIST (libtlsview client)",
		  .must_not_stop = 1 },
		{ .name = "get_task", .what = "TLSVIEW_IOC_GET_TASK per thread",
		  .must_not_stop = 1 },
		{ .name = "debugfs", .what = "read and parse " DEBUGFS_TASKS,
		  .must_not_stop = 1 },
		{ .name = "ptrace", .what = "SEIZE+INTERRUPT+waitpid+GETREGS+DETACH per thread" },
	};
	int (*collect[])(struct method *, char *) = {
		collect_list, collect_get_task, collect_debugfs, collect_ptrace,
	};
	int count = (int)(sizeof(methods) / sizeof(methods[0]));
	struct snapshot before, after;
	char msg[256] = "";
	int status = 0;
	double setup;

	nthreads = threads;
	if (tlsview_client_open(&client, NULL, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "tlsbench: %s\n", msg[0] ? msg : strerror(errno));
		return 1;
	}
	before.switches = calloc((size_t)nthreads, sizeof(long));
	after.switches = calloc((size_t)nthreads, sizeof(long));
	list_fsbase = calloc((size_t)nthreads, sizeof(*list_fsbase));
	by_tid = calloc((size_t)nthreads, sizeof(*by_tid));
	if (!before.switches || !after.switches || !list_fsbase || !by_tid) {
		fprintf(stderr, "tlsbench: out of memory\n");
		return 1;
	}
	raise_limits();
	setup = now_ns();
	if (start_child() != 0) {
		stop_child();
		return 1;
	}
	setup = (now_ns() - setup) / 1e9;
	for (int i = 0; i < nthreads; i++) {
		by_tid[i].tid = shared->tids[i];
		by_tid[i].index = i;
	}
	qsort(by_tid, (size_t)nthreads, sizeof(*by_tid), compare_tid);

	for (int i = 0; i < count; i++) {
		if (run_method(&methods[i], collect[i], i == count - 1, &before, &after) != 0) {
			stop_child();
			return 1;
		}
		if (!method_ok(&methods[i]))
			status = 1;
	}
	stop_child();
	tlsview_client_close(client);
	report(methods, count, json, setup);
	return status;
}

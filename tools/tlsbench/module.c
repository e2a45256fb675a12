// SPDX-License-Identifier: GPL-2.0
/*
 * tlsbench --module: what collecting every thread's view of a big process
 * costs, per thread, in one run, each way a user could do it:
 *
 *   list      TLSVIEW_IOC_LIST through libtlsview's client, into the
 *             buffer it keeps from run to run (one ioctl once it fits);
 *   list_ioctl  the bare ioctl into a buffer allocated (and faulted in)
 *             beforehand: one ioctl, the kernel's part of list alone;
 *   get_task  one TLSVIEW_IOC_GET_TASK per thread id (the ids known);
 *   debugfs   reading and parsing /sys/kernel/debug/tlsview/tasks (every
 *             thread of the system; the process's lines picked out);
 *   ptrace    what a debugger does without the module: per thread
 *             PTRACE_SEIZE, PTRACE_INTERRUPT, waitpid for the stop,
 *             libtlsview's tlsview_tracee_read() (PTRACE_GETREGS and
 *             PTRACE_GET_THREAD_AREA, as tlsview's ptrace source reads a
 *             thread), PTRACE_DETACH;
 *   gdb       (--gdb PATH) what a user types: gdb -p PID -batch -ex
 *             'thread apply all info registers fs_base', run once.
 *
 * The process is a child (a thread cannot ptrace its own thread group)
 * with N threads on small stacks: --spinners of them count in a loop at
 * SCHED_IDLE (they run whenever a CPU is free, so they are live on a CPU
 * during the reads, but never delay the reader), the others, the main
 * thread included, sleep on a futex like the idle threads of a server.
 *
 * The methods take turns in ROUNDS rounds, so that a change in the load of
 * the machine (other VMs on the host; under QEMU TCG the guest's clock runs
 * on while its virtual CPU waits for a host CPU) hits all of them alike:
 * in each round every fast method runs for about PHASE_MIN_NS / ROUNDS
 * (at least MIN_RUNS_PER_ROUND times after its first run), and ptrace takes
 * the next 1/ROUNDS of the threads, so that every thread is ptraced exactly
 * once (and then the reader waits until the detached threads sleep again,
 * untimed).
 *
 * ns/thread is the median over the runs (ptrace: over the rounds) of the
 * run's time per thread. A fast method's first run in each round is not
 * among them: it follows the other methods, which woke every thread and
 * read /proc for each, so it pays for caches (and, under QEMU TCG, a soft
 * TLB) refilled for the N threads, once per round whatever the round's
 * length. At 100 threads that is one run in hundreds, at 10,000 one in a
 * few, so counted in it would weigh on the largest size only. It is
 * reported apart instead: "first" is the median of the rounds' first runs,
 * the cost of one LIST after the rest of the system ran.
 *
 * Checks, each making the run fail (exit 1), none about time, and made
 * after each run's time is taken (a run times only what the method does):
 *  - every run of every method returned a view for each of the N thread
 *    ids (ptrace: its rounds together), and every view's FS base equals
 *    LIST's for that thread (ptrace's fs_base too);
 *  - list, list_ioctl, get_task and debugfs stop no thread: no sleeping
 *    thread was scheduled while they ran (its count of times scheduled,
 *    /proc/PID/task/TID/schedstat, or the context switches in status, is
 *    unchanged), and each spinner's counter moved during the method's
 *    runs. The ptrace and gdb rows show the contrast: every sleeping
 *    thread woke.
 * Whether LIST is 100 times faster than ptrace is reported, not enforced.
 *
 * --beside N instead times one bare LIST of a 10-thread child, alone and
 * then beside another process of N sleeping threads: a group's listing
 * should cost what the group costs, whatever else runs.
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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <tlsview/client.h>
#include <tlsview/debugfs.h>
#include <tlsview/tracee.h>

#include "tlsbench.h"

/* At most this many spinners (--spinners; the default is none). */
#define MAX_SPINNERS		64
#define THREAD_STACK_SIZE	(16 * 1024)
#define ROUNDS			5
/*
 * A fast method runs for at least this long in all, split over the rounds,
 * and at least this often per round (so that a slow run at 10,000 threads
 * still has a median of 15).
 */
#define MIN_RUNS_PER_ROUND	3
#define PHASE_MIN_NS		1e9
#define MAX_METHOD_RUNS		5000	/* a fifth of them per round */
#define START_TIMEOUT_S		600
/* How long the sleeping threads may take to be all asleep again. */
#define ASLEEP_TIMEOUT_S	120
/* --beside: the threads of the small process listed beside the crowd. */
#define BESIDE_GROUP		10

/* Shared between the reader and the child (MAP_SHARED, futex words). */
struct shared {
	int release;		/* sleeping threads wait while it is 0 */
	int stop;		/* spinners count while it is 0 */
	int started;		/* threads that stored their id */
	int create_error;	/* pthread_create's error, 0 if all started */
	struct {
		uint64_t count;
		char pad[56];
	} spin[MAX_SPINNERS];
	pid_t tids[];		/* [threads]: [0] the main thread */
};

struct method {
	const char *name;
	const char *what;
	/*
	 * Fetches the views of threads [first, end) (or of all, if it can only
	 * do that) and points @views at them: what is timed. The views are
	 * checked after the time is taken, so the checks' cost (a lookup per
	 * view, which grows with the threads) is not in the method's.
	 */
	int (*fetch)(int first, int end, const struct tlsview_task **views, size_t *count);
	int records;		/* LIST: its FS bases are the reference */
	int per_round_slice;	/* ptrace: a slice of the threads per round */
	int once;		/* gdb: all threads, once, in the first round */
	int must_not_stop;	/* the woken/spinner checks apply */
	/* results */
	int runs;
	double times[MAX_METHOD_RUNS];	/* ns per thread of each run */
	double ns_per_thread;	/* their median */
	double ns_per_thread_min;	/* the fastest: what is left when nothing interferes */
	int first_runs;		/* repeated methods: each round's first run, apart */
	double first_times[ROUNDS];
	double ns_per_thread_first;	/* their median */
	long views;		/* per run: the fewest; sliced: in all */
	long views_fewest;
	long mismatches;	/* views whose FS base differs from LIST's */
	long woken;		/* sleeping threads scheduled during the method */
	int spinners_advanced;	/* spinners whose counter moved meanwhile */
	uint64_t spin_moved[MAX_SPINNERS];
	char *seen;		/* sliced: threads seen so far */
};

static struct shared *shared;
static int nthreads;
static int spinners;
static pid_t child;
static uint64_t *list_fsbase;	/* by thread index, from LIST */
/* The views of one run of a method that has no buffer of its own. */
static struct tlsview_task *fetched;
static size_t fetched_capacity;

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
	/*
	 * Spinners last: while one runs, every mprotect() and munmap() of a
	 * new stack is a TLB shootdown IPI to its CPU, slow under emulation.
	 */
	for (intptr_t i = nthreads - 1; i >= 1; i--) {
		int err = pthread_create(&t, &attr, i <= spinners ? spinner : sleeper, (void *)i);

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

static ssize_t read_text(const char *path, char *text, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, text, size - 1);
	close(fd);
	if (n >= 0)
		text[n] = '\0';
	return n;
}

static int have_schedstat = 1;

/*
 * How many times one thread of the child has been scheduled in (the third
 * field of schedstat, or failing that its context switches), or -1.
 */
static long times_scheduled(pid_t tid)
{
	char path[64], text[4096], *p;
	unsigned long long run_ns, wait_ns, slices;
	long total = 0;

	if (have_schedstat) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", child, tid);
		if (read_text(path, text, sizeof(text)) > 0 &&
		    sscanf(text, "%llu %llu %llu", &run_ns, &wait_ns, &slices) == 3)
			return (long)slices;
		have_schedstat = 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", child, tid);
	if (read_text(path, text, sizeof(text)) <= 0)
		return -1;
	for (p = text; (p = strstr(p, "ctxt_switches:")); p++)
		total += strtol(p + strlen("ctxt_switches:"), NULL, 10);
	return total;
}

/* Sleeping threads are the ones that are not spinners. */
static int is_sleeper(int index)
{
	return index == 0 || index > spinners;
}

struct snapshot {
	long *switches;		/* by thread index */
	uint64_t spin[MAX_SPINNERS];
};

static void take_snapshot(struct snapshot *s)
{
	for (int i = 0; i < nthreads; i++)
		if (is_sleeper(i))
			s->switches[i] = times_scheduled(shared->tids[i]);
	for (int i = 0; i < spinners; i++)
		s->spin[i] = __atomic_load_n(&shared->spin[i].count, __ATOMIC_RELAXED);
}

/* Adds to @m's counts what happened between the snapshots. */
static void compare_snapshots(struct method *m, const struct snapshot *before,
			      const struct snapshot *after)
{
	for (int i = 0; i < nthreads; i++)
		if (is_sleeper(i) && before->switches[i] != after->switches[i])
			m->woken++;
	m->spinners_advanced = 0;
	for (int i = 0; i < spinners; i++) {
		m->spin_moved[i] += after->spin[i] - before->spin[i];
		if (m->spin_moved[i])
			m->spinners_advanced++;
	}
}

/*
 * Whether one thread of the child is blocked in an interruptible sleep
 * (state 'S' in /proc/PID/task/TID/stat): a sleeper's only such sleep is
 * its futex wait. A thread gone (or a stat without a state) counts as awake.
 */
static int blocked(pid_t tid)
{
	char path[64], text[1024], *paren;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", child, tid);
	if (read_text(path, text, sizeof(text)) <= 0)
		return 0;
	/* The name in brackets may hold anything: the state follows the last ')'. */
	paren = strrchr(text, ')');
	return paren && paren[1] == ' ' && paren[2] == 'S';
}

/*
 * A thread counts itself started just before it goes to sleep (the main
 * thread even before it creates the others), and a detached one sleeps
 * again only once it has run: wait until every sleeping thread is blocked
 * and two snapshots in a row agree. Stable counts alone are not enough: on
 * a busy machine a runnable thread can wait for a CPU through both
 * snapshots and then be seen to wake during a method. Bounded by
 * ASLEEP_TIMEOUT_S, however slowly the threads get there. Leaves the last
 * snapshot in @snapshot. Returns 0, or -1 after the bound.
 */
static int wait_until_asleep(struct snapshot *snapshot, struct snapshot *scratch)
{
	double deadline = now_ns() + ASLEEP_TIMEOUT_S * 1e9;
	struct snapshot swap;

	take_snapshot(snapshot);
	do {
		int moved = 0;

		usleep(20000);
		for (int i = 0; i < nthreads && !moved; i++)
			if (is_sleeper(i) && !blocked(shared->tids[i]))
				moved++;
		take_snapshot(scratch);
		for (int i = 0; i < nthreads; i++)
			if (is_sleeper(i) && snapshot->switches[i] != scratch->switches[i])
				moved++;
		swap = *snapshot;
		*snapshot = *scratch;
		*scratch = swap;
		if (!moved)
			return 0;
	} while (now_ns() < deadline);
	return -1;
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

/* ---- the methods: each fetches every view once ---- */

static struct tlsview_client *client;

/* The client's buffer, kept from one LIST to the next. */
static struct tlsview_task *client_buffer;
static size_t client_capacity;

static int fetch_list(int first, int end, const struct tlsview_task **views, size_t *count)
{
	(void)first;
	(void)end;
	if (tlsview_client_list_into(client, child, &client_buffer, &client_capacity,
				     count) != 0)
		return -1;
	*views = client_buffer;
	return 0;
}

static int fetch_get_task(int first, int end, const struct tlsview_task **views, size_t *count)
{
	size_t n = 0;

	for (int i = first; i < end && n < fetched_capacity; i++)
		if (tlsview_client_get_task(client, shared->tids[i], 0, &fetched[n]) == 0)
			n++;
	*views = fetched;
	*count = n;
	return 0;
}

static struct tlsview_task *list_buffer;
static uint32_t list_capacity;

static int fetch_list_ioctl(int first, int end, const struct tlsview_task **views,
			    size_t *count)
{
	struct tlsview_list req = {
		.tgid = child,
		.capacity = list_capacity,
		.entry_size = sizeof(struct tlsview_task),
		.entries = (uintptr_t)list_buffer,
	};

	(void)first;
	(void)end;
	if (ioctl(tlsview_client_fd(client), TLSVIEW_IOC_LIST, &req) != 0)
		return -1;
	*views = list_buffer;
	*count = req.count;
	return 0;
}

static double beside_times[MAX_METHOD_RUNS];

static char *debugfs_text;
static size_t debugfs_size;

static int fetch_debugfs(int first, int end, const struct tlsview_task **views, size_t *count)
{
	struct tlsview_tasks_columns columns;
	size_t used = 0, found = 0;
	ssize_t n;
	char *line;
	int fd = open(TLSVIEW_DEBUGFS_TASKS, O_RDONLY | O_CLOEXEC);

	(void)first;
	(void)end;
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
	/*
	 * libtlsview's parser: the header names the columns. It reads one
	 * line at a time (up to its newline), so the walk stays linear in
	 * the threads.
	 */
	if (tlsview_tasks_parse_header(debugfs_text, &columns) < 0)
		return -1;
	for (line = strchr(debugfs_text, '\n'); line && *++line && found < fetched_capacity;
	     line = strchr(line, '\n'))
		if (tlsview_tasks_parse_line(&columns, line, &fetched[found]) == 0 &&
		    fetched[found].tgid == child)
			found++;
	*views = fetched;
	*count = found;
	return 0;
}

static int fetch_ptrace(int first, int end, const struct tlsview_task **views, size_t *count)
{
	size_t n = 0;
	int status;

	for (int i = first; i < end && n < fetched_capacity; i++) {
		pid_t tid = shared->tids[i];

		if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0)
			continue;
		if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) == 0 &&
		    waitpid(tid, &status, __WALL) == tid && WIFSTOPPED(status) &&
		    tlsview_tracee_read(tid, &fetched[n]) == 0)
			fetched[n++].tid = tid;
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
	}
	*views = fetched;
	*count = n;
	return 0;
}

static const char *gdb_path;

/*
 * What a user does with a debugger: gdb attaches to the process (stopping
 * every thread), prints each thread's fs_base, detaches. Its lines:
 *   Thread 2 (Thread 0x7f... (LWP 1234) "name"):   (or "Thread 2 (LWP 1234):")
 *   fs_base        0x7f...      140...
 */
static int fetch_gdb(int first, int end, const struct tlsview_task **views, size_t *count)
{
	char pid_text[16], line[512];
	int fds[2], status;
	pid_t gdb, tid = 0;
	size_t n = 0;
	FILE *out;

	(void)first;
	(void)end;
	snprintf(pid_text, sizeof(pid_text), "%d", child);
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	fflush(NULL);
	gdb = fork();
	if (gdb < 0)
		return -1;
	if (gdb == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(fds[1], STDOUT_FILENO);
		dup2(null, STDIN_FILENO);
		dup2(null, STDERR_FILENO);
		execl(gdb_path, "gdb", "-q", "-nx", "-batch", "-p", pid_text,
		      "-ex", "thread apply all info registers fs_base", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	out = fdopen(fds[0], "r");
	if (!out) {
		close(fds[0]);
		waitpid(gdb, NULL, 0);
		return -1;
	}
	while (fgets(line, sizeof(line), out)) {
		unsigned long long fsbase;
		char *lwp = strstr(line, "(LWP ");

		if (lwp) {
			tid = (pid_t)atoi(lwp + 5);
		} else if (tid && n < fetched_capacity &&
			   sscanf(line, "fs_base %llx", &fsbase) == 1) {
			fetched[n].tid = tid;
			fetched[n++].fsbase = fsbase;
		}
	}
	fclose(out);
	if (waitpid(gdb, &status, 0) != gdb || !WIFEXITED(status) || WEXITSTATUS(status)) {
		errno = ECHILD;
		return -1;
	}
	*views = fetched;
	*count = n;
	return 0;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * One round of @m: a slice of the threads (sliced methods), or runs over
 * all of them for about PHASE_MIN_NS / ROUNDS (at least MIN_RUNS_PER_ROUND). @snapshot
 * holds the state before and is left holding the state after.
 */
static int run_round(struct method *m, int round, struct snapshot *snapshot,
		     struct snapshot *scratch, char *seen)
{
	double start = now_ns(), t;
	int repeated = !m->per_round_slice && !m->once;
	const struct tlsview_task *views;
	size_t count;
	int runs_this_round = 0;
	struct snapshot swap;

	if (m->once && round > 0)
		return 0;
	do {
		int first = 0, end = nthreads;

		if (m->per_round_slice) {
			first = (int)((long)nthreads * round / ROUNDS);
			end = (int)((long)nthreads * (round + 1) / ROUNDS);
			seen = m->seen;
		} else {
			memset(seen, 0, (size_t)nthreads);
			m->views = 0;
		}
		t = now_ns();
		if (m->fetch(first, end, &views, &count) != 0) {
			fprintf(stderr, "tlsbench: %s: %s\n", m->name, strerror(errno));
			return -1;
		}
		t = now_ns() - t;
		for (size_t i = 0; i < count; i++)
			count_view(m, seen, views[i].tid, views[i].fsbase, m->records);
		if (end > first && repeated && runs_this_round == 0)
			m->first_times[m->first_runs++] = t / (end - first);
		else if (end > first)
			m->times[m->runs++] = t / (end - first);
		if (!m->per_round_slice &&
		    (m->runs + m->first_runs == 1 || m->views < m->views_fewest))
			m->views_fewest = m->views;
		runs_this_round++;
	} while (repeated && runs_this_round <= MAX_METHOD_RUNS / ROUNDS &&
		 (now_ns() - start < PHASE_MIN_NS / ROUNDS ||
		  runs_this_round <= MIN_RUNS_PER_ROUND));

	take_snapshot(scratch);
	compare_snapshots(m, snapshot, scratch);
	swap = *snapshot;
	*snapshot = *scratch;
	*scratch = swap;
	/* Detached threads go back to sleep only once they have run again. */
	if ((m->per_round_slice || m->once) && wait_until_asleep(snapshot, scratch) != 0) {
		fprintf(stderr, "tlsbench: threads still awake after %s\n", m->name);
		return -1;
	}
	return 0;
}

/* Sorts @times (so times[0] is then the fastest) and returns their median; 0 if none. */
static double sort_median(double *times, int n)
{
	qsort(times, (size_t)n, sizeof(double), compare_double);
	return n ? times[n / 2] : 0;
}

static void finish_method(struct method *m)
{
	m->ns_per_thread = sort_median(m->times, m->runs);
	m->ns_per_thread_min = m->runs ? m->times[0] : 0;
	m->ns_per_thread_first = sort_median(m->first_times, m->first_runs);
	if (!m->per_round_slice)
		m->views = m->views_fewest;
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
	if (m->must_not_stop && (m->woken || m->spinners_advanced < spinners))
		return 0;
	return 1;
}

static const struct method *method_named(const struct method *methods, int count,
					  const char *name)
{
	for (int i = 0; i < count; i++)
		if (strcmp(methods[i].name, name) == 0)
			return &methods[i];
	return NULL;
}

static void report(struct method *methods, int count, int json, double setup_s,
		   double load_before, double load_after)
{
	const struct method *gdb = method_named(methods, count, "gdb");
	double list_ns = methods[0].ns_per_thread;
	double ptrace_ns = method_named(methods, count, "ptrace")->ns_per_thread;
	double speedup = list_ns > 0 ? ptrace_ns / list_ns : 0;
	double gdb_speedup = gdb && list_ns > 0 ? gdb->ns_per_thread / list_ns : 0;

	if (json) {
		printf("{\"mode\": \"module\", \"threads\": %d, \"spinning\": %d, "
		       "\"stack_size\": %d, \"cpus\": %ld, \"rounds\": %d, \"setup_s\": %.3f, "
		       "\"loadavg_before\": %.2f, \"loadavg_after\": %.2f,\n \"methods\": [",
		       nthreads, spinners, THREAD_STACK_SIZE, sysconf(_SC_NPROCESSORS_ONLN), ROUNDS,
		       setup_s, load_before, load_after);
		for (int i = 0; i < count; i++) {
			const struct method *m = &methods[i];

			printf("%s\n  {\"method\": \"%s\", \"ns_per_thread\": %.1f, "
			       "\"ns_per_thread_min\": %.1f, ", i ? "," : "", m->name,
			       m->ns_per_thread, m->ns_per_thread_min);
			if (m->first_runs)
				printf("\"ns_per_thread_first\": %.1f, \"first_runs\": %d, ",
				       m->ns_per_thread_first, m->first_runs);
			printf("\"runs\": %d, "
			       "\"ratio_to_list\": %.3f, \"ptrace_over_this\": %.3f, "
			       "\"views\": %ld, \"fsbase_mismatches\": %ld, \"sleepers_woken\": %ld, "
			       "\"spinners_advanced\": %d, \"ok\": %s}",
			       m->runs,
			       list_ns > 0 ? m->ns_per_thread / list_ns : 0,
			       m->ns_per_thread > 0 ? ptrace_ns / m->ns_per_thread : 0, m->views,
			       m->mismatches, m->woken, m->spinners_advanced,
			       method_ok(m) ? "true" : "false");
		}
		printf("\n ],\n \"list_speedup_over_ptrace\": %.1f, \"target_100x_met\": %s",
		       speedup, speedup >= 100 ? "true" : "false");
		if (gdb)
			printf(", \"list_speedup_over_gdb\": %.1f", gdb_speedup);
		printf("}\n");
		return;
	}
	printf("tlsbench --module: %d threads (%d spinning at SCHED_IDLE, %d asleep), "
	       "%d KiB stacks, %ld CPUs, started in %.1f s, load average %.2f -> %.2f;\n"
	       "wall clock, median of the runs of %d interleaved rounds; first: median of "
	       "each round's first run, not among them\n\n",
	       nthreads, spinners, nthreads - spinners, THREAD_STACK_SIZE / 1024,
	       sysconf(_SC_NPROCESSORS_ONLN), setup_s, load_before, load_after, ROUNDS);
	printf("%-10s %12s %11s %11s %5s %8s %9s %6s %6s %8s %3s  %s\n", "method", "ns/thread",
	       "first", "all ms", "runs", "x list", "ptrace/x", "views", "woken", "spinning",
	       "ok", "what");
	for (int i = 0; i < count; i++) {
		const struct method *m = &methods[i];
		char first[32] = "-";

		if (m->first_runs)
			snprintf(first, sizeof(first), "%.1f", m->ns_per_thread_first);
		printf("%-10s %12.1f %11s %11.3f %5d %8.2f %9.1f %6ld %6ld %6d/%d %3s  %s\n",
		       m->name, m->ns_per_thread, first,
		       m->ns_per_thread * nthreads / 1e6, m->runs,
		       list_ns > 0 ? m->ns_per_thread / list_ns : 0,
		       m->ns_per_thread > 0 ? ptrace_ns / m->ns_per_thread : 0, m->views, m->woken,
		       m->spinners_advanced, spinners, method_ok(m) ? "yes" : "NO", m->what);
	}
	if (gdb)
		printf("\nLIST (libtlsview client) vs gdb: %.1fx faster.", gdb_speedup);
	printf("\nLIST (libtlsview client) vs ptrace: %.1fx faster (target 100x: %s).\n"
	       "views: threads whose view came back (of %d); woken: sleeping threads scheduled "
	       "while the method ran;\nspinning: spinners whose counter kept moving meanwhile.\n",
	       speedup, speedup >= 100 ? "met" : "NOT met", nthreads);
}

static double load_average(void)
{
	double load = -1;
	FILE *f = fopen("/proc/loadavg", "re");

	if (f) {
		if (fscanf(f, "%lf", &load) != 1)
			load = -1;
		fclose(f);
	}
	return load;
}

/* ---- a small group beside a crowd ---- */

static void *pause_forever(void *arg)
{
	for (;;)
		pause();
	return arg;
}

/*
 * A process of @threads threads that sleep (the main thread included),
 * started before this returns; its pid, or -1. SIGKILL ends it.
 */
static pid_t start_crowd(int threads)
{
	int fds[2], started = 0;
	char byte;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		pthread_attr_t attr;
		pthread_t t;
		int err = 0;

		close(fds[0]);
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, THREAD_STACK_SIZE);
		for (int i = 1; i < threads && !err; i++)
			err = pthread_create(&t, &attr, pause_forever, NULL);
		byte = err ? 'E' : 'R';
		if (write(fds[1], &byte, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	if (pid > 0 && read(fds[0], &byte, 1) == 1 && byte == 'R')
		started = 1;
	close(fds[0]);
	if (pid > 0 && !started) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/* Median ns of one bare LIST of the child's group, over about 250 ms. */
static double time_group_list(uint32_t *count)
{
	struct tlsview_list req;
	double start = now_ns(), t;
	int runs = 0;

	*count = 0;
	do {
		memset(&req, 0, sizeof(req));
		req.tgid = child;
		req.capacity = list_capacity;
		req.entry_size = sizeof(struct tlsview_task);
		req.entries = (uintptr_t)list_buffer;
		t = now_ns();
		if (ioctl(tlsview_client_fd(client), TLSVIEW_IOC_LIST, &req) != 0)
			return -1;
		t = now_ns() - t;
		if (runs < MAX_METHOD_RUNS)
			beside_times[runs++] = t;
		*count = req.count;
	} while (runs < MAX_METHOD_RUNS && (now_ns() - start < PHASE_MIN_NS || runs < 5));
	return sort_median(beside_times, runs);
}

static int beside_bench(const struct module_options *opt)
{
	uint32_t idle_count, crowded_count;
	double idle_ns, crowded_ns, ratio;
	pid_t crowd;
	int ok;

	idle_ns = time_group_list(&idle_count);
	crowd = start_crowd(opt->beside);
	if (crowd < 0) {
		fprintf(stderr, "tlsbench: could not start %d other threads\n", opt->beside);
		return 1;
	}
	crowded_ns = time_group_list(&crowded_count);
	kill(crowd, SIGKILL);
	waitpid(crowd, NULL, 0);
	if (idle_ns < 0 || crowded_ns < 0) {
		fprintf(stderr, "tlsbench: LIST: %s\n", strerror(errno));
		return 1;
	}
	ratio = crowded_ns / idle_ns;
	ok = idle_count == (uint32_t)nthreads && crowded_count == (uint32_t)nthreads;
	if (opt->json)
		printf("{\"mode\": \"module_beside\", \"group_threads\": %d, \"other_threads\": %d, "
		       "\"cpus\": %ld, \"idle_ns\": %.1f, \"crowded_ns\": %.1f, "
		       "\"ratio\": %.3f, \"within_2x\": %s, \"ok\": %s}\n", nthreads, opt->beside,
		       sysconf(_SC_NPROCESSORS_ONLN), idle_ns, crowded_ns, ratio,
		       ratio <= 2 ? "true" : "false", ok ? "true" : "false");
	else
		printf("tlsbench --module --beside: one bare LIST of a %d-thread process, median "
		       "of the runs\n  alone: %.1f us, beside %d other threads: %.1f us: %.2fx "
		       "(within 2x: %s)\n", nthreads, idle_ns / 1e3, opt->beside,
		       crowded_ns / 1e3, ratio, ratio <= 2 ? "yes" : "NO");
	return ok ? 0 : 1;
}

int module_bench(const struct module_options *opt)
{
	static struct method methods[] = {
		{ .name = "list", .what = "TLSVIEW_IOC_LIST (libtlsview client, buffer kept)",
		  .fetch = fetch_list, .records = 1, .must_not_stop = 1 },
		{ .name = "list_ioctl", .what = "one TLSVIEW_IOC_LIST ioctl, buffer ready",
		  .fetch = fetch_list_ioctl, .must_not_stop = 1 },
		{ .name = "get_task", .what = "TLSVIEW_IOC_GET_TASK per thread",
		  .fetch = fetch_get_task, .must_not_stop = 1 },
		{ .name = "debugfs", .what = "read and parse " TLSVIEW_DEBUGFS_TASKS,
		  .fetch = fetch_debugfs, .must_not_stop = 1 },
		{ .name = "ptrace", .what = "SEIZE+INTERRUPT+waitpid+GETREGS+DETACH per thread",
		  .fetch = fetch_ptrace, .per_round_slice = 1 },
		{ .name = "gdb", .what = "gdb -p: thread apply all info registers fs_base",
		  .fetch = fetch_gdb, .once = 1 },
	};
	/* gdb is last, and only there when asked for. */
	int count = (int)(sizeof(methods) / sizeof(methods[0])) - !opt->gdb;
	struct snapshot snapshot, scratch;
	double setup, load_before;
	char msg[256] = "";
	int status = 0;
	char *seen;

	nthreads = opt->beside ? BESIDE_GROUP : opt->threads;
	spinners = opt->beside ? 0 : opt->spinners;
	gdb_path = opt->gdb;
	if (spinners > MAX_SPINNERS || spinners >= nthreads) {
		fprintf(stderr, "tlsbench: --spinners must be below %d and the threads\n",
			MAX_SPINNERS);
		return 2;
	}
	if (tlsview_client_open(&client, NULL, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "tlsbench: %s\n", msg[0] ? msg : strerror(errno));
		return 1;
	}
	snapshot.switches = calloc((size_t)nthreads, sizeof(long));
	scratch.switches = calloc((size_t)nthreads, sizeof(long));
	list_fsbase = calloc((size_t)nthreads, sizeof(*list_fsbase));
	by_tid = calloc((size_t)nthreads, sizeof(*by_tid));
	seen = calloc((size_t)nthreads, 1);
	/* Written once here so that no page fault lands in a method's time. */
	list_capacity = (uint32_t)nthreads + 64;
	list_buffer = malloc(list_capacity * sizeof(*list_buffer));
	if (list_buffer)
		memset(list_buffer, 0, list_capacity * sizeof(*list_buffer));
	fetched_capacity = list_capacity;
	fetched = malloc(fetched_capacity * sizeof(*fetched));
	if (fetched)
		memset(fetched, 0, fetched_capacity * sizeof(*fetched));
	for (int i = 0; i < count; i++)
		if (methods[i].per_round_slice && !(methods[i].seen = calloc((size_t)nthreads, 1)))
			list_buffer = NULL;
	if (!snapshot.switches || !scratch.switches || !list_fsbase || !by_tid || !seen ||
	    !list_buffer || !fetched) {
		fprintf(stderr, "tlsbench: out of memory\n");
		return 1;
	}
	raise_limits();
	if (opt->beside)
		raise_sysctl("/proc/sys/kernel/threads-max", opt->beside + nthreads + 4096L);
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

	if (wait_until_asleep(&snapshot, &scratch) != 0) {
		fprintf(stderr, "tlsbench: the sleeping threads never all fell asleep\n");
		stop_child();
		return 1;
	}
	if (opt->beside) {
		status = beside_bench(opt);
		stop_child();
		tlsview_client_close(client);
		return status;
	}
	load_before = load_average();
	for (int round = 0; round < ROUNDS; round++) {
		for (int i = 0; i < count; i++) {
			if (run_round(&methods[i], round, &snapshot, &scratch, seen) != 0) {
				stop_child();
				return 1;
			}
		}
	}
	for (int i = 0; i < count; i++) {
		finish_method(&methods[i]);
		if (!method_ok(&methods[i]))
			status = 1;
	}
	report(methods, count, opt->json, setup, load_before, load_average());
	stop_child();
	tlsview_client_close(client);
	return status;
}

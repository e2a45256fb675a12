// SPDX-License-Identifier: GPL-2.0
/*
 * Description: thread churn under readers. A child process creates and
 * ends threads as fast as it can for a bounded time (3 s; 30 s with
 * TLSVIEW_STRESS=long) while reader threads loop on TLSVIEW_IOC_LIST of
 * every thread and of the churning group, on TLSVIEW_IOC_GET_TASK of
 * threads that are just exiting (live and saved), and on debugfs "tasks".
 * Every call returns in time (no hang), and every view is of a thread of
 * the right group: its tgid is the group asked for, its tid is one the
 * group really had (checked against every tid the group recorded), its
 * name is one the group used (or, renamed meanwhile, a byte-wise mix of
 * two of them), each thread appears once per listing and
 * every debugfs line parses; a thread that is gone is a clean ESRCH.
 * Prints the churn rate and the reads done.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>

#include "module_common.h"
#include "stress_common.h"
#include "kselftest_harness.h"

#define CHURN_SPAWNERS		2
#define CHURN_BATCH		6	/* threads a spawner keeps alive at once */
#define CHURN_RING		64
#define CHURN_LIST_CAPACITY	8192

struct churn_shared {
	int stop;
	int ready;
	pid_t group;
	uint64_t created;
	uint32_t recent_next;
	pid_t recent[CHURN_RING];
	uint32_t pid_max;
	uint8_t ever[];		/* bit per tid the churning group ever had */
};

static struct churn_shared *shared;

static void bit_set(uint8_t *map, pid_t tid)
{
	__atomic_fetch_or(&map[tid / 8], 1 << (tid % 8), __ATOMIC_RELAXED);
}

static bool bit_test(const uint8_t *map, pid_t tid)
{
	return __atomic_load_n(&map[tid / 8], __ATOMIC_RELAXED) & (1 << (tid % 8));
}

static void churn_record(pid_t tid)
{
	uint32_t slot;

	if (tid <= 0 || (uint32_t)tid >= shared->pid_max)
		return;
	bit_set(shared->ever, tid);
	slot = __atomic_fetch_add(&shared->recent_next, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&shared->recent[slot % CHURN_RING], tid, __ATOMIC_RELEASE);
}

static void *churn_worker(void *arg)
{
	int yields = (int)(uintptr_t)arg % 4;

	prctl(PR_SET_NAME, "churn-worker");
	churn_record(gettid_raw());
	while (yields--)
		sched_yield();
	return NULL;
}

static void *churn_spawner(void *arg)
{
	pthread_t batch[CHURN_BATCH];
	pthread_attr_t attr;
	uintptr_t n = 0;
	int i, made;

	(void)arg;
	prctl(PR_SET_NAME, "churn-spawn");
	churn_record(gettid_raw());
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	while (!__atomic_load_n(&shared->stop, __ATOMIC_RELAXED)) {
		made = 0;
		for (i = 0; i < CHURN_BATCH; i++)
			if (!pthread_create(&batch[made], &attr, churn_worker, (void *)n++))
				made++;
		for (i = 0; i < made; i++)
			pthread_join(batch[i], NULL);
		__atomic_fetch_add(&shared->created, made, __ATOMIC_RELAXED);
	}
	pthread_attr_destroy(&attr);
	return NULL;
}

/* The churning process: its main thread waits while spawners churn. */
static void churn_group(void)
{
	pthread_t spawner[CHURN_SPAWNERS];
	int i;

	prctl(PR_SET_NAME, "churn-main");
	churn_record(gettid_raw());
	for (i = 0; i < CHURN_SPAWNERS; i++)
		if (pthread_create(&spawner[i], NULL, churn_spawner, NULL))
			_exit(2);
	__atomic_store_n(&shared->ready, 1, __ATOMIC_RELEASE);
	for (i = 0; i < CHURN_SPAWNERS; i++)
		pthread_join(spawner[i], NULL);
	_exit(0);
}

/* Names a thread of the churning group can have (a new thread inherits). */
static const char churn_names[][TLSVIEW_COMM_LEN] = {
	"churn-main", "churn-spawn", "churn-worker", "stress_churn",
};

/*
 * A thread renamed while it is read may show a byte-wise mix of its old and
 * new names: the module reads comm without task_lock(), as the kernel does
 * where renaming takes no lock (kmod/tlsview_read.c). So each byte, up to
 * and with the NUL, must be the byte at the same place of one of the names.
 */
static bool churn_comm(const char *comm)
{
	size_t i, j, names = sizeof(churn_names) / sizeof(churn_names[0]);

	for (i = 0; i < TLSVIEW_COMM_LEN; i++) {
		for (j = 0; j < names; j++)
			if (comm[i] == churn_names[j][i])
				break;
		if (j == names)
			return false;
		if (!comm[i])
			return true;
	}
	return false;
}

struct reader {
	pthread_t thread;
	int fd;
	void *(*fn)(void *);
	const char *name;
	uint64_t reads, views, esrch;
	uint64_t failures;
	char failure[256];
	uint8_t *seen;		/* tids of the group this reader was shown */
};

static volatile int readers_stop;

static void reader_fail(struct reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void reader_fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->failures++) {
		va_start(ap, fmt);
		vsnprintf(r->failure, sizeof(r->failure), fmt, ap);
		va_end(ap);
	}
}

/* Checks every view, in a listing or alone, must pass. */
static void check_view(struct reader *r, const struct tlsview_task *v, pid_t want_tgid)
{
	r->views++;
	if (v->tid <= 0 || v->tgid <= 0)
		reader_fail(r, "view with tid %d tgid %d", v->tid, v->tgid);
	if (want_tgid && v->tgid != want_tgid)
		reader_fail(r, "tid %d: tgid %d, asked for %d", v->tid, v->tgid, want_tgid);
	if (v->flags & ~(TLSVIEW_TASK_LIVE | TLSVIEW_TASK_COMPAT | TLSVIEW_TASK_KTHREAD |
			 TLSVIEW_TASK_STATES))
		reader_fail(r, "tid %d: flags 0x%x", v->tid, v->flags);
	if (!memchr(v->comm, 0, sizeof(v->comm)))
		reader_fail(r, "tid %d: comm not NUL-terminated", v->tid);
	else if (v->tgid == shared->group && !churn_comm(v->comm))
		reader_fail(r, "tid %d of the churning group named '%s'", v->tid, v->comm);
	if (v->tgid == shared->group && v->tid > 0 && (uint32_t)v->tid < shared->pid_max)
		bit_set(r->seen, v->tid);
}

static int compare_tid(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void list_once(struct reader *r, struct tlsview_task *buf, int *tids, pid_t tgid)
{
	struct tlsview_list list = {
		.tgid = tgid,
		.capacity = CHURN_LIST_CAPACITY,
		.entry_size = sizeof(struct tlsview_task),
		.entries = (uintptr_t)buf,
	};
	uint32_t i;

	if (ioctl(r->fd, TLSVIEW_IOC_LIST, &list)) {
		reader_fail(r, "LIST of tgid %d: %s", tgid, strerror(errno));
		return;
	}
	r->reads++;
	if (list.count > list.capacity || list.count != (list.total < list.capacity ?
							 list.total : list.capacity))
		reader_fail(r, "LIST count %u total %u", list.count, list.total);
	if (!tgid && !list.count)
		reader_fail(r, "LIST of every thread is empty");
	for (i = 0; i < list.count && i < CHURN_LIST_CAPACITY; i++) {
		check_view(r, &buf[i], tgid);
		tids[i] = buf[i].tid;
	}
	qsort(tids, i, sizeof(*tids), compare_tid);
	for (i = 1; i < list.count && i < CHURN_LIST_CAPACITY; i++)
		if (tids[i] == tids[i - 1])
			reader_fail(r, "LIST of tgid %d shows tid %d twice", tgid, tids[i]);
}

static void *read_list_all(void *arg)
{
	struct reader *r = arg;
	struct tlsview_task *buf = calloc(CHURN_LIST_CAPACITY, sizeof(*buf));
	int *tids = calloc(CHURN_LIST_CAPACITY, sizeof(*tids));

	while (buf && tids && !readers_stop)
		list_once(r, buf, tids, 0);
	free(buf);
	free(tids);
	return NULL;
}

static void *read_list_group(void *arg)
{
	struct reader *r = arg;
	struct tlsview_task *buf = calloc(CHURN_LIST_CAPACITY, sizeof(*buf));
	int *tids = calloc(CHURN_LIST_CAPACITY, sizeof(*tids));

	while (buf && tids && !readers_stop)
		list_once(r, buf, tids, shared->group);
	free(buf);
	free(tids);
	return NULL;
}

/* GET_TASK of the threads that started last: they are ending right now. */
static void *read_exiting(void *arg)
{
	struct reader *r = arg;
	struct tlsview_task view;
	uint32_t n = 0, next;
	pid_t tid;

	while (!readers_stop) {
		/* Each new thread once, as soon as it has recorded itself. */
		next = __atomic_load_n(&shared->recent_next, __ATOMIC_ACQUIRE);
		if (n == next) {
			sched_yield();
			continue;
		}
		if (next - n > CHURN_RING)
			n = next - CHURN_RING;
		tid = __atomic_load_n(&shared->recent[n++ % CHURN_RING], __ATOMIC_ACQUIRE);
		if (!tid)
			continue;
		r->reads++;
		if (!get_task(r->fd, tid, n % 3 ? 0 : TLSVIEW_REQ_SAVED, &view)) {
			if (view.tid != tid)
				reader_fail(r, "GET_TASK %d returned tid %d", tid, view.tid);
			check_view(r, &view, shared->group);
		} else if (errno == ESRCH) {
			r->esrch++;
		} else {
			reader_fail(r, "GET_TASK of exiting tid %d: %s", tid, strerror(errno));
		}
	}
	return NULL;
}

static void *read_debugfs(void *arg)
{
	struct reader *r = arg;
	struct tasks_line line;
	int *tids = calloc(CHURN_LIST_CAPACITY * 4, sizeof(*tids));
	char text[512];
	int n, i;
	FILE *f;

	while (tids && !readers_stop) {
		f = fopen(TLSVIEW_DEBUGFS "/tasks", "re");
		if (!f) {
			reader_fail(r, "open debugfs tasks: %s", strerror(errno));
			break;
		}
		if (!fgets(text, sizeof(text), f) || text[0] != '#')
			reader_fail(r, "debugfs tasks without its header");
		n = 0;
		while (fgets(text, sizeof(text), f)) {
			if (parse_tasks_line(text, &line)) {
				reader_fail(r, "debugfs line does not parse: %s", text);
				continue;
			}
			if (line.tid <= 0 || line.tgid <= 0 || line.cpu >= 4096)
				reader_fail(r, "debugfs line: %s", text);
			if (line.tgid == shared->group) {
				if (!churn_comm(line.comm))
					reader_fail(r, "debugfs: churning tid %d named %s",
						    line.tid, line.comm);
				if ((uint32_t)line.tid < shared->pid_max)
					bit_set(r->seen, line.tid);
			}
			if (n < CHURN_LIST_CAPACITY * 4)
				tids[n++] = line.tid;
			r->views++;
		}
		if (ferror(f))
			reader_fail(r, "reading debugfs tasks: %s", strerror(errno));
		fclose(f);
		r->reads++;
		qsort(tids, n, sizeof(*tids), compare_tid);
		for (i = 1; i < n; i++)
			if (tids[i] == tids[i - 1])
				reader_fail(r, "debugfs tasks shows tid %d twice", tids[i]);
	}
	free(tids);
	return NULL;
}

static uint32_t read_pid_max(void)
{
	unsigned int value = 4194304;
	FILE *f = fopen("/proc/sys/kernel/pid_max", "re");

	if (f) {
		if (fscanf(f, "%u", &value) != 1)
			value = 4194304;
		fclose(f);
	}
	return value + 1;
}

FIXTURE(churn) {
	int fd;
	size_t shared_size;
};

FIXTURE_SETUP(churn)
{
	uint32_t pid_max = read_pid_max();

	self->fd = tlsview_open();
	self->shared_size = sizeof(*shared) + pid_max / 8 + 1;
	shared = mmap(NULL, self->shared_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	shared->pid_max = pid_max;
}

FIXTURE_TEARDOWN(churn)
{
	if (self->fd >= 0)
		close(self->fd);
	munmap(shared, self->shared_size);
}

TEST_F_TIMEOUT(churn, readers_during_thread_churn, 600)
{
	struct reader readers[] = {
		{ .fn = read_list_all, .name = "LIST all" },
		{ .fn = read_list_group, .name = "LIST group" },
		{ .fn = read_exiting, .name = "GET_TASK exiting" },
		{ .fn = read_debugfs, .name = "debugfs tasks" },
	};
	const int nr_readers = sizeof(readers) / sizeof(readers[0]);
	double seconds = STRESS_PICK(3.0, 30.0), start, elapsed;
	uint64_t unknown = 0, seen = 0, created;
	bool debugfs = tlsview_debugfs_present();
	int i, status;
	pid_t tid, child;

	REQUIRE_DEVICE(self->fd);

	fflush(stdout);
	/* The mapping is shared: only the parent may store the child's pid. */
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		churn_group();
	shared->group = child;
	while (!__atomic_load_n(&shared->ready, __ATOMIC_ACQUIRE))
		usleep(1000);

	start = stress_now();
	for (i = 0; i < nr_readers; i++) {
		readers[i].fd = self->fd;
		readers[i].seen = calloc(shared->pid_max / 8 + 1, 1);
		ASSERT_NE(NULL, readers[i].seen);
		if (readers[i].fn == read_debugfs && !debugfs)
			continue;
		ASSERT_EQ(0, pthread_create(&readers[i].thread, NULL, readers[i].fn,
					    &readers[i]));
	}
	while (stress_now() - start < seconds)
		usleep(100 * 1000);
	readers_stop = 1;
	for (i = 0; i < nr_readers; i++)
		if (readers[i].fn != read_debugfs || debugfs)
			pthread_join(readers[i].thread, NULL);
	created = __atomic_load_n(&shared->created, __ATOMIC_RELAXED);
	elapsed = stress_now() - start;
	__atomic_store_n(&shared->stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(shared->group, waitpid(shared->group, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* Only now is every tid the group had recorded. */
	for (i = 0; i < nr_readers; i++) {
		for (tid = 1; (uint32_t)tid < shared->pid_max; tid++) {
			if (!bit_test(readers[i].seen, tid))
				continue;
			seen++;
			if (!bit_test(shared->ever, tid)) {
				if (!unknown++)
					TH_LOG("%s: tid %d shown in the churning group, "
					       "which never had it", readers[i].name, tid);
			}
		}
		free(readers[i].seen);
	}

	printf("# stress: churn: threads created: %" PRIu64 " in %.1f s (%.0f/s), "
	       "views of churning threads: %" PRIu64 "\n",
	       created, elapsed, created / elapsed, seen);
	for (i = 0; i < nr_readers; i++) {
		printf("# stress: churn: %s: reads: %" PRIu64 ", views: %" PRIu64
		       ", ESRCH: %" PRIu64 ", failures: %" PRIu64 "\n", readers[i].name,
		       readers[i].reads, readers[i].views, readers[i].esrch,
		       readers[i].failures);
		if (readers[i].failures)
			printf("# %s: first failure: %s\n", readers[i].name,
			       readers[i].failure);
	}
	fflush(stdout);
	EXPECT_EQ(0, unknown);
	for (i = 0; i < nr_readers; i++) {
		EXPECT_EQ(0, readers[i].failures);
		/* No reader stalled: each got through its loop. */
		if (readers[i].fn != read_debugfs || debugfs)
			EXPECT_LT(0, readers[i].reads);
	}
	EXPECT_LT(100, created);
	/* The readers met the churning group at all. */
	EXPECT_LT(0, seen);
}

TEST_HARNESS_MAIN

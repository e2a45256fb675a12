// SPDX-License-Identifier: GPL-2.0
/*
 * Description: enumeration without tasklist_lock. With thousands of
 * threads, debugfs "tasks" read in small pieces (seq_file resuming by
 * thread id) lists each thread exactly once, in one well-formed line, in
 * increasing id order, and agrees with LIST's total. While threads are
 * created and exit all the time, debugfs, LIST and GET_TASK keep returning
 * well-formed answers (a thread that exits mid-walk is skipped or read
 * from its last state); the VM runner's kernel-log scan catches any
 * use-after-free or lockdep report.
 * Both tests are bounded by a count and a time (QEMU TCG with KASAN and
 * lockdep, beside other VMs, is tens of times slower than a host) and
 * assert a minimum that still proves their point.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <time.h>

#include "module_common.h"
#include "stress_common.h"
#include "kselftest_harness.h"

#define MANY_THREADS	10000
/*
 * At least this many threads, or the test proves little: a tasks line is
 * about 90 bytes, so 1,000 threads make some 90 KB, over 20 one-page
 * seq_file buffers, each refilled by a resume at a thread id (the ids
 * spread over many IDR leaves of 64 ids each), and over 250 read() calls
 * of READ_PIECE bytes. A walk that loses or repeats a thread at a resume
 * or between two threads shows up many times over.
 */
#define MIN_THREADS	1000
/*
 * Creating threads stops at MANY_THREADS or after this long, whichever
 * comes first. The sanitizer kernel under TCG beside other VMs (load 20 to
 * 40) made about 20 threads a second, read them in 4 s and took 15 ms per
 * thread to end them: some 2,400 threads and 160 s in all, well inside
 * the 300 s harness timeout; a slower machine makes fewer threads in the
 * same time (and still 1,000 at 9 a second), so the total stays about
 * the same.
 */
#define CREATE_SECONDS	120.0
/* How long the parked threads get to report their ids. */
#define PARK_SECONDS	30.0
#define CHURNERS	3
/*
 * Readers run beside exiting threads for CHURN_SECONDS, then on until they
 * made MIN_ROUNDS rounds while at least MIN_CHURNED threads exited, but
 * never past CHURN_MAX_SECONDS (the harness timeout is 120 s).
 */
#define CHURN_SECONDS	4.0
#define CHURN_MAX_SECONDS 60.0
#define MIN_ROUNDS	3
#define MIN_CHURNED	30
#define READ_PIECE	333

static int release_many;
static int stop_churn;
static int parked;
static unsigned int churned;

/* Report this thread's id in *arg, then wait for release_many. */
static void *park(void *arg)
{
	*(pid_t *)arg = gettid_raw();
	__atomic_add_fetch(&parked, 1, __ATOMIC_RELEASE);
	futex_wait_raw(&release_many, 0);
	return NULL;
}

static void *exit_at_once(void *arg)
{
	__atomic_add_fetch(&churned, 1, __ATOMIC_RELAXED);
	return arg;
}

static void *churn(void *arg)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN);
	while (!__atomic_load_n(&stop_churn, __ATOMIC_RELAXED))
		if (!pthread_create(&t, &attr, exit_at_once, NULL))
			pthread_join(t, NULL);
	pthread_attr_destroy(&attr);
	return arg;
}

static int threads_max(void)
{
	int n = MANY_THREADS;
	FILE *f = fopen("/proc/sys/kernel/threads-max", "re");

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = MANY_THREADS;
		fclose(f);
	}
	return n;
}

/*
 * Read debugfs tasks in READ_PIECE-byte reads and check every line.
 * Returns the number of lines of this process, or -1 on a bad line; the
 * first max_tids of their thread ids go to tids (when not NULL).
 */
static int read_tasks_in_pieces(struct __test_metadata *_metadata,
				bool expect_ordered, pid_t *tids, int max_tids)
{
	size_t size = 1 << 20, used = 0;
	char *text = malloc(size), *line, *save = NULL;
	int fd, mine = 0, prev_tid = 0, lines = 0;
	struct tasks_line tl;
	ssize_t n;

	if (!text)
		return -1;
	fd = open(TLSVIEW_DEBUGFS "/tasks", O_RDONLY);
	if (fd < 0) {
		free(text);
		return -1;
	}
	for (;;) {
		if (used + READ_PIECE + 1 > size) {
			size *= 2;
			text = realloc(text, size);
			if (!text)
				return -1;
		}
		n = read(fd, text + used, READ_PIECE);
		if (n <= 0)
			break;
		used += n;
	}
	close(fd);
	text[used] = '\0';
	if (used == 0 || text[used - 1] != '\n') {
		TH_LOG("tasks does not end with a newline");
		free(text);
		return -1;
	}

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		if (lines == 0) {
			if (strcmp(line, "# tgid tid cpu flags fsbase gsbase "
				   "fsindex gsindex tls12 tls13 tls14 comm")) {
				TH_LOG("bad header: %s", line);
				mine = -1;
				break;
			}
			continue;
		}
		if (parse_tasks_line(line, &tl)) {
			TH_LOG("bad line %d: %s", lines, line);
			mine = -1;
			break;
		}
		if (expect_ordered && tl.tid <= prev_tid) {
			TH_LOG("tid %d after %d", tl.tid, prev_tid);
			mine = -1;
			break;
		}
		prev_tid = tl.tid;
		if (tl.tgid == getpid()) {
			if (tids && mine < max_tids)
				tids[mine] = tl.tid;
			mine++;
		}
	}
	free(text);
	return mine;
}

FIXTURE(stress) {
	int fd;
};

FIXTURE_SETUP(stress)
{
	self->fd = tlsview_open();
}

FIXTURE_TEARDOWN(stress)
{
	if (self->fd >= 0)
		close(self->fd);
}

static int tid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

TEST_F_TIMEOUT(stress, thousands_of_threads, 300)
{
	struct tlsview_list l = { .entry_size = TLSVIEW_TASK_SIZE_VER1 };
	int want = MANY_THREADS, started = 0, mine, i;
	double t0 = stress_now(), t_made, t_read;
	pid_t *tids, *listed;
	pthread_t *threads;
	pthread_attr_t attr;

	REQUIRE_DEVICE(self->fd);
	if (!tlsview_debugfs_present())
		SKIP(return, "debugfs not mounted");
	/* Leave room for the rest of the system. */
	if (want > threads_max() - 500)
		want = threads_max() - 500;
	ASSERT_LE(MIN_THREADS, want);
	threads = calloc(want, sizeof(*threads));
	/* tids[0] is this thread; listed has room for one stray more. */
	tids = calloc(want + 1, sizeof(*tids));
	listed = calloc(want + 2, sizeof(*listed));
	ASSERT_NE(NULL, threads);
	ASSERT_NE(NULL, tids);
	ASSERT_NE(NULL, listed);
	tids[0] = gettid_raw();
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN);
	/* Memory may run out first (KASAN kernels): use what was made. */
	for (; started < want && stress_now() - t0 < CREATE_SECONDS; started++)
		if (pthread_create(&threads[started], &attr, park,
				   &tids[started + 1]))
			break;
	pthread_attr_destroy(&attr);
	while (__atomic_load_n(&parked, __ATOMIC_ACQUIRE) < started &&
	       stress_now() - t0 < CREATE_SECONDS + PARK_SECONDS)
		usleep(10000);
	t_made = stress_now();
	TH_LOG("%d threads (%d wanted) in %.1f s", started + 1, want + 1,
	       t_made - t0);
	ASSERT_LE(MIN_THREADS, started);
	ASSERT_EQ(started, __atomic_load_n(&parked, __ATOMIC_ACQUIRE));

	/* Strictly increasing ids (no repeats) and the very same set. */
	mine = read_tasks_in_pieces(_metadata, true, listed, want + 2);
	t_read = stress_now();
	TH_LOG("tasks read in %d-byte pieces in %.1f s", READ_PIECE,
	       t_read - t_made);
	EXPECT_EQ(started + 1, mine);
	qsort(tids, started + 1, sizeof(*tids), tid_cmp);
	for (i = 0; i < started + 1 && i < mine; i++)
		if (tids[i] != listed[i]) {
			TH_LOG("thread %d listed as %d (first difference)",
			       tids[i], listed[i]);
			EXPECT_EQ(tids[i], listed[i]);
			break;
		}

	l.tgid = getpid();
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_LIST, &l));
	EXPECT_EQ((unsigned int)started + 1, l.total);

	__atomic_store_n(&release_many, 1, __ATOMIC_RELEASE);
	futex_wake_all(&release_many);
	while (started--)
		pthread_join(threads[started], NULL);
	TH_LOG("threads exited in %.1f s", stress_now() - t_read);
	free(listed);
	free(tids);
	free(threads);
}

TEST_F_TIMEOUT(stress, readers_beside_exiting_threads, 120)
{
	struct tlsview_task *buf = NULL, v;
	struct tlsview_list l;
	pthread_t churners[CHURNERS];
	unsigned int capacity = 0, i;
	double t0 = stress_now(), elapsed = 0;
	int rounds = 0, ret;

	REQUIRE_DEVICE(self->fd);
	for (i = 0; i < CHURNERS; i++)
		ASSERT_EQ(0, pthread_create(&churners[i], NULL, churn, NULL));

	while (elapsed < CHURN_MAX_SECONDS &&
	       (elapsed < CHURN_SECONDS || rounds < MIN_ROUNDS ||
		__atomic_load_n(&churned, __ATOMIC_RELAXED) < MIN_CHURNED)) {
		if (tlsview_debugfs_present())
			ASSERT_LE(1, read_tasks_in_pieces(_metadata, true,
							  NULL, 0));

		memset(&l, 0, sizeof(l));
		l.tgid = rounds % 2 ? getpid() : 0;
		l.capacity = capacity;
		l.entry_size = sizeof(*buf);
		l.entries = (uintptr_t)buf;
		ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_LIST, &l));
		ASSERT_LE(l.count, l.capacity);
		for (i = 0; i < l.count; i++) {
			ASSERT_LT(0, buf[i].tid);
			ASSERT_EQ(0, buf[i].comm[TLSVIEW_COMM_LEN - 1]);
			/* Gone by now, or readable. */
			ret = get_task(self->fd, buf[i].tid, rounds % 3 ?
				       0 : TLSVIEW_REQ_SAVED, &v);
			ASSERT_TRUE(ret == 0 || errno == ESRCH);
		}
		if (l.total > capacity) {
			capacity = l.total + 16;
			buf = realloc(buf, capacity * sizeof(*buf));
			ASSERT_NE(NULL, buf);
		}
		rounds++;
		elapsed = stress_now() - t0;
	}
	__atomic_store_n(&stop_churn, 1, __ATOMIC_RELAXED);
	for (i = 0; i < CHURNERS; i++)
		pthread_join(churners[i], NULL);
	free(buf);
	TH_LOG("%d rounds beside %u exited threads in %.1f s", rounds,
	       __atomic_load_n(&churned, __ATOMIC_RELAXED), elapsed);
	EXPECT_LE(MIN_ROUNDS, rounds);
	EXPECT_LE(MIN_CHURNED, __atomic_load_n(&churned, __ATOMIC_RELAXED));
}

TEST_HARNESS_MAIN

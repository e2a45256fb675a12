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
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <time.h>

#include "module_common.h"
#include "kselftest_harness.h"

#define MANY_THREADS	10000
#define CHURNERS	3
#define CHURN_SECONDS	4
#define READ_PIECE	333

static int release_many;
static int stop_churn;

static void *park(void *arg)
{
	futex_wait_raw(&release_many, 0);
	return arg;
}

static void *exit_at_once(void *arg)
{
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
 * Returns the number of lines of this process, or -1 on a bad line.
 */
static int read_tasks_in_pieces(struct __test_metadata *_metadata,
				bool expect_ordered)
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
		if (tl.tgid == getpid())
			mine++;
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

TEST_F_TIMEOUT(stress, thousands_of_threads, 300)
{
	struct tlsview_list l = { .entry_size = TLSVIEW_TASK_SIZE_VER1 };
	int want = MANY_THREADS, started = 0, mine;
	pthread_t *threads;
	pthread_attr_t attr;

	REQUIRE_DEVICE(self->fd);
	if (!tlsview_debugfs_present())
		SKIP(return, "debugfs not mounted");
	/* Leave room for the rest of the system. */
	if (want > threads_max() - 500)
		want = threads_max() - 500;
	ASSERT_LT(100, want);
	threads = calloc(want, sizeof(*threads));
	ASSERT_NE(NULL, threads);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN);
	for (; started < want; started++)
		if (pthread_create(&threads[started], &attr, park, NULL))
			break;
	/* Memory may run out first (KASAN kernels): use what was made. */
	TH_LOG("%d threads (%d wanted)", started + 1, want + 1);
	ASSERT_LT(1000, started);

	mine = read_tasks_in_pieces(_metadata, true);
	EXPECT_EQ(started + 1, mine);

	l.tgid = getpid();
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_LIST, &l));
	EXPECT_EQ((unsigned int)started + 1, l.total);

	__atomic_store_n(&release_many, 1, __ATOMIC_RELEASE);
	futex_wake_all(&release_many);
	while (started--)
		pthread_join(threads[started], NULL);
	free(threads);
}

TEST_F_TIMEOUT(stress, readers_beside_exiting_threads, 120)
{
	struct tlsview_task *buf = NULL, v;
	struct tlsview_list l;
	pthread_t churners[CHURNERS];
	unsigned int capacity = 0, i;
	time_t end = time(NULL) + CHURN_SECONDS;
	int rounds = 0, ret;

	REQUIRE_DEVICE(self->fd);
	for (i = 0; i < CHURNERS; i++)
		ASSERT_EQ(0, pthread_create(&churners[i], NULL, churn, NULL));

	while (time(NULL) < end) {
		if (tlsview_debugfs_present())
			ASSERT_LE(1, read_tasks_in_pieces(_metadata, true));

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
	}
	__atomic_store_n(&stop_churn, 1, __ATOMIC_RELAXED);
	for (i = 0; i < CHURNERS; i++)
		pthread_join(churners[i], NULL);
	free(buf);
	TH_LOG("%d rounds", rounds);
	EXPECT_LT(2, rounds);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: TLSVIEW_IOC_LIST. Capacity 0 only counts (count 0, total
 * N); a short buffer is filled to capacity and total tells how far to
 * grow; after growing, every thread of the group is listed once and each
 * entry agrees with GET_TASK; entries are entry_size apart with the bytes
 * past struct tlsview_task zeroed and nothing past count entries written;
 * tgid 0 lists the whole system (root), and in a new pid namespace only
 * that namespace, with ids as the namespace numbers them. A group's listing
 * (walked on its own thread list) holds exactly the group's lines of the
 * whole-system listing (walked by id), in the same increasing id order,
 * and a short buffer gets the lowest ids, also when the ids wrapped so that
 * the list's order is not theirs. An id that names only a session
 * and process group (its process is gone) is no thread.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "module_common.h"
#include "kselftest_harness.h"

#define EXTRA_THREADS	5
#define GROUP_THREADS	(EXTRA_THREADS + 1)

FIXTURE(list) {
	int fd;
	int pipe[2];
	pthread_t threads[EXTRA_THREADS];
	int started;
};

static void *wait_on_pipe(void *arg)
{
	char c;

	if (read(*(int *)arg, &c, 1) < 0)
		return arg;
	return NULL;
}

FIXTURE_SETUP(list)
{
	self->fd = tlsview_open();
	self->started = 0;
	ASSERT_EQ(0, pipe(self->pipe));
	for (; self->started < EXTRA_THREADS; self->started++)
		ASSERT_EQ(0, pthread_create(&self->threads[self->started], NULL,
					    wait_on_pipe, &self->pipe[0]));
}

FIXTURE_TEARDOWN(list)
{
	close(self->pipe[1]);
	while (self->started--)
		pthread_join(self->threads[self->started], NULL);
	close(self->pipe[0]);
	if (self->fd >= 0)
		close(self->fd);
}

static int list(int fd, int tgid, void *buf, uint32_t capacity,
		uint32_t entry_size, struct tlsview_list *out)
{
	memset(out, 0, sizeof(*out));
	out->tgid = tgid;
	out->capacity = capacity;
	out->entry_size = entry_size;
	out->entries = (uintptr_t)buf;
	return ioctl(fd, TLSVIEW_IOC_LIST, out);
}

static bool is_my_thread(pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d", tid);
	return access(path, F_OK) == 0;
}

TEST_F(list, capacity_zero_counts)
{
	struct tlsview_list l;

	REQUIRE_DEVICE(self->fd);
	ASSERT_EQ(0, list(self->fd, getpid(), NULL, 0, TLSVIEW_TASK_SIZE_VER1,
			  &l));
	EXPECT_EQ(0, l.count);
	EXPECT_EQ(GROUP_THREADS, l.total);
}

TEST_F(list, grow_until_everything_fits)
{
	struct tlsview_task *buf = NULL, v;
	struct tlsview_list l;
	uint32_t capacity = 1;
	unsigned int i, j, rounds = 0;

	REQUIRE_DEVICE(self->fd);
	for (;;) {
		buf = realloc(buf, (capacity + 1) * sizeof(*buf));
		ASSERT_NE(NULL, buf);
		memset(buf, 0xaa, (capacity + 1) * sizeof(*buf));
		ASSERT_EQ(0, list(self->fd, getpid(), buf, capacity,
				  sizeof(*buf), &l));
		rounds++;
		EXPECT_EQ(l.count, l.total < capacity ? l.total : capacity);
		/* Nothing past count entries. */
		EXPECT_EQ(0xaa, ((unsigned char *)&buf[l.count])[0]);
		EXPECT_EQ(0xaaaaaaaa, buf[l.count].tgid);
		if (l.total <= capacity)
			break;
		capacity = l.total;
	}
	EXPECT_EQ(2, rounds);
	ASSERT_EQ(GROUP_THREADS, l.count);
	for (i = 0; i < l.count; i++) {
		EXPECT_EQ(getpid(), buf[i].tgid);
		EXPECT_TRUE(is_my_thread(buf[i].tid));
		for (j = 0; j < i; j++)
			EXPECT_NE(buf[j].tid, buf[i].tid);
		ASSERT_EQ(0, get_task(self->fd, buf[i].tid, 0, &v));
		EXPECT_EQ(v.tgid, buf[i].tgid);
		EXPECT_EQ(v.fsbase, buf[i].fsbase);
		EXPECT_EQ(v.gsbase, buf[i].gsbase);
		EXPECT_EQ(v.fsindex, buf[i].fsindex);
		EXPECT_EQ(v.gsindex, buf[i].gsindex);
		EXPECT_EQ(0, memcmp(v.tls, buf[i].tls, sizeof(v.tls)));
		EXPECT_STREQ(v.comm, buf[i].comm);
		EXPECT_EQ(0, buf[i].request);
	}
	free(buf);
}

TEST_F(list, group_in_the_order_of_the_system_walk)
{
	struct tlsview_task group[GROUP_THREADS + 1], prefix[2], *all;
	uint32_t capacity, i, mine = 0;
	struct tlsview_list l;

	REQUIRE_DEVICE(self->fd);
	if (geteuid() != 0)
		SKIP(return, "the whole-system listing needs root");
	ASSERT_EQ(0, list(self->fd, getpid(), group, GROUP_THREADS + 1,
			  sizeof(group[0]), &l));
	ASSERT_EQ(GROUP_THREADS, l.count);
	ASSERT_EQ(GROUP_THREADS, l.total);
	for (i = 1; i < l.count; i++)
		EXPECT_LT(group[i - 1].tid, group[i].tid);

	ASSERT_EQ(0, list(self->fd, getpid(), prefix, 2, sizeof(prefix[0]),
			  &l));
	ASSERT_EQ(2, l.count);
	EXPECT_EQ(GROUP_THREADS, l.total);
	EXPECT_EQ(group[0].tid, prefix[0].tid);
	EXPECT_EQ(group[1].tid, prefix[1].tid);

	ASSERT_EQ(0, list(self->fd, 0, NULL, 0, sizeof(*all), &l));
	capacity = l.total + 64;
	all = calloc(capacity, sizeof(*all));
	ASSERT_NE(NULL, all);
	ASSERT_EQ(0, list(self->fd, 0, all, capacity, sizeof(*all), &l));
	ASSERT_LT(l.count, capacity);
	for (i = 0; i < l.count; i++) {
		if (all[i].tgid != getpid())
			continue;
		ASSERT_GT(GROUP_THREADS, mine);
		EXPECT_EQ(group[mine].tid, all[i].tid);
		mine++;
	}
	EXPECT_EQ(GROUP_THREADS, mine);
	free(all);
}

TEST_F(list, larger_entry_size_is_zero_filled)
{
	const uint32_t entry_size = sizeof(struct tlsview_task) + 88;
	unsigned char *buf;
	struct tlsview_list l;
	struct tlsview_task e;
	unsigned int i, k;

	REQUIRE_DEVICE(self->fd);
	buf = malloc((GROUP_THREADS + 1) * entry_size);
	ASSERT_NE(NULL, buf);
	memset(buf, 0xaa, (GROUP_THREADS + 1) * entry_size);
	ASSERT_EQ(0, list(self->fd, getpid(), buf, GROUP_THREADS + 1,
			  entry_size, &l));
	ASSERT_EQ(GROUP_THREADS, l.count);
	ASSERT_EQ(GROUP_THREADS, l.total);
	for (i = 0; i < l.count; i++) {
		memcpy(&e, buf + i * entry_size, sizeof(e));
		EXPECT_EQ(getpid(), e.tgid);
		EXPECT_TRUE(is_my_thread(e.tid));
		for (k = sizeof(e); k < entry_size; k++)
			ASSERT_EQ(0, buf[i * entry_size + k])
				TH_LOG("entry %u byte %u", i, k);
	}
	for (k = 0; k < entry_size; k++)
		ASSERT_EQ(0xaa, buf[l.count * entry_size + k]);
	free(buf);
}

/* A thread that reports its id, then waits on the fixture's pipe. */
struct id_thread {
	int *pipe_rd;
	pid_t tid;
	sem_t ready;
};

static void *report_id_then_wait(void *arg)
{
	struct id_thread *t = arg;

	t->tid = gettid_raw();
	sem_post(&t->ready);
	return wait_on_pipe(t->pipe_rd);
}

static int start_id_thread(pthread_t *thread, struct id_thread *t, int *pipe_rd)
{
	t->pipe_rd = pipe_rd;
	t->tid = 0;
	if (sem_init(&t->ready, 0, 0) || pthread_create(thread, NULL, report_id_then_wait, t))
		return -1;
	while (sem_wait(&t->ready) && errno == EINTR)
		;
	return 0;
}

static int write_ns_last_pid(pid_t last)
{
	FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "we");
	int ok;

	if (!f)
		return -1;
	ok = fprintf(f, "%d", last) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/*
 * The group's thread list is in creation order, which is id order until
 * the ids wrap: a thread created with an id below the others' (here by
 * setting ns_last_pid, as after a wrap) comes last in the list, and the
 * listing must still come out in increasing id order, even when the low
 * id only turns up after a first batch of entries was written.
 */
#define HIGH_THREADS	40

TEST_F(list, ids_wrapped_still_in_id_order)
{
	struct id_thread high[HIGH_THREADS], low;
	pthread_t high_threads[HIGH_THREADS], low_thread;
	struct tlsview_task *buf;
	struct tlsview_list l;
	pid_t lowest_other = 0, low_id;
	unsigned int i, started = 0, found = 0;
	const unsigned int threads = GROUP_THREADS + HIGH_THREADS + 1;

	REQUIRE_DEVICE(self->fd);
	if (geteuid() != 0)
		SKIP(return, "setting ns_last_pid needs root");
	if (access("/proc/sys/kernel/ns_last_pid", F_OK))
		SKIP(return, "no ns_last_pid (a kernel without CONFIG_CHECKPOINT_RESTORE)");
	for (; started < HIGH_THREADS; started++)
		ASSERT_EQ(0, start_id_thread(&high_threads[started], &high[started],
					     &self->pipe[0]));
	/* The fixture's threads and the leader were created before these. */
	lowest_other = getpid();
	ASSERT_LT(100, lowest_other) TH_LOG("no room for an id below the group's");
	low_id = lowest_other / 2;
	ASSERT_EQ(0, write_ns_last_pid(low_id - 1));
	ASSERT_EQ(0, start_id_thread(&low_thread, &low, &self->pipe[0]));
	ASSERT_LT(low.tid, lowest_other)
		TH_LOG("the new thread got id %d, not one below %d", low.tid, lowest_other);

	buf = calloc(threads + 1, sizeof(*buf));
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, list(self->fd, getpid(), buf, threads + 1, sizeof(*buf), &l));
	EXPECT_EQ(threads, l.count);
	EXPECT_EQ(threads, l.total);
	for (i = 0; i < l.count; i++) {
		EXPECT_EQ(getpid(), buf[i].tgid);
		if (i)
			EXPECT_LT(buf[i - 1].tid, buf[i].tid);
		found += buf[i].tid == low.tid;
	}
	EXPECT_EQ(1, found);
	EXPECT_EQ(low.tid, buf[0].tid);
	free(buf);
	/* The threads leave with the test's process (the harness forks it). */
}

static int count_proc_threads(void)
{
	struct dirent *pe, *te;
	DIR *proc, *tasks;
	char path[300];
	int n = 0;

	proc = opendir("/proc");
	if (!proc)
		return -1;
	while ((pe = readdir(proc))) {
		if (pe->d_name[0] < '1' || pe->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", pe->d_name);
		tasks = opendir(path);
		if (!tasks)
			continue;
		while ((te = readdir(tasks)))
			if (te->d_name[0] != '.')
				n++;
		closedir(tasks);
	}
	closedir(proc);
	return n;
}

TEST_F(list, every_thread_for_root)
{
	struct tlsview_task *buf;
	struct tlsview_list l;
	unsigned int i, mine = 0;
	bool init = false, kthreadd = false;
	int proc;

	REQUIRE_DEVICE(self->fd);
	if (geteuid() != 0)
		SKIP(return, "root lists every thread");
	ASSERT_EQ(0, list(self->fd, 0, NULL, 0, sizeof(*buf), &l));
	proc = count_proc_threads();
	/* Other programs may come and go; this one's threads stay. */
	EXPECT_GT(l.total, GROUP_THREADS);
	EXPECT_LT(abs((int)l.total - proc), 16)
		TH_LOG("module %u threads, /proc %d", l.total, proc);

	buf = calloc(l.total + 64, sizeof(*buf));
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, list(self->fd, 0, buf, l.total + 64, sizeof(*buf), &l));
	EXPECT_EQ(l.total, l.count);
	for (i = 0; i < l.count; i++) {
		if (buf[i].tgid == getpid())
			mine++;
		if (buf[i].tid == 1)
			init = true;
		if (buf[i].tid == 2)
			kthreadd = true;
	}
	EXPECT_EQ(GROUP_THREADS, mine);
	EXPECT_TRUE(init);
	EXPECT_TRUE(kthreadd);
	free(buf);
}

/*
 * A session leader that exits while its child lives on leaves its id
 * naming that session and process group, but no thread: walks step over it.
 */
TEST_F(list, id_naming_only_a_session_is_no_thread)
{
	struct tlsview_task *buf, v;
	struct tlsview_list l;
	pid_t leader, member = 0;
	int ready[2], status;
	unsigned int i, seen_member = 0, seen_leader = 0;

	REQUIRE_DEVICE(self->fd);
	/* The member is reparented to this process, which reaps it below. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	ASSERT_EQ(0, pipe(ready));
	leader = fork();
	ASSERT_LE(0, leader);
	if (leader == 0) {
		pid_t m;

		if (setsid() < 0)
			_exit(10);
		m = fork();
		if (m == 0) {
			pause();
			_exit(0);
		}
		_exit(write(ready[1], &m, sizeof(m)) == sizeof(m) ? 0 : 11);
	}
	ASSERT_EQ(sizeof(member), read(ready[0], &member, sizeof(member)));
	ASSERT_EQ(leader, waitpid(leader, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(leader, getsid(member));

	EXPECT_EQ(-1, get_task(self->fd, leader, 0, &v));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, list(self->fd, leader, NULL, 0, sizeof(v), &l));
	EXPECT_EQ(ESRCH, errno);

	ASSERT_EQ(0, list(self->fd, 0, NULL, 0, sizeof(*buf), &l));
	buf = calloc(l.total + 64, sizeof(*buf));
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, list(self->fd, 0, buf, l.total + 64, sizeof(*buf), &l));
	EXPECT_EQ(l.total, l.count);
	for (i = 0; i < l.count; i++) {
		seen_member += buf[i].tid == member;
		seen_leader += buf[i].tid == leader || buf[i].tgid == leader;
	}
	free(buf);
	kill(member, SIGKILL);
	waitpid(member, NULL, 0);
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	close(ready[0]);
	close(ready[1]);
	EXPECT_EQ(1, seen_member);
	EXPECT_EQ(0, seen_leader);
}

/* In a child that is pid 1 of a new pid namespace. */
static int list_in_new_namespace(int fd)
{
	struct tlsview_task e[4], v;
	struct tlsview_list l;

	if (getpid() != 1)
		return 10;
	if (get_task(fd, 0, 0, &v) || v.tid != 1 || v.tgid != 1)
		return 11;
	if (list(fd, 0, e, 4, sizeof(e[0]), &l))
		return 12;
	/* Root sees every thread, but this namespace holds only itself. */
	if (l.total != 1 || l.count != 1 || e[0].tid != 1 || e[0].tgid != 1)
		return 13;
	if (list(fd, 1, e, 4, sizeof(e[0]), &l) || l.total != 1)
		return 14;
	return 0;
}

TEST_F(list, pid_namespace_ids)
{
	int status;
	pid_t child;

	REQUIRE_DEVICE(self->fd);
	if (unshare(CLONE_NEWPID))
		SKIP(return, "unshare(CLONE_NEWPID): %s", strerror(errno));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(list_in_new_namespace(self->fd));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN

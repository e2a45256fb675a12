// SPDX-License-Identifier: GPL-2.0
/*
 * Description: credential changes and execve under readers. A target
 * thread group cycles through: execve of a set-user-ID-root copy of this
 * program (euid root, real uid nobody), root in every id with threads, now
 * and then a plain execve as root, nobody's ids but a saved uid of root,
 * nobody in every id but not dumpable (all of these hidden from nobody),
 * then PR_SET_DUMPABLE (visible to nobody), and again. Meanwhile readers running as
 * nobody loop on TLSVIEW_IOC_GET_TASK of the target's threads and on
 * TLSVIEW_IOC_LIST of its group and of every thread. The target publishes
 * a state word (epoch and state) around each change, written after it
 * became privileged and before it drops privileges, so a reader knows when
 * the target was privileged for the whole of a call: no view of the
 * target may come back then. While the target was visible for the whole of
 * a call, GET_TASK of its main thread must succeed: the test sees both.
 * 3 s; 20 s with TLSVIEW_STRESS=long; longer (up to MAX_SECONDS) while the
 * target has not yet gone through two set-user-ID execs and a root exec,
 * which a busy host can take more than 3 s for.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include "module_common.h"
#include "stress_common.h"
#include "kselftest_harness.h"

#define TARGET_ARG	"--creds-target"
#define SUID_COPY	"/tmp/stress_creds.suid"
#define NOBODY		65534
#define TARGET_THREADS	3

enum target_state { STATE_START, STATE_PRIVILEGED, STATE_CHANGING, STATE_VISIBLE };

/* In a memfd the target keeps across execve. */
struct creds_shared {
	uint64_t word;		/* epoch << 8 | state */
	int stop;
	pid_t target;
	pid_t tids[TARGET_THREADS + 1];
	uint64_t cycles, suid_execs, root_execs, drops;
	char error[128];
};

static void set_state(struct creds_shared *sh, enum target_state state)
{
	uint64_t word = __atomic_load_n(&sh->word, __ATOMIC_SEQ_CST);

	__atomic_store_n(&sh->word, ((word >> 8) + 1) << 8 | state, __ATOMIC_SEQ_CST);
}

/* ---- the target ------------------------------------------------------- */

static struct creds_shared *target_shared;

static void *target_thread(void *arg)
{
	struct timespec ts = { 0, 500 * 1000 };
	int index = (int)(intptr_t)arg;

	__atomic_store_n(&target_shared->tids[index], gettid_raw(), __ATOMIC_SEQ_CST);
	/* Runs until execve ends it: sometimes running, sometimes asleep. */
	for (;;) {
		sched_yield();
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void target_hold(double seconds)
{
	double end = stress_now() + seconds;

	while (stress_now() < end && !__atomic_load_n(&target_shared->stop, __ATOMIC_SEQ_CST))
		usleep(2000);
}

static __attribute__((noreturn)) void target_fail(const char *what)
{
	snprintf(target_shared->error, sizeof(target_shared->error), "%s: %s", what,
		 strerror(errno));
	_exit(3);
}

/*
 * One image of the target: [set-user-ID start] become root entirely,
 * threads, maybe a plain re-exec, drop to nobody, then execve the
 * set-user-ID copy. Exits when told to stop.
 */
static int target_main(int fd, bool reexeced)
{
	gid_t nogroup = NOBODY;
	pthread_t thread;
	char fd_arg[16];
	int i;

	target_shared = mmap(NULL, sizeof(*target_shared), PROT_READ | PROT_WRITE,
			     MAP_SHARED, fd, 0);
	if (target_shared == MAP_FAILED)
		return 3;
	snprintf(fd_arg, sizeof(fd_arg), "%d", fd);
	if (__atomic_load_n(&target_shared->stop, __ATOMIC_SEQ_CST))
		return 0;

	/*
	 * Started set-user-ID root: euid 0 while the real uid is still
	 * nobody's, and not dumpable. Privileged already; then root in every id.
	 */
	set_state(target_shared, STATE_PRIVILEGED);
	target_hold(0.005);
	if (setresgid(0, 0, 0) || setresuid(0, 0, 0))
		target_fail("becoming root");
	set_state(target_shared, STATE_PRIVILEGED);
	target_shared->tids[0] = gettid_raw();
	for (i = 1; i <= TARGET_THREADS; i++)
		if (pthread_create(&thread, NULL, target_thread, (void *)(intptr_t)i))
			target_fail("pthread_create");
	target_hold(0.02);

	if (!reexeced && target_shared->cycles % 2) {
		/* A plain execve as root: privileged before, during and after. */
		target_shared->root_execs++;
		execl("/proc/self/exe", "stress_creds", TARGET_ARG, fd_arg, "again",
		      (char *)NULL);
		target_fail("execve as root");
	}

	/* Nobody's ids except a saved uid of root: still privileged. */
	set_state(target_shared, STATE_CHANGING);
	if (setgroups(1, &nogroup) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, 0))
		target_fail("dropping to nobody but the saved uid");
	set_state(target_shared, STATE_PRIVILEGED);
	target_hold(0.005);
	/* Nobody in every id, but not dumpable after a uid change: hidden. */
	set_state(target_shared, STATE_CHANGING);
	if (setresuid(NOBODY, NOBODY, NOBODY))
		target_fail("dropping the saved uid");
	set_state(target_shared, STATE_PRIVILEGED);
	target_hold(0.005);
	set_state(target_shared, STATE_CHANGING);
	if (prctl(PR_SET_DUMPABLE, 1))
		target_fail("PR_SET_DUMPABLE");
	target_shared->drops++;
	set_state(target_shared, STATE_VISIBLE);
	target_hold(0.02);

	set_state(target_shared, STATE_CHANGING);
	target_shared->cycles++;
	target_shared->suid_execs++;
	execl(SUID_COPY, "stress_creds", TARGET_ARG, fd_arg, (char *)NULL);
	target_fail("execve of the set-user-ID copy");
}

/* ---- the readers ------------------------------------------------------ */

struct reader_stats {
	uint64_t calls;
	uint64_t views_visible;		/* views while the target was visible */
	uint64_t denied_privileged;	/* EACCES/none while it was privileged */
	uint64_t leaks;			/* views while it was privileged */
	uint64_t misses;		/* main thread refused while visible */
	uint64_t errors;
	char first[192];
};

static void reader_note(struct reader_stats *st, uint64_t *counter, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reader_note(struct reader_stats *st, uint64_t *counter, const char *fmt, ...)
{
	va_list ap;

	if (!st->leaks && !st->misses && !st->errors) {
		va_start(ap, fmt);
		vsnprintf(st->first, sizeof(st->first), fmt, ap);
		va_end(ap);
	}
	(*counter)++;
}

/* Loop as nobody until told to stop; results in @st (shared memory). */
static void reader_run(struct creds_shared *sh, struct reader_stats *st, int seed)
{
	static struct tlsview_task entries[4096];
	struct stress_rng rng = { .state = seed };
	struct tlsview_task view;
	struct tlsview_list list;
	uint64_t before, after;
	bool privileged, visible, shown;
	int fd, err, op, i;
	pid_t tid, target = sh->target;

	fd = tlsview_open();
	if (fd < 0) {
		reader_note(st, &st->errors, "open: %s", strerror(errno));
		return;
	}
	while (!__atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST)) {
		op = stress_below(&rng, 4);
		tid = op == 0 ? target : __atomic_load_n(&sh->tids[stress_below(&rng, TARGET_THREADS + 1)],
							 __ATOMIC_SEQ_CST);
		before = __atomic_load_n(&sh->word, __ATOMIC_SEQ_CST);
		if (op <= 1) {
			err = get_task(fd, tid, stress_chance(&rng, 30) ? TLSVIEW_REQ_SAVED : 0,
				       &view) ? errno : 0;
			shown = !err && view.tgid == target;
		} else {
			memset(&list, 0, sizeof(list));
			list.tgid = op == 2 ? target : 0;
			list.capacity = sizeof(entries) / sizeof(entries[0]);
			list.entry_size = sizeof(entries[0]);
			list.entries = (uintptr_t)entries;
			err = ioctl(fd, TLSVIEW_IOC_LIST, &list) ? errno : 0;
			shown = false;
			for (i = 0; !err && i < (int)list.count; i++)
				shown |= entries[i].tgid == target;
			if (!err && op == 2 && list.total != list.count)
				reader_note(st, &st->errors, "LIST of the target: count %u total %u",
					    list.count, list.total);
		}
		after = __atomic_load_n(&sh->word, __ATOMIC_SEQ_CST);
		st->calls++;
		privileged = before == after && (before & 0xff) == STATE_PRIVILEGED;
		visible = before == after && (before & 0xff) == STATE_VISIBLE;

		if (err && err != ESRCH && err != EACCES)
			reader_note(st, &st->errors, "op %d tid %d: %s", op, tid, strerror(err));
		if (shown && privileged)
			reader_note(st, &st->leaks,
				    "op %d: nobody was shown the target (tid %d) while it was root (epoch %" PRIu64 ")",
				    op, op <= 1 ? tid : -1, before >> 8);
		else if (privileged)
			st->denied_privileged++;
		if (shown && visible)
			st->views_visible++;
		if (visible && op == 0 && err)
			reader_note(st, &st->misses,
				    "GET_TASK of the target's main thread %d while it was nobody: %s",
				    tid, strerror(err));
		if (visible && op == 2 && !err && !list.total)
			reader_note(st, &st->misses, "LIST of the target while it was nobody: empty");
	}
	close(fd);
}

/* ---- the test ---------------------------------------------------------- */

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	ssize_t n;
	int in, out, ret = 0;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	unlink(to);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			ret = -EIO;
			break;
		}
	if (n < 0)
		ret = -errno;
	if (!ret && (fchown(out, 0, 0) || fchmod(out, mode)))
		ret = -errno;
	close(out);
	close(in);
	return ret;
}

FIXTURE(creds) {
	int fd;
	int memfd;
	struct creds_shared *shared;
	struct reader_stats *stats;
};

FIXTURE_SETUP(creds)
{
	self->fd = tlsview_open();
	self->memfd = memfd_create("stress_creds", 0);
	ASSERT_LE(0, self->memfd);
	ASSERT_EQ(0, ftruncate(self->memfd, sizeof(*self->shared)));
	self->shared = mmap(NULL, sizeof(*self->shared), PROT_READ | PROT_WRITE,
			    MAP_SHARED, self->memfd, 0);
	ASSERT_NE(MAP_FAILED, self->shared);
	self->stats = mmap(NULL, 2 * sizeof(*self->stats), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->stats);
	memset(self->stats, 0, 2 * sizeof(*self->stats));
}

FIXTURE_TEARDOWN(creds)
{
	if (self->fd >= 0)
		close(self->fd);
	unlink(SUID_COPY);
}

/* Within the harness timeout below, with room for the checks. */
#define MAX_SECONDS	150.0

TEST_F_TIMEOUT(creds, nobody_never_sees_privileged, 300)
{
	const int nr_readers = 2;
	double seconds = STRESS_PICK(3.0, 20.0), start;
	struct creds_shared *sh = self->shared;
	struct reader_stats total = { 0 };
	pid_t target, readers[2];
	struct statvfs vfs;
	char fd_arg[16];
	int i, status;

	REQUIRE_DEVICE(self->fd);
	if (geteuid() != 0)
		SKIP(return, "changing to nobody and back needs root");
	if (statvfs("/tmp", &vfs) || (vfs.f_flag & ST_NOSUID))
		SKIP(return, "/tmp does not honour set-user-ID programs");
	ASSERT_EQ(0, copy_file("/proc/self/exe", SUID_COPY, 04755));

	snprintf(fd_arg, sizeof(fd_arg), "%d", self->memfd);
	fflush(stdout);
	target = fork();
	ASSERT_LE(0, target);
	if (target == 0) {
		execl("/proc/self/exe", "stress_creds", TARGET_ARG, fd_arg, (char *)NULL);
		_exit(4);
	}
	sh->target = target;
	for (i = 0; i < nr_readers; i++) {
		readers[i] = fork();
		ASSERT_LE(0, readers[i]);
		if (readers[i] == 0) {
			gid_t nogroup = NOBODY;

			if (setgroups(1, &nogroup) || setresgid(NOBODY, NOBODY, NOBODY) ||
			    setresuid(NOBODY, NOBODY, NOBODY))
				_exit(5);
			/* Readers spin; the target's execs must still get the CPU. */
			if (nice(10) < 0)
				_exit(5);
			reader_run(sh, &self->stats[i], i + 1);
			_exit(0);
		}
	}

	start = stress_now();
	while (!sh->error[0] && stress_now() - start < MAX_SECONDS &&
	       (stress_now() - start < seconds ||
		__atomic_load_n(&sh->suid_execs, __ATOMIC_SEQ_CST) < 2 ||
		__atomic_load_n(&sh->root_execs, __ATOMIC_SEQ_CST) < 1))
		usleep(50 * 1000);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < nr_readers; i++) {
		ASSERT_EQ(readers[i], waitpid(readers[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ASSERT_EQ(target, waitpid(target, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("target: status 0x%x: %s", status, sh->error);
	}

	for (i = 0; i < nr_readers; i++) {
		struct reader_stats *st = &self->stats[i];

		total.calls += st->calls;
		total.views_visible += st->views_visible;
		total.denied_privileged += st->denied_privileged;
		total.leaks += st->leaks;
		total.misses += st->misses;
		total.errors += st->errors;
		if (st->first[0])
			printf("# reader %d: first problem: %s\n", i, st->first);
	}
	printf("# stress: creds: cycles: %" PRIu64 ", set-user-ID execs: %" PRIu64
	       ", root execs: %" PRIu64 ", drops to nobody: %" PRIu64 " in %.1f s\n",
	       sh->cycles, sh->suid_execs, sh->root_execs, sh->drops, stress_now() - start);
	printf("# stress: creds: nobody reads: %" PRIu64 ", views while visible: %" PRIu64
	       ", refused while root: %" PRIu64 ", leaks: %" PRIu64 ", misses: %" PRIu64
	       ", errors: %" PRIu64 "\n", total.calls, total.views_visible,
	       total.denied_privileged, total.leaks, total.misses, total.errors);
	fflush(stdout);
	EXPECT_EQ(0, total.leaks);
	EXPECT_EQ(0, total.misses);
	EXPECT_EQ(0, total.errors);
	/* Both states were met, so both checks above meant something. */
	EXPECT_LT(0, total.views_visible);
	EXPECT_LT(0, total.denied_privileged);
	EXPECT_LT(1, sh->suid_execs);
	EXPECT_LT(0, sh->root_execs);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], TARGET_ARG))
		return target_main(atoi(argv[2]), argc >= 4);
	return test_harness_run(argc, argv);
}

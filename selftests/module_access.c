// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the access-control matrix of ABI.md section 2, per thread
 * and per request. Root (CAP_SYS_PTRACE) sees every thread, kernel
 * threads included; "nobody" (uid/gid 65534) sees its own threads (even
 * when not dumpable), and another process only when that process's real,
 * effective and saved uids and gids all equal its own and its mm is
 * dumpable (a process that changed credentials is not dumpable until
 * PR_SET_DUMPABLE); it never sees root's threads (EACCES; listings leave
 * them out) nor opens the debugfs files. Root without CAP_SYS_PTRACE does
 * not see kernel threads; nobody with CAP_SYS_PTRACE sees everything.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "module_common.h"
#include "kselftest_harness.h"

#define NOBODY		65534
#define OTHER_GID	65533

/* In a child: return the failing line, 0 when every check held. */
#define CHECK(cond) do { if (!(cond)) return __LINE__; } while (0)

/**
 * struct target - a process whose visibility is tested
 * @pid:      its pid.
 * @release:  write end of the pipe it waits on.
 */
struct target {
	pid_t pid;
	int release;
};

/* How a target sets itself up before it reports ready. */
struct target_creds {
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	int dumpable;	/* -1: leave as the credential change left it */
};

static int become(const struct target_creds *c)
{
	if (setresgid(c->rgid, c->egid, c->sgid))
		return -1;
	if (setresuid(c->ruid, c->euid, c->suid))
		return -1;
	if (c->dumpable >= 0 && prctl(PR_SET_DUMPABLE, c->dumpable))
		return -1;
	return 0;
}

static int become_nobody(void)
{
	static const struct target_creds nobody = {
		NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, 1
	};

	return become(&nobody);
}

static int start_target(const struct target_creds *c, struct target *t)
{
	int ready[2], release[2];
	char ok;

	if (pipe(ready) || pipe(release))
		return -1;
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (t->pid == 0) {
		close(ready[0]);
		close(release[1]);
		ok = c ? (become(c) ? 'E' : 'R') : 'R';
		if (write(ready[1], &ok, 1) != 1)
			_exit(1);
		/* EOF when the test closes the pipe or dies. */
		while (read(release[0], &ok, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	t->release = release[1];
	if (read(ready[0], &ok, 1) != 1 || ok != 'R')
		return -1;
	close(ready[0]);
	return 0;
}

static void stop_target(struct target *t)
{
	close(t->release);
	waitpid(t->pid, NULL, 0);
}

static int can_see(int fd, pid_t tid)
{
	struct tlsview_task v;

	if (get_task(fd, tid, 0, &v) == 0)
		return 1;
	return errno == EACCES ? 0 : -errno;
}

static int list_total(int fd, pid_t tgid)
{
	struct tlsview_list l = { .tgid = tgid,
				  .entry_size = TLSVIEW_TASK_SIZE_VER1 };

	if (ioctl(fd, TLSVIEW_IOC_LIST, &l))
		return -errno;
	return l.total;
}

static void *sleeper(void *arg)
{
	pause();
	return arg;
}

FIXTURE(access) {
	int fd;
};

FIXTURE_SETUP(access)
{
	self->fd = tlsview_open();
}

FIXTURE_TEARDOWN(access)
{
	if (self->fd >= 0)
		close(self->fd);
}

#define REQUIRE_ROOT() do {						\
	REQUIRE_DEVICE(self->fd);					\
	if (geteuid() != 0)						\
		SKIP(return, "needs root to build the matrix");		\
} while (0)

/* The child's result travels as its exit status; 0 is success. */
static int run_child(int (*fn)(int fd, void *arg), int fd, void *arg)
{
	int status, ret;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		ret = fn(fd, arg);
		_exit(ret > 255 || ret < 0 ? 255 : ret);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 254;
}

TEST_F(access, root_sees_every_thread)
{
	struct tlsview_task v;
	struct target t;

	REQUIRE_ROOT();
	ASSERT_EQ(0, start_target(&(struct target_creds){
		NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, 0 }, &t));
	EXPECT_EQ(1, can_see(self->fd, 1));
	EXPECT_EQ(1, can_see(self->fd, t.pid));
	EXPECT_EQ(1, list_total(self->fd, t.pid));
	ASSERT_EQ(0, get_task(self->fd, 2, 0, &v));
	EXPECT_EQ(TLSVIEW_TASK_KTHREAD, v.flags & TLSVIEW_TASK_KTHREAD);
	stop_target(&t);
}

static int nobody_own_threads(int fd, void *arg)
{
	struct tlsview_task e[4];
	struct tlsview_list l = { .capacity = 4, .entry_size = sizeof(e[0]),
				  .entries = (uintptr_t)e };
	int dumpable = *(int *)arg;
	pthread_t thread;
	unsigned int i;

	CHECK(become_nobody() == 0);
	CHECK(prctl(PR_SET_DUMPABLE, dumpable) == 0);
	CHECK(pthread_create(&thread, NULL, sleeper, NULL) == 0);
	CHECK(can_see(fd, 0) == 1);
	CHECK(can_see(fd, getpid()) == 1);
	l.tgid = getpid();
	CHECK(ioctl(fd, TLSVIEW_IOC_LIST, &l) == 0);
	CHECK(l.total == 2 && l.count == 2);
	for (i = 0; i < l.count; i++)
		CHECK(can_see(fd, e[i].tid) == 1);
	return 0;
}

TEST_F(access, nobody_sees_own_threads)
{
	int dumpable = 1;

	REQUIRE_ROOT();
	EXPECT_EQ(0, run_child(nobody_own_threads, self->fd, &dumpable));
	/* Its own thread group does not depend on dumpability. */
	dumpable = 0;
	EXPECT_EQ(0, run_child(nobody_own_threads, self->fd, &dumpable));
}

static int nobody_on_root(int fd, void *arg)
{
	struct tlsview_task *e;
	struct tlsview_list l = { .capacity = 4096,
				  .entry_size = sizeof(*e) };
	pid_t root_pid = *(pid_t *)arg;
	unsigned int i;

	e = calloc(l.capacity, sizeof(*e));
	CHECK(e);
	l.entries = (uintptr_t)e;
	CHECK(become_nobody() == 0);
	CHECK(can_see(fd, root_pid) == 0);
	CHECK(can_see(fd, 1) == 0);
	CHECK(can_see(fd, 2) == 0);		/* kthreadd */
	/* The group exists (no ESRCH) but none of it is counted. */
	CHECK(list_total(fd, root_pid) == 0);
	CHECK(list_total(fd, 1) == 0);
	l.tgid = 0;
	CHECK(ioctl(fd, TLSVIEW_IOC_LIST, &l) == 0);
	CHECK(l.count == l.total);
	CHECK(l.total >= 1);
	for (i = 0; i < l.count; i++) {
		CHECK(e[i].tgid != root_pid && e[i].tgid != 1);
		CHECK(!(e[i].flags & TLSVIEW_TASK_KTHREAD));
	}
	return 0;
}

TEST_F(access, nobody_does_not_see_root)
{
	pid_t root_pid = getpid();

	REQUIRE_ROOT();
	EXPECT_EQ(0, run_child(nobody_on_root, self->fd, &root_pid));
}

struct peer_case {
	struct target_creds creds;
	int visible;
};

static int nobody_on_peer(int fd, void *arg)
{
	struct target *t = arg;

	CHECK(become_nobody() == 0);
	return can_see(fd, t->pid) * 100 + 1;	/* 101 visible, 1 hidden */
}

TEST_F(access, nobody_on_other_processes)
{
	static const struct peer_case cases[] = {
		/* same ids, dumpable: visible */
		{ { NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, 1 }, 1 },
		/* same ids, not dumpable */
		{ { NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, 0 }, 0 },
		/* changed credentials and never said PR_SET_DUMPABLE */
		{ { NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, -1 }, 0 },
		/* another real gid */
		{ { NOBODY, NOBODY, NOBODY, OTHER_GID, NOBODY, NOBODY, 1 }, 0 },
		/* another effective gid */
		{ { NOBODY, NOBODY, NOBODY, NOBODY, OTHER_GID, NOBODY, 1 }, 0 },
		/* another saved gid */
		{ { NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, OTHER_GID, 1 }, 0 },
		/* root's effective uid kept */
		{ { NOBODY, 0, NOBODY, NOBODY, NOBODY, NOBODY, 1 }, 0 },
		/* root's saved uid kept */
		{ { NOBODY, NOBODY, 0, NOBODY, NOBODY, NOBODY, 1 }, 0 },
		/* root's real uid kept */
		{ { 0, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, 1 }, 0 },
	};
	unsigned int i;
	struct target t;

	REQUIRE_ROOT();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(0, start_target(&cases[i].creds, &t))
			TH_LOG("case %u", i);
		EXPECT_EQ(cases[i].visible ? 101 : 1,
			  run_child(nobody_on_peer, self->fd, &t))
			TH_LOG("case %u", i);
		stop_target(&t);
	}
}

static int nobody_opens_debugfs(int fd, void *arg)
{
	static const char *const files[] = { "tasks", "self", "cpus", "info" };
	char path[128];
	unsigned int i;
	int f;

	(void)fd;
	(void)arg;
	CHECK(become_nobody() == 0);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), TLSVIEW_DEBUGFS "/%s", files[i]);
		f = open(path, O_RDONLY);
		CHECK(f < 0 && errno == EACCES);
	}
	return 0;
}

TEST_F(access, nobody_cannot_open_debugfs)
{
	REQUIRE_ROOT();
	if (!tlsview_debugfs_present())
		SKIP(return, "debugfs not mounted");
	EXPECT_EQ(0, run_child(nobody_opens_debugfs, self->fd, NULL));
}

static int set_ptrace_cap(bool keep)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { 0 };

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	if (keep) {
		data[0].effective = 1U << CAP_SYS_PTRACE;
		data[0].permitted = 1U << CAP_SYS_PTRACE;
	} else {
		data[0].effective &= ~(1U << CAP_SYS_PTRACE);
	}
	data[1].effective = keep ? 0 : data[1].effective;
	if (keep)
		data[1].permitted = 0;
	return syscall(SYS_capset, &hdr, data);
}

static int root_without_ptrace(int fd, void *arg)
{
	(void)arg;
	CHECK(set_ptrace_cap(false) == 0);
	CHECK(can_see(fd, 0) == 1);
	/* Kernel threads are for CAP_SYS_PTRACE only, even for uid 0. */
	CHECK(can_see(fd, 2) == 0);
	return 0;
}

static int nobody_with_ptrace(int fd, void *arg)
{
	(void)arg;
	CHECK(prctl(PR_SET_KEEPCAPS, 1) == 0);
	CHECK(become_nobody() == 0);
	CHECK(set_ptrace_cap(true) == 0);
	CHECK(can_see(fd, 1) == 1);
	CHECK(can_see(fd, 2) == 1);
	CHECK(can_see(fd, getppid()) == 1);
	return 0;
}

TEST_F(access, cap_sys_ptrace_decides)
{
	REQUIRE_ROOT();
	EXPECT_EQ(0, run_child(root_without_ptrace, self->fd, NULL));
	EXPECT_EQ(0, run_child(nobody_with_ptrace, self->fd, NULL));
}

TEST_HARNESS_MAIN

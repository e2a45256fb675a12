// SPDX-License-Identifier: GPL-2.0
/*
 * Description: every error code of /dev/tlsview (ABI.md section 4):
 * ENOTTY for an unknown number, type or direction; EINVAL for unknown
 * request bits, cpu >= nr_cpu_ids, a LIST entry_size below ABI 1's and
 * nonzero padding; ESRCH for a thread or thread group that does not exist;
 * EACCES for a thread the caller may not see; EFAULT for bad pointers;
 * E2BIG for a long struct with a nonzero tail and for a LIST capacity over
 * TLSVIEW_LIST_MAX.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/wait.h>

#include "module_common.h"
#include "kselftest_harness.h"

#define BAD_POINTER	((void *)8)

FIXTURE(errors) {
	int fd;
};

FIXTURE_SETUP(errors)
{
	self->fd = tlsview_open();
}

FIXTURE_TEARDOWN(errors)
{
	if (self->fd >= 0)
		close(self->fd);
}

static int errno_of(int ret)
{
	return ret == -1 ? errno : 0;
}

TEST_F(errors, enotty_unknown_number_type_or_direction)
{
	char buf[256] = { 0 };

	REQUIRE_DEVICE(self->fd);
	EXPECT_EQ(ENOTTY, errno_of(ioctl(self->fd,
		TLSVIEW_CMD(_IOC_READ | _IOC_WRITE, 4, 16), buf)));
	EXPECT_EQ(ENOTTY, errno_of(ioctl(self->fd,
		TLSVIEW_CMD(_IOC_READ, 0xff, 16), buf)));
	EXPECT_EQ(ENOTTY, errno_of(ioctl(self->fd,
		_IOC(_IOC_READ, 0xB9, 0, sizeof(struct tlsview_info)), buf)));
	/* The right number with another direction is another command. */
	EXPECT_EQ(ENOTTY, errno_of(ioctl(self->fd,
		TLSVIEW_CMD(_IOC_READ | _IOC_WRITE, 0,
			    sizeof(struct tlsview_info)), buf)));
	EXPECT_EQ(ENOTTY, errno_of(ioctl(self->fd,
		TLSVIEW_CMD(_IOC_READ, 1, sizeof(struct tlsview_task)), buf)));
	EXPECT_EQ(ENOTTY, errno_of(ioctl(self->fd,
		TLSVIEW_CMD(_IOC_NONE, 3, 0), buf)));
	EXPECT_EQ(ENOTTY, errno_of(ioctl(self->fd, FIONREAD, buf)));
}

TEST_F(errors, einval_unknown_request_bits)
{
	struct tlsview_task v;

	REQUIRE_DEVICE(self->fd);
	EXPECT_EQ(EINVAL, errno_of(get_task(self->fd, 0, 1U << 1, &v)));
	EXPECT_EQ(EINVAL, errno_of(get_task(self->fd, 0, 1U << 31, &v)));
	EXPECT_EQ(0, get_task(self->fd, 0, TLSVIEW_REQ_SAVED, &v));
}

TEST_F(errors, einval_cpu_out_of_range)
{
	struct tlsview_info info;
	struct tlsview_cpu c = { 0 };

	REQUIRE_DEVICE(self->fd);
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_INFO, &info));
	c.cpu = info.nr_cpu_ids;
	EXPECT_EQ(EINVAL, errno_of(ioctl(self->fd, TLSVIEW_IOC_GET_CPU, &c)));
	c.cpu = ~0U;
	EXPECT_EQ(EINVAL, errno_of(ioctl(self->fd, TLSVIEW_IOC_GET_CPU, &c)));
	c.cpu = info.nr_cpu_ids - 1;
	EXPECT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_GET_CPU, &c));
}

TEST_F(errors, einval_list_entry_size_and_padding)
{
	struct tlsview_task entries[4];
	struct tlsview_list l = {
		.tgid = getpid(), .capacity = 4,
		.entry_size = TLSVIEW_TASK_SIZE_VER1 - 1,
		.entries = (uintptr_t)entries,
	};

	REQUIRE_DEVICE(self->fd);
	EXPECT_EQ(EINVAL, errno_of(ioctl(self->fd, TLSVIEW_IOC_LIST, &l)));
	l.entry_size = 0;
	EXPECT_EQ(EINVAL, errno_of(ioctl(self->fd, TLSVIEW_IOC_LIST, &l)));
	l.entry_size = TLSVIEW_TASK_SIZE_VER1;
	l.__pad0 = 1;
	EXPECT_EQ(EINVAL, errno_of(ioctl(self->fd, TLSVIEW_IOC_LIST, &l)));
	l.__pad0 = 0;
	EXPECT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_LIST, &l));
	EXPECT_EQ(1, l.count);
}

/* A tid that existed and is gone: a reaped child's. */
static pid_t dead_tid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static void *block_forever(void *arg)
{
	pause();
	return arg;
}

TEST_F(errors, esrch_no_such_thread_or_group)
{
	struct tlsview_list l = { .entry_size = TLSVIEW_TASK_SIZE_VER1 };
	struct tlsview_task v;
	pthread_t thread;
	pid_t gone = dead_tid();
	char path[64];
	pid_t other = 0;

	REQUIRE_DEVICE(self->fd);
	EXPECT_EQ(ESRCH, errno_of(get_task(self->fd, gone, 0, &v)));
	EXPECT_EQ(ESRCH, errno_of(get_task(self->fd, -1, 0, &v)));
	EXPECT_EQ(ESRCH, errno_of(get_task(self->fd, INT32_MAX, 0, &v)));

	l.tgid = gone;
	EXPECT_EQ(ESRCH, errno_of(ioctl(self->fd, TLSVIEW_IOC_LIST, &l)));
	l.tgid = -5;
	EXPECT_EQ(ESRCH, errno_of(ioctl(self->fd, TLSVIEW_IOC_LIST, &l)));

	/* A thread id that is not a thread group id names no group. */
	ASSERT_EQ(0, pthread_create(&thread, NULL, block_forever, NULL));
	for (int i = 0; i < 1000 && !other; i++) {
		struct tlsview_task e[8];
		struct tlsview_list mine = {
			.tgid = getpid(), .capacity = 8,
			.entry_size = sizeof(e[0]), .entries = (uintptr_t)e,
		};

		ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_LIST, &mine));
		for (unsigned int j = 0; j < mine.count; j++)
			if (e[j].tid != getpid())
				other = e[j].tid;
		if (!other)
			usleep(1000);
	}
	ASSERT_NE(0, other);
	snprintf(path, sizeof(path), "/proc/self/task/%d", other);
	ASSERT_EQ(0, access(path, F_OK));
	l.tgid = other;
	EXPECT_EQ(ESRCH, errno_of(ioctl(self->fd, TLSVIEW_IOC_LIST, &l)));
	EXPECT_EQ(0, get_task(self->fd, other, 0, &v));
}

TEST_F(errors, eacces_thread_not_visible)
{
	struct tlsview_task v;
	pid_t child;
	int status;

	REQUIRE_DEVICE(self->fd);
	if (geteuid() != 0)
		SKIP(return, "needs root to become nobody");
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(10);
		/* The parent (root) and kthreadd (a kernel thread). */
		if (get_task(self->fd, getppid(), 0, &v) != -1 ||
		    errno != EACCES)
			_exit(11);
		if (get_task(self->fd, 2, 0, &v) != -1 || errno != EACCES)
			_exit(12);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(errors, efault_bad_pointers)
{
	struct tlsview_list l = {
		.tgid = getpid(), .capacity = 1,
		.entry_size = TLSVIEW_TASK_SIZE_VER1,
		.entries = (uintptr_t)BAD_POINTER,
	};

	REQUIRE_DEVICE(self->fd);
	EXPECT_EQ(EFAULT, errno_of(ioctl(self->fd, TLSVIEW_IOC_INFO, NULL)));
	EXPECT_EQ(EFAULT, errno_of(ioctl(self->fd, TLSVIEW_IOC_GET_TASK,
					 BAD_POINTER)));
	EXPECT_EQ(EFAULT, errno_of(ioctl(self->fd, TLSVIEW_IOC_LIST, NULL)));
	EXPECT_EQ(EFAULT, errno_of(ioctl(self->fd, TLSVIEW_IOC_GET_CPU,
					 BAD_POINTER)));
	EXPECT_EQ(EFAULT, errno_of(ioctl(self->fd, TLSVIEW_IOC_LIST, &l)));
	/* A kernel address is as bad as an unmapped one. */
	l.entries = 0xffffffff81000000ULL;
	EXPECT_EQ(EFAULT, errno_of(ioctl(self->fd, TLSVIEW_IOC_LIST, &l)));
}

TEST_F(errors, e2big_long_struct_with_nonzero_tail)
{
	struct {
		union {
			struct tlsview_task task;
			struct tlsview_list list;
			struct tlsview_cpu cpu;
		};
		uint64_t tail[4];
	} big;

	REQUIRE_DEVICE(self->fd);

	memset(&big, 0, sizeof(big));
	big.tail[3] = 1;
	EXPECT_EQ(E2BIG, errno_of(ioctl(self->fd,
		TLSVIEW_CMD(_IOC_READ | _IOC_WRITE, 1,
			    sizeof(big.task) + sizeof(big.tail)), &big.task)));

	memset(&big, 0, sizeof(big));
	big.list.entry_size = TLSVIEW_TASK_SIZE_VER1;
	*((char *)&big.list + sizeof(big.list)) = 1;
	EXPECT_EQ(E2BIG, errno_of(ioctl(self->fd,
		TLSVIEW_CMD(_IOC_READ | _IOC_WRITE, 2,
			    sizeof(big.list) + 8), &big.list)));

	memset(&big, 0, sizeof(big));
	*((char *)&big.cpu + sizeof(big.cpu) + 7) = 0x80;
	EXPECT_EQ(E2BIG, errno_of(ioctl(self->fd,
		TLSVIEW_CMD(_IOC_READ | _IOC_WRITE, 3,
			    sizeof(big.cpu) + 8), &big.cpu)));
}

TEST_F(errors, e2big_list_capacity_over_max)
{
	struct tlsview_list l = {
		.tgid = getpid(), .capacity = TLSVIEW_LIST_MAX + 1,
		.entry_size = TLSVIEW_TASK_SIZE_VER1,
	};

	REQUIRE_DEVICE(self->fd);
	EXPECT_EQ(E2BIG, errno_of(ioctl(self->fd, TLSVIEW_IOC_LIST, &l)));
	l.capacity = ~0U;
	EXPECT_EQ(E2BIG, errno_of(ioctl(self->fd, TLSVIEW_IOC_LIST, &l)));
}

TEST_HARNESS_MAIN

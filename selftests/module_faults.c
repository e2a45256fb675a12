// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the module's allocation failures, injected one at a time
 * with the kernel's fault injection (failslab, /proc/thread-self/fail-nth):
 * each one makes the request fail with ENOMEM (a debugfs read may also
 * absorb one and succeed, never fail otherwise) and leaves the caller's
 * buffer untouched, and the same request succeeds once no allocation
 * fails. Needs CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS (the
 * coverage kernel, tools/kernel's `coverage`); SKIPs elsewhere.
 *
 * fail-nth N makes the calling thread's Nth fault-injection site fail. The
 * file is opened before arming, so that only the request itself counts,
 * and every buffer is touched first, so that no page fault allocates.
 */
#define _GNU_SOURCE

#include "module_common.h"
#include "kselftest_harness.h"

#define FAILSLAB		"/sys/kernel/debug/failslab"
#define FAIL_NTH		"/proc/thread-self/fail-nth"
/* More allocation sites than any request below makes. */
#define MAX_NTH			64

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/* Arm (n > 0) or disarm (n == 0) fail-nth through the open @fd. */
static int fail_nth_set(int fd, int n)
{
	char text[16];
	int len = snprintf(text, sizeof(text), "%d", n);

	return pwrite(fd, text, len, 0) == len ? 0 : -1;
}

/* 0 once the armed failure was injected, else how many sites are left. */
static int fail_nth_left(int fd)
{
	char text[16] = { 0 };

	if (pread(fd, text, sizeof(text) - 1, 0) <= 0)
		return -1;
	return atoi(text);
}

FIXTURE(faults) {
	int dev;
	int nth;	/* /proc/thread-self/fail-nth, or -1 */
};

FIXTURE_SETUP(faults)
{
	self->dev = tlsview_open();
	self->nth = -1;
	if (access(FAILSLAB, F_OK))
		return;
	/*
	 * Every module allocation is GFP_KERNEL, which failslab leaves alone
	 * unless told otherwise; verbose 0 keeps the kernel log clean (the
	 * default prints a stack trace per injected failure). Probability
	 * stays 0: only the armed thread's Nth site fails.
	 */
	if (write_file(FAILSLAB "/ignore-gfp-wait", "N") ||
	    write_file(FAILSLAB "/verbose", "0"))
		return;
	self->nth = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
}

FIXTURE_TEARDOWN(faults)
{
	if (self->nth >= 0) {
		fail_nth_set(self->nth, 0);
		close(self->nth);
		write_file(FAILSLAB "/ignore-gfp-wait", "Y");
	}
	if (self->dev >= 0)
		close(self->dev);
}

#define REQUIRE_FAILSLAB(self) do {					\
	REQUIRE_DEVICE((self)->dev);					\
	if ((self)->nth < 0)						\
		SKIP(return, "no failslab / fail-nth: kernel without "	\
		     "CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS"); \
} while (0)

/* One request with its Nth allocation failing: its errno, 0 if it passed. */
#define RUN_NTH(self, n, left, request) ({				\
	int __ret;							\
	ASSERT_EQ(0, fail_nth_set((self)->nth, (n)));			\
	__ret = (request);						\
	__ret = __ret < 0 ? errno : 0;					\
	(left) = fail_nth_left((self)->nth);				\
	ASSERT_EQ(0, fail_nth_set((self)->nth, 0));			\
	__ret;								\
})

TEST_F(faults, list_enomem_leaves_the_request_alone)
{
	struct tlsview_task entries[4];
	struct tlsview_list l, before;
	int n, err, left = 0, failed = 0;

	REQUIRE_FAILSLAB(self);
	memset(entries, 0x5a, sizeof(entries));
	memset(&before, 0, sizeof(before));
	before.tgid = getpid();
	before.capacity = 4;
	before.entry_size = sizeof(entries[0]);
	before.entries = (uintptr_t)entries;

	for (n = 1; n <= MAX_NTH; n++) {
		l = before;
		err = RUN_NTH(self, n, left, ioctl(self->dev, TLSVIEW_IOC_LIST, &l));
		if (left > 0)
			break;
		/* An injected failure is an error, never a short listing. */
		ASSERT_EQ(ENOMEM, err);
		EXPECT_EQ(0, memcmp(&l, &before, sizeof(l)));
		failed++;
	}
	ASSERT_LE(n, MAX_NTH);
	EXPECT_LE(1, failed);
	/* With more sites than the request has, it simply works. */
	EXPECT_EQ(0, err);
	EXPECT_EQ(1, l.count);
	EXPECT_EQ(getpid(), entries[0].tid);
}

/* open() (+ read() when @do_read) of one debugfs file, failure by failure. */
static int debugfs_nth(struct __test_metadata *_metadata,
		       FIXTURE_DATA(faults) *self, const char *name,
		       bool do_read, int *failed)
{
	char path[128], buf[4096];
	int n, err, left = 0, fd = -1;

	snprintf(path, sizeof(path), TLSVIEW_DEBUGFS "/%s", name);
	memset(buf, 0, sizeof(buf));
	*failed = 0;
	for (n = 1; n <= MAX_NTH; n++) {
		if (do_read) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return -errno;
			err = RUN_NTH(self, n, left, (int)read(fd, buf, sizeof(buf)));
			close(fd);
		} else {
			err = RUN_NTH(self, n, left,
				      fd = open(path, O_RDONLY | O_CLOEXEC));
			if (fd >= 0)
				close(fd);
		}
		if (left > 0)
			return err ? -err : n;
		/* The VFS may absorb a failure (a read that retries). */
		if (err && err != ENOMEM)
			return -err;
		*failed += err == ENOMEM;
	}
	return -E2BIG;
}

TEST_F(faults, debugfs_open_and_read_enomem)
{
	static const char *const files[] = { "tasks", "self", "cpus", "info" };
	int failed;

	REQUIRE_FAILSLAB(self);
	if (!tlsview_debugfs_present())
		SKIP(return, "no " TLSVIEW_DEBUGFS);
	for (unsigned int i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		/*
		 * Each allocation of open() (the VFS's and tasks' iterator)
		 * and of the first read() (seq_file's buffer, self's view)
		 * fails with ENOMEM in turn, then the call succeeds.
		 */
		EXPECT_LT(0, debugfs_nth(_metadata, self, files[i], false, &failed))
			TH_LOG("open %s", files[i]);
		EXPECT_LE(1, failed) TH_LOG("open %s", files[i]);
		EXPECT_LT(0, debugfs_nth(_metadata, self, files[i], true, &failed))
			TH_LOG("read %s", files[i]);
		EXPECT_LE(1, failed) TH_LOG("read %s", files[i]);
	}
}

TEST_HARNESS_MAIN

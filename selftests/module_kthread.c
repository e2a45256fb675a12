// SPDX-License-Identifier: GPL-2.0
/*
 * Description: kernel threads. kthreadd (tid 2) and every other kernel
 * thread carry the KTHREAD flag, zero FS/GS bases and selectors and empty
 * TLS slots, in GET_TASK, LIST and debugfs ("...,kthread"); user threads
 * never carry the flag.
 */
#include "module_common.h"
#include "kselftest_harness.h"

#define KTHREADD	2

FIXTURE(kthread) {
	int fd;
};

FIXTURE_SETUP(kthread)
{
	self->fd = tlsview_open();
}

FIXTURE_TEARDOWN(kthread)
{
	if (self->fd >= 0)
		close(self->fd);
}

static void check_kthread_view(struct __test_metadata *_metadata,
			       const struct tlsview_task *v)
{
	int i;

	EXPECT_EQ(TLSVIEW_TASK_KTHREAD, v->flags & TLSVIEW_TASK_KTHREAD);
	EXPECT_EQ(0, v->flags & (TLSVIEW_TASK_COMPAT | TLSVIEW_TASK_LIVE));
	EXPECT_EQ(0, v->fsbase);
	EXPECT_EQ(0, v->gsbase);
	EXPECT_EQ(0, v->fsindex);
	EXPECT_EQ(0, v->gsindex);
	for (i = 0; i < TLSVIEW_TLS_SLOTS; i++)
		EXPECT_EQ(TLSVIEW_DESC_EMPTY, v->tls[i].flags);
}

TEST_F(kthread, kthreadd_get_task)
{
	struct tlsview_task v;

	REQUIRE_DEVICE(self->fd);
	if (geteuid() != 0)
		SKIP(return, "kernel threads are visible to CAP_SYS_PTRACE only");
	ASSERT_EQ(0, get_task(self->fd, KTHREADD, 0, &v));
	check_kthread_view(_metadata, &v);
	EXPECT_EQ(KTHREADD, v.tid);
	EXPECT_EQ(KTHREADD, v.tgid);
	EXPECT_STREQ("kthreadd", v.comm);
	ASSERT_EQ(0, get_task(self->fd, KTHREADD, TLSVIEW_REQ_SAVED, &v));
	check_kthread_view(_metadata, &v);
}

/* Every kernel thread in a system-wide LIST, against /proc's view. */
TEST_F(kthread, list_flags_match_proc)
{
	struct tlsview_task *buf;
	struct tlsview_list l = { .entry_size = sizeof(*buf) };
	unsigned int i, kthreads = 0;
	char path[64], line[256];

	REQUIRE_DEVICE(self->fd);
	if (geteuid() != 0)
		SKIP(return, "kernel threads are visible to CAP_SYS_PTRACE only");
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_LIST, &l));
	l.capacity = l.total + 64;
	buf = calloc(l.capacity, sizeof(*buf));
	ASSERT_NE(NULL, buf);
	l.entries = (uintptr_t)buf;
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_LIST, &l));
	for (i = 0; i < l.count; i++) {
		bool kernel = false;
		FILE *f;

		/* A kernel thread has no memory map: /proc/PID/maps is empty. */
		snprintf(path, sizeof(path), "/proc/%d/task/%d/maps",
			 buf[i].tgid, buf[i].tid);
		f = fopen(path, "re");
		if (!f)
			continue;	/* exited meanwhile */
		kernel = !fgets(line, sizeof(line), f);
		fclose(f);
		if (kernel && buf[i].tgid != getpid()) {
			kthreads++;
			check_kthread_view(_metadata, &buf[i]);
		} else if (!kernel) {
			EXPECT_EQ(0, buf[i].flags & TLSVIEW_TASK_KTHREAD)
				TH_LOG("tid %d", buf[i].tid);
		}
	}
	EXPECT_GT(kthreads, 1);
	free(buf);
}

TEST_F(kthread, debugfs_line)
{
	struct tasks_line line;

	REQUIRE_DEVICE(self->fd);
	if (!tlsview_debugfs_present())
		SKIP(return, "debugfs not mounted");
	ASSERT_EQ(0, debugfs_find_task("tasks", KTHREADD, &line));
	/* kthreadd may be running or sleeping at the moment of the read. */
	EXPECT_EQ(0, strncmp("saved,kthread", line.flags, 13));
	EXPECT_EQ(0, line.fsbase);
	EXPECT_EQ(0, line.gsbase);
	EXPECT_STREQ("-", line.tls[0]);
	EXPECT_STREQ("kthreadd", line.comm);
	ASSERT_EQ(0, debugfs_find_task("tasks", 1, &line));
	EXPECT_EQ(NULL, strstr(line.flags, "kthread"));
}

TEST_HARNESS_MAIN

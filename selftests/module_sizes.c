// SPDX-License-Identifier: GPL-2.0
/*
 * Description: growing structs. For every ioctl the command is built with
 * _IOC(dir, 0xB8, nr, size) for a short, the exact and a long size: a
 * short input is zero-extended (bytes past the size are never read, even
 * when nonzero), output stops at the caller's size (bytes past it are not
 * touched), and a long struct with a zero tail works like the exact one,
 * its tail written as zero.
 */
#include "module_common.h"
#include "kselftest_harness.h"

#define FILL		0xaa
#define BUF_SIZE	512
#define LONG_EXTRA	24

FIXTURE(sizes) {
	int fd;
	unsigned char buf[BUF_SIZE];
};

FIXTURE_SETUP(sizes)
{
	self->fd = tlsview_open();
	memset(self->buf, FILL, sizeof(self->buf));
}

FIXTURE_TEARDOWN(sizes)
{
	if (self->fd >= 0)
		close(self->fd);
}

static bool all_bytes(const unsigned char *p, size_t len, unsigned char val)
{
	while (len--)
		if (*p++ != val)
			return false;
	return true;
}

#define RW	(_IOC_READ | _IOC_WRITE)

TEST_F(sizes, info_short_exact_long)
{
	const size_t size = sizeof(struct tlsview_info);
	struct tlsview_info *info = (void *)self->buf;
	struct tlsview_info exact;

	REQUIRE_DEVICE(self->fd);
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_INFO, &exact));
	EXPECT_EQ(1, exact.abi_version);

	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_CMD(_IOC_READ, 0, 4), self->buf));
	EXPECT_EQ(1, info->abi_version);
	EXPECT_TRUE(all_bytes(self->buf + 4, BUF_SIZE - 4, FILL));

	memset(self->buf, FILL, BUF_SIZE);
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_CMD(_IOC_READ, 0, size), self->buf));
	EXPECT_EQ(0, memcmp(&exact, self->buf, size));
	EXPECT_TRUE(all_bytes(self->buf + size, BUF_SIZE - size, FILL));

	memset(self->buf, FILL, BUF_SIZE);
	ASSERT_EQ(0, ioctl(self->fd,
			   TLSVIEW_CMD(_IOC_READ, 0, size + LONG_EXTRA),
			   self->buf));
	EXPECT_EQ(0, memcmp(&exact, self->buf, size));
	EXPECT_TRUE(all_bytes(self->buf + size, LONG_EXTRA, 0));
	EXPECT_TRUE(all_bytes(self->buf + size + LONG_EXTRA,
			      BUF_SIZE - size - LONG_EXTRA, FILL));
}

TEST_F(sizes, get_task_short_exact_long)
{
	const size_t size = sizeof(struct tlsview_task);
	struct tlsview_task *v = (void *)self->buf;
	struct tlsview_task exact;

	REQUIRE_DEVICE(self->fd);
	ASSERT_EQ(0, get_task(self->fd, 0, 0, &exact));
	EXPECT_EQ(gettid_raw(), exact.tid);

	/*
	 * 4 bytes: only tid. The request field behind it holds 0xaaaaaaaa,
	 * unknown bits that would fail with EINVAL if they were read.
	 */
	v->tid = 0;
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_CMD(RW, 1, 4), self->buf));
	EXPECT_EQ(gettid_raw(), v->tid);
	EXPECT_TRUE(all_bytes(self->buf + 4, BUF_SIZE - 4, FILL));

	/* Up to and including flags: the output stops there. */
	memset(self->buf, FILL, BUF_SIZE);
	v->tid = 0;
	v->request = 0;
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_CMD(RW, 1, 16), self->buf));
	EXPECT_EQ(exact.tid, v->tid);
	EXPECT_EQ(exact.tgid, v->tgid);
	EXPECT_EQ(TLSVIEW_TASK_LIVE, v->flags);
	EXPECT_TRUE(all_bytes(self->buf + 16, BUF_SIZE - 16, FILL));

	memset(self->buf, 0, BUF_SIZE);
	memset(self->buf + size + LONG_EXTRA, FILL, BUF_SIZE - size - LONG_EXTRA);
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_CMD(RW, 1, size + LONG_EXTRA),
			   self->buf));
	EXPECT_EQ(exact.tid, v->tid);
	EXPECT_EQ(exact.tgid, v->tgid);
	EXPECT_EQ(exact.fsbase, v->fsbase);
	EXPECT_STREQ(exact.comm, v->comm);
	EXPECT_TRUE(all_bytes(self->buf + size, LONG_EXTRA, 0));
	EXPECT_TRUE(all_bytes(self->buf + size + LONG_EXTRA,
			      BUF_SIZE - size - LONG_EXTRA, FILL));
}

TEST_F(sizes, list_short_exact_long)
{
	const size_t size = sizeof(struct tlsview_list);
	const size_t no_out = offsetof(struct tlsview_list, count);
	struct tlsview_list *l = (void *)self->buf;
	struct tlsview_task entry;

	REQUIRE_DEVICE(self->fd);
	/* Without count and total: entries are still written. */
	memset(&entry, 0, sizeof(entry));
	l->tgid = getpid();
	l->capacity = 1;
	l->entry_size = sizeof(entry);
	l->__pad0 = 0;
	l->entries = (uintptr_t)&entry;
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_CMD(RW, 2, no_out), self->buf));
	EXPECT_EQ(getpid(), entry.tid);
	EXPECT_TRUE(all_bytes(self->buf + no_out, BUF_SIZE - no_out, FILL));

	memset(self->buf, FILL, BUF_SIZE);
	memset(self->buf, 0, size);
	l->tgid = getpid();
	l->capacity = 1;
	l->entry_size = sizeof(entry);
	l->entries = (uintptr_t)&entry;
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_CMD(RW, 2, size), self->buf));
	EXPECT_EQ(1, l->count);
	EXPECT_EQ(1, l->total);
	EXPECT_TRUE(all_bytes(self->buf + size, BUF_SIZE - size, FILL));

	memset(self->buf, 0, size + LONG_EXTRA);
	l->tgid = getpid();
	l->capacity = 0;
	l->entry_size = sizeof(entry);
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_CMD(RW, 2, size + LONG_EXTRA),
			   self->buf));
	EXPECT_EQ(0, l->count);
	EXPECT_EQ(1, l->total);
	EXPECT_TRUE(all_bytes(self->buf + size, LONG_EXTRA, 0));
	EXPECT_TRUE(all_bytes(self->buf + size + LONG_EXTRA,
			      BUF_SIZE - size - LONG_EXTRA, FILL));
}

TEST_F(sizes, get_cpu_short_exact_long)
{
	const size_t size = sizeof(struct tlsview_cpu);
	struct tlsview_cpu *c = (void *)self->buf;
	struct tlsview_cpu exact = { .cpu = 0 };

	REQUIRE_DEVICE(self->fd);
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_GET_CPU, &exact));
	EXPECT_EQ(TLSVIEW_CPU_ONLINE, exact.flags & TLSVIEW_CPU_ONLINE);

	/* Only cpu; flags would be the next field written. */
	c->cpu = 0;
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_CMD(RW, 3, 4), self->buf));
	EXPECT_EQ(0, c->cpu);
	EXPECT_TRUE(all_bytes(self->buf + 4, BUF_SIZE - 4, FILL));

	memset(self->buf, FILL, BUF_SIZE);
	c->cpu = 0;
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_CMD(RW, 3, 8), self->buf));
	EXPECT_EQ(exact.flags, c->flags);
	EXPECT_TRUE(all_bytes(self->buf + 8, BUF_SIZE - 8, FILL));

	memset(self->buf, FILL, BUF_SIZE);
	memset(self->buf, 0, size + LONG_EXTRA);
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_CMD(RW, 3, size + LONG_EXTRA),
			   self->buf));
	EXPECT_EQ(exact.flags, c->flags);
	EXPECT_EQ(exact.cr4, c->cr4);
	EXPECT_TRUE(all_bytes(self->buf + size, LONG_EXTRA, 0));
	EXPECT_TRUE(all_bytes(self->buf + size + LONG_EXTRA,
			      BUF_SIZE - size - LONG_EXTRA, FILL));
}

TEST_HARNESS_MAIN

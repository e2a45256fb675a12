// SPDX-License-Identifier: GPL-2.0
/*
 * Description: selectors, legacy bases and TLS descriptors. A thread
 * installs a descriptor (a GDT TLS slot with set_thread_area through the
 * ia32 entry, or an LDT entry with modify_ldt), loads its selector into FS
 * or GS and blocks. Its view (GET_TASK, LIST, debugfs) must carry that
 * selector, the descriptor's base as the FS/GS base, and the slot decoded
 * like struct user_desc, other slots EMPTY. Without FSGSBASE (nofsgsbase,
 * -cpu qemu64) the kernel keeps no saved base for a nonzero selector, so
 * the base must come from the descriptor, as x86_fsgsbase_read_task() does.
 * The thread reading itself with the selector loaded is covered too, and
 * the descriptor bits TLS slots can have but these never set.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "module_common.h"
#include "kselftest_harness.h"

#define LDT_ENTRY	1
#define EXPECTED_FLAGS	(TLSVIEW_DESC_SEG_32BIT | TLSVIEW_DESC_LIMIT_IN_PAGES | \
			 TLSVIEW_DESC_USEABLE)

struct seg_thread {
	bool fs;
	bool ldt;
	uint32_t desc_base;
	int fd;				/* self variant: read through it */
	int ready;			/* futex: the selector is loaded */
	int release;			/* futex: go back to libc's bases */
	pid_t tid;
	int entry;			/* GDT or LDT index */
	uint16_t selector;
	uint16_t seen_selector;		/* read back after loading */
	uint64_t seen_base;		/* arch_prctl(ARCH_GET_*) meanwhile */
	long self_ret;			/* self variant: the ioctl's result */
	struct tlsview_task self_view;
	int err;
};

static void fill_desc(struct user_desc *d, int entry, uint32_t base)
{
	memset(d, 0, sizeof(*d));
	d->entry_number = entry;
	d->base_addr = base;
	d->limit = 0xfffff;
	d->seg_32bit = 1;
	d->limit_in_pages = 1;
	d->useable = 1;
}

static int install_descriptor(struct seg_thread *t)
{
	struct user_desc d;

	if (t->ldt) {
		fill_desc(&d, LDT_ENTRY, t->desc_base);
		if (syscall(SYS_modify_ldt, 1, &d, sizeof(d)))
			return -errno;
		t->entry = LDT_ENTRY;
		t->selector = (LDT_ENTRY << 3) | 4 | 3;
		return 0;
	}
	fill_desc(&d, -1, t->desc_base);
	if (set_thread_area_ia32(&d))
		return -EINVAL;
	t->entry = d.entry_number;
	t->selector = (d.entry_number << 3) | 3;
	return 0;
}

/*
 * From loading the selector until restoring the base (FS case) libc's
 * thread pointer is gone: raw system calls and atomics only.
 */
__attribute__((noinline, no_stack_protector))
static void hold_selector(struct seg_thread *t, bool read_self)
{
	int code_get = t->fs ? ARCH_GET_FS : ARCH_GET_GS;
	int code_set = t->fs ? ARCH_SET_FS : ARCH_SET_GS;
	uint64_t saved = arch_prctl_get(code_get);

	if (t->fs) {
		load_fs_selector(t->selector);
		t->seen_selector = read_fs_selector();
	} else {
		load_gs_selector(t->selector);
		t->seen_selector = read_gs_selector();
	}
	t->seen_base = arch_prctl_get(code_get);

	if (read_self)
		t->self_ret = raw_syscall3(SYS_ioctl, t->fd,
					   TLSVIEW_IOC_GET_TASK,
					   (long)&t->self_view);

	__atomic_store_n(&t->ready, 1, __ATOMIC_RELEASE);
	raw_syscall6(SYS_futex, (long)&t->ready, 1 /* FUTEX_WAKE */, 1, 0, 0,
		     0);
	if (!read_self)
		futex_wait_raw(&t->release, 0);
	arch_prctl_set(code_set, saved);
}

static void *seg_thread_main(void *arg)
{
	struct seg_thread *t = arg;

	t->tid = gettid_raw();
	t->err = install_descriptor(t);
	if (t->err) {
		__atomic_store_n(&t->ready, 1, __ATOMIC_RELEASE);
		futex_wake_all(&t->ready);
		return NULL;
	}
	hold_selector(t, false);
	return NULL;
}

FIXTURE(tls) {
	int fd;
	struct seg_thread t;
	pthread_t thread;
	bool started;
};

FIXTURE_VARIANT(tls) {
	bool fs;
	bool ldt;
	uint32_t base;
};

FIXTURE_VARIANT_ADD(tls, gs_tls_slot) {
	.fs = false, .ldt = false, .base = 0x12345000,
};

FIXTURE_VARIANT_ADD(tls, fs_tls_slot) {
	.fs = true, .ldt = false, .base = 0x23456000,
};

FIXTURE_VARIANT_ADD(tls, gs_ldt) {
	.fs = false, .ldt = true, .base = 0x34567000,
};

FIXTURE_VARIANT_ADD(tls, fs_ldt) {
	.fs = true, .ldt = true, .base = 0x45678000,
};

FIXTURE_SETUP(tls)
{
	self->fd = tlsview_open();
	self->started = false;
	memset(&self->t, 0, sizeof(self->t));
	self->t.fs = variant->fs;
	self->t.ldt = variant->ldt;
	self->t.desc_base = variant->base;
	self->t.fd = self->fd;
}

FIXTURE_TEARDOWN(tls)
{
	if (self->started) {
		__atomic_store_n(&self->t.release, 1, __ATOMIC_RELEASE);
		futex_wake_all(&self->t.release);
		pthread_join(self->thread, NULL);
	}
	if (self->fd >= 0)
		close(self->fd);
}

/* Start the thread and wait until it holds the selector, blocked. */
static int start_holder(struct __test_metadata *_metadata,
			FIXTURE_DATA(tls) *self)
{
	char path[64], state[256];
	int i;

	if (pthread_create(&self->thread, NULL, seg_thread_main, &self->t))
		return -1;
	self->started = true;
	while (!__atomic_load_n(&self->t.ready, __ATOMIC_ACQUIRE))
		syscall(SYS_futex, &self->t.ready, 0 /* FUTEX_WAIT */, 0,
			NULL, NULL, 0);
	if (self->t.err)
		return self->t.err;
	/* Wait until it sleeps, so the view is its saved state. */
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", self->t.tid);
	for (i = 0; i < 1000; i++) {
		FILE *f = fopen(path, "re");

		if (f && fgets(state, sizeof(state), f) &&
		    strstr(state, ") S ")) {
			fclose(f);
			return 0;
		}
		if (f)
			fclose(f);
		usleep(1000);
	}
	TH_LOG("thread %d never slept", self->t.tid);
	return -1;
}

static void check_view(struct __test_metadata *_metadata,
		       const struct seg_thread *t,
		       const struct tlsview_task *v)
{
	uint64_t base = t->fs ? v->fsbase : v->gsbase;
	uint16_t index = t->fs ? v->fsindex : v->gsindex;
	int i;

	EXPECT_EQ(t->selector, index);
	EXPECT_EQ(t->desc_base, base);
	for (i = 0; i < TLSVIEW_TLS_SLOTS; i++) {
		const struct tlsview_desc *d = &v->tls[i];

		EXPECT_EQ(12 + i, d->entry_number);
		if (!t->ldt && 12 + i == t->entry) {
			EXPECT_EQ(t->desc_base, d->base_addr);
			EXPECT_EQ(0xfffff, d->limit);
			EXPECT_EQ(EXPECTED_FLAGS, d->flags);
		} else {
			EXPECT_EQ(TLSVIEW_DESC_EMPTY, d->flags);
			EXPECT_EQ(0, d->base_addr);
			EXPECT_EQ(0, d->limit);
		}
	}
}

TEST_F(tls, thread_own_view_of_selector)
{
	REQUIRE_DEVICE(self->fd);
	ASSERT_EQ(0, start_holder(_metadata, self));
	/* What the CPU did when the selector was loaded. */
	EXPECT_EQ(self->t.selector, self->t.seen_selector);
	EXPECT_EQ(self->t.desc_base, self->t.seen_base);
}

TEST_F(tls, get_task_saved_thread)
{
	struct tlsview_task v;

	REQUIRE_DEVICE(self->fd);
	ASSERT_EQ(0, start_holder(_metadata, self));
	ASSERT_EQ(0, get_task(self->fd, self->t.tid, 0, &v));
	EXPECT_EQ(0, v.flags & (TLSVIEW_TASK_LIVE | TLSVIEW_TASK_COMPAT |
				TLSVIEW_TASK_KTHREAD));
	check_view(_metadata, &self->t, &v);

	ASSERT_EQ(0, get_task(self->fd, self->t.tid, TLSVIEW_REQ_SAVED, &v));
	check_view(_metadata, &self->t, &v);
}

TEST_F(tls, list_entry)
{
	struct tlsview_task entries[16];
	struct tlsview_list list = {
		.tgid = getpid(),
		.capacity = 16,
		.entry_size = sizeof(entries[0]),
		.entries = (uintptr_t)entries,
	};
	unsigned int i, found = 0;

	REQUIRE_DEVICE(self->fd);
	ASSERT_EQ(0, start_holder(_metadata, self));
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_LIST, &list));
	for (i = 0; i < list.count; i++) {
		if (entries[i].tid != self->t.tid)
			continue;
		found++;
		check_view(_metadata, &self->t, &entries[i]);
	}
	EXPECT_EQ(1, found);
}

TEST_F(tls, debugfs_line)
{
	struct tlsview_task v;
	struct tasks_line line;
	char text[40];
	int i;

	REQUIRE_DEVICE(self->fd);
	if (!tlsview_debugfs_present())
		SKIP(return, "debugfs not mounted");
	ASSERT_EQ(0, start_holder(_metadata, self));
	ASSERT_EQ(0, get_task(self->fd, self->t.tid, 0, &v));
	ASSERT_EQ(0, debugfs_find_task("tasks", self->t.tid, &line));
	EXPECT_EQ(self->t.selector, self->t.fs ? line.fsindex : line.gsindex);
	EXPECT_EQ(self->t.desc_base, self->t.fs ? line.fsbase : line.gsbase);
	EXPECT_STREQ("saved,sleeping", line.flags);
	for (i = 0; i < TLSVIEW_TLS_SLOTS; i++) {
		format_desc(&v.tls[i], text, sizeof(text));
		EXPECT_STREQ(text, line.tls[i]);
	}
}

/* The reader itself, with the selector in its own FS or GS: live. */
TEST_F(tls, reader_reads_itself)
{
	struct seg_thread *t = &self->t;

	REQUIRE_DEVICE(self->fd);
	t->tid = gettid_raw();
	ASSERT_EQ(0, install_descriptor(t));
	t->self_view.tid = 0;
	hold_selector(t, true);
	ASSERT_EQ(0, t->self_ret);
	EXPECT_EQ(TLSVIEW_TASK_LIVE, t->self_view.flags & TLSVIEW_TASK_LIVE);
	EXPECT_EQ(t->tid, t->self_view.tid);
	check_view(_metadata, t, &t->self_view);
}


/*
 * Descriptor bits the slots above never set: read-only and expand-down data
 * segments, with and without page granularity. Each slot's flags must be
 * the ones the kernel's own get_thread_area reports for it. A TLS slot
 * never holds a not-present or code segment (set_thread_area refuses them)
 * nor the L bit (fill_ldt() clears it whatever user_desc.lm says), so
 * SEG_NOT_PRESENT and LM never show: asking for lm must not show it either.
 */
static uint32_t user_desc_flags(const struct user_desc *d)
{
	return (d->seg_32bit ? TLSVIEW_DESC_SEG_32BIT : 0) |
	       (uint32_t)d->contents << TLSVIEW_DESC_CONTENTS_SHIFT |
	       (d->read_exec_only ? TLSVIEW_DESC_READ_EXEC_ONLY : 0) |
	       (d->limit_in_pages ? TLSVIEW_DESC_LIMIT_IN_PAGES : 0) |
	       (d->seg_not_present ? TLSVIEW_DESC_SEG_NOT_PRESENT : 0) |
	       (d->useable ? TLSVIEW_DESC_USEABLE : 0) |
	       (d->lm ? TLSVIEW_DESC_LM : 0);
}

TEST(descriptor_flags)
{
	static const struct {
		unsigned int contents, read_exec_only, limit_in_pages,
			     useable, lm;
		uint32_t flags;
	} cases[] = {
		{ 1, 1, 0, 0, 0, TLSVIEW_DESC_SEG_32BIT |
		  1U << TLSVIEW_DESC_CONTENTS_SHIFT |
		  TLSVIEW_DESC_READ_EXEC_ONLY },
		{ 0, 0, 1, 1, 1, TLSVIEW_DESC_SEG_32BIT |
		  TLSVIEW_DESC_LIMIT_IN_PAGES | TLSVIEW_DESC_USEABLE },
		{ 0, 1, 1, 0, 1, TLSVIEW_DESC_SEG_32BIT |
		  TLSVIEW_DESC_READ_EXEC_ONLY | TLSVIEW_DESC_LIMIT_IN_PAGES },
	};
	int entry[ARRAY_SIZE(cases)];
	struct tlsview_task v;
	struct user_desc d;
	unsigned int i;
	int fd = tlsview_open();

	REQUIRE_DEVICE(fd);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&d, 0, sizeof(d));
		d.entry_number = -1;
		d.base_addr = 0x10000 * (i + 1);
		d.limit = 0x123 + i;
		d.seg_32bit = 1;
		d.contents = cases[i].contents;
		d.read_exec_only = cases[i].read_exec_only;
		d.limit_in_pages = cases[i].limit_in_pages;
		d.useable = cases[i].useable;
		d.lm = cases[i].lm;
		ASSERT_EQ(0, set_thread_area_ia32(&d)) TH_LOG("case %u", i);
		entry[i] = d.entry_number;
	}
	ASSERT_EQ(0, get_task(fd, gettid_raw(), 0, &v));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct tlsview_desc *got = &v.tls[entry[i] - 12];

		memset(&d, 0, sizeof(d));
		d.entry_number = entry[i];
		ASSERT_EQ(0, get_thread_area_ia32(&d));
		EXPECT_EQ(cases[i].flags, got->flags) TH_LOG("case %u", i);
		EXPECT_EQ(user_desc_flags(&d), got->flags) TH_LOG("case %u", i);
		EXPECT_EQ(0x10000 * (i + 1), got->base_addr);
		EXPECT_EQ(0x123 + i, got->limit);
	}
	close(fd);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: a thread running on another CPU is read live on that CPU.
 * A thread pinned to CPU 1 spins in user space writing a new FS or GS base
 * with wrfsbase/wrgsbase on every iteration and publishing the iteration
 * number afterwards; CPU 0 reads it with TLSVIEW_IOC_GET_TASK, LIST and
 * debugfs. A live view must hold a value the thread published around the
 * read (p0 <= i <= p1 + 1). thread_struct is only written on a context
 * switch, so a module that reported the saved copy for a running thread
 * would return a stale value and fail; TLSVIEW_REQ_SAVED shows that
 * staleness on the same thread. Needs FSGSBASE and two CPUs.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>

#include "module_common.h"
#include "kselftest_harness.h"

#define SPIN_CPU	1
#define READ_CPU	0
#define BASE_FIRST	0x100000000000ULL
#define BASE_STEP	0x1000ULL
#define READS		200

static uint64_t published;	/* the last iteration whose base is in place */
static int stop_spinning;
static pid_t spinner_tid;

static inline uint64_t base_of(uint64_t iteration)
{
	return BASE_FIRST + iteration * BASE_STEP;
}

/*
 * Between the first write and the restore this thread's FS base (FS
 * variant) is not libc's thread pointer: only plain code and atomics here.
 */
__attribute__((noinline, no_stack_protector))
static void spin(bool fs)
{
	uint64_t i = 0;

	while (!__atomic_load_n(&stop_spinning, __ATOMIC_RELAXED)) {
		i++;
		if (fs)
			wrfsbase(base_of(i));
		else
			wrgsbase(base_of(i));
		__atomic_store_n(&published, i, __ATOMIC_RELEASE);
	}
}

static void *spinner(void *arg)
{
	bool fs = *(bool *)arg;
	uint64_t fsbase = rdfsbase(), gsbase = rdgsbase();

	__atomic_store_n(&spinner_tid, gettid_raw(), __ATOMIC_RELEASE);
	if (pin_to_cpu(SPIN_CPU))
		return (void *)1;
	spin(fs);
	wrfsbase(fsbase);
	wrgsbase(gsbase);
	return NULL;
}

/* Wait until the spinner has published something new since *last. */
static void wait_progress(uint64_t *last)
{
	uint64_t now;

	while ((now = __atomic_load_n(&published, __ATOMIC_ACQUIRE)) == *last)
		;
	*last = now;
}

FIXTURE(live) {
	int fd;
	pthread_t thread;
	bool started;
};

FIXTURE_VARIANT(live) {
	bool fs;
};

FIXTURE_VARIANT_ADD(live, gs) {
	.fs = false,
};

FIXTURE_VARIANT_ADD(live, fs) {
	.fs = true,
};

FIXTURE_SETUP(live)
{
	uint64_t last = 0;

	self->fd = tlsview_open();
	self->started = false;
	if (self->fd < 0 || !have_fsgsbase() || nr_online_cpus() < 2)
		return;
	ASSERT_EQ(0, pin_to_cpu(READ_CPU));
	ASSERT_EQ(0, pthread_create(&self->thread, NULL, spinner,
				    (void *)&variant->fs));
	self->started = true;
	wait_progress(&last);
}

FIXTURE_TEARDOWN(live)
{
	void *ret = NULL;

	if (self->started) {
		__atomic_store_n(&stop_spinning, 1, __ATOMIC_RELAXED);
		pthread_join(self->thread, &ret);
		EXPECT_EQ(NULL, ret);
	}
	if (self->fd >= 0)
		close(self->fd);
}

#define REQUIRE_SPINNER() do {						\
	REQUIRE_DEVICE(self->fd);					\
	if (!have_fsgsbase())						\
		SKIP(return, "no FSGSBASE in AT_HWCAP2");		\
	if (nr_online_cpus() < 2)					\
		SKIP(return, "needs two online CPUs");			\
	ASSERT_TRUE(self->started);					\
} while (0)

/*
 * The spinner runs nearly all the time, so nearly every read must be live;
 * but the guest may switch it out for a moment (a kworker on its CPU), and
 * then the saved state, written at that switch, is the right answer: every
 * read is checked for its value, and most must have reached the CPU.
 */
#define EXPECT_LIVE_READS(live, reads) \
	EXPECT_GE((live) * 2, (reads)) TH_LOG("%d of %d reads live", (live), (reads))

/* Is @base a value the spinner had in place between p0 and p1? */
static bool in_window(uint64_t base, uint64_t p0, uint64_t p1)
{
	return base >= base_of(p0) && base <= base_of(p1 + 1) &&
	       (base - BASE_FIRST) % BASE_STEP == 0;
}

TEST_F(live, get_task_reads_running_thread_on_its_cpu)
{
	struct tlsview_task view;
	uint64_t last = 0, p0, p1, base;
	int i, stale = 0, live = 0;

	REQUIRE_SPINNER();
	for (i = 0; i < READS; i++) {
		wait_progress(&last);
		p0 = __atomic_load_n(&published, __ATOMIC_ACQUIRE);
		ASSERT_EQ(0, get_task(self->fd, spinner_tid, 0, &view));
		p1 = __atomic_load_n(&published, __ATOMIC_ACQUIRE);
		base = variant->fs ? view.fsbase : view.gsbase;
		if (!in_window(base, p0, p1)) {
			stale++;
			TH_LOG("read %d: base 0x%llx outside [0x%llx, 0x%llx], flags 0x%x",
			       i, (unsigned long long)base,
			       (unsigned long long)base_of(p0),
			       (unsigned long long)base_of(p1 + 1), view.flags);
		}
		if (view.flags & TLSVIEW_TASK_LIVE)
			live++;
		EXPECT_EQ(SPIN_CPU, view.cpu);
		EXPECT_EQ(spinner_tid, view.tid);
		EXPECT_EQ(getpid(), view.tgid);
		if (stale > 5)
			break;
	}
	EXPECT_EQ(0, stale);
	EXPECT_LIVE_READS(live, i);
}

TEST_F(live, saved_copy_is_stale_while_running)
{
	struct tlsview_task view;
	uint64_t last = 0, p0, base;
	int i, stale = 0;

	REQUIRE_SPINNER();
	for (i = 0; i < READS / 4; i++) {
		wait_progress(&last);
		p0 = __atomic_load_n(&published, __ATOMIC_ACQUIRE);
		ASSERT_EQ(0, get_task(self->fd, spinner_tid, TLSVIEW_REQ_SAVED,
				      &view));
		EXPECT_EQ(0, view.flags & TLSVIEW_TASK_LIVE);
		base = variant->fs ? view.fsbase : view.gsbase;
		/* Behind p0, or not a spinner value at all (before it began). */
		if (!in_window(base, p0, p0 + (1ULL << 32)))
			stale++;
	}
	/*
	 * The spinner is switched out rarely, if ever: most saved reads must
	 * be behind. This is what a live read has to beat, so the test
	 * above fails for a module that only reads thread_struct.
	 */
	EXPECT_GT(stale, i / 2);
}

TEST_F(live, list_reads_running_thread_live)
{
	struct tlsview_task entries[64];
	struct tlsview_list list;
	uint64_t last = 0, p0, p1, base;
	int i, found, live = 0;
	unsigned int e;

	REQUIRE_SPINNER();
	for (i = 0; i < READS / 4; i++) {
		wait_progress(&last);
		memset(&list, 0, sizeof(list));
		list.tgid = getpid();
		list.capacity = 64;
		list.entry_size = sizeof(entries[0]);
		list.entries = (uintptr_t)entries;
		p0 = __atomic_load_n(&published, __ATOMIC_ACQUIRE);
		ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_LIST, &list));
		p1 = __atomic_load_n(&published, __ATOMIC_ACQUIRE);
		found = 0;
		for (e = 0; e < list.count; e++) {
			if (entries[e].tid != spinner_tid)
				continue;
			found++;
			base = variant->fs ? entries[e].fsbase :
					     entries[e].gsbase;
			EXPECT_TRUE(in_window(base, p0, p1))
				TH_LOG("LIST base 0x%llx", (unsigned long long)base);
			if (entries[e].flags & TLSVIEW_TASK_LIVE)
				live++;
		}
		ASSERT_EQ(1, found);
	}
	EXPECT_LIVE_READS(live, i);
}

TEST_F(live, debugfs_reads_running_thread_live)
{
	struct tasks_line line;
	uint64_t last = 0, p0, p1, base;
	int i, live = 0;

	REQUIRE_SPINNER();
	if (!tlsview_debugfs_present())
		SKIP(return, "debugfs not mounted");
	for (i = 0; i < 10; i++) {
		wait_progress(&last);
		p0 = __atomic_load_n(&published, __ATOMIC_ACQUIRE);
		ASSERT_EQ(0, debugfs_find_task("tasks", spinner_tid, &line));
		p1 = __atomic_load_n(&published, __ATOMIC_ACQUIRE);
		base = variant->fs ? line.fsbase : line.gsbase;
		EXPECT_TRUE(in_window(base, p0, p1))
			TH_LOG("debugfs base 0x%llx", (unsigned long long)base);
		if (strncmp(line.flags, "live", 4) == 0)
			live++;
		EXPECT_EQ(SPIN_CPU, line.cpu);
	}
	EXPECT_LIVE_READS(live, i);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: a live read never reports a base the thread is only half
 * way through setting. arch_prctl(ARCH_SET_FS/GS) changes a running
 * thread's selector and base in two steps (load a null selector, then
 * write the base MSR) with preemption off but interrupts on, so the read
 * IPI can land between them and see a base the thread never has in user
 * mode (0 where the CPU clears the base with the selector). A thread pinned
 * to CPU 1 flips its base between two values with arch_prctl as fast as it
 * can; CPU 0 reads it with GET_TASK over and over: every view must hold one
 * of the two values. Runs with and without FSGSBASE; needs two CPUs.
 *
 * Bounded by count and time: 20,000 reads take 0.4 s on an idle host, 15-30 s
 * under TCG beside another VM, and as few as 6 reads a second were seen on a
 * host loaded 10-18 times over (each read is an IPI round trip between two
 * vCPU threads, retried while caught inside arch_prctl). So the loop stops
 * after READ_SECONDS once MIN_LIVE reads reached the running thread (a read
 * that falls back to the saved copy tests nothing here), and after
 * MAX_SECONDS in any case, well inside the test's timeout. Under FSGSBASE
 * about a fifth of the IPIs land inside arch_prctl's update (6.12-rt,
 * measured), so 50 live reads meet the window about ten times: a module
 * without the check is caught.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>

#include "module_common.h"
#include "kselftest_harness.h"

#define FLIP_CPU	1
#define READ_CPU	0
#define BASE_A		0x200000000000ULL
#define BASE_B		0x300000000000ULL
#define READS		20000
#define READ_SECONDS	10.0
#define MAX_SECONDS	80.0
#define MIN_LIVE	50

static int stop_flipping;
static int flipper_tid;

/*
 * While it flips the FS base (FS variant) this thread has no usable libc
 * thread pointer: raw system calls and atomics only.
 */
__attribute__((noinline, no_stack_protector))
static void flip(int code)
{
	while (!__atomic_load_n(&stop_flipping, __ATOMIC_RELAXED)) {
		arch_prctl_set(code, BASE_A);
		arch_prctl_set(code, BASE_B);
	}
}

static void *flipper(void *arg)
{
	int code = *(int *)arg;
	uint64_t saved = arch_prctl_get(code == ARCH_SET_FS ? ARCH_GET_FS : ARCH_GET_GS);

	if (pin_to_cpu(FLIP_CPU))
		return (void *)1;
	__atomic_store_n(&flipper_tid, gettid_raw(), __ATOMIC_RELEASE);
	flip(code);
	arch_prctl_set(code, saved);
	return NULL;
}

FIXTURE(midsyscall) {
	int fd;
	pthread_t thread;
	bool started;
};

FIXTURE_VARIANT(midsyscall) {
	int code;
};

FIXTURE_VARIANT_ADD(midsyscall, fs) {
	.code = ARCH_SET_FS,
};

FIXTURE_VARIANT_ADD(midsyscall, gs) {
	.code = ARCH_SET_GS,
};

FIXTURE_SETUP(midsyscall)
{
	self->fd = tlsview_open();
	self->started = false;
	if (self->fd < 0 || nr_online_cpus() < 2)
		return;
	ASSERT_EQ(0, pin_to_cpu(READ_CPU));
	ASSERT_EQ(0, pthread_create(&self->thread, NULL, flipper,
				    (void *)&variant->code));
	self->started = true;
	while (!__atomic_load_n(&flipper_tid, __ATOMIC_ACQUIRE))
		sched_yield();
}

FIXTURE_TEARDOWN(midsyscall)
{
	void *ret = NULL;

	if (self->started) {
		__atomic_store_n(&stop_flipping, 1, __ATOMIC_RELAXED);
		pthread_join(self->thread, &ret);
		EXPECT_EQ(NULL, ret);
	}
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F_TIMEOUT(midsyscall, live_reads_see_only_values_the_thread_set, 120)
{
	struct tlsview_task view;
	uint64_t base;
	double start = monotonic_seconds(), elapsed = 0;
	int i, live = 0, torn = 0;

	REQUIRE_DEVICE(self->fd);
	if (nr_online_cpus() < 2)
		SKIP(return, "needs two online CPUs");
	ASSERT_TRUE(self->started);
	for (i = 0; i < READS && torn < 5; i++) {
		elapsed = monotonic_seconds() - start;
		if (elapsed > MAX_SECONDS ||
		    (elapsed > READ_SECONDS && live >= MIN_LIVE))
			break;
		ASSERT_EQ(0, get_task(self->fd, flipper_tid, 0, &view));
		base = variant->code == ARCH_SET_FS ? view.fsbase : view.gsbase;
		if (view.flags & TLSVIEW_TASK_LIVE)
			live++;
		if (base != BASE_A && base != BASE_B) {
			torn++;
			TH_LOG("read %d: base 0x%llx, flags 0x%x, cpu %u", i,
			       (unsigned long long)base, view.flags, view.cpu);
		}
	}
	EXPECT_EQ(0, torn);
	TH_LOG("%d reads in %.1f s, %d live", i, elapsed, live);
	/* Enough reads reached the running thread to meet arch_prctl's window. */
	EXPECT_GE(live, MIN_LIVE);
}

TEST_HARNESS_MAIN

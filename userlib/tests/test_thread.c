// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Description: bare CLONE_SETTLS threads on tlsview TCBs: 64+ threads at
 * once, each with its own thread pointer, FS base and __thread values;
 * join semantics (result, timed join, double join); caller stacks and
 * TCBs; the blocked signal mask; no leaks; every bad argument.
 *
 * Code that runs in a bare thread here uses only static inline tlsview
 * calls and plain memory, as tlsview/thread.h demands; it is built with
 * -fstack-protector-all, so the TCB's canary is exercised in every call.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <tlsview/tlsview.h>
#include "tap.h"
#include "util.h"

#define NTHREADS 96

__thread int tdata_value = 0x5eed;
__thread char tdata_name[8] = "bare";
__thread long tbss_value;
__thread long tbss_array[16];

struct report {
	int index;
	int tid;
	int pid;
	void *tp_fs0;
	void *tp_fs10;
	uint64_t fs_syscall;
	uint64_t fs_insn;
	uint64_t fs_dispatch;
	intptr_t tdata_offset;
	int initial_tdata;
	int initial_name_ok;
	long initial_tbss;
	long initial_tbss_array;
	int kept_values;	/* own values unchanged after everyone wrote theirs */
	int canary_call_ok;
};

static int started;		/* bare threads that reached the barrier */
static int release_all;		/* futex: the main thread lets them finish */

/* A stack-protected function: a buffer overflow check in every call. */
static __attribute__((noinline)) int checksum(const char *text)
{
	char buf[64];
	int sum = 0, i;

	for (i = 0; text[i] && i < 63; i++)
		buf[i] = text[i];
	buf[i] = 0;
	for (i = 0; buf[i]; i++)
		sum += buf[i];
	return sum;
}

static int bare_worker(void *arg)
{
	struct report *r = arg;
	int i;

	r->tid = tlsview_sys_gettid();
	r->pid = tlsview_sys_getpid();
	r->tp_fs0 = tlsview_thread_pointer();
	r->tp_fs10 = *(void **)((char *)tlsview_thread_pointer() + TLSVIEW_TCB_OFF_SELF);
	tlsview_get_fs_syscall(&r->fs_syscall);
	r->fs_dispatch = tlsview_get_fs();
	if (tlsview_have_fsgsbase())
		r->fs_insn = tlsview_get_fs_insn();
	r->tdata_offset = (intptr_t)&tdata_value - (intptr_t)r->tp_fs0;
	r->initial_tdata = tdata_value;
	r->initial_name_ok = tdata_name[0] == 'b' && tdata_name[3] == 'e' && tdata_name[4] == 0;
	r->initial_tbss = tbss_value;
	r->initial_tbss_array = tbss_array[15];
	r->canary_call_ok = checksum("stack protector") == checksum("stack protector");

	tdata_value = r->index * 3 + 1;
	tbss_value = -r->index;
	tbss_array[15] = r->index << 8;

	/* Wait until every thread has written its own values. */
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&release_all, __ATOMIC_ACQUIRE))
		tlsview_sys_futex_wait(&release_all, 0, NULL);

	r->kept_values = 1;
	for (i = 0; i < 200; i++) {
		if (tdata_value != r->index * 3 + 1 || tbss_value != -r->index ||
		    tbss_array[15] != (long)r->index << 8 || tlsview_thread_pointer() != r->tp_fs0)
			r->kept_values = 0;
		if (i % 20 == 0)
			tlsview_sys_sched_yield();
	}
	return 1000 + r->index;
}

START_TEST(test_many_bare_threads)
{
	static struct tlsview_thread threads[NTHREADS];
	static struct report reports[NTHREADS];
	void *tps[NTHREADS];
	int tids[NTHREADS];
	intptr_t my_offset = (intptr_t)&tdata_value - (intptr_t)tlsview_thread_pointer();
	int i, j, result;

	tdata_value = -1;	/* the threads must still see the initial value */
	tbss_value = 77;
	started = 0;
	release_all = 0;
	for (i = 0; i < NTHREADS; i++) {
		reports[i].index = i;
		ck_assert_int_eq(tlsview_thread_create(&threads[i], NULL, bare_worker, &reports[i]), 0);
		tps[i] = threads[i].tcb->tp;
		/* CLONE_PARENT_SETTID: known as soon as create returns. */
		tids[i] = threads[i].tid;
		ck_assert_int_gt(tids[i], 0);
	}
	/* All NTHREADS live at once before any may finish. */
	while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < NTHREADS)
		usleep(1000);
	for (i = 0; i < NTHREADS; i++)
		ck_assert(tlsview_thread_running(&threads[i]));
	__atomic_store_n(&release_all, 1, __ATOMIC_RELEASE);
	tlsview_sys_futex_wake(&release_all, NTHREADS);

	for (i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(tlsview_thread_join(&threads[i], &result), 0);
		ck_assert_int_eq(result, 1000 + i);
		ck_assert_int_eq(threads[i].tid, 0);
		ck_assert_int_eq(reports[i].tid, tids[i]);
	}
	for (i = 0; i < NTHREADS; i++) {
		struct report *r = &reports[i];

		ck_assert_int_eq(r->pid, getpid());
		ck_assert_int_ne(r->tid, gettid());
		ck_assert_ptr_eq(r->tp_fs0, tps[i]);
		ck_assert_ptr_eq(r->tp_fs10, tps[i]);
		ck_assert_uint_eq(r->fs_syscall, (uintptr_t)tps[i]);
		ck_assert_uint_eq(r->fs_dispatch, (uintptr_t)tps[i]);
		if (tlsview_have_fsgsbase())
			ck_assert_uint_eq(r->fs_insn, (uintptr_t)tps[i]);
		ck_assert_int_eq(r->tdata_offset, my_offset);
		ck_assert_int_eq(r->initial_tdata, 0x5eed);
		ck_assert_int_eq(r->initial_name_ok, 1);
		ck_assert_int_eq(r->initial_tbss, 0);
		ck_assert_int_eq(r->initial_tbss_array, 0);
		ck_assert_int_eq(r->kept_values, 1);
		ck_assert_int_eq(r->canary_call_ok, 1);
		for (j = 0; j < i; j++) {
			ck_assert_int_ne(r->tid, reports[j].tid);
			ck_assert_ptr_ne(tps[i], tps[j]);
		}
	}
	/* The threads never touched this thread's copies. */
	ck_assert_int_eq(tdata_value, -1);
	ck_assert_int_eq(tbss_value, 77);
}
END_TEST

static int gate;	/* futex the blocked thread waits on */

static int wait_for_gate(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&gate, __ATOMIC_ACQUIRE))
		tlsview_sys_futex_wait(&gate, 0, NULL);
	return 42;
}

START_TEST(test_join_waits_and_times_out)
{
	struct tlsview_thread thread;
	struct timespec short_wait = { 0, 50 * 1000 * 1000 };
	int result = -1;

	gate = 0;
	ck_assert_int_eq(tlsview_thread_create(&thread, NULL, wait_for_gate, NULL), 0);
	ck_assert_int_gt(thread.tid, 0);
	ck_assert(tlsview_thread_running(&thread));

	errno = 0;
	ck_assert_int_eq(tlsview_thread_timedjoin(&thread, &result, &short_wait), -ETIMEDOUT);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_int_eq(result, -1);
	ck_assert(tlsview_thread_running(&thread));
	ck_assert_int_eq(tlsview_thread_timedjoin(&thread, &result, &(struct timespec){ 0, 0 }),
			 -ETIMEDOUT);

	__atomic_store_n(&gate, 1, __ATOMIC_RELEASE);
	tlsview_sys_futex_wake(&gate, 1);
	ck_assert_int_eq(tlsview_thread_timedjoin(&thread, &result,
						  &(struct timespec){ 10, 0 }), 0);
	ck_assert_int_eq(result, 42);
	ck_assert(!tlsview_thread_running(&thread));

	/* Joined once: a second join is refused, without touching freed memory. */
	errno = 0;
	ck_assert_int_eq(tlsview_thread_join(&thread, NULL), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

static int return_arg(void *arg)
{
	return (int)(intptr_t)arg;
}

static int exit_early(void *arg)
{
	(void)arg;
	tlsview_sys_exit_thread(9);
}

START_TEST(test_join_result_and_exit)
{
	struct tlsview_thread thread;
	int result = -1;

	ck_assert_int_eq(tlsview_thread_create(&thread, NULL, return_arg, (void *)(intptr_t)-7), 0);
	ck_assert_int_eq(tlsview_thread_join(&thread, &result), 0);
	ck_assert_int_eq(result, -7);

	ck_assert_int_eq(tlsview_thread_create(&thread, NULL, exit_early, NULL), 0);
	ck_assert_int_eq(tlsview_thread_join(&thread, NULL), 0);
	ck_assert_int_eq(thread.tid, 0);
}
END_TEST

struct where {
	uintptr_t aligned_var;
	uintptr_t stack_var;
	void *tp;
	uint64_t sigmask;
};

static int where_am_i(void *arg)
{
	struct where *w = arg;
	volatile int local = 0;
	/* Placed by the compiler assuming the ABI's 16-byte stack alignment. */
	volatile char aligned[16] __attribute__((aligned(16))) = { 0 };
	uintptr_t address = (uintptr_t)aligned;

	__asm__("" : "+r" (address));	/* hide the value from the optimiser */
	w->aligned_var = address;
	w->stack_var = (uintptr_t)&local;
	w->tp = tlsview_thread_pointer();
	tlsview_syscall6(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&w->sigmask, 8, 0, 0);
	return local;
}

START_TEST(test_caller_stack_and_tcb)
{
	static char stack[64 << 10] __attribute__((aligned(16)));
	struct tlsview_tcb *tcb = tlsview_tcb_create(NULL);
	struct tlsview_thread_attr attr = { .stack = stack, .stack_size = sizeof(stack), .tcb = tcb };
	struct tlsview_thread thread;
	struct where w = { 0 };

	ck_assert_ptr_nonnull(tcb);
	ck_assert_int_eq(tlsview_thread_create(&thread, &attr, where_am_i, &w), 0);
	ck_assert_ptr_eq(thread.tcb, tcb);
	ck_assert_int_eq(tlsview_thread_join(&thread, NULL), 0);
	ck_assert_uint_gt(w.stack_var, (uintptr_t)stack);
	ck_assert_uint_lt(w.stack_var, (uintptr_t)stack + sizeof(stack));
	ck_assert_ptr_eq(w.tp, tcb->tp);
	ck_assert_uint_eq(w.aligned_var % 16, 0);
	/* The caller's TCB was not freed by join. */
	ck_assert_ptr_eq(*(void **)tcb->tp, tcb->tp);
	tlsview_tcb_destroy(tcb);
}
END_TEST

START_TEST(test_signal_mask)
{
	struct tlsview_thread thread;
	struct tlsview_thread_attr inherit = { .flags = TLSVIEW_THREAD_INHERIT_SIGMASK };
	struct where w = { 0 };
	uint64_t unblockable = (1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1));
	uint64_t mine = 0, after = 0;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, &set, NULL), 0);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mine, 8);
	ck_assert_uint_eq(mine, 1ULL << (SIGUSR1 - 1));

	ck_assert_int_eq(tlsview_thread_create(&thread, NULL, where_am_i, &w), 0);
	ck_assert_int_eq(tlsview_thread_join(&thread, NULL), 0);
	ck_assert_uint_eq(w.sigmask, ~unblockable);
	ck_assert_uint_eq(w.aligned_var % 16, 0);	/* on a library-made stack too */

	ck_assert_int_eq(tlsview_thread_create(&thread, &inherit, where_am_i, &w), 0);
	ck_assert_int_eq(tlsview_thread_join(&thread, NULL), 0);
	ck_assert_uint_eq(w.sigmask, mine);

	/* The creator's own mask is back as it was. */
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &after, 8);
	ck_assert_uint_eq(after, mine);
}
END_TEST

START_TEST(test_bad_arguments)
{
	static char small_stack[1024];
	struct tlsview_thread thread, never;
	struct tlsview_thread_attr small = { .stack = small_stack, .stack_size = sizeof(small_stack) };
	struct tlsview_thread_attr huge = { .stack_size = (size_t)1 << 47 };
	int before = count_mappings();

	errno = 0;
	ck_assert_int_eq(tlsview_thread_create(NULL, NULL, return_arg, NULL), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(tlsview_thread_create(&thread, NULL, NULL, NULL), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(tlsview_thread_create(&thread, &small, return_arg, NULL), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	/* A stack no address space holds (2^47 bytes): ENOMEM, the TCB made for it freed. */
	errno = 0;
	ck_assert_int_eq(tlsview_thread_create(&thread, &huge, return_arg, NULL), -ENOMEM);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(count_mappings(), before);

	memset(&never, 0, sizeof(never));
	ck_assert_int_eq(tlsview_thread_join(&never, NULL), -EINVAL);
	ck_assert_int_eq(tlsview_thread_join(NULL, NULL), -EINVAL);
	ck_assert_int_eq(tlsview_thread_timedjoin(NULL, NULL, NULL), -EINVAL);

	ck_assert_int_eq(tlsview_thread_create(&thread, NULL, return_arg, NULL), 0);
	errno = 0;
	ck_assert_int_eq(tlsview_thread_timedjoin(&thread, NULL,
						  &(struct timespec){ 0, 2000000000 }), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(tlsview_thread_join(&thread, NULL), 0);
	ck_assert_int_eq(count_mappings(), before);
}
END_TEST

/* The raw nanosleep bare threads may call: it sleeps, and reports a bad pointer. */
START_TEST(test_sys_nanosleep)
{
	struct timespec before, after;
	const struct timespec duration = { 0, 20 * 1000 * 1000 };

	clock_gettime(CLOCK_MONOTONIC, &before);
	ck_assert_int_eq(tlsview_sys_nanosleep(&duration), 0);
	clock_gettime(CLOCK_MONOTONIC, &after);
	ck_assert_int_ge((after.tv_sec - before.tv_sec) * 1000000000L + after.tv_nsec -
			 before.tv_nsec, duration.tv_nsec);
	ck_assert_int_eq(tlsview_sys_nanosleep((const struct timespec *)8), -EFAULT);
}
END_TEST

START_TEST(test_no_leaks)
{
	int before, i;

	/* Warm up anything libc maps lazily. */
	struct tlsview_thread thread;

	ck_assert_int_eq(tlsview_thread_create(&thread, NULL, return_arg, NULL), 0);
	ck_assert_int_eq(tlsview_thread_join(&thread, NULL), 0);

	before = count_mappings();
	for (i = 0; i < 300; i++) {
		ck_assert_int_eq(tlsview_thread_create(&thread, NULL, return_arg, NULL), 0);
		ck_assert_int_eq(tlsview_thread_join(&thread, NULL), 0);
	}
	ck_assert_int_eq(count_mappings(), before);
}
END_TEST

/* GS context inside bare threads, many at once. */
struct gs_ctx {
	struct tlsview_gs_self self;
	int index;
	int ok;
};

static int gs_worker(void *arg)
{
	struct gs_ctx *ctx = arg;
	int i;

	ctx->ok = tlsview_gs_context_set(&ctx->self) == 0;
	for (i = 0; i < 5000; i++) {
		struct gs_ctx *seen = tlsview_gs_context();

		if (seen != ctx || seen->index != ctx->index)
			ctx->ok = 0;
		if (i % 500 == 0)
			tlsview_sys_sched_yield();
	}
	if (tlsview_gs_context_get() != ctx)
		ctx->ok = 0;
	tlsview_gs_context_clear();
	if (tlsview_gs_context_get() != NULL)
		ctx->ok = 0;
	return 0;
}

START_TEST(test_gs_context_in_bare_threads)
{
	static struct tlsview_thread threads[64];
	static struct gs_ctx ctxs[64];
	int i;

	for (i = 0; i < 64; i++) {
		ctxs[i].index = i;
		ck_assert_int_eq(tlsview_thread_create(&threads[i], NULL, gs_worker, &ctxs[i]), 0);
	}
	for (i = 0; i < 64; i++) {
		ck_assert_int_eq(tlsview_thread_join(&threads[i], NULL), 0);
		ck_assert_int_eq(ctxs[i].ok, 1);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("thread");

	tap_add_test(s, test_many_bare_threads, NULL);
	tap_add_test(s, test_join_waits_and_times_out, NULL);
	tap_add_test(s, test_join_result_and_exit, NULL);
	tap_add_test(s, test_caller_stack_and_tcb, NULL);
	tap_add_test(s, test_signal_mask, NULL);
	tap_add_test(s, test_bad_arguments, NULL);
	tap_add_test(s, test_no_leaks, NULL);
	tap_add_test(s, test_sys_nanosleep, NULL);
	tap_add_test(s, test_gs_context_in_bare_threads, NULL);
	return tap_run(s);
}

// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Description: the GS-held per-thread context: install, one-load read via
 * %gs:0, read of the base, clear; in many ordinary pthreads at once, each
 * seeing only its own context, also inside signal handlers; inheritance by
 * new threads; bad input.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <tlsview/tlsview.h>
#include "tap.h"

#define NTHREADS 64
#define ROUNDS 200000

struct context {
	struct tlsview_gs_self self;	/* first: makes the one-load read work */
	int index;
	long reads;
};

static uint64_t kernel_gs(void)
{
	uint64_t base = 1;

	syscall(SYS_arch_prctl, ARCH_GET_GS, &base);
	return base;
}

START_TEST(test_set_read_clear)
{
	struct context ctx = { .index = 7 };
	struct context other = { .index = 8 };

	ck_assert_int_eq(tlsview_gs_context_set(&ctx.self), 0);
	ck_assert_ptr_eq(ctx.self.self, &ctx.self);
	ck_assert_ptr_eq(tlsview_gs_context(), &ctx);
	ck_assert_int_eq(((struct context *)tlsview_gs_context())->index, 7);
	ck_assert_ptr_eq(tlsview_gs_context_get(), &ctx);
	ck_assert_uint_eq(kernel_gs(), (uintptr_t)&ctx);

	ck_assert_int_eq(tlsview_gs_context_set(&other.self), 0);
	ck_assert_ptr_eq(tlsview_gs_context(), &other);

	ck_assert_int_eq(tlsview_gs_context_clear(), 0);
	ck_assert_ptr_null(tlsview_gs_context_get());
	ck_assert_uint_eq(kernel_gs(), 0);
}
END_TEST

START_TEST(test_bad_input)
{
	struct context ctx;

	ck_assert_int_eq(tlsview_gs_context_set(&ctx.self), 0);
	errno = 0;
	ck_assert_int_eq(tlsview_gs_context_set(NULL), -EINVAL);
	ck_assert_int_eq(errno, 0);	/* bare-thread safe: errno untouched */
	ck_assert_ptr_eq(tlsview_gs_context(), &ctx);	/* unchanged */
	/* A base outside user space is refused on every path. */
	ck_assert_int_eq(tlsview_set_gs(1ULL << 63), -EPERM);
	ck_assert_ptr_eq(tlsview_gs_context_get(), &ctx);
	tlsview_gs_context_clear();
}
END_TEST

/* A context stored in the base is read back by the kernel-set path too. */
START_TEST(test_context_set_by_kernel)
{
	struct context ctx = { .self.self = NULL, .index = 3 };

	ctx.self.self = &ctx.self;
	ck_assert_int_eq(syscall(SYS_arch_prctl, ARCH_SET_GS, &ctx), 0);
	ck_assert_ptr_eq(tlsview_gs_context(), &ctx);
	ck_assert_ptr_eq(tlsview_gs_context_get(), &ctx);
	tlsview_gs_context_clear();
}
END_TEST

static pthread_barrier_t barrier;
static volatile sig_atomic_t handler_mismatch;
static volatile sig_atomic_t handler_runs;
static __thread struct context *expected_ctx;

static void on_signal(int sig)
{
	(void)sig;
	/* The handler runs on the interrupted thread, with its GS base. */
	if (expected_ctx && tlsview_gs_context() != expected_ctx)
		handler_mismatch = 1;
	handler_runs++;
}

static void *worker(void *arg)
{
	struct context *ctx = arg;
	uintptr_t inherited = (uintptr_t)tlsview_gs_context_get();
	long i, bad = 0;

	/* clone() copied the creator's GS base into this thread. */
	if (inherited != 0x5000)
		return (void *)"did not inherit the creator's GS base";
	if (tlsview_gs_context_set(&ctx->self))
		return (void *)"set failed";
	expected_ctx = ctx;
	pthread_barrier_wait(&barrier);	/* every thread has its own context now */

	for (i = 0; i < ROUNDS; i++) {
		struct context *seen = tlsview_gs_context();

		bad += seen != ctx || seen->index != ctx->index;
		seen->reads++;
		if (i % 20000 == 0)
			sched_yield();
	}
	if (bad)
		return (void *)"saw another context";
	if (tlsview_gs_context_get() != ctx || kernel_gs() != (uintptr_t)ctx)
		return (void *)"base changed";
	pthread_barrier_wait(&barrier);	/* signals land while we still hold it */
	pthread_barrier_wait(&barrier);
	expected_ctx = NULL;
	tlsview_gs_context_clear();
	if (tlsview_gs_context_get() != NULL)
		return (void *)"clear failed";
	return NULL;
}

START_TEST(test_many_pthreads)
{
	static struct context ctxs[NTHREADS];
	pthread_t threads[NTHREADS];
	struct sigaction sa = { .sa_handler = on_signal };
	void *ret;
	int i, round;

	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	ck_assert_int_eq(pthread_barrier_init(&barrier, NULL, NTHREADS + 1), 0);
	ck_assert_int_eq(tlsview_set_gs(0x5000), 0);
	for (i = 0; i < NTHREADS; i++) {
		ctxs[i].index = i;
		ck_assert_int_eq(pthread_create(&threads[i], NULL, worker, &ctxs[i]), 0);
	}
	ck_assert_int_eq(tlsview_set_gs(0), 0);
	pthread_barrier_wait(&barrier);
	pthread_barrier_wait(&barrier);
	for (round = 0; round < 3; round++)
		for (i = 0; i < NTHREADS; i++)
			ck_assert_int_eq(pthread_kill(threads[i], SIGUSR1), 0);
	pthread_barrier_wait(&barrier);
	for (i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(pthread_join(threads[i], &ret), 0);
		ck_assert_msg(ret == NULL, "thread %d: %s", i, (char *)ret);
		ck_assert_int_eq(ctxs[i].reads, ROUNDS);
	}
	ck_assert_int_eq(handler_mismatch, 0);
	ck_assert_int_gt(handler_runs, 0);
	ck_assert_ptr_null(tlsview_gs_context_get());
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gscontext");

	tap_add_test(s, test_set_read_clear, NULL);
	tap_add_test(s, test_bad_input, NULL);
	tap_add_test(s, test_context_set_by_kernel, NULL);
	tap_add_test(s, test_many_pthreads, NULL);
	return tap_run(s);
}

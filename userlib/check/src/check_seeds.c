// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The seeds' claims about glibc's TLS, made checkable in ordinary pthreads:
 * errno is per thread and sits at a fixed offset from the FS base; the
 * address of a __thread variable minus the FS base is the same in every
 * thread; pthread_self() is the FS base and the word at %fs:0x10.
 * libtlsview has no TLS of its own, so the __thread variables used are
 * libc's: errno and h_errno (both initial-exec TLS in libc).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "check_internal.h"

#define MAX_SEEDS	256

struct seed_thread {
	struct check_ctx *ctx;
	pthread_t handle;
	pthread_barrier_t *barrier;
	int *go;		/* futex: 1 all started, -1 give up */
	unsigned int index;
	int tid;
	uint64_t fsbase, self, fs0, fs10;
	uintptr_t errno_address, herrno_address;
	int errno_after;	/* errno after every thread set its own */
	bool started;
};

static void *seed_main(void *arg)
{
	struct seed_thread *t = arg;

	int go;

	while ((go = __atomic_load_n(t->go, __ATOMIC_ACQUIRE)) == 0)
		tlsview_sys_futex_wait(t->go, 0, NULL);
	if (go < 0)
		return NULL;	/* not every thread started: no barrier */
	t->tid = tlsview_sys_gettid();
	t->fsbase = t->ctx->insn ? tlsview_get_fs_insn() : check_get_base_syscall(true);
	t->self = (uint64_t)pthread_self();
	t->fs0 = (uint64_t)(uintptr_t)tlsview_thread_pointer();
	t->fs10 = tlsview_arch_fs_load64(0x10);
	t->errno_address = (uintptr_t)&errno;
	t->herrno_address = (uintptr_t)&h_errno;
	errno = 1000 + (int)t->index;
	pthread_barrier_wait(t->barrier);	/* every thread set its errno */
	pthread_barrier_wait(t->barrier);	/* the caller read the module */
	t->errno_after = errno;
	return NULL;
}

TLSVIEW_CHECK_EXPORT int tlsview_check_seeds(const struct tlsview_check_params *params,
				       struct tlsview_check_result *result)
{
	struct seed_thread *threads, main_thread;
	pthread_barrier_t barrier;
	struct check_ctx ctx;
	unsigned int i, j, count, started = 0;
	int ret, go = 0, saved_errno = errno;
	uint64_t errno_offset, herrno_offset;

	ret = check_begin(&ctx, params, result, 8, 1, 0);
	if (ret)
		return ret;
	count = CHECK_MIN(ctx.params.threads, (unsigned int)MAX_SEEDS);
	ctx.rounds_planned = count;
	threads = calloc(count, sizeof(*threads));
	if (!threads)
		return check_error(&ctx, ENOMEM, "threads");
	ret = pthread_barrier_init(&barrier, NULL, count + 1);
	if (ret) {
		free(threads);
		return check_error(&ctx, ret, "pthread_barrier_init");
	}
	/* The caller's own thread is the reference. */
	memset(&main_thread, 0, sizeof(main_thread));
	main_thread.fsbase = ctx.insn ? tlsview_get_fs_insn() : check_get_base_syscall(true);
	errno_offset = (uintptr_t)&errno - main_thread.fsbase;
	herrno_offset = (uintptr_t)&h_errno - main_thread.fsbase;

	for (i = 0; i < count; i++) {
		threads[i].ctx = &ctx;
		threads[i].index = i;
		threads[i].barrier = &barrier;
		threads[i].go = &go;
		ret = pthread_create(&threads[i].handle, NULL, seed_main, &threads[i]);
		if (ret)
			break;
		threads[i].started = true;
		started++;
	}
	if (started < count) {
		/* The barrier counts everyone: let the started ones leave without it. */
		__atomic_store_n(&go, -1, __ATOMIC_RELEASE);
		tlsview_sys_futex_wake(&go, (int)count);
		for (i = 0; i < started; i++)
			pthread_join(threads[i].handle, NULL);
		pthread_barrier_destroy(&barrier);
		free(threads);
		errno = saved_errno;
		return check_error(&ctx, ret, "pthread_create");
	}
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	tlsview_sys_futex_wake(&go, (int)count);
	pthread_barrier_wait(&barrier);
	for (i = 0; i < count && !check_failed(&ctx); i++) {
		struct seed_thread *t = &threads[i];
		const char *where = "seeds: glibc TLS layout";

		check_eq(&ctx, t->tid, TLSVIEW_VIEW_LIBC, "pthread_self", t->fsbase, t->self, i, where);
		check_eq(&ctx, t->tid, TLSVIEW_VIEW_FS0, "fs:0", t->fsbase, t->fs0, i, where);
		check_eq(&ctx, t->tid, TLSVIEW_VIEW_FS0, "fs:0x10", t->fsbase, t->fs10, i, where);
		check_eq(&ctx, t->tid, TLSVIEW_VIEW_LIBC, "errno-offset", errno_offset,
			 t->errno_address - t->fsbase, i, where);
		check_eq(&ctx, t->tid, TLSVIEW_VIEW_LIBC, "h_errno-offset", herrno_offset,
			 t->herrno_address - t->fsbase, i, where);
		/* Per thread: no two threads share an errno. */
		for (j = 0; j < i; j++)
			if (threads[j].errno_address == t->errno_address)
				check_mismatch(&ctx, t->tid, TLSVIEW_VIEW_LIBC, "errno-address",
					       0, t->errno_address, i, "two threads share errno");
		check_module_expect(&ctx, t->tid, &t->self, NULL, NULL, NULL, i == 0, i);
		__atomic_add_fetch(&ctx.rounds, 1, __ATOMIC_RELAXED);
	}
	pthread_barrier_wait(&barrier);
	for (i = 0; i < count; i++)
		pthread_join(threads[i].handle, NULL);
	for (i = 0; i < count && !check_failed(&ctx); i++)
		check_eq(&ctx, threads[i].tid, TLSVIEW_VIEW_LIBC, "errno", 1000 + i,
			 (uint64_t)threads[i].errno_after, i,
			 "errno after every thread set its own");
	pthread_barrier_destroy(&barrier);
	free(threads);
	errno = saved_errno;
	return check_end(&ctx);
}

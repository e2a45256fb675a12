// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Bare threads: raw clone(CLONE_SETTLS) on a tlsview TCB and our own stack,
 * joined through CLONE_CHILD_CLEARTID and a futex.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "internal.h"

#define OWNS_STACK	(1U << 0)
#define OWNS_TCB	(1U << 1)
#define STARTED		(1U << 2)

/*
 * First C code of the child, on the new stack and TCB. It must stay
 * TLS-free: no errno, no libc.
 */
static int bare_thread_start(void *arg)
{
	struct tlsview_thread *thread = arg;
	int result = thread->fn(thread->arg);

	thread->result = result;
	return result;
}

static void release(struct tlsview_thread *thread)
{
	if (thread->owns & OWNS_STACK)
		munmap(thread->stack_mapping, thread->stack_mapping_size);
	if (thread->owns & OWNS_TCB)
		tlsview_tcb_destroy(thread->tcb);
	thread->owns = 0;
	thread->stack_mapping = NULL;
	thread->tcb = NULL;
}

/* Blocks everything, the signals glibc reserves for itself included. */
static int sigmask_all(uint64_t *old)
{
	uint64_t all = ~0ULL;

	return (int)tlsview_arch_syscall6(SYS_rt_sigprocmask, 2 /* SIG_SETMASK */, (long)&all,
					  (long)old, sizeof(all), 0, 0);
}

static void sigmask_restore(const uint64_t *old)
{
	tlsview_arch_syscall6(SYS_rt_sigprocmask, 2 /* SIG_SETMASK */, (long)old, 0,
			      sizeof(*old), 0, 0);
}

TLSVIEW_EXPORT int tlsview_thread_create(struct tlsview_thread *thread,
					 const struct tlsview_thread_attr *attr,
					 tlsview_thread_fn fn, void *arg)
{
	static const struct tlsview_thread_attr defaults;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t stack_top;
	uint64_t oldmask = 0;
	int masked = 0;
	long ret;

	if (!thread || !fn)
		return tlsview_fail(EINVAL);
	if (!attr)
		attr = &defaults;
	if (attr->stack && attr->stack_size < TLSVIEW_THREAD_STACK_MIN)
		return tlsview_fail(EINVAL);

	/* Decide the FS/GS path now: the child must never need to probe. */
	tlsview_fsgs_probe();

	memset(thread, 0, sizeof(*thread));
	thread->fn = fn;
	thread->arg = arg;

	if (attr->tcb) {
		thread->tcb = attr->tcb;
	} else {
		thread->tcb = tlsview_tcb_create(NULL);
		if (!thread->tcb)
			return -errno;
		thread->owns |= OWNS_TCB;
	}

	if (attr->stack) {
		stack_top = (uintptr_t)attr->stack + attr->stack_size;
	} else {
		size_t size = attr->stack_size ? attr->stack_size : TLSVIEW_THREAD_STACK_DEFAULT;
		void *mem;

		if (size < TLSVIEW_THREAD_STACK_MIN)
			size = TLSVIEW_THREAD_STACK_MIN;
		size = TLSVIEW_ROUND_UP(size, page) + page;	/* + guard page */
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
		if (mem == MAP_FAILED) {
			int err = errno;

			release(thread);
			return tlsview_fail(err);
		}
		if (mprotect(mem, page, PROT_NONE)) {
			int err = errno;

			munmap(mem, size);
			release(thread);
			return tlsview_fail(err);
		}
		thread->stack_mapping = mem;
		thread->stack_mapping_size = size;
		thread->owns |= OWNS_STACK;
		stack_top = (uintptr_t)mem + size;
	}
	stack_top &= ~(uintptr_t)15;	/* the ABI's alignment before a call */

	/*
	 * The child inherits the signal mask clone() runs with: start it with
	 * everything blocked so no handler (which may use libc's TLS) ever
	 * runs on the bare TCB.
	 */
	if (!(attr->flags & TLSVIEW_THREAD_INHERIT_SIGMASK)) {
		if (sigmask_all(&oldmask) == 0)
			masked = 1;
	}
	ret = tlsview_arch_clone_call(TLSVIEW_CLONE_FLAGS, (void *)stack_top, &thread->tid,
				      &thread->tid, (uint64_t)(uintptr_t)thread->tcb->tp,
				      bare_thread_start, thread);
	if (masked)
		sigmask_restore(&oldmask);
	if (ret < 0) {
		release(thread);
		return tlsview_fail((int)-ret);
	}
	thread->owns |= STARTED;
	return 0;
}

static int64_t monotonic_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

TLSVIEW_EXPORT int tlsview_thread_timedjoin(struct tlsview_thread *thread, int *result,
					    const struct timespec *timeout)
{
	int64_t deadline = 0;
	int tid;

	if (!thread || !(thread->owns & STARTED))
		return tlsview_fail(EINVAL);
	if (timeout) {
		if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000)
			return tlsview_fail(EINVAL);
		deadline = monotonic_ns() + (int64_t)timeout->tv_sec * 1000000000 + timeout->tv_nsec;
	}

	/*
	 * The kernel zeroes tid and wakes the futex once the thread no longer
	 * uses its stack, so both may be freed after that.
	 */
	while ((tid = __atomic_load_n(&thread->tid, __ATOMIC_ACQUIRE)) != 0) {
		struct timespec left, *wait = NULL;

		if (timeout) {
			int64_t ns = deadline - monotonic_ns();

			if (ns <= 0)
				return tlsview_fail(ETIMEDOUT);
			left.tv_sec = ns / 1000000000;
			left.tv_nsec = ns % 1000000000;
			wait = &left;
		}
		tlsview_sys_futex_wait(&thread->tid, tid, wait);
	}

	if (result)
		*result = thread->result;
	release(thread);
	return 0;
}

TLSVIEW_EXPORT int tlsview_thread_join(struct tlsview_thread *thread, int *result)
{
	return tlsview_thread_timedjoin(thread, result, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * tlsview/thread.h - bare threads: raw clone(CLONE_SETTLS) on a tlsview TCB,
 * and the raw system calls such a thread may use.
 *
 * A bare thread is created with
 *   clone(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
 *         CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
 *         CLONE_CHILD_CLEARTID)
 * on its own mmap()ed stack (with a guard page) and its own TCB
 * (tlsview/tcb.h); its FS base is the TCB's tp. libc knows nothing of it.
 *
 * What the start function of a bare thread MAY do:
 *  - read and write the executable's own __thread variables (they are in
 *    its TLS block, initialised from .tdata and zeroed .tbss), as long as
 *    the executable reaches them with local-exec or initial-exec code (the
 *    default for a non-PIC executable and for PIE);
 *  - run code built with -fstack-protector (the canary is in the TCB);
 *  - call the bare-thread safe functions of libtlsview: everything in
 *    tlsview/fsgs.h and tlsview/gscontext.h, tlsview_version(),
 *    tlsview_tcb_tls_address(), and every tlsview_sys_* / tlsview_syscall*
 *    below (static inline raw syscalls: no errno, no PLT);
 *  - touch ordinary memory, use atomics/__sync builtins.
 * What it MUST NOT do:
 *  - call any libc function that may touch libc's TLS or locks: errno
 *    setting wrappers (read, write, syscall(), futex...), malloc/free,
 *    stdio, pthread_*, dl*, exit() (use a return from the start function
 *    or tlsview_sys_exit_thread());
 *  - use __thread variables of shared libraries (general- or local-dynamic
 *    TLS; the TCB has no DTV) or C++ thread_local with constructors;
 *  - take a signal whose handler does any of the above: the thread starts
 *    with every signal blocked (unless TLSVIEW_THREAD_INHERIT_SIGMASK).
 * Calls into shared libraries go through the PLT; with lazy binding the
 * first call of a symbol runs the dynamic linker, which is not TLS-free.
 * Link with -z now, or call only inline functions, as the tests do.
 */
#ifndef _TLSVIEW_THREAD_H
#define _TLSVIEW_THREAD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <tlsview/common.h>
#include <tlsview/tcb.h>
#include <tlsview/arch-x86_64.h>

TLSVIEW_BEGIN_DECLS

/* The clone flags of a bare thread (the values of <sched.h>). */
#define TLSVIEW_CLONE_FLAGS	(0x00000100 /* CLONE_VM */ |		\
				 0x00000200 /* CLONE_FS */ |		\
				 0x00000400 /* CLONE_FILES */ |		\
				 0x00000800 /* CLONE_SIGHAND */ |	\
				 0x00010000 /* CLONE_THREAD */ |	\
				 0x00040000 /* CLONE_SYSVSEM */ |	\
				 0x00080000 /* CLONE_SETTLS */ |	\
				 0x00100000 /* CLONE_PARENT_SETTID */ |	\
				 0x00200000 /* CLONE_CHILD_CLEARTID */)

#define TLSVIEW_THREAD_STACK_DEFAULT	(256UL << 10)
#define TLSVIEW_THREAD_STACK_MIN	(16UL << 10)

/* struct tlsview_thread_attr.flags bits */
#define TLSVIEW_THREAD_INHERIT_SIGMASK	(1U << 0)	/* keep the creator's mask */

/**
 * struct tlsview_thread_attr - how to create a bare thread (all optional)
 * @stack_size: stack bytes (rounded up to pages); 0 for the default.
 *              Ignored when @stack is given.
 * @stack:      a caller-owned stack of @stack_size bytes, or NULL for one
 *              mmap()ed (with a guard page) and freed by the library.
 * @tcb:        a caller-owned TCB, or NULL for one built from the running
 *              executable's PT_TLS and freed at join.
 * @flags:      TLSVIEW_THREAD_* bits.
 */
struct tlsview_thread_attr {
	size_t stack_size;
	void *stack;
	struct tlsview_tcb *tcb;
	unsigned int flags;
};

/** typedef tlsview_thread_fn - a bare thread's start function */
typedef int (*tlsview_thread_fn)(void *arg);

/**
 * struct tlsview_thread - one bare thread; caller-allocated, library-filled
 * @tid:     the thread's id while it lives; the kernel writes it at clone
 *           (CLONE_PARENT_SETTID) and clears it and futex-wakes it when the
 *           thread exits (CLONE_CHILD_CLEARTID). Read it with atomics.
 * @result:  the start function's return value, valid after join.
 * @tcb:     the TCB the thread runs on (its tp is the thread's FS base).
 * Other fields are private.
 *
 * The structure must stay at the same address until the thread is joined.
 */
struct tlsview_thread {
	int tid;
	int result;
	struct tlsview_tcb *tcb;
	tlsview_thread_fn fn;
	void *arg;
	void *stack_mapping;
	size_t stack_mapping_size;
	unsigned int owns;
};

/**
 * tlsview_thread_create() - start a bare thread running fn(arg)
 * @thread: caller storage for the thread, written here.
 * @attr:   options, or NULL for the defaults.
 * @fn:     start function; it must follow the rules at the top of this file.
 * @arg:    its argument.
 *
 * Call from a libc thread. The thread exits when @fn returns, with @fn's
 * return value as its exit code.
 * Returns 0, or a negative errno with errno set: EINVAL (NULL @thread or
 * @fn, or a caller @stack smaller than TLSVIEW_THREAD_STACK_MIN), ENOMEM,
 * EAGAIN (clone). Nothing stays allocated on failure.
 */
int tlsview_thread_create(struct tlsview_thread *thread, const struct tlsview_thread_attr *attr,
			  tlsview_thread_fn fn, void *arg);

/**
 * tlsview_thread_join() - wait for a bare thread to exit and free it
 * @thread: a thread from tlsview_thread_create(), not joined yet.
 * @result: where to store its start function's return value, or NULL.
 *
 * Waits (futex) until the kernel clears @thread->tid, then frees the stack
 * and TCB the library allocated. Exactly one thread may join a bare thread,
 * once. Call from a libc thread.
 * Returns 0, or a negative errno with errno set: EINVAL (NULL or never
 * started / already joined @thread).
 */
int tlsview_thread_join(struct tlsview_thread *thread, int *result);

/**
 * tlsview_thread_timedjoin() - tlsview_thread_join() with a time limit
 * @thread:  as for tlsview_thread_join().
 * @result:  as for tlsview_thread_join().
 * @timeout: the longest wait (relative, CLOCK_MONOTONIC), or NULL for none.
 *
 * Returns 0, -ETIMEDOUT when the thread still ran at the deadline (it is
 * then not joined and may be joined again later), or -EINVAL; sets errno on
 * failure.
 */
int tlsview_thread_timedjoin(struct tlsview_thread *thread, int *result,
			     const struct timespec *timeout);

/**
 * tlsview_thread_running() - has the thread not exited yet?
 *
 * Safe anywhere. Returns nonzero while the kernel has not cleared tid.
 */
static inline int tlsview_thread_running(const struct tlsview_thread *thread)
{
	return __atomic_load_n(&thread->tid, __ATOMIC_ACQUIRE) != 0;
}

/*
 * Raw system calls for bare threads. All are bare-thread safe: static
 * inline, no errno, no PLT. They return what the kernel returns: a
 * non-negative value, or a negative errno.
 */

/** tlsview_syscall6() - any system call @nr with up to six arguments. */
static inline long tlsview_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	return tlsview_arch_syscall6(nr, a1, a2, a3, a4, a5, a6);
}

/** tlsview_syscall3() - any system call @nr with up to three arguments. */
static inline long tlsview_syscall3(long nr, long a1, long a2, long a3)
{
	return tlsview_arch_syscall6(nr, a1, a2, a3, 0, 0, 0);
}

/** tlsview_sys_gettid() - the calling thread's id. */
static inline int tlsview_sys_gettid(void)
{
	return (int)tlsview_arch_syscall2(186 /* __NR_gettid */, 0, 0);
}

/** tlsview_sys_getpid() - the calling process's id (the tgid). */
static inline int tlsview_sys_getpid(void)
{
	return (int)tlsview_arch_syscall2(39 /* __NR_getpid */, 0, 0);
}

/** tlsview_sys_write() - write(2). Returns bytes written or -errno. */
static inline long tlsview_sys_write(int fd, const void *buf, size_t count)
{
	return tlsview_arch_syscall6(1 /* __NR_write */, fd, (long)buf, (long)count, 0, 0, 0);
}

/** tlsview_sys_sched_yield() - sched_yield(2). Returns 0. */
static inline int tlsview_sys_sched_yield(void)
{
	return (int)tlsview_arch_syscall2(24 /* __NR_sched_yield */, 0, 0);
}

/**
 * tlsview_sys_futex_wait() - FUTEX_WAIT on @addr while it holds @expected
 * @timeout: relative timeout, or NULL. Returns 0, -EAGAIN (value differed),
 * -ETIMEDOUT, -EINTR. Not private: pairs with CLONE_CHILD_CLEARTID's wake.
 */
static inline int tlsview_sys_futex_wait(int *addr, int expected, const struct timespec *timeout)
{
	return (int)tlsview_arch_syscall6(202 /* __NR_futex */, (long)addr, 0 /* FUTEX_WAIT */,
					  expected, (long)timeout, 0, 0);
}

/** tlsview_sys_futex_wake() - FUTEX_WAKE up to @count waiters on @addr. */
static inline int tlsview_sys_futex_wake(int *addr, int count)
{
	return (int)tlsview_arch_syscall6(202 /* __NR_futex */, (long)addr, 1 /* FUTEX_WAKE */,
					  count, 0, 0, 0);
}

/** tlsview_sys_nanosleep() - nanosleep(2) for @duration. Returns 0 or -errno. */
static inline int tlsview_sys_nanosleep(const struct timespec *duration)
{
	return (int)tlsview_arch_syscall2(35 /* __NR_nanosleep */, (long)duration, 0);
}

/** tlsview_sys_arch_prctl() - arch_prctl(2) @code with @addr. */
static inline int tlsview_sys_arch_prctl(int code, unsigned long addr)
{
	return (int)tlsview_arch_syscall2(158 /* __NR_arch_prctl */, code, (long)addr);
}

/** tlsview_sys_tgkill() - tgkill(2): signal @sig to thread @tid of @tgid. */
static inline int tlsview_sys_tgkill(int tgid, int tid, int sig)
{
	return (int)tlsview_arch_syscall6(234 /* __NR_tgkill */, tgid, tid, sig, 0, 0, 0);
}

/**
 * tlsview_sys_sched_setaffinity() - pin thread @tid (0: caller) to the
 * CPUs in the @size-byte mask at @mask. Returns 0 or -errno.
 */
static inline int tlsview_sys_sched_setaffinity(int tid, size_t size, const void *mask)
{
	return (int)tlsview_arch_syscall6(203 /* __NR_sched_setaffinity */, tid, (long)size,
					  (long)mask, 0, 0, 0);
}

/**
 * tlsview_sys_getcpu() - the CPU the caller runs on. Returns it or -errno.
 */
static inline int tlsview_sys_getcpu(void)
{
	unsigned int cpu = 0;
	long ret = tlsview_arch_syscall6(309 /* __NR_getcpu */, (long)&cpu, 0, 0, 0, 0, 0);

	return ret < 0 ? (int)ret : (int)cpu;
}

/**
 * tlsview_sys_exit_thread() - end the calling thread only, with @code
 * (exit(2), not exit_group). Never returns.
 */
static inline __attribute__((noreturn)) void tlsview_sys_exit_thread(int code)
{
	for (;;)
		tlsview_arch_syscall2(60 /* __NR_exit */, code, 0);
}

TLSVIEW_END_DECLS

#endif /* _TLSVIEW_THREAD_H */

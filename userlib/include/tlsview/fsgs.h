/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * tlsview/fsgs.h - FSGSBASE detection and the user FS/GS base, both ways.
 *
 * Two ways to reach the user FS and GS bases exist on x86-64 Linux:
 *  - the instruction path: rdfsbase/rdgsbase/wrfsbase/wrgsbase, usable in
 *    user mode only when the kernel set CR4.FSGSBASE and says so with
 *    HWCAP2_FSGSBASE in AT_HWCAP2 (Linux 5.9 and later);
 *  - the syscall path: arch_prctl(ARCH_GET_FS/ARCH_SET_FS/ARCH_GET_GS/
 *    ARCH_SET_GS), available everywhere.
 *
 * tlsview_get_fs() and friends pick the instruction path when it is usable
 * and the syscall path otherwise. The decision is made once per process
 * (a constructor, or the first call, whichever comes first) and then costs
 * one load and one predictable branch. Both paths are also callable
 * explicitly so that tests and benchmarks can compare them.
 *
 * Setting TLSVIEW_NO_FSGSBASE=1 in the environment makes the decision
 * "syscall path" on any machine (to exercise or measure the fallback).
 *
 * Every function here is bare-thread safe (tlsview/thread.h): none touches
 * errno or libc's TLS.
 */
#ifndef _TLSVIEW_FSGS_H
#define _TLSVIEW_FSGS_H

#include <stdbool.h>
#include <stdint.h>
#include <tlsview/common.h>
#include <tlsview/arch-x86_64.h>

TLSVIEW_BEGIN_DECLS

/* AT_HWCAP2 bit the kernel sets when user space may use rd/wr{fs,gs}base. */
#define TLSVIEW_HWCAP2_FSGSBASE	(1UL << 1)

/** enum tlsview_fsgs_path - how a base is read or written */
enum tlsview_fsgs_path {
	TLSVIEW_PATH_UNKNOWN = 0,	/* not decided yet (internal) */
	TLSVIEW_PATH_INSN = 1,		/* rd/wr{fs,gs}base */
	TLSVIEW_PATH_SYSCALL = 2,	/* arch_prctl */
};

/*
 * The process-wide decision, an enum tlsview_fsgs_path. Part of the ABI only
 * so that the inline fast path can read it; do not write it.
 */
extern int tlsview_fsgs_path_decided;

/*
 * A plain load on purpose: the value only ever goes from UNKNOWN to one
 * fixed answer (an aligned int, stored atomically), and a plain load lets
 * the compiler hoist the check out of loops, so a loop of tlsview_get_fs()
 * is a loop of rdfsbase.
 */
#define tlsview_fsgs_path_now() (tlsview_fsgs_path_decided)

/**
 * tlsview_fsgs_probe() - decide (once) which path the process uses
 *
 * Reads TLSVIEW_NO_FSGSBASE and AT_HWCAP2 the first time and caches the
 * result; later calls return the cached value. Called by a library
 * constructor and by tlsview_thread_create(), exposed for code that runs
 * before constructors. The first call belongs in a libc thread (getauxval
 * may set errno); once decided it is safe anywhere, bare threads included.
 * Concurrent first calls agree.
 * Returns: TLSVIEW_PATH_INSN or TLSVIEW_PATH_SYSCALL. Never fails.
 */
int tlsview_fsgs_probe(void);

/**
 * tlsview_fsgs_path() - the path the dispatching calls take
 *
 * Safe anywhere. Costs one load after the first call.
 * Returns TLSVIEW_PATH_INSN or TLSVIEW_PATH_SYSCALL.
 */
static inline int tlsview_fsgs_path(void)
{
	int path = tlsview_fsgs_path_now();

	if (__builtin_expect(path == TLSVIEW_PATH_UNKNOWN, 0))
		path = tlsview_fsgs_probe();
	return path;
}

/**
 * tlsview_have_fsgsbase() - may this process use rd/wr{fs,gs}base?
 *
 * Safe anywhere. Costs one load after the first call.
 * Returns: true when the kernel enabled FSGSBASE for user space.
 */
static inline bool tlsview_have_fsgsbase(void)
{
	return tlsview_fsgs_path() == TLSVIEW_PATH_INSN;
}

/*
 * The instruction path. The caller must have checked
 * tlsview_have_fsgsbase(): without FSGSBASE these raise SIGILL. A
 * non-canonical base written with wr*base raises SIGSEGV. Writing the FS
 * base of a libc thread to anything but a valid TCB breaks libc (errno,
 * stack protector); the GS base is unused by glibc on x86-64.
 */

/** tlsview_get_fs_insn() - rdfsbase. Returns the FS base. */
static inline uint64_t tlsview_get_fs_insn(void) { return tlsview_arch_rdfsbase(); }
/** tlsview_get_gs_insn() - rdgsbase. Returns the GS base. */
static inline uint64_t tlsview_get_gs_insn(void) { return tlsview_arch_rdgsbase(); }
/** tlsview_set_fs_insn() - wrfsbase @base. */
static inline void tlsview_set_fs_insn(uint64_t base) { tlsview_arch_wrfsbase(base); }
/** tlsview_set_gs_insn() - wrgsbase @base. */
static inline void tlsview_set_gs_insn(uint64_t base) { tlsview_arch_wrgsbase(base); }

/*
 * The syscall path: arch_prctl(2), inline. Work on every kernel and CPU.
 * Bare-thread safe. Return 0, or a negative errno: -EFAULT for a bad
 * @base pointer, -EPERM for a base outside the user address space.
 *
 * Inline, not calls into the library, for a measured reason: with the
 * kernel's return-stack mitigations (here: SRSO "Safe RET", RSB filling)
 * the first `ret` after a syscall appears to mispredict, and an
 * out-of-line wrapper measured ~15% slower than the bare syscall (now ~1%).
 */
#define TLSVIEW_NR_ARCH_PRCTL	158
#define TLSVIEW_ARCH_SET_GS	0x1001
#define TLSVIEW_ARCH_SET_FS	0x1002
#define TLSVIEW_ARCH_GET_FS	0x1003
#define TLSVIEW_ARCH_GET_GS	0x1004

/** tlsview_get_fs_syscall() - arch_prctl(ARCH_GET_FS) into *@base. */
static inline int tlsview_get_fs_syscall(uint64_t *base)
{
	return (int)tlsview_arch_syscall2(TLSVIEW_NR_ARCH_PRCTL, TLSVIEW_ARCH_GET_FS, (long)base);
}

/** tlsview_get_gs_syscall() - arch_prctl(ARCH_GET_GS) into *@base. */
static inline int tlsview_get_gs_syscall(uint64_t *base)
{
	return (int)tlsview_arch_syscall2(TLSVIEW_NR_ARCH_PRCTL, TLSVIEW_ARCH_GET_GS, (long)base);
}

/** tlsview_set_fs_syscall() - arch_prctl(ARCH_SET_FS, @base). */
static inline int tlsview_set_fs_syscall(uint64_t base)
{
	return (int)tlsview_arch_syscall2(TLSVIEW_NR_ARCH_PRCTL, TLSVIEW_ARCH_SET_FS, (long)base);
}

/** tlsview_set_gs_syscall() - arch_prctl(ARCH_SET_GS, @base). */
static inline int tlsview_set_gs_syscall(uint64_t base)
{
	return (int)tlsview_arch_syscall2(TLSVIEW_NR_ARCH_PRCTL, TLSVIEW_ARCH_SET_GS, (long)base);
}

/*
 * Bases the instruction path writes without asking the kernel: below
 * TASK_SIZE_MAX of 4-level paging (2^47 - 4096), the bound arch_prctl
 * itself enforces there. Anything else goes to arch_prctl, so the kernel's
 * rules (-EPERM outside the user address space, larger bounds under 5-level
 * paging) apply on both paths alike.
 */
#define TLSVIEW_FAST_BASE_LIMIT	0x00007ffffffff000ULL

/**
 * tlsview_get_fs() - the calling thread's FS base, by the fastest path
 *
 * Safe anywhere, bare threads included. Returns the FS base.
 */
static inline uint64_t tlsview_get_fs(void)
{
	uint64_t base = 0;

	if (__builtin_expect(tlsview_fsgs_path() == TLSVIEW_PATH_INSN, 1))
		return tlsview_arch_rdfsbase();
	tlsview_get_fs_syscall(&base);
	return base;
}

/**
 * tlsview_get_gs() - the calling thread's GS base, by the fastest path
 *
 * Safe anywhere, bare threads included. Returns the GS base.
 */
static inline uint64_t tlsview_get_gs(void)
{
	uint64_t base = 0;

	if (__builtin_expect(tlsview_fsgs_path() == TLSVIEW_PATH_INSN, 1))
		return tlsview_arch_rdgsbase();
	tlsview_get_gs_syscall(&base);
	return base;
}

/**
 * tlsview_set_fs() - set the calling thread's FS base, by the fastest path
 * @base: the new base; in a libc thread it must point at a valid TCB.
 *
 * Bare-thread safe. Returns 0, or -EPERM when @base is outside the user
 * address space (on either path).
 */
static inline int tlsview_set_fs(uint64_t base)
{
	if (__builtin_expect(tlsview_fsgs_path() == TLSVIEW_PATH_INSN &&
			     base < TLSVIEW_FAST_BASE_LIMIT, 1)) {
		tlsview_arch_wrfsbase(base);
		return 0;
	}
	return tlsview_set_fs_syscall(base);
}

/**
 * tlsview_set_gs() - set the calling thread's GS base, by the fastest path
 * @base: the new base (glibc does not use GS on x86-64).
 *
 * Bare-thread safe. Returns 0, or -EPERM when @base is outside the user
 * address space (on either path).
 */
static inline int tlsview_set_gs(uint64_t base)
{
	if (__builtin_expect(tlsview_fsgs_path() == TLSVIEW_PATH_INSN &&
			     base < TLSVIEW_FAST_BASE_LIMIT, 1)) {
		tlsview_arch_wrgsbase(base);
		return 0;
	}
	return tlsview_set_gs_syscall(base);
}

/**
 * tlsview_thread_pointer() - the thread pointer, read as %fs:0
 *
 * The x86-64 ABI keeps a self-pointer in the first word of the TCB, so one
 * load through %fs gives the thread pointer without rdfsbase or a syscall.
 * Safe in any thread whose FS base points at a TCB with that word (every
 * libc thread, every bare thread on a tlsview TCB).
 * Returns the thread pointer.
 */
static inline void *tlsview_thread_pointer(void)
{
	return tlsview_arch_fs_word0();
}

TLSVIEW_END_DECLS

#endif /* _TLSVIEW_FSGS_H */

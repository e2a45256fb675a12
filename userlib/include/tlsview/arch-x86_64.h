/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * tlsview/arch-x86_64.h - every piece of inline assembly libtlsview and
 * libtlsview-check use (and the tlsview tools, through them).
 *
 * Internal to the tlsview libraries and tools: the public headers include
 * it, other programs should not include it directly nor call the
 * tlsview_arch_* names. Keeping all asm in
 * one place makes it easy to audit and to port; every operand is named.
 *
 * All of these are static inline and touch no memory other than what they
 * say, so they are safe in a bare thread (see tlsview/thread.h).
 */
#ifndef _TLSVIEW_ARCH_X86_64_H
#define _TLSVIEW_ARCH_X86_64_H

#if !defined(__x86_64__)
#error "libtlsview supports x86-64 only"
#endif

#include <stdint.h>

/* rd/wr{fs,gs}base: fault with SIGILL unless CR4.FSGSBASE is set. */
static inline __attribute__((always_inline)) uint64_t tlsview_arch_rdfsbase(void)
{
	uint64_t base;

	__asm__ __volatile__("rdfsbase %[base]" : [base] "=r" (base));
	return base;
}

static inline __attribute__((always_inline)) uint64_t tlsview_arch_rdgsbase(void)
{
	uint64_t base;

	__asm__ __volatile__("rdgsbase %[base]" : [base] "=r" (base));
	return base;
}

/*
 * The "memory" clobber keeps the compiler from moving %fs/%gs-relative
 * accesses (TLS variables, the canary) across the base change.
 */
static inline __attribute__((always_inline)) void tlsview_arch_wrfsbase(uint64_t base)
{
	__asm__ __volatile__("wrfsbase %[base]" : : [base] "r" (base) : "memory");
}

static inline __attribute__((always_inline)) void tlsview_arch_wrgsbase(uint64_t base)
{
	__asm__ __volatile__("wrgsbase %[base]" : : [base] "r" (base) : "memory");
}

/*
 * One load through the segment: the x86-64 ABI self-pointer at %fs:0, or
 * a GS context's self-pointer at %gs:0. Volatile (never merged or dropped,
 * kept in order with the wr*base statements above) but without a "memory"
 * clobber, so the compiler need not spill anything around it.
 */
static inline __attribute__((always_inline)) void *tlsview_arch_fs_word0(void)
{
	void *word;

	__asm__ __volatile__("mov %%fs:0, %[word]" : [word] "=r" (word));
	return word;
}

static inline __attribute__((always_inline)) void *tlsview_arch_gs_word0(void)
{
	void *word;

	__asm__ __volatile__("mov %%gs:0, %[word]" : [word] "=r" (word));
	return word;
}

/* A 64-bit word at a constant offset from the FS base (canary, guard). */
#define tlsview_arch_fs_load64(offset) __extension__ ({			\
	uint64_t __tv_word;						\
	__asm__ __volatile__("mov %%fs:%c[off], %[word]"			\
			     : [word] "=r" (__tv_word)			\
			     : [off] "i" (offset) : "memory");		\
	__tv_word; })

/*
 * Raw system calls: return the kernel's value (negative errno on failure),
 * never touch errno, never go through the PLT.
 */
static inline __attribute__((always_inline)) long
tlsview_arch_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ __volatile__("syscall"
			     : [ret] "=a" (ret)
			     : [nr] "a" (nr), [a1] "D" (a1), [a2] "S" (a2),
			       [a3] "d" (a3), [a4] "r" (r10), [a5] "r" (r8),
			       [a6] "r" (r9)
			     : "rcx", "r11", "memory");
	return ret;
}

static inline __attribute__((always_inline)) long
tlsview_arch_syscall2(long nr, long a1, long a2)
{
	long ret;

	__asm__ __volatile__("syscall"
			     : [ret] "=a" (ret)
			     : [nr] "a" (nr), [a1] "D" (a1), [a2] "S" (a2)
			     : "rcx", "r11", "memory");
	return ret;
}

/*
 * clone() whose child calls start(arg) on its new stack and then exits the
 * thread with start's return value. The child never returns into this
 * function (its stack is not ours), which is why this must be one asm
 * statement. stack_top must be 16-byte aligned. Returns the child's tid in
 * the parent, or a negative errno.
 */
static inline __attribute__((always_inline)) long
tlsview_arch_clone_call(unsigned long flags, void *stack_top, int *parent_tid,
			int *child_tid, uint64_t tls, int (*start)(void *), void *arg)
{
	register long r10 __asm__("r10") = (long)child_tid;
	register long r8 __asm__("r8") = (long)tls;
	register long r12 __asm__("r12") = (long)start;
	register long r13 __asm__("r13") = (long)arg;
	long ret;

	/*
	 * start and arg sit in callee-saved registers, which the kernel
	 * copies into the child. The child clears %rbp so that unwinders
	 * stop, calls start with the ABI's stack alignment, then exit(2)s.
	 */
	__asm__ __volatile__("syscall\n\t"
			     "test %[ret], %[ret]\n\t"
			     "jnz 1f\n\t"
			     "xor %%ebp, %%ebp\n\t"
			     "mov %[arg], %%rdi\n\t"
			     "call *%[start]\n\t"
			     "mov %%eax, %%edi\n\t"
			     "mov %[nr_exit], %%eax\n\t"
			     "syscall\n\t"
			     "hlt\n"
			     "1:"
			     : [ret] "=a" (ret)
			     : "a" (56L /* __NR_clone */), [flags] "D" (flags),
			       [stack] "S" (stack_top), [ptid] "d" (parent_tid),
			       [ctid] "r" (r10), [tls] "r" (r8),
			       [start] "r" (r12), [arg] "r" (r13),
			       [nr_exit] "i" (60 /* __NR_exit */)
			     : "rcx", "r11", "memory");
	return ret;
}

/* The selectors in FS and GS (a TLS slot's, or 0 for a 64-bit base). */
static inline __attribute__((always_inline)) uint16_t tlsview_arch_fs_selector(void)
{
	uint16_t selector;

	__asm__ __volatile__("mov %%fs, %[sel]" : [sel] "=r" (selector));
	return selector;
}

static inline __attribute__((always_inline)) uint16_t tlsview_arch_gs_selector(void)
{
	uint16_t selector;

	__asm__ __volatile__("mov %%gs, %[sel]" : [sel] "=r" (selector));
	return selector;
}

/*
 * Load a selector into FS or GS: the base becomes the descriptor's (a TLS
 * slot's). "memory": segment-relative accesses must not move across it.
 */
static inline __attribute__((always_inline)) void tlsview_arch_load_fs_selector(uint16_t selector)
{
	uint32_t value = selector;

	__asm__ __volatile__("mov %[sel], %%fs" : : [sel] "r" (value) : "memory");
}

static inline __attribute__((always_inline)) void tlsview_arch_load_gs_selector(uint16_t selector)
{
	uint32_t value = selector;

	__asm__ __volatile__("mov %[sel], %%gs" : : [sel] "r" (value) : "memory");
}

/*
 * Loads and stores at a run-time offset from the FS or GS base. "memory":
 * they read and write memory the compiler cannot see through the segment.
 */
static inline __attribute__((always_inline)) uint8_t tlsview_arch_fs_read8(long offset)
{
	uint32_t byte;

	__asm__ __volatile__("movzbl %%fs:(%[off]), %[byte]"
			     : [byte] "=r" (byte) : [off] "r" (offset) : "memory");
	return (uint8_t)byte;
}

static inline __attribute__((always_inline)) void tlsview_arch_fs_write8(long offset, uint8_t value)
{
	__asm__ __volatile__("movb %[value], %%fs:(%[off])"
			     : : [value] "q" (value), [off] "r" (offset) : "memory");
}

static inline __attribute__((always_inline)) uint64_t tlsview_arch_fs_read64(long offset)
{
	uint64_t word;

	__asm__ __volatile__("mov %%fs:(%[off]), %[word]"
			     : [word] "=r" (word) : [off] "r" (offset) : "memory");
	return word;
}

static inline __attribute__((always_inline)) uint64_t tlsview_arch_gs_read64(long offset)
{
	uint64_t word;

	__asm__ __volatile__("mov %%gs:(%[off]), %[word]"
			     : [word] "=r" (word) : [off] "r" (offset) : "memory");
	return word;
}

/*
 * A system call through the ia32 entry (int $0x80) from 64-bit code: ia32
 * call numbers, arguments truncated to 32 bits (pointers must lie below
 * 4 GiB). The entry clobbers r8-r11. Returns the kernel's value.
 */
static inline __attribute__((always_inline)) long
tlsview_arch_int80(long nr, unsigned long a1, unsigned long a2, unsigned long a3,
		   unsigned long a4, unsigned long a5)
{
	long ret = nr;

	__asm__ __volatile__("int $0x80"
			     : "+a" (ret)
			     : [a1] "b" (a1), [a2] "c" (a2), [a3] "d" (a3), [a4] "S" (a4),
			       [a5] "D" (a5)
			     : "r8", "r9", "r10", "r11", "memory", "cc");
	return ret;
}

/*
 * clone() through the ia32 entry (ia32 order: flags, stack, parent_tid,
 * tls, child_tid; @tls is a struct user_desc below 4 GiB, every pointer
 * must be): the child calls start(arg) on @stack_top (16-byte aligned,
 * below 4 GiB) and exits the thread with its return value, as
 * tlsview_arch_clone_call() does. start and arg travel in callee-saved
 * r12/r13, which the ia32 entry keeps and the child inherits.
 */
static inline __attribute__((always_inline)) long
tlsview_arch_ia32_clone_call(unsigned long flags, void *stack_top, int *parent_tid,
			     void *tls, int *child_tid, int (*start)(void *), void *arg)
{
	register long r12 __asm__("r12") = (long)start;
	register long r13 __asm__("r13") = (long)arg;
	long ret = 120;	/* __NR_clone in the ia32 table */

	__asm__ __volatile__("int $0x80\n\t"
			     "test %%eax, %%eax\n\t"
			     "jnz 1f\n\t"
			     "xor %%ebp, %%ebp\n\t"
			     "mov %[arg], %%rdi\n\t"
			     "call *%[start]\n\t"
			     "mov %%eax, %%edi\n\t"
			     "mov %[nr_exit], %%eax\n\t"
			     "syscall\n\t"
			     "hlt\n"
			     "1:"
			     : "+a" (ret)
			     : [flags] "b" (flags), [stack] "c" ((unsigned long)stack_top),
			       [ptid] "d" ((unsigned long)parent_tid),
			       [tls] "S" ((unsigned long)tls), [ctid] "D" ((unsigned long)child_tid),
			       [start] "r" (r12), [arg] "r" (r13),
			       [nr_exit] "i" (60 /* __NR_exit */)
			     : "r8", "r9", "r10", "r11", "memory", "cc");
	return ret;
}

#endif /* _TLSVIEW_ARCH_X86_64_H */

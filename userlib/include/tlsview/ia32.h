/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * tlsview/ia32.h - GDT TLS slots from a 64-bit task: set_thread_area(2)
 * and get_thread_area(2) through the ia32 entry, and the struct user_desc
 * they take.
 *
 * x86-64 has no 64-bit set_thread_area: a 64-bit task reaches it only with
 * int $0x80 (the ia32 entry, present when the kernel has ia32 emulation),
 * which takes 32-bit arguments, so the struct user_desc must lie below
 * 4 GiB (tlsview_map_low()). A slot's selector loaded into FS or GS (see
 * tlsview_arch_load_gs_selector()) makes the slot's base that segment's
 * base, which is how i386 glibc keeps its TLS in %gs.
 *
 * struct user_desc is the kernel's (<asm/ldt.h>).
 */
#ifndef _TLSVIEW_IA32_H
#define _TLSVIEW_IA32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <asm/ldt.h>
#include <tlsview/common.h>
#include <tlsview/arch-x86_64.h>

TLSVIEW_BEGIN_DECLS

/* The ia32 system call numbers used here (arch/x86/entry/syscalls/syscall_32.tbl). */
#define TLSVIEW_IA32_NR_CLONE			120
#define TLSVIEW_IA32_NR_SET_THREAD_AREA		243
#define TLSVIEW_IA32_NR_GET_THREAD_AREA		244

/* The GDT's TLS entries on x86-64 (GDT_ENTRY_TLS_MIN..MAX). */
#define TLSVIEW_TLS_ENTRY_MIN	12
#define TLSVIEW_TLS_ENTRY_MAX	14

/** TLSVIEW_TLS_SELECTOR() - the selector of GDT entry @entry with RPL 3 */
#define TLSVIEW_TLS_SELECTOR(entry)	((uint16_t)(((entry) << 3) | 3))

/**
 * tlsview_user_desc_fill() - describe a present, writable 32-bit data segment
 * @desc:           filled (every other field cleared).
 * @entry:          the GDT entry, or -1 to let set_thread_area pick a
 *                  free one (it writes the choice back into @desc).
 * @base:           the segment's base (32 bits: below 4 GiB).
 * @limit:          the segment's limit, in bytes, or in 4 KiB pages when
 *                  @limit_in_pages (0xfffff pages: the whole 4 GiB).
 * @limit_in_pages: the granularity of @limit.
 *
 * The "useable" bit is set, as glibc sets it. Bare-thread safe. Never fails.
 */
void tlsview_user_desc_fill(struct user_desc *desc, int entry, uint32_t base, uint32_t limit,
			    bool limit_in_pages);

/**
 * tlsview_user_desc_fill_empty() - the descriptor that frees a TLS slot
 * @desc:  filled: not present, read/exec only, nothing else (what
 *         get_thread_area reports for an empty slot, too).
 * @entry: the GDT entry to free.
 *
 * Bare-thread safe. Never fails.
 */
void tlsview_user_desc_fill_empty(struct user_desc *desc, unsigned int entry);

/**
 * tlsview_ia32_set_thread_area() - set_thread_area(2) through int $0x80
 * @desc: below 4 GiB; with entry_number -1 the kernel picks a free slot
 *        and stores its number here.
 *
 * Bare-thread safe (inline, no errno). Returns 0 or a negative errno
 * (-ENOSYS without ia32 emulation, -EFAULT for @desc above 4 GiB,
 * -EINVAL/-ESRCH for a bad or no free entry).
 */
static inline int tlsview_ia32_set_thread_area(struct user_desc *desc)
{
	return (int)tlsview_arch_int80(TLSVIEW_IA32_NR_SET_THREAD_AREA,
				       (unsigned long)(uintptr_t)desc, 0, 0, 0, 0);
}

/**
 * tlsview_ia32_get_thread_area() - get_thread_area(2) through int $0x80
 * @desc: below 4 GiB; entry_number says which slot, the rest is filled.
 *
 * Bare-thread safe (inline, no errno). Returns 0 or a negative errno.
 */
static inline int tlsview_ia32_get_thread_area(struct user_desc *desc)
{
	return (int)tlsview_arch_int80(TLSVIEW_IA32_NR_GET_THREAD_AREA,
				       (unsigned long)(uintptr_t)desc, 0, 0, 0, 0);
}

/**
 * tlsview_map_low() - private zeroed memory below 4 GiB (mmap MAP_32BIT)
 * @size: bytes (rounded up to pages).
 *
 * For struct user_desc arguments, 32-bit segments and ia32 clone stacks.
 * Release with munmap(). Returns the mapping, or NULL with errno set.
 */
void *tlsview_map_low(size_t size);

/**
 * tlsview_have_ia32() - can this 64-bit task use the ia32 entry?
 *
 * Probes get_thread_area once (the answer is cached; the first call maps
 * and unmaps one page). False on kernels built without ia32 emulation or
 * booted with ia32_emulation=0. Never fails.
 */
bool tlsview_have_ia32(void);

TLSVIEW_END_DECLS

#endif /* _TLSVIEW_IA32_H */

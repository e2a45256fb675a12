/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * tlsview/tcb.h - thread control blocks for x86-64 TLS variant II.
 *
 * Layout of one tlsview TCB (addresses grow to the right):
 *
 *   [ TLS block: tls_offset bytes ][ TCB: tcb_size bytes ]
 *   ^ tls_block = tp - tls_offset   ^ tp (the FS base to install)
 *
 * - tls_offset = round_up(mem_size, align); the block holds the image's
 *   .tdata bytes followed by zeroed .tbss (and zeroed padding);
 * - tp is aligned to max(align, TLSVIEW_TCB_ALIGN), so the block is aligned
 *   to the image's p_align and an executable's local-exec __thread
 *   variables are where its code expects them;
 * - the TCB words glibc's tcbhead_t defines and compiled code reads are
 *   filled: tp+0x00 and tp+0x10 hold tp (the ABI self-pointer and glibc's
 *   "self"), tp+0x28 the stack-protector canary and tp+0x30 the pointer
 *   guard, both copied from the creating thread so that -fstack-protector
 *   code and PTR_MANGLE'd values behave; every other TCB byte is zero.
 *
 * Only the executable's own TLS (the module glibc numbers 1, reached with
 * local-exec or initial-exec code) lives in the block. Shared libraries'
 * TLS, libc's included (errno), is NOT there; see tlsview/thread.h for what
 * that means for code running on such a TCB.
 */
#ifndef _TLSVIEW_TCB_H
#define _TLSVIEW_TCB_H

#include <stddef.h>
#include <stdint.h>
#include <tlsview/common.h>

TLSVIEW_BEGIN_DECLS

/* Offsets inside the TCB, from glibc's x86-64 tcbhead_t and the ABI. */
#define TLSVIEW_TCB_OFF_TCB		0x00	/* self-pointer: mov %fs:0 yields tp */
#define TLSVIEW_TCB_OFF_DTV		0x08	/* left 0: no dynamic TLS */
#define TLSVIEW_TCB_OFF_SELF		0x10	/* glibc's header.self */
#define TLSVIEW_TCB_OFF_STACK_GUARD	0x28	/* -fstack-protector canary */
#define TLSVIEW_TCB_OFF_POINTER_GUARD	0x30	/* glibc's PTR_MANGLE key */

/* Bytes of TCB at tp (zeroed but for the words above), and its alignment. */
#define TLSVIEW_TCB_SIZE	4096
#define TLSVIEW_TCB_ALIGN	64

/* The largest image size and alignment accepted (E2BIG beyond). */
#define TLSVIEW_TLS_MAX_SIZE	(256UL << 20)
#define TLSVIEW_TLS_MAX_ALIGN	(256UL << 20)

/**
 * struct tlsview_tls_image - a TLS initialization image (one PT_TLS)
 * @init:      the .tdata bytes to copy (may be NULL when @init_size is 0).
 * @init_size: bytes at @init (p_filesz).
 * @mem_size:  bytes of the whole block, .tbss included (p_memsz).
 * @align:     required alignment (p_align); a power of two, 0 meaning 1.
 */
struct tlsview_tls_image {
	const void *init;
	size_t init_size;
	size_t mem_size;
	size_t align;
};

/**
 * struct tlsview_tcb - a TCB with its static TLS block; read-only for users
 * @tp:         the thread pointer, the FS base to install.
 * @tls_block:  first byte of the TLS block, tp - @tls_offset.
 * @tls_offset: round_up(mem_size, align): an object at offset o of the image
 *              lives at tp - @tls_offset + o.
 * @tcb_size:   bytes of TCB at @tp (TLSVIEW_TCB_SIZE).
 * @image:      the image the block was built from (init points at the
 *              caller's or the executable's bytes, not at a copy).
 * @mapping:    private: the mmap()ed region holding everything.
 * @mapping_size: private: its size.
 */
struct tlsview_tcb {
	void *tp;
	void *tls_block;
	size_t tls_offset;
	size_t tcb_size;
	struct tlsview_tls_image image;
	void *mapping;
	size_t mapping_size;
};

/**
 * tlsview_tls_image_self() - the running executable's PT_TLS
 * @image: filled on success.
 *
 * Finds the main executable's program headers with dl_iterate_phdr() (its
 * first entry) and describes its PT_TLS segment in memory.
 * Safe in any libc thread (not in a bare thread: dl_iterate_phdr takes
 * libc locks).
 * Returns 0, -ENOENT when the executable has no PT_TLS, -EINVAL when
 * @image is NULL. Sets errno on failure.
 */
int tlsview_tls_image_self(struct tlsview_tls_image *image);

/**
 * tlsview_tls_image_from_phdrs() - describe the PT_TLS of a loaded object
 * @phdr:      the object's program headers (as dl_iterate_phdr gives them).
 * @phnum:     their number.
 * @load_bias: the object's load address (dlpi_addr).
 * @image:     filled on success.
 *
 * Safe anywhere (pure computation).
 * Returns 0, -ENOENT when there is no PT_TLS, -EINVAL for NULL pointers or a
 * PT_TLS whose p_filesz exceeds p_memsz or whose p_align is not a power of
 * two. Sets errno on failure.
 */
int tlsview_tls_image_from_phdrs(const void *phdr, size_t phnum, uintptr_t load_bias,
				 struct tlsview_tls_image *image);

/**
 * tlsview_tcb_create() - allocate and fill a TCB and its TLS block
 * @image: the TLS image to build from, or NULL for the running executable's
 *         own PT_TLS (an executable without PT_TLS gets an empty block).
 *
 * The canary and pointer guard are copied from the calling thread.
 * Call from a libc thread (it uses mmap through libc and may use
 * dl_iterate_phdr). The result is not tied to the calling thread.
 * Returns the new TCB, or NULL with errno: EINVAL (init_size > mem_size,
 * init NULL with init_size > 0, align not a power of two), E2BIG (mem_size or
 * align over TLSVIEW_TLS_MAX_*), ENOMEM. Nothing stays allocated on failure.
 */
struct tlsview_tcb *tlsview_tcb_create(const struct tlsview_tls_image *image);

/**
 * tlsview_tcb_destroy() - free a TCB from tlsview_tcb_create()
 * @tcb: the TCB, or NULL (then nothing happens).
 *
 * No thread may still run on it (join the thread first), and it must not
 * be the calling thread's FS base. Never fails.
 */
void tlsview_tcb_destroy(struct tlsview_tcb *tcb);

/**
 * tlsview_tcb_tls_address() - where an image offset lives in a TCB's block
 * @tcb:    the TCB.
 * @offset: byte offset inside the TLS image.
 *
 * Safe anywhere. Returns tp - tls_offset + @offset.
 */
static inline void *tlsview_tcb_tls_address(const struct tlsview_tcb *tcb, size_t offset)
{
	return (char *)tcb->tls_block + offset;
}

TLSVIEW_END_DECLS

#endif /* _TLSVIEW_TCB_H */

/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * tlsview/gscontext.h - a per-thread context pointer held in the GS base.
 *
 * glibc leaves the user GS base unused on x86-64, so a thread can keep one
 * pointer there: the kernel saves and restores it with the thread across
 * context switches, migrations and signals. Reading it back needs no TLS
 * lookup: when the context's first word points at the context itself
 * (struct tlsview_gs_self first, filled by tlsview_gs_context_set()),
 * `mov %gs:0, %reg` returns it in one load -- the same trick the ABI uses
 * for %fs:0. That is a faster per-thread slot than pthread_getspecific()
 * and cheaper than rdgsbase.
 *
 * Each thread has its own GS base. clone() copies it: a new pthread or bare
 * thread starts with its creator's GS base, so it sees its creator's
 * context until it sets (or clears) its own -- set one in every thread
 * before relying on tlsview_gs_context(). fork() inherits it, execve()
 * resets it to 0. All functions here are bare-thread safe and work in
 * ordinary pthreads.
 */
#ifndef _TLSVIEW_GSCONTEXT_H
#define _TLSVIEW_GSCONTEXT_H

#include <stdint.h>
#include <tlsview/common.h>
#include <tlsview/fsgs.h>

TLSVIEW_BEGIN_DECLS

/**
 * struct tlsview_gs_self - put first in a context for the one-load read
 * @self: points at this structure (and so at the enclosing context).
 */
struct tlsview_gs_self {
	struct tlsview_gs_self *self;
};

/**
 * tlsview_gs_context_set() - make @ctx the calling thread's GS context
 * @ctx: the context; its first word is set to @ctx (before the base is
 *       written, so also when that fails). It must stay valid while
 *       installed.
 *
 * Sets the GS base to @ctx by the fastest path (wrgsbase or arch_prctl).
 * Bare-thread safe. Returns 0, or -EINVAL for NULL @ctx, -EPERM when @ctx
 * is outside the user address space.
 */
static inline int tlsview_gs_context_set(struct tlsview_gs_self *ctx)
{
	if (!ctx)
		return -22; /* EINVAL, without dragging <errno.h> into this header */
	ctx->self = ctx;
	return tlsview_set_gs((uint64_t)(uintptr_t)ctx);
}

/**
 * tlsview_gs_context() - the calling thread's GS context, in one load
 *
 * Only valid after tlsview_gs_context_set() in this thread and before
 * tlsview_gs_context_clear(): it reads the word at GS base + 0, which
 * faults when the GS base is 0. Use tlsview_gs_context_get() when the
 * thread may have no context. Bare-thread safe.
 * Returns the installed context.
 */
static inline void *tlsview_gs_context(void)
{
	return tlsview_arch_gs_word0();
}

/**
 * tlsview_gs_context_get() - the GS context, or NULL when there is none
 *
 * Reads the GS base itself (rdgsbase or arch_prctl), so it is safe in any
 * thread at any time, but slower than tlsview_gs_context().
 * Bare-thread safe. Returns the GS base as a pointer (NULL when unset).
 */
static inline void *tlsview_gs_context_get(void)
{
	return (void *)(uintptr_t)tlsview_get_gs();
}

/**
 * tlsview_gs_context_clear() - remove the calling thread's GS context
 *
 * Sets the GS base back to 0. Bare-thread safe. Returns 0 (cannot fail).
 */
static inline int tlsview_gs_context_clear(void)
{
	return tlsview_set_gs(0);
}

TLSVIEW_END_DECLS

#endif /* _TLSVIEW_GSCONTEXT_H */

// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The FS/GS base paths. The instruction path is inline in tlsview/fsgs.h;
 * here are the arch_prctl path, the one-time decision and the out-of-line
 * halves the inline calls fall back to.
 */
#include <stdlib.h>
#include <sys/auxv.h>
#include <asm/prctl.h>
#include <sys/syscall.h>
#include "internal.h"

TLSVIEW_EXPORT int tlsview_fsgs_path_decided = TLSVIEW_PATH_UNKNOWN;

/*
 * getauxval() and getenv() touch no TLS when the entry exists, but
 * getauxval() sets errno when it does not; so the probe runs in the
 * constructor below, and tlsview_thread_create() runs it before any bare
 * thread exists.
 */
TLSVIEW_EXPORT int tlsview_fsgs_probe(void)
{
	int path = tlsview_fsgs_path_now();
	const char *off;

	if (path != TLSVIEW_PATH_UNKNOWN)
		return path;

	/*
	 * TLSVIEW_NO_FSGSBASE=1 forces the syscall path, so the fallback can
	 * be exercised (and benchmarked) on a machine with FSGSBASE.
	 */
	off = getenv("TLSVIEW_NO_FSGSBASE");
	if (off && *off && *off != '0')
		path = TLSVIEW_PATH_SYSCALL;
	else if (getauxval(AT_HWCAP2) & TLSVIEW_HWCAP2_FSGSBASE)
		path = TLSVIEW_PATH_INSN;
	else
		path = TLSVIEW_PATH_SYSCALL;

	__atomic_store_n(&tlsview_fsgs_path_decided, path, __ATOMIC_RELAXED);
	return path;
}

__attribute__((constructor)) static void tlsview_fsgs_init(void)
{
	tlsview_fsgs_probe();
}

static int arch_prctl_get(int code, uint64_t *base)
{
	return (int)tlsview_arch_syscall2(SYS_arch_prctl, code, (long)base);
}

static int arch_prctl_set(int code, uint64_t base)
{
	return (int)tlsview_arch_syscall2(SYS_arch_prctl, code, (long)base);
}

TLSVIEW_EXPORT int tlsview_get_fs_syscall(uint64_t *base)
{
	return arch_prctl_get(ARCH_GET_FS, base);
}

TLSVIEW_EXPORT int tlsview_get_gs_syscall(uint64_t *base)
{
	return arch_prctl_get(ARCH_GET_GS, base);
}

TLSVIEW_EXPORT int tlsview_set_fs_syscall(uint64_t base)
{
	return arch_prctl_set(ARCH_SET_FS, base);
}

TLSVIEW_EXPORT int tlsview_set_gs_syscall(uint64_t base)
{
	return arch_prctl_set(ARCH_SET_GS, base);
}

static int use_insn(void)
{
	return tlsview_fsgs_probe() == TLSVIEW_PATH_INSN;
}

TLSVIEW_EXPORT uint64_t tlsview_get_fs_slow(void)
{
	uint64_t base = 0;

	if (use_insn())
		return tlsview_arch_rdfsbase();
	tlsview_get_fs_syscall(&base);
	return base;
}

TLSVIEW_EXPORT uint64_t tlsview_get_gs_slow(void)
{
	uint64_t base = 0;

	if (use_insn())
		return tlsview_arch_rdgsbase();
	tlsview_get_gs_syscall(&base);
	return base;
}

TLSVIEW_EXPORT int tlsview_set_fs_slow(uint64_t base)
{
	if (use_insn() && base < TLSVIEW_FAST_BASE_LIMIT) {
		tlsview_arch_wrfsbase(base);
		return 0;
	}
	return tlsview_set_fs_syscall(base);
}

TLSVIEW_EXPORT int tlsview_set_gs_slow(uint64_t base)
{
	if (use_insn() && base < TLSVIEW_FAST_BASE_LIMIT) {
		tlsview_arch_wrgsbase(base);
		return 0;
	}
	return tlsview_set_gs_syscall(base);
}

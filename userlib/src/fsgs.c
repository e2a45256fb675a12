// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The one-time FS/GS path decision. Both paths themselves are inline in
 * tlsview/fsgs.h.
 */
#include <stdlib.h>
#include <sys/auxv.h>
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

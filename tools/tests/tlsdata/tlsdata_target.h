/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tools/tests/tlsdata/tlsdata_target.h - the values the tlsdata target's
 * threads hold, shared by the target and the tests that read them.
 * Thread INDEX 0 is the main thread; 1..TARGET_THREADS-1 are pthreads, the
 * first half spinning, the rest sleeping.
 */
#ifndef TOOLS_TESTS_TLSDATA_TARGET_H
#define TOOLS_TESTS_TLSDATA_TARGET_H

#include <stdint.h>

#define TARGET_THREADS		5
/*
 * Plus one bare thread (libtlsview's tlsview_thread_create: CLONE_SETTLS on
 * a TCB built from the program's PT_TLS), index TARGET_BARE: glibc does not
 * know it, so only the program's own variables can be read there.
 */
#define TARGET_BARE		TARGET_THREADS
#define TARGET_KEYS		40	/* more than 32: glibc's second-level specific[] */

#define TARGET_EXE_LE(i)	(0x1000 + (i))
#define TARGET_EXE_IE(i)	(0x2000000000LL + (i))
#define TARGET_EXE_SHORT(i)	(-(i) - 1)
#define TARGET_NEEDED(i)	(0x3000000000ULL + (i))
#define TARGET_DLOPEN(i)	(0x4000U + (i))
#define TARGET_ERRNO(i)		(1000 + (i))
#define TARGET_KEY_VALUE(i, k)	((uint64_t)((i) + 1) << 8 | (k))
/* Threads with an even index touch the dlopen()'d library's variable. */
#define TARGET_TOUCHES(i)	((i) % 2 == 0)
#define TARGET_SPINS(i)		((i) >= 1 && (i) <= (TARGET_THREADS - 1) / 2)

/* The 16-byte variable shown as bytes: "thread-NN" then the index. */
struct target_record {
	char name[12];
	int32_t index;
};

#endif /* TOOLS_TESTS_TLSDATA_TARGET_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The /dev/tlsview ioctl fuzzer (stress_fuzz_core.c), as stress_fuzz.c
 * calls it in its 64-bit and its 32-bit build.
 */
#ifndef TLSVIEW_SELFTESTS_STRESS_FUZZ_CORE_H
#define TLSVIEW_SELFTESTS_STRESS_FUZZ_CORE_H

#include <stdint.h>

/* What one role's fuzzer did; shared memory, written by its process. */
struct fuzz_stats {
	uint64_t calls;
	uint64_t by_result[8];	/* 0, ENOTTY, EINVAL, ESRCH, EACCES, EFAULT, E2BIG, other */
	uint64_t exact;		/* calls whose outcome the oracle knew exactly */
	uint64_t views_checked;
	uint64_t failures;
	uint64_t seed;		/* this role's stream, derived from base_seed */
	uint64_t base_seed;	/* the run's seed: TLSVIEW_SEED replays it */
};

/*
 * fuzz_both_roles() - fuzz as root and, at the same time, as nobody (a
 * forked child), each with @calls ioctls and its own seed derived from
 * @seed. @stats points to two fuzz_stats in shared memory; @bits names the
 * caller's ABI ("64" or "32") in the log lines. Returns the total
 * failures, or -1 when a role could not run at all.
 */
int64_t fuzz_both_roles(uint64_t seed, uint64_t calls, struct fuzz_stats *stats,
			const char *bits);

#endif /* TLSVIEW_SELFTESTS_STRESS_FUZZ_CORE_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: a seeded fuzzer of the /dev/tlsview ioctls. Root and nobody
 * fuzz at the same time: real, near and foreign command numbers, sizes
 * from 0 to the largest _IOC_SIZE, struct and LIST entry pointers of every
 * class (roomy, misaligned, ending on a guard page, read-only, NULL,
 * unmapped, kernel, non-canonical), tids of every kind and LIST capacities
 * and entry sizes. Every call must return success or a documented errno,
 * the exact one wherever the fuzzer can know it (stress_fuzz_core.c), and
 * successful output is checked. TLSVIEW_SEED replays a run;
 * TLSVIEW_STRESS=long issues over 1,000,000 ioctls.
 *
 * One source, built twice as the kernel's selftests build
 * TARGETS_C_BOTHBITS: stress_fuzz_64, and stress_fuzz_32 (-m32 -static),
 * whose calls reach the module through its compat_ioctl.
 */
#define _GNU_SOURCE
#include <inttypes.h>

#include "module_common.h"
#include "stress_common.h"
#include "stress_fuzz_core.h"
#include "kselftest_harness.h"

/* This build's ABI, for the log lines. */
#define FUZZ_BITS	(sizeof(long) == 8 ? "64" : "32")

FIXTURE(fuzz) {
	int fd;
	struct fuzz_stats *stats;
};

FIXTURE_SETUP(fuzz)
{
	self->fd = tlsview_open();
	self->stats = mmap(NULL, 2 * sizeof(struct fuzz_stats), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(self->stats != MAP_FAILED);
	memset(self->stats, 0, 2 * sizeof(struct fuzz_stats));
}

FIXTURE_TEARDOWN(fuzz)
{
	if (self->fd >= 0)
		close(self->fd);
	munmap(self->stats, 2 * sizeof(struct fuzz_stats));
}

TEST_F_TIMEOUT(fuzz, ioctls, 1500)
{
	uint64_t seed = stress_seed();
	/* The compat path costs more per call under TCG: fewer calls there. */
	uint64_t calls = sizeof(long) == 8 ? STRESS_PICK(5000, 300000) : STRESS_PICK(3000, 210000);
	double start = stress_now();
	int64_t failures;

	REQUIRE_DEVICE(self->fd);
	if (geteuid() != 0)
		SKIP(return, "fuzzing as root and as nobody needs root");

	printf("# stress: fuzz %s-bit: seed: %" PRIu64 " (TLSVIEW_SEED replays), %" PRIu64
	       " ioctls per role\n", FUZZ_BITS, seed, calls);
	failures = fuzz_both_roles(seed, calls, self->stats, FUZZ_BITS);
	printf("# stress: fuzz %s-bit: ioctls: %" PRIu64 ", seed: %" PRIu64 ", %.1f s\n",
	       FUZZ_BITS, self->stats[0].calls + self->stats[1].calls, seed,
	       stress_now() - start);
	ASSERT_LE(0, failures);
	EXPECT_EQ(0, failures);
	EXPECT_EQ(calls, self->stats[0].calls);
	EXPECT_EQ(calls, self->stats[1].calls);
	/* The oracle knew most outcomes exactly: the run checked something. */
	EXPECT_LT(calls, self->stats[0].exact + self->stats[1].exact);
	EXPECT_LT(0, self->stats[0].views_checked);
	EXPECT_LT(0, self->stats[1].views_checked);
}

TEST_HARNESS_MAIN

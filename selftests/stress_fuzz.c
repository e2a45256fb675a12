// SPDX-License-Identifier: GPL-2.0
/*
 * Description: a seeded fuzzer of the /dev/tlsview ioctls. Root and nobody
 * fuzz at the same time, from a 64-bit caller and (helpers/stress_fuzz_32)
 * an ia32 caller: real, near and foreign command numbers, sizes from 0 to
 * the largest _IOC_SIZE, struct and LIST entry pointers of every class
 * (roomy, misaligned, ending on a guard page, read-only, NULL, unmapped,
 * kernel, non-canonical), tids of every kind and LIST capacities and entry
 * sizes. Every call must return success or a documented errno, the exact
 * one wherever the fuzzer can know it (stress_fuzz_core.h), and successful
 * output is checked. TLSVIEW_SEED replays a run; TLSVIEW_STRESS=long issues
 * over 1,000,000 ioctls.
 */
#define _GNU_SOURCE
#include <limits.h>

#include "module_common.h"
#include "stress_fuzz_core.h"
#include "kselftest_harness.h"

#define FUZZ_HELPER_32	"stress_fuzz_32"

FIXTURE(fuzz) {
	int fd;
	struct fuzz_stats *stats;
};

FIXTURE_SETUP(fuzz)
{
	self->fd = tlsview_open();
	self->stats = mmap(NULL, 2 * sizeof(struct fuzz_stats), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->stats);
	memset(self->stats, 0, 2 * sizeof(struct fuzz_stats));
}

FIXTURE_TEARDOWN(fuzz)
{
	if (self->fd >= 0)
		close(self->fd);
	munmap(self->stats, 2 * sizeof(struct fuzz_stats));
}

/* The ia32 helper, beside this test: the kselftest runner starts it in its own folder. */
static int find_helper(char *path, size_t len)
{
	snprintf(path, len, "./%s", FUZZ_HELPER_32);
	return access(path, X_OK);
}

TEST_F_TIMEOUT(fuzz, ioctls_64bit, 1500)
{
	uint64_t seed = stress_seed();
	uint64_t calls = STRESS_PICK(5000, 300000);
	double start = stress_now();
	int64_t failures;

	REQUIRE_DEVICE(self->fd);
	if (geteuid() != 0)
		SKIP(return, "fuzzing as root and as nobody needs root");

	printf("# stress: fuzz 64-bit: seed: %" PRIu64 " (TLSVIEW_SEED replays), %" PRIu64
	       " ioctls per role\n", seed, calls);
	failures = fuzz_both_roles(seed, calls, self->stats, "64");
	printf("# stress: fuzz 64-bit: ioctls: %" PRIu64 ", seed: %" PRIu64 ", %.1f s\n",
	       self->stats[0].calls + self->stats[1].calls, seed, stress_now() - start);
	ASSERT_LE(0, failures);
	EXPECT_EQ(0, failures);
	EXPECT_EQ(calls, self->stats[0].calls);
	EXPECT_EQ(calls, self->stats[1].calls);
	/* The oracle knew most outcomes exactly: the run checked something. */
	EXPECT_LT(calls, self->stats[0].exact + self->stats[1].exact);
	EXPECT_LT(0, self->stats[0].views_checked);
	EXPECT_LT(0, self->stats[1].views_checked);
}

TEST_F_TIMEOUT(fuzz, ioctls_32bit, 1500)
{
	uint64_t seed = stress_seed();
	uint64_t calls = STRESS_PICK(3000, 210000);
	char helper[PATH_MAX], seed_arg[32], calls_arg[32];
	int status;
	pid_t pid;

	REQUIRE_DEVICE(self->fd);
	if (geteuid() != 0)
		SKIP(return, "fuzzing as root and as nobody needs root");
	ASSERT_EQ(0, find_helper(helper, sizeof(helper))) {
		TH_LOG("%s not found: built by selftests/Makefile (-m32 -static)",
		       FUZZ_HELPER_32);
	}

	snprintf(seed_arg, sizeof(seed_arg), "%" PRIu64, seed);
	snprintf(calls_arg, sizeof(calls_arg), "%" PRIu64, calls);
	fflush(stdout);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		execl(helper, helper, calls_arg, seed_arg, (char *)NULL);
		printf("# exec %s: %s\n", helper, strerror(errno));
		_exit(3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) {
		TH_LOG("%s died: status 0x%x", FUZZ_HELPER_32, status);
	}
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * The ia32 side of stress_fuzz: the same fuzzer and oracle
 * (stress_fuzz_core.h), built -m32 -static, so every call reaches the module
 * through compat_ioctl with 32-bit pointers, while LIST entry pointers may
 * still be any 64-bit value.
 *
 *   stress_fuzz_32 CALLS SEED   fuzz CALLS ioctls as root and as nobody
 *
 * Prints "# " lines (TAP diagnostics); exits 0 when every call met the
 * oracle, 1 when one did not, 2 when it could not run.
 */
#define _GNU_SOURCE
#include "../stress_fuzz_core.h"

int main(int argc, char **argv)
{
	struct fuzz_stats *stats;
	uint64_t calls, seed;
	double start = stress_now();
	int64_t failures;

	if (argc != 3) {
		fprintf(stderr, "usage: %s CALLS SEED\n", argv[0]);
		return 2;
	}
	calls = strtoull(argv[1], NULL, 0);
	seed = strtoull(argv[2], NULL, 0);
	stats = mmap(NULL, 2 * sizeof(*stats), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stats == MAP_FAILED)
		return 2;
	memset(stats, 0, 2 * sizeof(*stats));

	printf("# stress: fuzz 32-bit: seed: %" PRIu64 " (TLSVIEW_SEED replays), %" PRIu64
	       " ioctls per role\n", seed, calls);
	failures = fuzz_both_roles(seed, calls, stats, "32");
	printf("# stress: fuzz 32-bit: ioctls: %" PRIu64 ", seed: %" PRIu64 ", %.1f s\n",
	       stats[0].calls + stats[1].calls, seed, stress_now() - start);
	if (failures < 0)
		return 2;
	if (stats[0].calls != calls || stats[1].calls != calls)
		return 1;
	return failures ? 1 : 0;
}

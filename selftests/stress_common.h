/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the stress_*.c programs and their helpers: the short/long mode
 * switch, the seed, a small reproducible random generator, time, and
 * errno names. Kept free of kselftest_harness.h so that 32-bit helpers
 * (built without the harness's runner) can include it.
 *
 * Modes: short by default (a few seconds under QEMU TCG, what `make check`
 * runs); long when TLSVIEW_STRESS=long (what `make stress` runs), its
 * amounts scaled by TLSVIEW_STRESS_SCALE (percent, default 100).
 * Every figure a program reports is a line "# stress: NAME: key: value, ...".
 */
#ifndef TLSVIEW_SELFTESTS_STRESS_COMMON_H
#define TLSVIEW_SELFTESTS_STRESS_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline bool stress_long_mode(void)
{
	const char *mode = getenv("TLSVIEW_STRESS");

	return mode && !strcmp(mode, "long");
}

/*
 * TLSVIEW_STRESS_SCALE=PERCENT shrinks (or grows) the long mode's amounts,
 * so that tools/stress can fit several VM modes in its time budget.
 */
static inline double stress_scale(void)
{
	const char *scale = getenv("TLSVIEW_STRESS_SCALE");
	double percent = scale && *scale ? atof(scale) : 100.0;

	return (percent > 0 ? percent : 100.0) / 100.0;
}

/* A value for short mode, or for long mode (scaled, at least 1). */
#define STRESS_PICK(short_value, long_value)					\
	(stress_long_mode() ?							\
	 ((long_value) * stress_scale() >= 1 ? (long_value) * stress_scale() : 1) : \
	 (short_value))

static inline double stress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The run's seed: TLSVIEW_SEED when given (to replay a failure), else
 * taken from the clock. Printed by every program that uses it.
 */
static inline uint64_t stress_seed(void)
{
	const char *env = getenv("TLSVIEW_SEED");
	struct timespec ts;

	if (env && *env)
		return strtoull(env, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000003u) ^ (uint64_t)ts.tv_nsec;
}

/* splitmix64: small, fast, and the same sequence on 32- and 64-bit builds. */
struct stress_rng {
	uint64_t state;
};

static inline uint64_t stress_rand(struct stress_rng *rng)
{
	uint64_t z = (rng->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, bound), bound > 0 (the tiny modulo bias does not matter). */
static inline uint32_t stress_below(struct stress_rng *rng, uint32_t bound)
{
	return (uint32_t)(stress_rand(rng) % bound);
}

/* True with probability percent / 100. */
static inline bool stress_chance(struct stress_rng *rng, unsigned int percent)
{
	return stress_below(rng, 100) < percent;
}

static inline const char *stress_errno_name(int err)
{
	switch (err) {
	case 0: return "success";
	case ENOTTY: return "ENOTTY";
	case EINVAL: return "EINVAL";
	case ESRCH: return "ESRCH";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case E2BIG: return "E2BIG";
	case ENOMEM: return "ENOMEM";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ENODEV: return "ENODEV";
	case ENXIO: return "ENXIO";
	case EINTR: return "EINTR";
	default: return "other";
	}
}

#endif /* TLSVIEW_SELFTESTS_STRESS_COMMON_H */

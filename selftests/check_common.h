/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the selftests that drive libtlsview-check
 * (tlsview/check.h): run one check, log its one-line result, SKIP when the
 * check skipped (with its reason), fail on anything but a pass.
 */
#ifndef TLSVIEW_SELFTESTS_CHECK_COMMON_H
#define TLSVIEW_SELFTESTS_CHECK_COMMON_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <tlsview/check.h>
#include <tlsview/fsgs.h>

/* Parameters for one variant: segment and setter, the rest strict. */
static inline struct tlsview_check_params check_params(enum tlsview_check_segment segment,
						       enum tlsview_check_setter setter,
						       unsigned int threads,
						       unsigned int iterations)
{
	struct tlsview_check_params params;

	tlsview_check_params_init(&params);
	params.segment = segment;
	params.setter = setter;
	params.threads = threads;
	params.iterations = iterations;
	params.duration_ms = 20000;	/* a safety net only: TCG is slow */
	return params;
}

/*
 * Run @fn with @params into @result (a struct tlsview_check_result
 * lvalue), log the result, SKIP or assert a pass.
 */
#define RUN_CHECK(fn, params, result) do {					\
	char line_[512];							\
	int status_;								\
	tlsview_check_result_init(&(result));					\
	status_ = fn(&(params), &(result));					\
	tlsview_check_format(&(result), line_, sizeof(line_));			\
	TH_LOG("%s: %s", #fn, line_);						\
	if (status_ == TLSVIEW_CHECK_SKIP)					\
		SKIP(return, "%s", (result).message);				\
	ASSERT_EQ(TLSVIEW_CHECK_PASS, status_) {				\
		TH_LOG("mismatch: tid %d, view %s, %s: expected 0x%llx, seen 0x%llx, round %llu", \
		       (int)(result).mismatch.tid,					\
		       tlsview_check_view_name((result).mismatch.view),		\
		       (result).mismatch.quantity,				\
		       (unsigned long long)(result).mismatch.expected,		\
		       (unsigned long long)(result).mismatch.seen,			\
		       (unsigned long long)(result).mismatch.round);		\
	}									\
	/* A pass records no mismatch at all. */				\
	ASSERT_EQ(0, (result).mismatch.view);					\
	ASSERT_EQ(0, (result).mismatch.quantity[0]);				\
} while (0)

/*
 * The threads the context-switch and migration checks run at the least:
 * one more than the CPUs, so that someone always waits.
 */
static inline unsigned long cpus_plus_one(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	return (cpus > 0 ? (unsigned long)cpus : 1) + 1;
}

/*
 * How many of a thread's own views a check compares each time it looks:
 * arch_prctl always, rd{fs,gs}base where FSGSBASE is usable, and %fs:0 for
 * an FS base when the scenario compares the ABI self-pointer (@fs0).
 */
static inline unsigned int own_view_count(enum tlsview_check_segment segment, bool fs0)
{
	return 1 + tlsview_have_fsgsbase() + (fs0 && segment == TLSVIEW_SEG_FS);
}

/* SKIP the current test unless the module's ioctl view is there. */
#define REQUIRE_MODULE() do {							\
	if (!(tlsview_check_views_available(NULL) & TLSVIEW_VIEW_MODULE_IOCTL))	\
		SKIP(return, "/dev/tlsview absent: tlsview.ko not loaded (host?)"); \
} while (0)

/* SKIP the current test unless rd/wr{fs,gs}base are usable. */
#define REQUIRE_FSGSBASE() do {							\
	if (!tlsview_have_fsgsbase())						\
		SKIP(return, "no FSGSBASE in user space (nofsgsbase or a CPU without it)"); \
} while (0)


/*
 * The four variants every base check runs in: FS or GS, set by the
 * instruction (wr{fs,gs}base, SKIP without FSGSBASE) or by arch_prctl.
 * Use after FIXTURE(f) and FIXTURE_VARIANT(f) { CHECK_VARIANT_FIELDS; }.
 */
#define CHECK_VARIANT_FIELDS						\
	enum tlsview_check_segment segment;				\
	enum tlsview_check_setter setter

#define CHECK_VARIANTS(f)						\
	FIXTURE_VARIANT_ADD(f, fs_insn) {				\
		.segment = TLSVIEW_SEG_FS, .setter = TLSVIEW_SET_INSN,	\
	};								\
	FIXTURE_VARIANT_ADD(f, fs_syscall) {				\
		.segment = TLSVIEW_SEG_FS, .setter = TLSVIEW_SET_SYSCALL, \
	};								\
	FIXTURE_VARIANT_ADD(f, gs_insn) {				\
		.segment = TLSVIEW_SEG_GS, .setter = TLSVIEW_SET_INSN,	\
	};								\
	FIXTURE_VARIANT_ADD(f, gs_syscall) {				\
		.segment = TLSVIEW_SEG_GS, .setter = TLSVIEW_SET_SYSCALL, \
	}

/* SKIP a set-by-instruction variant where the instructions fault. */
#define REQUIRE_SETTER(setter) do {					\
	if ((setter) == TLSVIEW_SET_INSN)				\
		REQUIRE_FSGSBASE();					\
} while (0)


#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * A helper program of selftests/helpers, beside the tests: the kselftest
 * runner starts each test in its own folder, so a helper is ./NAME there
 * (also when run by hand: cd to the tests' folder first). Returns NULL when
 * it is not there, and the test SKIPs.
 */
static inline const char *find_helper(const char *name)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "./%s", name);
	return access(path, X_OK) == 0 ? path : NULL;
}

#endif /* TLSVIEW_SELFTESTS_CHECK_COMMON_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: what a tracer sees and sets. A child process runs bare
 * threads that set private FS or GS bases (wr*base or arch_prctl); the
 * test seizes every thread and checks: PTRACE_GETREGS fs_base/gs_base and
 * PTRACE_ARCH_PRCTL equal what the thread set and read itself (and the
 * module's view); after PTRACE_POKEUSER of fs_base/gs_base the thread
 * reads the poked value itself; a PTRACE_GETREGS snapshot, the thread
 * changing its bases, then PTRACE_SETREGS of the snapshot brings the old
 * bases back, in the tracer's view and in the thread's own.
 *
 * libtlsview-check's tlsview_check_ptrace() traces the threads; this file
 * chooses the parameters and judges the structured result: every thread
 * was traced in every round, and each round made all of its comparisons
 * (the thread's own reading 4 times, the tracer's two views 3 times, the
 * SETREGS read-back once: 11 for one base), on the tracer's views and the
 * module's when asked for.
 */
#include "check_common.h"
#include "kselftest_harness.h"

/* Comparisons in one round of one traced thread, for one base, without the module. */
#define COMPARISONS_PER_ROUND	(4 + 3 * 2 + 1)

FIXTURE(ptrace) {};

FIXTURE_VARIANT(ptrace) {
	enum tlsview_check_segment segment;
	enum tlsview_check_setter setter;
	unsigned int threads;
	unsigned int rounds;
};

FIXTURE_VARIANT_ADD(ptrace, fs_insn) {
	.segment = TLSVIEW_SEG_FS, .setter = TLSVIEW_SET_INSN, .threads = 3, .rounds = 2,
};
FIXTURE_VARIANT_ADD(ptrace, fs_syscall) {
	.segment = TLSVIEW_SEG_FS, .setter = TLSVIEW_SET_SYSCALL, .threads = 3, .rounds = 2,
};
FIXTURE_VARIANT_ADD(ptrace, gs_insn) {
	.segment = TLSVIEW_SEG_GS, .setter = TLSVIEW_SET_INSN, .threads = 3, .rounds = 2,
};
FIXTURE_VARIANT_ADD(ptrace, gs_syscall) {
	.segment = TLSVIEW_SEG_GS, .setter = TLSVIEW_SET_SYSCALL, .threads = 3, .rounds = 2,
};

FIXTURE_SETUP(ptrace) {}
FIXTURE_TEARDOWN(ptrace) {}

TEST_F(ptrace, read_poke_restore)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter,
							  variant->threads, variant->rounds);
	struct tlsview_check_result result;

	REQUIRE_SETTER(variant->setter);
	RUN_CHECK(tlsview_check_ptrace, params, result);
	ASSERT_EQ(variant->threads * variant->rounds, result.rounds);
	if (result.views & TLSVIEW_VIEW_MODULE_IOCTL) {
		ASSERT_GT(result.comparisons, result.rounds * COMPARISONS_PER_ROUND);
	} else {
		ASSERT_EQ(result.rounds * COMPARISONS_PER_ROUND, result.comparisons);
	}
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_PTRACE_GETREGS);
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_PTRACE_ARCH_PRCTL);
	/* The module is read whenever it is there. */
	ASSERT_EQ(!!(tlsview_check_views_available(NULL) & TLSVIEW_VIEW_MODULE_IOCTL),
		  !!(result.views & TLSVIEW_VIEW_MODULE_IOCTL));
}

TEST_F(ptrace, module_agrees)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter, 2, 1);
	struct tlsview_check_result result;

	REQUIRE_SETTER(variant->setter);
	REQUIRE_MODULE();
	params.flags |= TLSVIEW_CHECK_REQUIRE_MODULE;
	RUN_CHECK(tlsview_check_ptrace, params, result);
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_MODULE_IOCTL);
	/* The module's reads come on top of the tracer's and the thread's. */
	ASSERT_GT(result.comparisons, result.rounds * COMPARISONS_PER_ROUND);
}

TEST_HARNESS_MAIN

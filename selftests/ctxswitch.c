// SPDX-License-Identifier: GPL-2.0
/*
 * Description: FS and GS bases survive context switches. More bare threads
 * than CPUs set private bases (wr{fs,gs}base or arch_prctl) and switch
 * thousands of times, voluntarily (futex ping-pong in pairs, sched_yield)
 * and involuntarily (busy loops preempted); after each switch every thread
 * compares rd*base, arch_prctl and %fs:0 with what it set. With the module,
 * the caller reads every thread through GET_TASK while it sleeps and while
 * it runs, and a thread spinning on wr*base must be read live: a module
 * that returned the saved thread_struct of a running thread fails
 * the module_views test of the *_insn variants here.
 *
 * libtlsview-check's tlsview_check_context_switch() runs the threads; this
 * file chooses the parameters (one variant per base and setter) and judges
 * the structured result: every thread compared every one of its own views
 * in both phases (ping-pong and preemption) of every round, the module's
 * view was used exactly when asked for, and nothing mismatched.
 */
#include "check_common.h"
#include "kselftest_harness.h"

/* Each worker looks at its own views once per round in each phase. */
#define PHASES	2

FIXTURE(ctxswitch) {};

FIXTURE_VARIANT(ctxswitch) {
	enum tlsview_check_segment segment;
	enum tlsview_check_setter setter;
	unsigned int rounds;		/* switches per thread and phase */
	unsigned int module_rounds;	/* the same with the module reading */
};

FIXTURE_VARIANT_ADD(ctxswitch, fs_insn) {
	.segment = TLSVIEW_SEG_FS, .setter = TLSVIEW_SET_INSN, .rounds = 1000, .module_rounds = 500,
};
FIXTURE_VARIANT_ADD(ctxswitch, fs_syscall) {
	.segment = TLSVIEW_SEG_FS, .setter = TLSVIEW_SET_SYSCALL, .rounds = 1000, .module_rounds = 500,
};
FIXTURE_VARIANT_ADD(ctxswitch, gs_insn) {
	.segment = TLSVIEW_SEG_GS, .setter = TLSVIEW_SET_INSN, .rounds = 1000, .module_rounds = 500,
};
FIXTURE_VARIANT_ADD(ctxswitch, gs_syscall) {
	.segment = TLSVIEW_SEG_GS, .setter = TLSVIEW_SET_SYSCALL, .rounds = 1000, .module_rounds = 500,
};

FIXTURE_SETUP(ctxswitch) {}
FIXTURE_TEARDOWN(ctxswitch) {}

/* The thread's own views only: runs on any machine. */
TEST_F(ctxswitch, own_views)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter, 0,
							  variant->rounds);
	struct tlsview_check_result result;

	REQUIRE_SETTER(variant->setter);
	params.flags |= TLSVIEW_CHECK_NO_MODULE;
	RUN_CHECK(tlsview_check_context_switch, params, result);
	ASSERT_EQ(tlsview_have_fsgsbase(), !!(result.views & TLSVIEW_VIEW_SELF_INSN));
	ASSERT_EQ(variant->segment == TLSVIEW_SEG_FS, !!(result.views & TLSVIEW_VIEW_FS0));
	ASSERT_EQ(0, result.views & (TLSVIEW_VIEW_MODULE_IOCTL | TLSVIEW_VIEW_MODULE_DEBUGFS));
	ASSERT_GE(result.comparisons, (uint64_t)cpus_plus_one() * variant->rounds * PHASES *
				      own_view_count(variant->segment, true));
	ASSERT_GE(result.rounds, variant->rounds);
}

/* Plus the module's live and saved reads of every thread. */
TEST_F(ctxswitch, module_views)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter, 0,
							  variant->module_rounds);
	struct tlsview_check_result result;

	REQUIRE_SETTER(variant->setter);
	REQUIRE_MODULE();
	params.flags |= TLSVIEW_CHECK_REQUIRE_MODULE;
	RUN_CHECK(tlsview_check_context_switch, params, result);
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_MODULE_IOCTL);
	/* The module's reads come on top of every thread's own comparisons. */
	ASSERT_GT(result.comparisons, (uint64_t)cpus_plus_one() * variant->module_rounds * PHASES *
				      own_view_count(variant->segment, true));
}

TEST_HARNESS_MAIN

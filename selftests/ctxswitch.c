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
 * the module_views test of the *_insn variants here. tlsview_check_context_switch() does the work.
 */
#include "check_common.h"
#include "kselftest_harness.h"

FIXTURE(ctxswitch) {};
FIXTURE_VARIANT(ctxswitch) { CHECK_VARIANT_FIELDS; };
CHECK_VARIANTS(ctxswitch);
FIXTURE_SETUP(ctxswitch) {}
FIXTURE_TEARDOWN(ctxswitch) {}

/* The thread's own views only: runs on any machine. */
TEST_F(ctxswitch, own_views)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter, 0, 1000);
	struct tlsview_check_result result;

	REQUIRE_SETTER(variant->setter);
	params.flags |= TLSVIEW_CHECK_NO_MODULE;
	RUN_CHECK(tlsview_check_context_switch, params, result);
	ASSERT_GE(result.rounds, 1000);
}

/* Plus the module's live and saved reads of every thread. */
TEST_F(ctxswitch, module_views)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter, 0, 500);
	struct tlsview_check_result result;

	REQUIRE_SETTER(variant->setter);
	REQUIRE_MODULE();
	params.flags |= TLSVIEW_CHECK_REQUIRE_MODULE;
	RUN_CHECK(tlsview_check_context_switch, params, result);
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_MODULE_IOCTL);
}

TEST_HARNESS_MAIN

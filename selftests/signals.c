// SPDX-License-Identifier: GPL-2.0
/*
 * Description: FS and GS bases across signal delivery and sigreturn.
 * Bare threads rewrite their base in a tight loop (wr*base or arch_prctl)
 * while the test fires tgkill at them and a POSIX timer per thread
 * (SIGEV_THREAD_ID, every 200 us) interrupts them: each handler, running on
 * the interrupted thread, must find that thread's base (the value before or
 * after its last write, never anything else), and the thread must always
 * read back what it wrote. Then a handler changes the base and returns:
 * on x86-64 the signal frame holds no FS/GS base and sigreturn restores
 * none, so the change stays -- this test pins that behaviour down (a kernel
 * that started restoring bases on sigreturn would fail it). The module
 * sees the changed base while the thread sleeps. Last, a handler on a
 * sigaltstack sees the same bases. tlsview_check_signals() does the work.
 */
#include "check_common.h"
#include "kselftest_harness.h"

FIXTURE(signals) {};
FIXTURE_VARIANT(signals) { CHECK_VARIANT_FIELDS; };
CHECK_VARIANTS(signals);
FIXTURE_SETUP(signals) {}
FIXTURE_TEARDOWN(signals) {}

TEST_F(signals, storm_sigreturn_altstack)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter, 3, 3000);
	struct tlsview_check_result result;

	REQUIRE_SETTER(variant->setter);
	RUN_CHECK(tlsview_check_signals, params, result);
	/* Signals really landed: at least one per worker per part. */
	ASSERT_GE(result.rounds, 3 * 2);
}

TEST_F(signals, module_sees_handler_change)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter, 2, 200);
	struct tlsview_check_result result;

	REQUIRE_SETTER(variant->setter);
	REQUIRE_MODULE();
	params.flags |= TLSVIEW_CHECK_REQUIRE_MODULE;
	RUN_CHECK(tlsview_check_signals, params, result);
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_MODULE_IOCTL);
}

TEST_HARNESS_MAIN

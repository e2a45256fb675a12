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
 *
 * libtlsview-check's tlsview_check_signals() raises the signals; this file
 * chooses the parameters and judges the structured result: signals landed
 * on every worker in every part, each compared at least once, the thread's
 * own instruction view was used exactly where FSGSBASE is usable, and the
 * module was read when asked for.
 */
#include "check_common.h"
#include "kselftest_harness.h"

FIXTURE(signals) {};

FIXTURE_VARIANT(signals) {
	enum tlsview_check_segment segment;
	enum tlsview_check_setter setter;
	unsigned int workers;
	unsigned int signals;		/* per worker, for the storm */
};

FIXTURE_VARIANT_ADD(signals, fs_insn) {
	.segment = TLSVIEW_SEG_FS, .setter = TLSVIEW_SET_INSN, .workers = 3, .signals = 3000,
};
FIXTURE_VARIANT_ADD(signals, fs_syscall) {
	.segment = TLSVIEW_SEG_FS, .setter = TLSVIEW_SET_SYSCALL, .workers = 3, .signals = 3000,
};
FIXTURE_VARIANT_ADD(signals, gs_insn) {
	.segment = TLSVIEW_SEG_GS, .setter = TLSVIEW_SET_INSN, .workers = 3, .signals = 3000,
};
FIXTURE_VARIANT_ADD(signals, gs_syscall) {
	.segment = TLSVIEW_SEG_GS, .setter = TLSVIEW_SET_SYSCALL, .workers = 3, .signals = 3000,
};

FIXTURE_SETUP(signals) {}
FIXTURE_TEARDOWN(signals) {}

/* Parts (1)-(2) and (3)-(4) each count a round per worker at least. */
#define PARTS_COUNTED	2

TEST_F(signals, storm_sigreturn_altstack)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter,
							  variant->workers, variant->signals);
	struct tlsview_check_result result;

	REQUIRE_SETTER(variant->setter);
	RUN_CHECK(tlsview_check_signals, params, result);
	/* Signals really landed: at least one per worker per part. */
	ASSERT_GE(result.rounds, variant->workers * PARTS_COUNTED);
	/* Every landed signal was judged, in its handler and after sigreturn. */
	ASSERT_GE(result.comparisons, result.rounds);
	ASSERT_EQ(tlsview_have_fsgsbase(), !!(result.views & TLSVIEW_VIEW_SELF_INSN));
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_SELF_MEMORY);
	/* The module is read whenever it is there. */
	ASSERT_EQ(!!(tlsview_check_views_available(NULL) & TLSVIEW_VIEW_MODULE_IOCTL),
		  !!(result.views & TLSVIEW_VIEW_MODULE_IOCTL));
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
	ASSERT_GE(result.rounds, 2 * PARTS_COUNTED);
}

TEST_HARNESS_MAIN

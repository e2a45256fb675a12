// SPDX-License-Identifier: GPL-2.0
/*
 * Description: FS and GS bases survive migrations. Bare threads (one more
 * than there are CPUs) hop across every CPU they may use with
 * sched_setaffinity; after each hop a thread checks that getcpu shows the
 * new CPU and that rd*base, arch_prctl and %fs:0 still show the bases it
 * set before the hop, then sets new ones (wr*base or arch_prctl) on the
 * new CPU. With the module, the test reads each thread between hops (while
 * it runs and while it sleeps): the bases must match and, for a sleeping
 * thread, the module's cpu must be the one the thread hopped to.
 * Needs two CPUs (SKIP otherwise).
 *
 * libtlsview-check's tlsview_check_migration() moves the threads; this
 * file chooses the parameters and judges the structured result: every
 * thread made every hop, after each hop it compared getcpu and each of its
 * own views before and after setting new bases, and the module was read
 * exactly when asked for.
 */
#include "check_common.h"
#include "kselftest_harness.h"

FIXTURE(migration) {};

FIXTURE_VARIANT(migration) {
	enum tlsview_check_segment segment;
	enum tlsview_check_setter setter;
	unsigned int hops;		/* per thread */
	unsigned int module_hops;	/* per thread, with the module reading */
};

FIXTURE_VARIANT_ADD(migration, fs_insn) {
	.segment = TLSVIEW_SEG_FS, .setter = TLSVIEW_SET_INSN, .hops = 40, .module_hops = 20,
};
FIXTURE_VARIANT_ADD(migration, fs_syscall) {
	.segment = TLSVIEW_SEG_FS, .setter = TLSVIEW_SET_SYSCALL, .hops = 40, .module_hops = 20,
};
FIXTURE_VARIANT_ADD(migration, gs_insn) {
	.segment = TLSVIEW_SEG_GS, .setter = TLSVIEW_SET_INSN, .hops = 40, .module_hops = 20,
};
FIXTURE_VARIANT_ADD(migration, gs_syscall) {
	.segment = TLSVIEW_SEG_GS, .setter = TLSVIEW_SET_SYSCALL, .hops = 40, .module_hops = 20,
};

FIXTURE_SETUP(migration) {}
FIXTURE_TEARDOWN(migration) {}

TEST_F(migration, hop_every_cpu)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter, 0,
							  variant->hops);
	struct tlsview_check_result result;

	REQUIRE_SETTER(variant->setter);
	RUN_CHECK(tlsview_check_migration, params, result);
	ASSERT_GE(result.rounds, (uint64_t)cpus_plus_one() * variant->hops);
	/* Per hop: getcpu, then the own views with the old and the new bases. */
	ASSERT_GE(result.comparisons,
		  result.rounds * (1 + 2 * own_view_count(variant->segment, true)));
	ASSERT_EQ(tlsview_have_fsgsbase(), !!(result.views & TLSVIEW_VIEW_SELF_INSN));
	/* The module is read whenever it is there. */
	ASSERT_EQ(!!(tlsview_check_views_available(NULL) & TLSVIEW_VIEW_MODULE_IOCTL),
		  !!(result.views & TLSVIEW_VIEW_MODULE_IOCTL));
}

TEST_F(migration, module_between_hops)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter, 0,
							  variant->module_hops);
	struct tlsview_check_result result;

	REQUIRE_SETTER(variant->setter);
	REQUIRE_MODULE();
	params.flags |= TLSVIEW_CHECK_REQUIRE_MODULE;
	RUN_CHECK(tlsview_check_migration, params, result);
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_MODULE_IOCTL);
	ASSERT_GE(result.rounds, (uint64_t)cpus_plus_one() * variant->module_hops);
	ASSERT_GT(result.comparisons,
		  result.rounds * (1 + 2 * own_view_count(variant->segment, true)));
}

TEST_HARNESS_MAIN

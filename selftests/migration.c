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
 */
#include "check_common.h"
#include "kselftest_harness.h"

FIXTURE(migration) {};
FIXTURE_VARIANT(migration) { CHECK_VARIANT_FIELDS; };
CHECK_VARIANTS(migration);
FIXTURE_SETUP(migration) {}
FIXTURE_TEARDOWN(migration) {}

TEST_F(migration, hop_every_cpu)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter, 0, 40);
	struct tlsview_check_result result;

	REQUIRE_SETTER(variant->setter);
	RUN_CHECK(tlsview_check_migration, params, result);
	ASSERT_GE(result.rounds, 40);
}

TEST_F(migration, module_between_hops)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter, 0, 20);
	struct tlsview_check_result result;

	REQUIRE_SETTER(variant->setter);
	REQUIRE_MODULE();
	params.flags |= TLSVIEW_CHECK_REQUIRE_MODULE;
	RUN_CHECK(tlsview_check_migration, params, result);
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_MODULE_IOCTL);
}

TEST_HARNESS_MAIN

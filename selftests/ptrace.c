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
 */
#include "check_common.h"
#include "kselftest_harness.h"

FIXTURE(ptrace) {};
FIXTURE_VARIANT(ptrace) { CHECK_VARIANT_FIELDS; };
CHECK_VARIANTS(ptrace);
FIXTURE_SETUP(ptrace) {}
FIXTURE_TEARDOWN(ptrace) {}

TEST_F(ptrace, read_poke_restore)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter, 3, 2);
	struct tlsview_check_result result;

	REQUIRE_SETTER(variant->setter);
	RUN_CHECK(tlsview_check_ptrace, params, result);
	ASSERT_EQ(3 * 2, result.rounds);
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_PTRACE_GETREGS);
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_PTRACE_ARCH_PRCTL);
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
}

TEST_HARNESS_MAIN

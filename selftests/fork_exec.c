// SPDX-License-Identifier: GPL-2.0
/*
 * Description: fork, vfork and exec. A bare thread sets a custom FS base
 * (another valid TCB) or GS base -- or, for GS set by syscall where the
 * ia32 entry exists, a TLS-slot selector from set_thread_area -- and forks
 * and vforks with raw system calls: each child sees the same bases and
 * selector itself (rd*base, arch_prctl, %fs:0, mov %gs) and the module
 * shows them while it waits. A traced child that set a custom GS base
 * stops (the tracer sees the base) and execs: at the exec stop its FS and
 * GS bases and GS selector are 0 (PTRACE_GETREGS, PTRACE_ARCH_PRCTL, the
 * module), and the exec_bases helper, exec'd after setting a custom GS
 * base, finds GS base 0 and selector 0 from inside the new image.
 */
#include "check_common.h"
#include "kselftest_harness.h"

FIXTURE(fork_exec) {};
FIXTURE_VARIANT(fork_exec) { CHECK_VARIANT_FIELDS; };
CHECK_VARIANTS(fork_exec);
FIXTURE_SETUP(fork_exec) {}
FIXTURE_TEARDOWN(fork_exec) {}

TEST_F(fork_exec, inherit_and_exec)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter, 1, 1);
	struct tlsview_check_result result;

	REQUIRE_SETTER(variant->setter);
	params.exec_helper = find_helper("exec_bases");
	if (variant->segment == TLSVIEW_SEG_GS && !params.exec_helper)
		SKIP(return, "helper exec_bases not built (make -C selftests)");
	RUN_CHECK(tlsview_check_fork_exec, params, result);
	/* fork, vfork, and for GS the traced exec and the helper. */
	ASSERT_EQ(variant->segment == TLSVIEW_SEG_GS ? 4 : 2, result.rounds);
}

TEST_F(fork_exec, module_views)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter, 1, 1);
	struct tlsview_check_result result;

	REQUIRE_SETTER(variant->setter);
	REQUIRE_MODULE();
	params.flags |= TLSVIEW_CHECK_REQUIRE_MODULE;
	RUN_CHECK(tlsview_check_fork_exec, params, result);
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_MODULE_IOCTL);
}

TEST_HARNESS_MAIN

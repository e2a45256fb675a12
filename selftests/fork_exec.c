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
 *
 * libtlsview-check's tlsview_check_fork_exec() forks and execs; this file
 * chooses the parameters and the helper and judges the structured result:
 * how many children were judged (fork and vfork; for GS also the traced
 * exec and the helper), that each was compared on every view it has, that
 * the tracer's views were used exactly for the exec, and the module's
 * when asked for.
 */
#include "check_common.h"
#include "kselftest_harness.h"

FIXTURE(fork_exec) {};

FIXTURE_VARIANT(fork_exec) {
	enum tlsview_check_segment segment;
	enum tlsview_check_setter setter;
	unsigned int children;		/* fork, vfork (+ traced exec, helper) */
};

FIXTURE_VARIANT_ADD(fork_exec, fs_insn) {
	.segment = TLSVIEW_SEG_FS, .setter = TLSVIEW_SET_INSN, .children = 2,
};
FIXTURE_VARIANT_ADD(fork_exec, fs_syscall) {
	.segment = TLSVIEW_SEG_FS, .setter = TLSVIEW_SET_SYSCALL, .children = 2,
};
/* A custom GS base is also what exec must clear: two more rounds. */
FIXTURE_VARIANT_ADD(fork_exec, gs_insn) {
	.segment = TLSVIEW_SEG_GS, .setter = TLSVIEW_SET_INSN, .children = 4,
};
FIXTURE_VARIANT_ADD(fork_exec, gs_syscall) {
	.segment = TLSVIEW_SEG_GS, .setter = TLSVIEW_SET_SYSCALL, .children = 4,
};

FIXTURE_SETUP(fork_exec) {}
FIXTURE_TEARDOWN(fork_exec) {}

TEST_F(fork_exec, inherit_and_exec)
{
	struct tlsview_check_params params = check_params(variant->segment, variant->setter, 1, 1);
	struct tlsview_check_result result;
	bool exec = variant->segment == TLSVIEW_SEG_GS;

	REQUIRE_SETTER(variant->setter);
	params.exec_helper = find_helper("exec_bases");
	if (exec && !params.exec_helper)
		SKIP(return, "helper exec_bases not built (make -C selftests)");
	RUN_CHECK(tlsview_check_fork_exec, params, result);
	ASSERT_EQ(variant->children, result.rounds);
	/* The fork and the vfork child each compared every one of its own views. */
	ASSERT_GE(result.comparisons, 2 * own_view_count(variant->segment, true));
	ASSERT_EQ(exec, !!(result.views & TLSVIEW_VIEW_PTRACE_GETREGS));
	ASSERT_EQ(exec, !!(result.views & TLSVIEW_VIEW_PTRACE_ARCH_PRCTL));
	ASSERT_EQ(tlsview_have_fsgsbase(), !!(result.views & TLSVIEW_VIEW_SELF_INSN));
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
	ASSERT_GE(result.rounds, 2);
}

TEST_HARNESS_MAIN

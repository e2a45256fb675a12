// SPDX-License-Identifier: GPL-2.0
/*
 * Description: set_thread_area selectors in 64-bit tasks, and a 32-bit
 * task's %gs TLS. A bare thread fills a GDT TLS slot through the ia32
 * entry (int $0x80 set_thread_area, entry -1), loads its selector into FS
 * or GS and reads memory through it; its own selector and base (rd*base,
 * arch_prctl, %fs:0) and the module's (index, base, the slot's base, ioctl
 * and debugfs) must all agree. Clearing the slot must zero the segment
 * register that references it (the kernel reloads it), which the thread
 * and the module both see, and the module reports the slot EMPTY. The -m32
 * static helper i386_tls_32 (i386 glibc keeps its TLS in a GDT slot through
 * %gs) shows COMPAT, its slot and gsindex 0x63 in the module, and to a
 * tracer (so that part runs without the module too).
 */
#include "check_common.h"
#include "kselftest_harness.h"

FIXTURE(selectors) {};
FIXTURE_VARIANT(selectors) { enum tlsview_check_segment segment; };
FIXTURE_VARIANT_ADD(selectors, fs) { .segment = TLSVIEW_SEG_FS, };
FIXTURE_VARIANT_ADD(selectors, gs) { .segment = TLSVIEW_SEG_GS, };
FIXTURE_SETUP(selectors) {}
FIXTURE_TEARDOWN(selectors) {}

TEST_F(selectors, load_and_clear_slot)
{
	struct tlsview_check_params params = check_params(variant->segment, TLSVIEW_SET_DEFAULT, 1, 3);
	struct tlsview_check_result result;

	RUN_CHECK(tlsview_check_selectors, params, result);
	ASSERT_EQ(3, result.rounds);
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_SELF_SELECTOR);
}

TEST_F(selectors, module_sees_slot)
{
	struct tlsview_check_params params = check_params(variant->segment, TLSVIEW_SET_DEFAULT, 1, 1);
	struct tlsview_check_result result;

	REQUIRE_MODULE();
	params.flags |= TLSVIEW_CHECK_REQUIRE_MODULE;
	RUN_CHECK(tlsview_check_selectors, params, result);
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_MODULE_IOCTL);
}

TEST(compat_program_gs_slot)
{
	struct tlsview_check_params params = check_params(TLSVIEW_SEG_GS, TLSVIEW_SET_DEFAULT, 1, 1);
	struct tlsview_check_result result;

	params.compat_tls_helper = find_helper("i386_tls_32");
	if (!params.compat_tls_helper)
		SKIP(return, "helper i386_tls_32 not built (needs gcc -m32 -static)");
	RUN_CHECK(tlsview_check_compat_tls, params, result);
	ASSERT_EQ(1, result.rounds);
	ASSERT_TRUE(result.views & (TLSVIEW_VIEW_MODULE_IOCTL | TLSVIEW_VIEW_PTRACE_GETREGS));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: threads started with clone(CLONE_SETTLS) see their own
 * thread pointer and TLS. 64+ bare threads on libtlsview TCBs each check
 * their FS base (rdfsbase, arch_prctl), %fs:0 and %fs:0x10 against their
 * TCB, read this program's TLS image through FS (initial .tdata bytes,
 * zeroed .tbss), write a private pattern and find it intact later; the
 * module shows each FS base while the thread runs and while it sleeps.
 * Threads cloned through the int $0x80 ABI, where CLONE_SETTLS takes a
 * struct user_desc, land in a GDT TLS slot: the child reads through the
 * selector, its slot has its base, the creator's slot is unchanged.
 * The __thread variables below give this program .tdata and .tbss.
 */
#include "check_common.h"
#include "kselftest_harness.h"

__thread unsigned long tdata_word = 0x1122334455667788UL;
__thread char tdata_text[24] = "tlsview settls .tdata";
__thread unsigned long tbss_words[16];

TEST(bare_threads_own_views)
{
	struct tlsview_check_params params = check_params(TLSVIEW_SEG_FS, TLSVIEW_SET_DEFAULT, 64, 1);
	struct tlsview_check_result result;

	params.flags |= TLSVIEW_CHECK_NO_MODULE;
	/* Use the variables, so the TLS image is this program's. */
	tbss_words[0] = tdata_word + (unsigned long)tdata_text[0];
	RUN_CHECK(tlsview_check_clone_settls, params, result);
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_SELF_MEMORY);
	ASSERT_EQ(64, result.rounds);
}

TEST(bare_threads_module)
{
	struct tlsview_check_params params = check_params(TLSVIEW_SEG_FS, TLSVIEW_SET_DEFAULT, 96, 1);
	struct tlsview_check_result result;

	REQUIRE_MODULE();
	params.flags |= TLSVIEW_CHECK_REQUIRE_MODULE;
	RUN_CHECK(tlsview_check_clone_settls, params, result);
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_MODULE_IOCTL);
	/* Each thread: running read, sleeping read and saved read at least. */
	ASSERT_GE(result.comparisons, 96 * 3);
}

TEST(ia32_clone_settls)
{
	struct tlsview_check_params params = check_params(TLSVIEW_SEG_GS, TLSVIEW_SET_DEFAULT, 8, 1);
	struct tlsview_check_result result;

	RUN_CHECK(tlsview_check_clone_ia32_settls, params, result);
	ASSERT_EQ(8, result.rounds);
}

TEST_HARNESS_MAIN

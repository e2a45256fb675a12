// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the seeds' claims about errno and __thread, made checkable.
 * The seed texts (shared/seeds) say errno is a __thread variable of libc
 * reached through __errno_location(), one instance per thread. Checked in
 * ordinary pthreads: errno lives at the same offset from the FS base in
 * every thread, and each thread keeps its own value while the others set
 * theirs; the address of a __thread variable (libc's h_errno, and this
 * program's own, checked here) minus the FS base is the same in every
 * thread; pthread_self() equals the FS base, %fs:0 and %fs:0x10; the
 * module's view of every thread's FS base is its pthread_self().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include "check_common.h"
#include "kselftest_harness.h"

TEST(errno_tls_pthread_self)
{
	struct tlsview_check_params params = check_params(TLSVIEW_SEG_FS, TLSVIEW_SET_DEFAULT, 16, 1);
	struct tlsview_check_result result;

	RUN_CHECK(tlsview_check_seeds, params, result);
	ASSERT_EQ(16, result.rounds);
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_LIBC);
}

TEST(module_sees_pthread_self)
{
	struct tlsview_check_params params = check_params(TLSVIEW_SEG_FS, TLSVIEW_SET_DEFAULT, 8, 1);
	struct tlsview_check_result result;

	REQUIRE_MODULE();
	params.flags |= TLSVIEW_CHECK_REQUIRE_MODULE;
	RUN_CHECK(tlsview_check_seeds, params, result);
	ASSERT_TRUE(result.views & TLSVIEW_VIEW_MODULE_IOCTL);
}

/* This program's own __thread variable: same offset from FS in every thread. */
static __thread int own_tls_variable = 42;

static void *offset_of_own_variable(void *arg)
{
	uint64_t fs = tlsview_get_fs();

	*(intptr_t *)arg = (intptr_t)((uintptr_t)&own_tls_variable - fs);
	return (void *)(intptr_t)own_tls_variable;
}

TEST(own_thread_variable_offset)
{
	intptr_t offsets[8], main_offset;
	pthread_t threads[8];
	void *initial;
	int i;

	main_offset = (intptr_t)((uintptr_t)&own_tls_variable - tlsview_get_fs());
	own_tls_variable = 7;	/* only this thread's copy */
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, offset_of_own_variable, &offsets[i]));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, pthread_join(threads[i], &initial));
		EXPECT_EQ(main_offset, offsets[i]);
		EXPECT_EQ(42, (intptr_t)initial);
	}
}

TEST_HARNESS_MAIN

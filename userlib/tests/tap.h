/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * TAP for libcheck test programs, with skips.
 *
 * libcheck's own TAP logger (srunner_set_tap(sr, "-"), stdout in check
 * 0.15) has no notion of a skipped test. These helpers run the suite
 * silently, then print the plan and one line per test themselves: tests
 * whose precondition is missing are listed as "ok N - name # SKIP reason"
 * and never run, so a missing feature is reported, not passed.
 */
#ifndef TLSVIEW_TESTS_TAP_H
#define TLSVIEW_TESTS_TAP_H

#include <check.h>

/*
 * Add test @fn to @suite in a test case of its own (so TAP lines carry the
 * test's name), or record it as skipped when @skip_reason is not NULL.
 */
#define tap_add_test(suite, fn, skip_reason)				\
	do {								\
		const char *__reason = (skip_reason);			\
		if (__reason) {						\
			tap_skip(#fn, __reason);			\
		} else {						\
			TCase *__tc = tcase_create(#fn);		\
			tcase_set_timeout(__tc, 60);			\
			tcase_add_test(__tc, fn);			\
			suite_add_tcase(suite, __tc);			\
		}							\
	} while (0)

void tap_skip(const char *name, const char *reason);

/* Run @suite, print TAP to stdout. Returns the exit status for main(). */
int tap_run(Suite *suite);

#endif

// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include <stdio.h>
#include <stdlib.h>
#include "tap.h"

#define MAX_SKIPS 256

static struct {
	const char *name;
	const char *reason;
} skips[MAX_SKIPS];
static int nskips;

void tap_skip(const char *name, const char *reason)
{
	if (nskips < MAX_SKIPS) {
		skips[nskips].name = name;
		skips[nskips].reason = reason;
		nskips++;
	}
}

int tap_run(Suite *suite)
{
	SRunner *runner = srunner_create(suite);
	TestResult **results;
	int i, n, failed = 0, number = 0;

	srunner_run_all(runner, CK_SILENT);
	n = srunner_ntests_run(runner);
	results = srunner_results(runner);

	printf("TAP version 13\n1..%d\n", n + nskips);
	for (i = 0; i < n; i++) {
		TestResult *r = results[i];
		int ok = tr_rtype(r) == CK_PASS;

		if (ok)
			printf("ok %d - %s\n", ++number, tr_tcname(r));
		else
			printf("not ok %d - %s: %s:%d: %s\n", ++number, tr_tcname(r),
			       tr_lfile(r) ? tr_lfile(r) : "?", tr_lno(r),
			       tr_msg(r) ? tr_msg(r) : "");
		failed += !ok;
	}
	for (i = 0; i < nskips; i++)
		printf("ok %d - %s # SKIP %s\n", ++number, skips[i].name, skips[i].reason);
	printf("# %d passed, %d failed, %d skipped\n", n - failed, failed, nskips);
	free(results);
	srunner_free(runner);
	fflush(stdout);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

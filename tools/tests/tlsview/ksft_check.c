// SPDX-License-Identifier: GPL-2.0
/*
 * Description: `tlsview check`'s command line: --quick and --long together
 * are a usage error (exit 2, one line, nothing run), not "the last one
 * wins"; -v's progress names the scenario it belongs to.
 */
#define _GNU_SOURCE
#include <string.h>
#include "kselftest_harness.h"
#include "tlsview_test.h"

TEST(quick_and_long_conflict)
{
	struct run run;

	run_tlsview(&run, (const char *[]){ "check", "--quick", "--long", NULL });
	EXPECT_EQ(2, run.status);
	EXPECT_STREQ("", run.out);
	EXPECT_NE(NULL, strstr(run.err, "--quick and --long")) TH_LOG("%s", run.err);
	run_free(&run);
	run_tlsview(&run, (const char *[]){ "check", "--long", "--quick", "--json", NULL });
	EXPECT_EQ(2, run.status);
	EXPECT_NE(NULL, strstr(run.out, "\"error\"")) TH_LOG("%s", run.out);
	run_free(&run);
}

TEST(verbose_names_the_scenario)
{
	struct run run;

	run_tlsview(&run, (const char *[]){ "check", "--only", "seeds", "-v", NULL });
	EXPECT_EQ(0, run.status) TH_LOG("%s", run.out);
	EXPECT_NE(NULL, strstr(run.err, "tlsview check: seeds: starting")) TH_LOG("%s", run.err);
	run_free(&run);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the check API itself, as `tlsview check` uses it. The
 * scenario table lists every scenario once, by a unique name that
 * tlsview_check_find() returns (and an unknown name gives ENOENT); every
 * scenario run through the table with small parameters ends in pass or
 * skip (never fail or error) and fills its result; the views reported
 * available match the machine (self-insn exactly when FSGSBASE is usable,
 * module-ioctl exactly when /dev/tlsview opens); a NULL result is EINVAL;
 * names and formatting are stable.
 */
#include <errno.h>
#include <fcntl.h>
#include "check_common.h"
#include "kselftest_harness.h"

TEST(table_and_find)
{
	const struct tlsview_check_scenario *table, *found;
	size_t count, i, j;

	table = tlsview_check_scenarios(&count);
	ASSERT_GE(count, 10);
	for (i = 0; i < count; i++) {
		ASSERT_NE(NULL, table[i].name);
		ASSERT_NE(NULL, table[i].summary);
		ASSERT_NE(NULL, table[i].run);
		for (j = 0; j < i; j++)
			ASSERT_NE(0, strcmp(table[i].name, table[j].name));
		found = tlsview_check_find(table[i].name);
		ASSERT_EQ(&table[i], found);
	}
	errno = 0;
	ASSERT_EQ(NULL, tlsview_check_find("no-such-scenario"));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_NE(NULL, tlsview_check_find("context_switch"));
	ASSERT_NE(NULL, tlsview_check_find("seeds"));
}

TEST(views_available_match_the_machine)
{
	unsigned int views = tlsview_check_views_available(NULL);
	struct tlsview_check_params params;
	int fd = open("/dev/tlsview", O_RDONLY | O_CLOEXEC);

	ASSERT_EQ(tlsview_have_fsgsbase(), !!(views & TLSVIEW_VIEW_SELF_INSN));
	ASSERT_EQ(fd >= 0, !!(views & TLSVIEW_VIEW_MODULE_IOCTL));
	ASSERT_TRUE(views & TLSVIEW_VIEW_SELF_ARCH_PRCTL);
	ASSERT_TRUE(views & TLSVIEW_VIEW_FS0);
	if (fd >= 0)
		close(fd);
	tlsview_check_params_init(&params);
	params.flags = TLSVIEW_CHECK_NO_MODULE | TLSVIEW_CHECK_NO_PTRACE;
	views = tlsview_check_views_available(&params);
	ASSERT_FALSE(views & (TLSVIEW_VIEW_MODULE_IOCTL | TLSVIEW_VIEW_MODULE_DEBUGFS));
	ASSERT_FALSE(views & (TLSVIEW_VIEW_PTRACE_GETREGS | TLSVIEW_VIEW_PTRACE_ARCH_PRCTL));
}

TEST(names)
{
	ASSERT_STREQ("self-insn", tlsview_check_view_name(TLSVIEW_VIEW_SELF_INSN));
	ASSERT_STREQ("self-arch_prctl", tlsview_check_view_name(TLSVIEW_VIEW_SELF_ARCH_PRCTL));
	ASSERT_STREQ("fs0", tlsview_check_view_name(TLSVIEW_VIEW_FS0));
	ASSERT_STREQ("module-ioctl", tlsview_check_view_name(TLSVIEW_VIEW_MODULE_IOCTL));
	ASSERT_STREQ("module-debugfs", tlsview_check_view_name(TLSVIEW_VIEW_MODULE_DEBUGFS));
	ASSERT_STREQ("ptrace-getregs", tlsview_check_view_name(TLSVIEW_VIEW_PTRACE_GETREGS));
	ASSERT_STREQ("ptrace-arch_prctl", tlsview_check_view_name(TLSVIEW_VIEW_PTRACE_ARCH_PRCTL));
	ASSERT_STREQ("?", tlsview_check_view_name(TLSVIEW_VIEW_FS0 | TLSVIEW_VIEW_LIBC));
	ASSERT_STREQ("pass", tlsview_check_status_name(TLSVIEW_CHECK_PASS));
	ASSERT_STREQ("fail", tlsview_check_status_name(TLSVIEW_CHECK_FAIL));
	ASSERT_STREQ("skip", tlsview_check_status_name(TLSVIEW_CHECK_SKIP));
	ASSERT_STREQ("error", tlsview_check_status_name(TLSVIEW_CHECK_ERROR));
}

TEST(null_result_and_format)
{
	struct tlsview_check_result result;
	char line[512];

	errno = 0;
	ASSERT_EQ(-EINVAL, tlsview_check_seeds(NULL, NULL));
	ASSERT_EQ(EINVAL, errno);
	memset(&result, 0, sizeof(result));
	result.status = TLSVIEW_CHECK_SKIP;
	strcpy(result.message, "why");
	ASSERT_EQ((int)strlen("skip: why"), tlsview_check_format(&result, line, sizeof(line)));
	ASSERT_STREQ("skip: why", line);
	/* Truncation still terminates and reports the full length. */
	ASSERT_EQ((int)strlen("skip: why"), tlsview_check_format(&result, line, 4));
	ASSERT_STREQ("ski", line);
}

/* What `tlsview check` does: every scenario by name, default views. */
TEST(every_scenario_small)
{
	const struct tlsview_check_scenario *table;
	size_t count, i;

	table = tlsview_check_scenarios(&count);
	for (i = 0; i < count; i++) {
		struct tlsview_check_params params;
		struct tlsview_check_result result;
		char line[512];
		int status;

		tlsview_check_params_init(&params);
		params.threads = 2;
		params.iterations = 3;
		params.duration_ms = 20000;
		memset(&result, 0xa5, sizeof(result));
		status = table[i].run(&params, &result);
		tlsview_check_format(&result, line, sizeof(line));
		TH_LOG("%s: %s", table[i].name, line);
		ASSERT_EQ(status, (int)result.status);
		EXPECT_TRUE(status == TLSVIEW_CHECK_PASS || status == TLSVIEW_CHECK_SKIP) {
			TH_LOG("%s: %s", table[i].name, result.message);
		}
		if (status == TLSVIEW_CHECK_PASS) {
			EXPECT_GT(result.comparisons, 0);
			EXPECT_TRUE(result.views & TLSVIEW_VIEW_SELF_ARCH_PRCTL ||
				    result.views & TLSVIEW_VIEW_LIBC);
		}
		if (status == TLSVIEW_CHECK_SKIP)
			EXPECT_NE(0, result.message[0]);
	}
}

TEST_HARNESS_MAIN

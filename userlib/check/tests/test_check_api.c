// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Unit tests of libtlsview-check's API, as `tlsview check` uses it (moved
 * here from selftests/check_api.c). The scenario table lists every
 * scenario once, by a unique name that tlsview_check_find() returns (an
 * unknown name gives ENOENT); every scenario run through the table with
 * small parameters ends in pass or skip (never fail or error) and fills its
 * result; the views reported available match the machine (self-insn
 * exactly when FSGSBASE is usable, module-ioctl exactly when /dev/tlsview
 * opens); a NULL or too small result is EINVAL and nothing is written; the
 * params and result sizes behave as the header promises (an older caller's
 * smaller struct works, a newer caller's larger one works when its unknown
 * tail is zero and is E2BIG otherwise); the helper programs come only from
 * the caller; names and formatting are stable.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tlsview/check.h>
#include <tlsview/fsgs.h>
#include "tap.h"

START_TEST(test_version_and_sizes)
{
	struct tlsview_check_params params;
	struct tlsview_check_result result;

	ck_assert_str_eq(tlsview_check_version(), TLSVIEW_CHECK_VERSION_STRING);
	memset(&params, 0xa5, sizeof(params));
	tlsview_check_params_init(&params);
	ck_assert_uint_eq(params.size, sizeof(params));
	ck_assert_uint_eq(params.size, TLSVIEW_CHECK_PARAMS_SIZE_VER0);
	ck_assert_int_eq(params.segment, TLSVIEW_SEG_BOTH);
	ck_assert_ptr_null(params.compat_tls_helper);
	ck_assert_ptr_null(params.exec_helper);
	memset(&result, 0xa5, sizeof(result));
	tlsview_check_result_init(&result);
	ck_assert_uint_eq(result.size, sizeof(result));
	ck_assert_uint_eq(result.size, TLSVIEW_CHECK_RESULT_SIZE_VER1);
	ck_assert_int_eq(result.status, TLSVIEW_CHECK_PASS);
	/* NULL is ignored, not a crash. */
	tlsview_check_params_init(NULL);
	tlsview_check_result_init(NULL);
}
END_TEST

START_TEST(test_table_and_find)
{
	const struct tlsview_check_scenario *table, *found;
	size_t count, i, j;

	table = tlsview_check_scenarios(&count);
	ck_assert_uint_ge(count, 10);
	for (i = 0; i < count; i++) {
		ck_assert_ptr_nonnull(table[i].name);
		ck_assert_ptr_nonnull(table[i].summary);
		ck_assert_ptr_nonnull(table[i].run);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(table[i].name, table[j].name);
		found = tlsview_check_find(table[i].name);
		ck_assert_ptr_eq(&table[i], found);
	}
	errno = 0;
	ck_assert_ptr_null(tlsview_check_find("no-such-scenario"));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_nonnull(tlsview_check_find("context_switch"));
	ck_assert_ptr_nonnull(tlsview_check_find("seeds"));
}
END_TEST

START_TEST(test_views_available_match_the_machine)
{
	unsigned int views = tlsview_check_views_available(NULL);
	struct tlsview_check_params params;
	int fd = open("/dev/tlsview", O_RDONLY | O_CLOEXEC);

	ck_assert_int_eq(tlsview_have_fsgsbase(), !!(views & TLSVIEW_VIEW_SELF_INSN));
	ck_assert_int_eq(fd >= 0, !!(views & TLSVIEW_VIEW_MODULE_IOCTL));
	ck_assert(views & TLSVIEW_VIEW_SELF_ARCH_PRCTL);
	ck_assert(views & TLSVIEW_VIEW_FS0);
	if (fd >= 0)
		close(fd);
	tlsview_check_params_init(&params);
	params.flags = TLSVIEW_CHECK_NO_MODULE | TLSVIEW_CHECK_NO_PTRACE;
	views = tlsview_check_views_available(&params);
	ck_assert(!(views & (TLSVIEW_VIEW_MODULE_IOCTL | TLSVIEW_VIEW_MODULE_DEBUGFS)));
	ck_assert(!(views & (TLSVIEW_VIEW_PTRACE_GETREGS | TLSVIEW_VIEW_PTRACE_ARCH_PRCTL)));
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq("self-insn", tlsview_check_view_name(TLSVIEW_VIEW_SELF_INSN));
	ck_assert_str_eq("self-arch_prctl", tlsview_check_view_name(TLSVIEW_VIEW_SELF_ARCH_PRCTL));
	ck_assert_str_eq("fs0", tlsview_check_view_name(TLSVIEW_VIEW_FS0));
	ck_assert_str_eq("module-ioctl", tlsview_check_view_name(TLSVIEW_VIEW_MODULE_IOCTL));
	ck_assert_str_eq("module-debugfs", tlsview_check_view_name(TLSVIEW_VIEW_MODULE_DEBUGFS));
	ck_assert_str_eq("ptrace-getregs", tlsview_check_view_name(TLSVIEW_VIEW_PTRACE_GETREGS));
	ck_assert_str_eq("ptrace-arch_prctl",
			 tlsview_check_view_name(TLSVIEW_VIEW_PTRACE_ARCH_PRCTL));
	ck_assert_str_eq("?", tlsview_check_view_name(TLSVIEW_VIEW_FS0 | TLSVIEW_VIEW_LIBC));
	ck_assert_str_eq("pass", tlsview_check_status_name(TLSVIEW_CHECK_PASS));
	ck_assert_str_eq("fail", tlsview_check_status_name(TLSVIEW_CHECK_FAIL));
	ck_assert_str_eq("skip", tlsview_check_status_name(TLSVIEW_CHECK_SKIP));
	ck_assert_str_eq("error", tlsview_check_status_name(TLSVIEW_CHECK_ERROR));
}
END_TEST

START_TEST(test_bad_result_and_format)
{
	struct tlsview_check_result result;
	char line[512];

	errno = 0;
	ck_assert_int_eq(tlsview_check_seeds(NULL, NULL), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	/* A result without its size is refused and left untouched. */
	memset(&result, 0x5a, sizeof(result));
	result.size = TLSVIEW_CHECK_RESULT_SIZE_VER0 - 1;
	errno = 0;
	ck_assert_int_eq(tlsview_check_seeds(NULL, &result), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(result.size, TLSVIEW_CHECK_RESULT_SIZE_VER0 - 1);
	ck_assert_int_eq(result.message[0], 0x5a);

	tlsview_check_result_init(&result);
	result.status = TLSVIEW_CHECK_SKIP;
	strcpy(result.message, "why");
	ck_assert_int_eq(tlsview_check_format(&result, line, sizeof(line)),
			 (int)strlen("skip: why"));
	ck_assert_str_eq(line, "skip: why");
	/* Truncation still terminates and reports the full length. */
	ck_assert_int_eq(tlsview_check_format(&result, line, 4), (int)strlen("skip: why"));
	ck_assert_str_eq(line, "ski");
}
END_TEST

/* Small, quick parameters for one scenario run. */
static void small_params(struct tlsview_check_params *params)
{
	tlsview_check_params_init(params);
	params->threads = 2;
	params->iterations = 3;
	params->duration_ms = 20000;	/* a safety net only: TCG is slow */
}

/*
 * A caller built against an older (smaller: here the 1.0 size) or a newer
 * (larger) struct: older and newer-with-zero-tail run; a newer one whose
 * unknown tail is not zero ends in ERROR E2BIG; below 1.0 is EINVAL.
 */
START_TEST(test_params_size)
{
	struct {
		struct tlsview_check_params params;
		uint64_t newer_field;
	} newer;
	struct tlsview_check_result result;
	int status;

	memset(&newer, 0, sizeof(newer));
	small_params(&newer.params);
	newer.params.size = sizeof(newer);
	tlsview_check_result_init(&result);
	status = tlsview_check_seeds(&newer.params, &result);
	ck_assert_msg(status == TLSVIEW_CHECK_PASS || status == TLSVIEW_CHECK_SKIP,
		      "newer caller, zero tail: %d %s", status, result.message);
	ck_assert_uint_eq(result.size, sizeof(result));

	newer.newer_field = 1;
	tlsview_check_result_init(&result);
	status = tlsview_check_seeds(&newer.params, &result);
	ck_assert_int_eq(status, TLSVIEW_CHECK_ERROR);
	ck_assert_int_eq(result.status, TLSVIEW_CHECK_ERROR);
	ck_assert_int_eq(result.error, E2BIG);

	small_params(&newer.params);
	newer.params.size = TLSVIEW_CHECK_PARAMS_SIZE_VER0 - 8;
	tlsview_check_result_init(&result);
	status = tlsview_check_seeds(&newer.params, &result);
	ck_assert_int_eq(status, TLSVIEW_CHECK_ERROR);
	ck_assert_int_eq(result.error, EINVAL);
	ck_assert_ptr_nonnull(strstr(result.message, "params.size"));
}
END_TEST

/*
 * A caller built against 1.0 passes a result without rounds_planned and
 * bound_reached: the check writes its 352 bytes only, and formatting it
 * reads no further.
 */
START_TEST(test_result_size_ver0)
{
	struct tlsview_check_params params;
	struct tlsview_check_result result;
	char line[512];
	int status;

	small_params(&params);
	memset(&result, 0x5a, sizeof(result));
	result.size = TLSVIEW_CHECK_RESULT_SIZE_VER0;
	status = tlsview_check_seeds(&params, &result);
	ck_assert_msg(status == TLSVIEW_CHECK_PASS || status == TLSVIEW_CHECK_SKIP, "%d %s",
		      status, result.message);
	ck_assert_uint_eq(result.size, TLSVIEW_CHECK_RESULT_SIZE_VER0);
	ck_assert_uint_eq(result.bound_reached, 0x5a5a5a5aU);
	ck_assert_uint_eq(result.rounds_planned, 0x5a5a5a5a5a5a5a5aULL);
	tlsview_check_format(&result, line, sizeof(line));
	ck_assert_msg(!strstr(line, " of ") && !strstr(line, "time bound"), "%s", line);
}
END_TEST

/* The library runs no helper the caller did not name, and says so. */
START_TEST(test_helpers_come_from_the_caller)
{
	struct tlsview_check_params params;
	struct tlsview_check_result result;
	int status;

	small_params(&params);
	tlsview_check_result_init(&result);
	status = tlsview_check_compat_tls(&params, &result);
	ck_assert_int_eq(status, TLSVIEW_CHECK_SKIP);
	/* Whichever precondition is missing first, the skip says which. */
	ck_assert_msg(strstr(result.message, "compat_tls_helper") ||
		      strstr(result.message, "module") || strstr(result.message, "ia32"),
		      "%s", result.message);

	params.compat_tls_helper = "/nonexistent/i386_tls_32";
	tlsview_check_result_init(&result);
	status = tlsview_check_compat_tls(&params, &result);
	ck_assert_int_eq(status, TLSVIEW_CHECK_SKIP);
	ck_assert_msg(strstr(result.message, "/nonexistent/i386_tls_32") ||
		      strstr(result.message, "module") || strstr(result.message, "ia32"),
		      "%s", result.message);
}
END_TEST

/* What `tlsview check` does: every scenario by name, default views. */
START_TEST(test_every_scenario_small)
{
	const struct tlsview_check_scenario *table;
	struct tlsview_check_params params;
	struct tlsview_check_result result;
	size_t count;
	char line[512];
	int status;

	table = tlsview_check_scenarios(&count);
	ck_assert_uint_lt((size_t)_i, count);
	small_params(&params);
	memset(&result, 0xa5, sizeof(result));
	tlsview_check_result_init(&result);
	status = table[_i].run(&params, &result);
	tlsview_check_format(&result, line, sizeof(line));
	ck_assert_int_eq(status, (int)result.status);
	ck_assert_msg(status == TLSVIEW_CHECK_PASS || status == TLSVIEW_CHECK_SKIP, "%s: %s",
		      table[_i].name, line);
	if (status == TLSVIEW_CHECK_PASS) {
		ck_assert_uint_gt(result.comparisons, 0);
		ck_assert(result.views & (TLSVIEW_VIEW_SELF_ARCH_PRCTL | TLSVIEW_VIEW_LIBC));
	} else {
		ck_assert_int_ne(result.message[0], 0);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("check_api");
	size_t count;
	TCase *tc;

	tap_add_test(s, test_version_and_sizes, NULL);
	tap_add_test(s, test_table_and_find, NULL);
	tap_add_test(s, test_views_available_match_the_machine, NULL);
	tap_add_test(s, test_names, NULL);
	tap_add_test(s, test_bad_result_and_format, NULL);
	tap_add_test(s, test_params_size, NULL);
	tap_add_test(s, test_result_size_ver0, NULL);
	tap_add_test(s, test_helpers_come_from_the_caller, NULL);
	/* One forked run per scenario, each with its own time limit. */
	tlsview_check_scenarios(&count);
	tc = tcase_create("test_every_scenario_small");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_every_scenario_small, 0, (int)count);
	suite_add_tcase(s, tc);
	return tap_run(s);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: tlsview's command line contract: exit status 0 ok, 1
 * failure, 2 usage; every error is one line on stderr, or with --json one
 * JSON object {"error": ...} on stdout; --help and --version; and
 * `tlsview check --quick --json` reports the facts and every scenario of
 * the check API, as JSON, and exits 0 only when nothing failed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tlsview_test.h"
#include "kselftest_harness.h"

/* Exactly one line, ending in a newline. */
static bool one_line(const char *text)
{
	const char *newline = strchr(text, '\n');

	return newline && newline[1] == '\0' && newline != text;
}

/* The checks below take the harness's _metadata, as its EXPECT_*() need it. */
static void expect_usage(struct __test_metadata *_metadata, const char *why,
			 const char *const *args)
{
	struct run run;

	run_tlsview(&run, args);
	EXPECT_TRUE(run.status == 2 && one_line(run.err) && run.out[0] == '\0')
		TH_LOG("usage error (%s): exit 2 and one line on stderr (got %d: %s)", why,
		       run.status, run.err);
	run_free(&run);
}

static void expect_json_error(struct __test_metadata *_metadata, const char *why,
			      const char *const *args, int status)
{
	struct json *document;
	char error[128];
	struct run run;

	run_tlsview(&run, args);
	document = json_parse(run.out, error, sizeof(error));
	EXPECT_TRUE(run.status == status && document && document->type == JSON_OBJECT &&
		    document->count == 1 && json_str(document, "error") && run.err[0] == '\0')
		TH_LOG("%s with --json: exit %d and {\"error\": ...} on stdout (got %d: %s)", why,
		       status, run.status, run.out);
	json_free(document);
	run_free(&run);
}

/* Every test may run tlsview for a while under TCG: 300 s each, not 30. */
FIXTURE(cli) {
};

FIXTURE_SETUP(cli)
{
}

FIXTURE_TEARDOWN(cli)
{
}

TEST_F_TIMEOUT(cli, usage_errors_exit_2_with_one_line, 300)
{
	expect_usage(_metadata, "unknown option", (const char *[]){ "--no-such-option", NULL });
	expect_usage(_metadata, "-p without a number", (const char *[]){ "-p", "abc", NULL });
	expect_usage(_metadata, "-p 0", (const char *[]){ "-p", "0", NULL });
	expect_usage(_metadata, "-p missing its argument", (const char *[]){ "-p", NULL });
	expect_usage(_metadata, "-p and -t", (const char *[]){ "-p", "1", "-t", "1", NULL });
	expect_usage(_metadata, "--cpus with -p", (const char *[]){ "--cpus", "-p", "1", NULL });
	expect_usage(_metadata, "bad --source", (const char *[]){ "--source", "magic", NULL });
	expect_usage(_metadata, "stray argument", (const char *[]){ "stray", NULL });
	expect_usage(_metadata, "check with a bad option", (const char *[]){ "check", "--fast", NULL });
	expect_usage(_metadata, "check with an unknown scenario",
		     (const char *[]){ "check", "--only", "nonsense", NULL });
	expect_json_error(_metadata, "a usage error", (const char *[]){ "--json", "-p", "abc", NULL }, 2);
	expect_json_error(_metadata, "check's usage error", (const char *[]){ "check", "--json", "--x", NULL },
			  2);
}

TEST_F_TIMEOUT(cli, failures_exit_1_with_one_line_naming_them, 300)
{
	/* Above the kernel's PID_MAX_LIMIT (4M), so certainly no such process. */
	const char *const no_process[] = { "-p", "2147483647", NULL };
	const char *const no_thread[] = { "-t", "2147483647", NULL };
	struct run run;

	run_tlsview(&run, no_process);
	EXPECT_TRUE(run.status == 1 && one_line(run.err) && strstr(run.err, "2147483647"))
		TH_LOG("no such process: exit 1, one line naming it (%s)", run.err);
	run_free(&run);
	run_tlsview(&run, no_thread);
	EXPECT_TRUE(run.status == 1 && one_line(run.err) && strstr(run.err, "2147483647"))
		TH_LOG("no such thread: exit 1, one line naming it (%s)", run.err);
	run_free(&run);
	expect_json_error(_metadata, "no such process",
			  (const char *[]){ "-j", "-p", "2147483647", NULL }, 1);
}

TEST_F_TIMEOUT(cli, without_the_module_source_module_and_cpus_fail, 300)
{
	struct run run;

	if (have_module())
		SKIP(return, "the module is loaded");
	run_tlsview(&run, (const char *[]){ "--source", "module", NULL });
	EXPECT_TRUE(run.status == 1 && one_line(run.err) && strstr(run.err, "tlsview.ko"))
		TH_LOG("--source module without the module: exit 1, one line naming the module");
	run_free(&run);
	run_tlsview(&run, (const char *[]){ "--cpus", NULL });
	EXPECT_TRUE(run.status == 1 && one_line(run.err) && strstr(run.err, "module"))
		TH_LOG("--cpus without the module: exit 1, one line saying it needs the module");
	run_free(&run);
}

TEST_F_TIMEOUT(cli, help_and_version_exit_0_on_stdout, 300)
{
	struct run run;

	run_tlsview(&run, (const char *[]){ "--help", NULL });
	EXPECT_TRUE(run.status == 0 && strstr(run.out, "usage: tlsview") &&
		    strstr(run.out, "--tcb") && strstr(run.out, "--cpus") && strstr(run.out, "check"))
		TH_LOG("--help: exit 0, the usage on stdout");
	run_free(&run);
	run_tlsview(&run, (const char *[]){ "--version", NULL });
	EXPECT_TRUE(run.status == 0 && !strncmp(run.out, "tlsview ", 8) && one_line(run.out))
		TH_LOG("--version: exit 0, one line");
	run_free(&run);
}

TEST_F_TIMEOUT(cli, the_default_source_is_the_module_when_loaded, 300)
{
	char own_pid[16];
	struct json *document;
	char error[128];
	struct run run;

	snprintf(own_pid, sizeof(own_pid), "%d", getpid());
	run_tlsview(&run, (const char *[]){ "-p", own_pid, "--json", NULL });
	document = json_parse(run.out, error, sizeof(error));
	EXPECT_TRUE(run.status == 0 && document &&
		    !strcmp(json_str(document, "source") ? json_str(document, "source") : "",
			    have_module() ? "module" : "ptrace"))
		TH_LOG("the default source is %s here", have_module() ? "the module" : "ptrace");
	json_free(document);
	run_free(&run);
}

TEST_F_TIMEOUT(cli, check_quick_json_reports_facts_and_every_scenario, 300)
{
	const char *args[] = { "check", "--quick", "--json", NULL };
	const struct json *facts, *scenarios, *views;
	unsigned int failed = 0, complete = 0, module_view = 0, counted;
	struct json *document;
	char error[128];
	struct run run;
	size_t i;

	run_tlsview(&run, args);
	document = json_parse(run.out, error, sizeof(error));
	ASSERT_NE(NULL, document)
		TH_LOG("tlsview check --quick --json prints JSON: %s", error);
	facts = json_get(document, "facts");
	EXPECT_TRUE(json_str(facts, "kernel") && json_str(facts, "cpu_model") &&
		    json_hex(json_get(facts, "hwcap2")) != ~0ULL && json_bool(facts, "module") >= 0)
		TH_LOG("its facts name the kernel, the CPU model, AT_HWCAP2 and the module");
	views = json_get(facts, "views");
	for (i = 0; views && i < views->count; i++)
		module_view += views->items[i]->type == JSON_STRING &&
			       !strcmp(views->items[i]->string, "module-ioctl");
	if (have_module()) {
		const struct json *cpus = json_get(facts, "cpus");

		EXPECT_TRUE(cpus && cpus->count >= 1 &&
			    json_hex(json_get(cpus->items[0], "cr4")) != ~0ULL && module_view == 1)
			TH_LOG("with the module: CR4 of each CPU, and the module's view");
	} else {
		EXPECT_TRUE(module_view == 0 && views && views->count >= 2)
			TH_LOG("without the module: at least two views, none of them the module's");
	}
	scenarios = json_get(document, "scenarios");
	for (i = 0; scenarios && i < scenarios->count; i++) {
		const struct json *scenario = scenarios->items[i];
		const char *status = json_str(scenario, "status");

		complete += json_str(scenario, "name") && status &&
			    json_int(scenario, "duration_ms", -1) >= 0 && json_get(scenario, "views");
		if (status && strcmp(status, "pass") && strcmp(status, "skip")) {
			failed++;
			TH_LOG("%s: %s: %s", json_str(scenario, "name"), status,
			       json_str(scenario, "message"));
		}
	}
	EXPECT_TRUE(scenarios && scenarios->count >= 5 && complete == scenarios->count)
		TH_LOG("each of the %zu scenarios has a name, a status, a duration and its views",
		       scenarios ? scenarios->count : 0);
	counted = (unsigned int)(json_int(document, "passed", 0) + json_int(document, "failed", 0) +
				 json_int(document, "skipped", 0) + json_int(document, "errors", 0));
	EXPECT_TRUE(scenarios && counted == scenarios->count &&
		    json_int(document, "failed", -1) + json_int(document, "errors", -1) == failed)
		TH_LOG("the totals add up");
	EXPECT_EQ(failed ? 1 : 0, run.status)
		TH_LOG("exit status %d matches %u failures", run.status, failed);
	EXPECT_EQ(0, failed)
		TH_LOG("every scenario passes or skips on this machine");
	json_free(document);
	run_free(&run);

	run_tlsview(&run, (const char *[]){ "check", "--only", "seeds", NULL });
	EXPECT_TRUE(run.status == 0 && strstr(run.out, "kernel:") && strstr(run.out, "seeds") &&
		    !strstr(run.out, "context_switch"))
		TH_LOG("check --only seeds: the facts, then that one scenario");
	run_free(&run);
}

TEST_HARNESS_MAIN

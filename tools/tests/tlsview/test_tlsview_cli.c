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
#include "harness.h"

/* Exactly one line, ending in a newline. */
static bool one_line(const char *text)
{
	const char *newline = strchr(text, '\n');

	return newline && newline[1] == '\0' && newline != text;
}

static void expect_usage(const char *why, const char *const *args)
{
	struct run run;

	run_tlsview(&run, args);
	tap_ok(run.status == 2 && one_line(run.err) && run.out[0] == '\0',
	       "usage error (%s): exit 2 and one line on stderr (got %d: %s)", why, run.status,
	       run.err);
	run_free(&run);
}

static void expect_json_error(const char *why, const char *const *args, int status)
{
	struct json *document;
	char error[128];
	struct run run;

	run_tlsview(&run, args);
	document = json_parse(run.out, error, sizeof(error));
	tap_ok(run.status == status && document && document->type == JSON_OBJECT &&
	       document->count == 1 && json_str(document, "error") && run.err[0] == '\0',
	       "%s with --json: exit %d and {\"error\": ...} on stdout (got %d: %s)", why, status,
	       run.status, run.out);
	json_free(document);
	run_free(&run);
}

static void test_usage(void)
{
	expect_usage("unknown option", (const char *[]){ "--no-such-option", NULL });
	expect_usage("-p without a number", (const char *[]){ "-p", "abc", NULL });
	expect_usage("-p 0", (const char *[]){ "-p", "0", NULL });
	expect_usage("-p missing its argument", (const char *[]){ "-p", NULL });
	expect_usage("-p and -t", (const char *[]){ "-p", "1", "-t", "1", NULL });
	expect_usage("--cpus with -p", (const char *[]){ "--cpus", "-p", "1", NULL });
	expect_usage("bad --source", (const char *[]){ "--source", "magic", NULL });
	expect_usage("stray argument", (const char *[]){ "stray", NULL });
	expect_usage("check with a bad option", (const char *[]){ "check", "--fast", NULL });
	expect_usage("check with an unknown scenario",
		     (const char *[]){ "check", "--only", "nonsense", NULL });
	expect_json_error("a usage error", (const char *[]){ "--json", "-p", "abc", NULL }, 2);
	expect_json_error("check's usage error", (const char *[]){ "check", "--json", "--x", NULL },
			  2);
}

static void test_failures(void)
{
	/* Above the kernel's PID_MAX_LIMIT (4M), so certainly no such process. */
	const char *const no_process[] = { "-p", "2147483647", NULL };
	const char *const no_thread[] = { "-t", "2147483647", NULL };
	struct run run;

	run_tlsview(&run, no_process);
	tap_ok(run.status == 1 && one_line(run.err) && strstr(run.err, "2147483647"),
	       "no such process: exit 1, one line naming it (%s)", run.err);
	run_free(&run);
	run_tlsview(&run, no_thread);
	tap_ok(run.status == 1 && one_line(run.err) && strstr(run.err, "2147483647"),
	       "no such thread: exit 1, one line naming it (%s)", run.err);
	run_free(&run);
	expect_json_error("no such process", (const char *[]){ "-j", "-p", "2147483647", NULL }, 1);
	if (have_module()) {
		tap_skip("the module is loaded", "--source module without the module fails");
	} else {
		run_tlsview(&run, (const char *[]){ "--source", "module", NULL });
		tap_ok(run.status == 1 && one_line(run.err) && strstr(run.err, "tlsview.ko"),
		       "--source module without the module: exit 1, one line naming the module");
		run_free(&run);
		run_tlsview(&run, (const char *[]){ "--cpus", NULL });
		tap_ok(run.status == 1 && one_line(run.err) && strstr(run.err, "module"),
		       "--cpus without the module: exit 1, one line saying it needs the module");
		run_free(&run);
	}
}

static void test_help_version(void)
{
	struct run run;

	run_tlsview(&run, (const char *[]){ "--help", NULL });
	tap_ok(run.status == 0 && strstr(run.out, "usage: tlsview") && strstr(run.out, "--tcb") &&
	       strstr(run.out, "--cpus") && strstr(run.out, "check"),
	       "--help: exit 0, the usage on stdout");
	run_free(&run);
	run_tlsview(&run, (const char *[]){ "--version", NULL });
	tap_ok(run.status == 0 && !strncmp(run.out, "tlsview ", 8) && one_line(run.out),
	       "--version: exit 0, one line");
	run_free(&run);
}

static void test_self_default(void)
{
	char self[16];
	struct json *document;
	char error[128];
	struct run run;

	snprintf(self, sizeof(self), "%d", getpid());
	run_tlsview(&run, (const char *[]){ "-p", self, "--json", NULL });
	document = json_parse(run.out, error, sizeof(error));
	tap_ok(run.status == 0 && document &&
	       !strcmp(json_str(document, "source") ? json_str(document, "source") : "",
		       have_module() ? "module" : "ptrace"),
	       "the default source is %s here", have_module() ? "the module" : "ptrace");
	json_free(document);
	run_free(&run);
}

static void test_check(void)
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
	tap_ok(document != NULL, "tlsview check --quick --json prints JSON%s%s",
	       document ? "" : ": ", document ? "" : error);
	facts = json_get(document, "facts");
	tap_ok(json_str(facts, "kernel") && json_str(facts, "cpu_model") &&
	       json_hex(json_get(facts, "hwcap2")) != ~0ULL && json_bool(facts, "module") >= 0,
	       "its facts name the kernel, the CPU model, AT_HWCAP2 and the module");
	views = json_get(facts, "views");
	for (i = 0; views && i < views->count; i++)
		module_view += views->items[i]->type == JSON_STRING &&
			       !strcmp(views->items[i]->string, "module-ioctl");
	if (have_module()) {
		const struct json *cpus = json_get(facts, "cpus");

		tap_ok(cpus && cpus->count >= 1 && json_hex(json_get(cpus->items[0], "cr4")) != ~0ULL &&
		       module_view == 1, "with the module: CR4 of each CPU, and the module's view");
	} else {
		tap_ok(module_view == 0 && views && views->count >= 2,
		       "without the module: at least two views, none of them the module's");
	}
	scenarios = json_get(document, "scenarios");
	for (i = 0; scenarios && i < scenarios->count; i++) {
		const struct json *scenario = scenarios->items[i];
		const char *status = json_str(scenario, "status");

		complete += json_str(scenario, "name") && status &&
			    json_int(scenario, "duration_ms", -1) >= 0 && json_get(scenario, "views");
		if (status && strcmp(status, "pass") && strcmp(status, "skip")) {
			failed++;
			tap_diag("%s: %s: %s", json_str(scenario, "name"), status,
				 json_str(scenario, "message"));
		}
	}
	tap_ok(scenarios && scenarios->count >= 5 && complete == scenarios->count,
	       "each of the %zu scenarios has a name, a status, a duration and its views",
	       scenarios ? scenarios->count : 0);
	counted = (unsigned int)(json_int(document, "passed", 0) + json_int(document, "failed", 0) +
				 json_int(document, "skipped", 0) + json_int(document, "errors", 0));
	tap_ok(scenarios && counted == scenarios->count &&
	       json_int(document, "failed", -1) + json_int(document, "errors", -1) == failed,
	       "the totals add up");
	tap_ok(run.status == (failed ? 1 : 0), "exit status %d matches %u failures", run.status,
	       failed);
	tap_ok(failed == 0, "every scenario passes or skips on this machine");
	json_free(document);
	run_free(&run);

	run_tlsview(&run, (const char *[]){ "check", "--only", "seeds", NULL });
	tap_ok(run.status == 0 && strstr(run.out, "kernel:") && strstr(run.out, "seeds") &&
	       !strstr(run.out, "context_switch"),
	       "check --only seeds: the facts, then that one scenario");
	run_free(&run);
}

int main(void)
{
	tap_diag("tlsview: %s", tlsview_program());
	test_usage();
	test_failures();
	test_help_version();
	test_self_default();
	test_check();
	return tap_done();
}

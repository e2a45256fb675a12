// SPDX-License-Identifier: GPL-2.0
/*
 * Description: `tlsview check`'s command line: --quick and --long together
 * are a usage error (exit 2, one line, nothing run), not "the last one
 * wins"; -v's progress names the scenario it belongs to; every scenario
 * stops at its time bound, however many rounds it planned (--long's
 * plans, a bound of half a second), and says how far it got; compat_tls
 * runs without the module, through ptrace; every field of --json's output
 * is named in tlsview(8)'s JSON OUTPUT section.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "tlsview_test.h"

/* The selftests' helpers, from the kselftest runner's tree (this test runs in tools/). */
#define HELPERS "../selftests"

/* The scenario object named @name of a `tlsview check --json` document. */
static const struct json *find_scenario(const struct json *document, const char *name)
{
	const struct json *scenarios = json_get(document, "scenarios");
	size_t i;

	for (i = 0; scenarios && scenarios->type == JSON_ARRAY && i < scenarios->count; i++)
		if (!strcmp(json_str(scenarios->items[i], "name") ?: "", name))
			return scenarios->items[i];
	return NULL;
}

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

/*
 * Runs `tlsview check --json` with @args (and --helpers when the helpers
 * are there) and judges every scenario against the run's own bound
 * ("bound_ms"): it ended within the bound plus MARGIN_MS (its last round
 * and joining its threads; generous, as a VM may run beside this and the
 * guest runs it under TCG), and a pass either did all it planned or says
 * the bound stopped it. Returns the document (the caller frees it).
 */
#define MARGIN_MS	4000

static struct json *run_bounded(struct __test_metadata *_metadata, const char *const *args)
{
	const char *argv[16];
	const struct json *scenarios;
	struct json *document;
	long long bound_ms;
	char error[128];
	struct run run;
	double start, wall;
	size_t i, count = 0;

	argv[count++] = "check";
	argv[count++] = "--json";
	while (*args && count < 12)
		argv[count++] = *args++;
	if (access(HELPERS "/i386_tls_32", X_OK) == 0) {
		argv[count++] = "--helpers";
		argv[count++] = HELPERS;
	}
	argv[count] = NULL;
	start = now_seconds();
	run_tlsview(&run, argv);
	wall = now_seconds() - start;
	EXPECT_EQ(0, run.status) TH_LOG("%s%s", run.out, run.err);
	document = json_parse(run.out, error, sizeof(error));
	EXPECT_NE(NULL, document) TH_LOG("%s: %s", error, run.out);
	run_free(&run);
	if (!document)
		return NULL;
	bound_ms = json_int(document, "bound_ms", -1);
	scenarios = json_get(document, "scenarios");
	EXPECT_LT(0, bound_ms);
	EXPECT_TRUE(scenarios && scenarios->type == JSON_ARRAY && scenarios->count > 5);
	if (bound_ms <= 0 || !scenarios || scenarios->type != JSON_ARRAY)
		return document;
	/* The whole run: each scenario within its bound and margin (the facts are quick). */
	EXPECT_GT(scenarios->count * (bound_ms + MARGIN_MS) / 1000.0, wall);
	for (i = 0; i < scenarios->count; i++) {
		const struct json *s = scenarios->items[i];
		const char *name = json_str(s, "name") ?: "?", *status = json_str(s, "status") ?: "?";
		long long rounds = json_int(s, "rounds", -1), planned = json_int(s, "rounds_planned", -1);
		int reached = json_bool(s, "bound_reached");

		TH_LOG("%-18s %-5s %5lld ms of %lld, %lld of %lld rounds%s", name, status,
		       json_int(s, "duration_ms", -1), bound_ms, rounds, planned,
		       reached == 1 ? ", bound reached" : "");
		EXPECT_LE(json_int(s, "duration_ms", -1), bound_ms + MARGIN_MS) TH_LOG("%s", name);
		if (strcmp(status, "pass"))
			continue;
		EXPECT_NE(-1, reached) TH_LOG("%s: no bound_reached", name);
		if (!planned)
			continue;	/* no plan (signals) */
		EXPECT_LE(rounds, planned) TH_LOG("%s", name);
		if (reached == 0)
			EXPECT_EQ(planned, rounds) TH_LOG("%s: neither complete nor bounded", name);
	}
	return document;
}

FIXTURE(bound) {};
FIXTURE_SETUP(bound) {}
FIXTURE_TEARDOWN(bound) {}

/*
 * --long plans more rounds than any machine does in half a second: with
 * --bound 0.5 each scenario must stop by itself, and the looping ones must
 * say the bound stopped them after some rounds.
 */
TEST_F_TIMEOUT(bound, every_scenario_stops_at_it, 300)
{
	static const char *const looping[] = { "context_switch", "migration", "signals", "ptrace",
					       "selectors" };
	const struct json *scenario;
	struct json *document;
	size_t i, passed_looping = 0;

	document = run_bounded(_metadata, (const char *[]){ "--long", "--bound", "0.5", NULL });
	ASSERT_NE(NULL, document);
	EXPECT_EQ(500, json_int(document, "bound_ms", -1));
	for (i = 0; i < sizeof(looping) / sizeof(looping[0]); i++) {
		scenario = find_scenario(document, looping[i]);
		ASSERT_NE(NULL, scenario) TH_LOG("no scenario %s", looping[i]);
		if (strcmp(json_str(scenario, "status") ?: "", "pass"))
			continue;	/* a skip (one CPU, no ptrace, no ia32) says why */
		passed_looping++;
		EXPECT_EQ(1, json_bool(scenario, "bound_reached")) TH_LOG("%s", looping[i]);
		EXPECT_LT(0, json_int(scenario, "rounds", -1)) TH_LOG("%s", looping[i]);
		/* signals cannot plan its rounds (0): how many signals land is the kernel's. */
		if (strcmp(looping[i], "signals")) {
			EXPECT_GT(json_int(scenario, "rounds_planned", -1),
				  json_int(scenario, "rounds", -1)) TH_LOG("%s", looping[i]);
		} else {
			EXPECT_EQ(0, json_int(scenario, "rounds_planned", -1));
		}
	}
	/* context_switch and signals run everywhere. */
	EXPECT_LE(2, passed_looping);
	json_free(document);
}

/* The default (quick) run: every scenario within its bound, complete or saying so. */
TEST_F_TIMEOUT(bound, default_run_within_it, 300)
{
	struct json *document = run_bounded(_metadata, (const char *[]){ NULL });

	ASSERT_NE(NULL, document);
	EXPECT_STREQ("quick", json_str(document, "mode"));
	json_free(document);
}

/*
 * compat_tls without the module reads the 32-bit program through ptrace
 * (on the host; in the VM the module and ptrace both): it passes and
 * compares the tracer's view of COMPAT, gsindex and the slot's base.
 */
TEST(compat_tls_through_ptrace)
{
	const struct json *scenario, *views;
	struct json *document;
	char error[128];
	struct run run;
	bool ptrace_view = false;
	size_t i;

	if (access(HELPERS "/i386_tls_32", X_OK) < 0)
		SKIP(return, "helper " HELPERS "/i386_tls_32 not built (needs gcc -m32 -static)");
	run_tlsview(&run, (const char *[]){ "check", "--only", "compat_tls", "--json", "--helpers",
					    HELPERS, NULL });
	document = json_parse(run.out, error, sizeof(error));
	ASSERT_NE(NULL, document) TH_LOG("%s: %s", error, run.out);
	scenario = find_scenario(document, "compat_tls");
	ASSERT_NE(NULL, scenario);
	if (!strcmp(json_str(scenario, "status") ?: "", "skip") &&
	    strstr(json_str(scenario, "message") ?: "", "ia32"))
		SKIP(return, "%s", json_str(scenario, "message"));
	ASSERT_STREQ("pass", json_str(scenario, "status")) TH_LOG("%s", run.out);
	ASSERT_EQ(0, run.status);
	views = json_get(scenario, "views");
	ASSERT_NE(NULL, views);
	for (i = 0; i < views->count; i++)
		ptrace_view |= !strcmp(views->items[i]->string ?: "", "ptrace-getregs");
	EXPECT_TRUE(ptrace_view) TH_LOG("%s", run.out);
	/* Its own %gs, and the tracer's COMPAT, gsindex, slot base and slot in use. */
	EXPECT_LE(5, json_int(scenario, "comparisons", 0)) TH_LOG("%s", run.out);
	EXPECT_EQ(1, json_int(scenario, "rounds", 0));
	json_free(document);
	run_free(&run);
}

/* Each key of @object is a word of @page; the first that is not, or NULL. */
static const char *undocumented_key(const struct json *object, const char *page)
{
	size_t i;

	for (i = 0; object && object->type == JSON_OBJECT && i < object->count; i++)
		if (!man_has_word(page, strlen(page), object->keys[i]))
			return object->keys[i];
	return NULL;
}

/*
 * The document's own fields, its facts' and a passing scenario's (seeds
 * runs everywhere): every field but a failure's mismatch and an error's
 * errno, which a healthy machine cannot be made to print.
 */
TEST(every_result_field_documented)
{
	char *page = man_section(man_page(), "JSON OUTPUT"), error[128];
	const struct json *scenarios;
	struct json *document;
	struct run run;
	size_t i;

	ASSERT_TRUE(page != NULL) TH_LOG("no section JSON OUTPUT in %s", man_page());
	run_tlsview(&run, (const char *[]){ "check", "--only", "seeds", "--json", NULL });
	ASSERT_EQ(0, run.status) TH_LOG("%s", run.err);
	document = json_parse(run.out, error, sizeof(error));
	ASSERT_NE(NULL, document) TH_LOG("%s: %s", error, run.out);
	EXPECT_TRUE(undocumented_key(document, page) == NULL) TH_LOG("%s", run.out);
	EXPECT_TRUE(undocumented_key(json_get(document, "facts"), page) == NULL)
		TH_LOG("%s", run.out);
	scenarios = json_get(document, "scenarios");
	ASSERT_NE(NULL, scenarios);
	ASSERT_EQ(1, scenarios->count);
	for (i = 0; i < scenarios->count; i++) {
		const char *key = undocumented_key(scenarios->items[i], page);

		EXPECT_TRUE(key == NULL) TH_LOG("the scenarios' field \"%s\" is undocumented", key);
	}
	json_free(document);
	run_free(&run);
	free(page);
}

TEST_HARNESS_MAIN

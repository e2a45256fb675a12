// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/check.c - `tlsview check`: run libtlsview-check's scenarios on
 * this machine. First the facts a result depends on (kernel, CPU,
 * AT_HWCAP2, each CPU's CR4 when the module is there, the views that will
 * be compared), then every scenario with its result and duration.
 *
 *   tlsview check [--quick|--long] [--bound SECONDS] [--only NAME] [--helpers DIR]
 *                 [-j|--json] [--pretty] [-v]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <limits.h>
#include <tlsview/check.h>
#include <tlsview/client.h>
#include <tlsview/fsgs.h>
#include "json.h"
#include "tlsview.h"

/*
 * Quick: every scenario bounded to a couple of seconds, so the whole run
 * stays well under 30 s on two CPUs. Long: many more rounds, each scenario
 * bounded to 30 s.
 */
#define QUICK_DURATION_MS	1500
#define LONG_DURATION_MS	30000
#define LONG_ITERATIONS		200000
/* --bound: from a tenth of a second to an hour per scenario. */
#define BOUND_MIN_MS		100
#define BOUND_MAX_MS		3600000

struct check_options {
	bool long_run;
	unsigned int bound_ms;	/* --bound, or 0: the mode's */
	bool json;
	bool pretty;
	bool verbose;
	const char *only;
	const char *helpers;
};

/*
 * The selftests' helper programs the compat_tls and fork_exec scenarios
 * run. libtlsview-check takes their paths from its caller: here --helpers
 * DIR, else the folders where `make install` and the VM put them,
 * relative to this program (../libexec/tlsview/selftests, or beside it).
 */
static const char *const HELPER_DIRS_FROM_BINDIR[] = { "../libexec/tlsview/selftests", "." };

static char *find_helper(const char *helpers, const char *name)
{
	char self[PATH_MAX], path[2 * PATH_MAX];
	ssize_t length;
	size_t i;

	if (helpers) {
		snprintf(path, sizeof(path), "%s/%s", helpers, name);
		return access(path, X_OK) == 0 ? strdup(path) : NULL;
	}
	length = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (length <= 0)
		return NULL;
	self[length] = '\0';
	*strrchr(self, '/') = '\0';
	for (i = 0; i < sizeof(HELPER_DIRS_FROM_BINDIR) / sizeof(HELPER_DIRS_FROM_BINDIR[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", self, HELPER_DIRS_FROM_BINDIR[i], name);
		if (access(path, X_OK) == 0)
			return strdup(path);
	}
	return NULL;
}

struct facts {
	struct utsname uts;
	char cpu_model[128];
	long cpus_online;
	unsigned long hwcap2;
	bool module;
	struct tlsview_info info;
	struct tv_cpu *cpus;
	size_t cpu_count;
	unsigned int views;
};

static void cpu_model(char *model, size_t size)
{
	char line[256];
	FILE *file;

	snprintf(model, size, "unknown");
	file = fopen("/proc/cpuinfo", "re");
	if (!file)
		return;
	while (fgets(line, sizeof(line), file)) {
		char *value = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !value)
			continue;
		value += 1 + strspn(value + 1, " \t");
		value[strcspn(value, "\n")] = '\0';
		snprintf(model, size, "%s", value);
		break;
	}
	fclose(file);
}

static void gather_facts(const struct tlsview_check_params *params, struct facts *facts)
{
	struct tlsview_client *client = NULL;

	memset(facts, 0, sizeof(*facts));
	uname(&facts->uts);
	cpu_model(facts->cpu_model, sizeof(facts->cpu_model));
	facts->cpus_online = sysconf(_SC_NPROCESSORS_ONLN);
	facts->hwcap2 = getauxval(AT_HWCAP2);
	if (tv_module_open(&client, NULL, 0) == 0) {
		facts->module = true;
		tlsview_client_info(client, &facts->info);
		/* Errors are already printed: the facts then just lack the CPUs. */
		if (tv_module_cpus(client, &facts->cpus, &facts->cpu_count))
			facts->cpu_count = 0;
		tlsview_client_close(client);
	}
	facts->views = tlsview_check_views_available(params);
}

static void json_views(struct tv_json *json, const char *key, unsigned int views)
{
	unsigned int bit;

	tv_json_array_begin(json, key);
	for (bit = 1; bit & TLSVIEW_VIEW_ALL; bit <<= 1)
		if (views & bit)
			tv_json_string(json, NULL, tlsview_check_view_name(bit));
	tv_json_array_end(json);
}

static void text_views(unsigned int views)
{
	const char *separator = "";
	unsigned int bit;
	int count = 0;

	for (bit = 1; bit & TLSVIEW_VIEW_ALL; bit <<= 1) {
		if (!(views & bit))
			continue;
		printf("%s%s", separator, tlsview_check_view_name(bit));
		separator = ", ";
		count++;
	}
	printf(" (%d)\n", count);
}

static void print_facts_text(const struct facts *facts, bool long_run)
{
	size_t i;

	printf("tlsview check (%s)\n", long_run ? "long" : "quick");
	printf("kernel:     %s %s %s\n", facts->uts.sysname, facts->uts.release,
	       facts->uts.machine);
	printf("cpu:        %s (%ld online)\n", facts->cpu_model, facts->cpus_online);
	printf("AT_HWCAP2:  0x%lx (FSGSBASE %s to user space)\n", facts->hwcap2,
	       facts->hwcap2 & TLSVIEW_HWCAP2_FSGSBASE ? "enabled" : "not enabled");
	printf("fast path:  %s\n", tlsview_have_fsgsbase() ? "rd/wr{fs,gs}base" : "arch_prctl");
	if (facts->module) {
		printf("module:     tlsview.ko, ABI %u, kernel FSGSBASE %s\n",
		       facts->info.abi_version,
		       facts->info.flags & TLSVIEW_INFO_FSGSBASE ? "on" : "off");
		for (i = 0; i < facts->cpu_count; i++) {
			if (facts->cpus[i].online)
				printf("cpu%-3u CR4: 0x%016" PRIx64 " (FSGSBASE bit %s)\n",
				       facts->cpus[i].cpu, facts->cpus[i].cr4,
				       facts->cpus[i].fsgsbase ? "set" : "clear");
			else
				printf("cpu%-3u CR4: - (offline)\n", facts->cpus[i].cpu);
		}
	} else {
		printf("module:     not loaded (no /dev/tlsview): checks compare fewer views\n");
	}
	printf("views:      ");
	text_views(facts->views);
	printf("\n");
}

static void print_facts_json(struct tv_json *json, const struct facts *facts, bool long_run,
			     unsigned int bound_ms)
{
	size_t i;

	tv_json_string(json, "mode", long_run ? "long" : "quick");
	tv_json_uint(json, "bound_ms", bound_ms);
	tv_json_object_begin(json, "facts");
	tv_json_string(json, "kernel", facts->uts.release);
	tv_json_string(json, "kernel_version", facts->uts.version);
	tv_json_string(json, "machine", facts->uts.machine);
	tv_json_string(json, "cpu_model", facts->cpu_model);
	tv_json_int(json, "cpus_online", facts->cpus_online);
	tv_json_hex(json, "hwcap2", facts->hwcap2, 1);
	tv_json_bool(json, "hwcap2_fsgsbase", facts->hwcap2 & TLSVIEW_HWCAP2_FSGSBASE);
	tv_json_string(json, "fast_path", tlsview_have_fsgsbase() ? "insn" : "syscall");
	tv_json_bool(json, "module", facts->module);
	if (facts->module) {
		tv_json_uint(json, "module_abi", facts->info.abi_version);
		tv_json_bool(json, "kernel_fsgsbase", facts->info.flags & TLSVIEW_INFO_FSGSBASE);
		tv_json_array_begin(json, "cpus");
		for (i = 0; i < facts->cpu_count; i++) {
			tv_json_object_begin(json, NULL);
			tv_json_uint(json, "cpu", facts->cpus[i].cpu);
			tv_json_bool(json, "online", facts->cpus[i].online);
			if (facts->cpus[i].online) {
				tv_json_hex(json, "cr4", facts->cpus[i].cr4, 16);
				tv_json_bool(json, "fsgsbase", facts->cpus[i].fsgsbase);
			} else {
				tv_json_null(json, "cr4");
				tv_json_null(json, "fsgsbase");
			}
			tv_json_object_end(json);
		}
		tv_json_array_end(json);
	}
	json_views(json, "views", facts->views);
	tv_json_object_end(json);
}

static void print_result_json(struct tv_json *json, const struct tlsview_check_scenario *scenario,
			      const struct tlsview_check_result *result)
{
	tv_json_object_begin(json, NULL);
	tv_json_string(json, "name", scenario->name);
	tv_json_string(json, "summary", scenario->summary);
	tv_json_string(json, "status", tlsview_check_status_name(result->status));
	tv_json_uint(json, "duration_ms", result->elapsed_ms);
	json_views(json, "views", result->views);
	tv_json_uint(json, "comparisons", result->comparisons);
	tv_json_uint(json, "rounds", result->rounds);
	tv_json_uint(json, "rounds_planned", result->rounds_planned);
	tv_json_bool(json, "bound_reached", result->bound_reached);
	tv_json_string(json, "message", result->message);
	if (result->status == TLSVIEW_CHECK_FAIL) {
		tv_json_object_begin(json, "mismatch");
		tv_json_int(json, "tid", result->mismatch.tid);
		tv_json_string(json, "view", tlsview_check_view_name(result->mismatch.view));
		tv_json_string(json, "quantity", result->mismatch.quantity);
		tv_json_hex(json, "expected", result->mismatch.expected, 16);
		tv_json_hex(json, "seen", result->mismatch.seen, 16);
		tv_json_uint(json, "round", result->mismatch.round);
		tv_json_object_end(json);
	}
	if (result->status == TLSVIEW_CHECK_ERROR)
		tv_json_int(json, "errno", result->error);
	tv_json_object_end(json);
}

static void print_result_text(const struct tlsview_check_scenario *scenario,
			      const struct tlsview_check_result *result)
{
	char line[512];
	unsigned int bit;
	int views = 0;

	for (bit = 1; bit & TLSVIEW_VIEW_ALL; bit <<= 1)
		views += !!(result->views & bit);
	printf("%-5s %-22s %7.2f s  %d views  %" PRIu64 " comparisons  %" PRIu64,
	       result->status == TLSVIEW_CHECK_PASS ? "PASS" :
	       result->status == TLSVIEW_CHECK_FAIL ? "FAIL" :
	       result->status == TLSVIEW_CHECK_SKIP ? "SKIP" : "ERROR",
	       scenario->name, result->elapsed_ms / 1000.0, views, result->comparisons,
	       result->rounds);
	if (result->rounds_planned)
		printf(" of %" PRIu64, result->rounds_planned);
	printf(" rounds%s\n", result->bound_reached ? " (stopped at the time bound)" : "");
	if (result->status != TLSVIEW_CHECK_PASS) {
		tlsview_check_format(result, line, sizeof(line));
		printf("      %s\n", line);
	}
	fflush(stdout);
}

/* --bound SECONDS: a decimal number of seconds, kept in ms. */
static int parse_bound(const char *text, unsigned int *bound_ms)
{
	char *end;
	double seconds;

	errno = 0;
	seconds = strtod(text, &end);
	if (errno || end == text || *end || !(seconds * 1000 >= BOUND_MIN_MS) ||
	    !(seconds * 1000 <= BOUND_MAX_MS)) {
		tv_error("check: --bound %s: give seconds from %.1f to %d", text,
			 BOUND_MIN_MS / 1000.0, BOUND_MAX_MS / 1000);
		return -1;
	}
	*bound_ms = (unsigned int)(seconds * 1000 + 0.5);
	return 0;
}

static int parse_check_options(int argc, char **argv, struct check_options *options)
{
	static const struct option long_options[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "long", no_argument, NULL, 'l' },
		{ "bound", required_argument, NULL, 'b' },
		{ "only", required_argument, NULL, 'o' },
		{ "helpers", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tv_options error_options = { 0 };
	bool quick = false, long_run = false;
	int opt, i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json") ||
		    !strcmp(argv[i], "--pretty"))
			error_options.json = true;
	tv_errors_init(&error_options);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+jvh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'q': quick = true; break;
		case 'l': long_run = true; break;
		case 'b':
			if (parse_bound(optarg, &options->bound_ms) < 0)
				return TV_EXIT_USAGE;
			break;
		case 'o': options->only = optarg; break;
		case 'H': options->helpers = optarg; break;
		case 'j': options->json = true; break;
		case 'P': options->json = options->pretty = true; break;
		case 'v': options->verbose = true; break;
		case 'h':
			printf("usage: tlsview check [--quick|--long] [--bound SECONDS] [--only NAME] "
			       "[--helpers DIR] [-j|--json] [--pretty] [-v]\n");
			exit(TV_EXIT_OK);
		default:
			tv_error("check: unknown or incomplete option '%s' (try tlsview check --help)",
				 argv[optind - 1]);
			return TV_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		tv_error("check: unexpected argument '%s'", argv[optind]);
		return TV_EXIT_USAGE;
	}
	/* Not "the last one wins": a run must be what was asked for. */
	if (quick && long_run) {
		tv_error("check: --quick and --long do not go together (try tlsview check --help)");
		return TV_EXIT_USAGE;
	}
	options->long_run = long_run;
	if (options->helpers && access(options->helpers, X_OK) < 0) {
		tv_error("check: --helpers %s: %s", options->helpers, strerror(errno));
		return TV_EXIT_USAGE;
	}
	if (options->only && !tlsview_check_find(options->only)) {
		tv_error("check: no scenario named '%s'", options->only);
		return TV_EXIT_USAGE;
	}
	error_options.pretty = options->pretty;
	tv_errors_init(&error_options);
	return -1;
}

int tv_check_main(int argc, char **argv)
{
	struct check_options options = { 0 };
	const struct tlsview_check_scenario *scenarios;
	struct tlsview_check_params params;
	char *compat_tls_helper, *exec_helper;
	unsigned int counts[4] = { 0 };
	struct facts facts;
	struct tv_json json;
	size_t count, i;
	int ret;

	ret = parse_check_options(argc, argv, &options);
	if (ret >= 0)
		return ret;
	tlsview_check_params_init(&params);
	params.duration_ms = options.bound_ms ? options.bound_ms :
			     options.long_run ? LONG_DURATION_MS : QUICK_DURATION_MS;
	if (options.long_run)
		params.iterations = LONG_ITERATIONS;
	if (options.verbose)
		params.flags |= TLSVIEW_CHECK_VERBOSE;
	params.compat_tls_helper = compat_tls_helper = find_helper(options.helpers, "i386_tls_32");
	params.exec_helper = exec_helper = find_helper(options.helpers, "exec_bases");
	gather_facts(&params, &facts);
	scenarios = tlsview_check_scenarios(&count);

	tv_json_init(&json, stdout, options.pretty);
	if (options.json) {
		tv_json_object_begin(&json, NULL);
		print_facts_json(&json, &facts, options.long_run, params.duration_ms);
		tv_json_array_begin(&json, "scenarios");
	} else {
		print_facts_text(&facts, options.long_run);
	}
	for (i = 0; i < count; i++) {
		struct tlsview_check_result result;
		int status;

		if (options.only && strcmp(options.only, scenarios[i].name))
			continue;
		tlsview_check_result_init(&result);
		/* -v: the library's progress lines follow, this one says whose they are. */
		if (options.verbose)
			fprintf(stderr, "tlsview check: %s: starting (bound %.1f s)\n",
				scenarios[i].name, params.duration_ms / 1000.0);
		status = scenarios[i].run(&params, &result);
		if (status < 0 || status > TLSVIEW_CHECK_ERROR)
			status = result.status = TLSVIEW_CHECK_ERROR;
		counts[status]++;
		if (options.json)
			print_result_json(&json, &scenarios[i], &result);
		else
			print_result_text(&scenarios[i], &result);
	}
	if (options.json) {
		tv_json_array_end(&json);
		tv_json_uint(&json, "passed", counts[TLSVIEW_CHECK_PASS]);
		tv_json_uint(&json, "failed", counts[TLSVIEW_CHECK_FAIL]);
		tv_json_uint(&json, "skipped", counts[TLSVIEW_CHECK_SKIP]);
		tv_json_uint(&json, "errors", counts[TLSVIEW_CHECK_ERROR]);
		tv_json_object_end(&json);
	} else {
		printf("\n%u passed, %u failed, %u skipped, %u errors\n", counts[TLSVIEW_CHECK_PASS],
		       counts[TLSVIEW_CHECK_FAIL], counts[TLSVIEW_CHECK_SKIP],
		       counts[TLSVIEW_CHECK_ERROR]);
	}
	free(facts.cpus);
	free(compat_tls_helper);
	free(exec_helper);
	fflush(stdout);
	return counts[TLSVIEW_CHECK_FAIL] || counts[TLSVIEW_CHECK_ERROR] ?
		TV_EXIT_FAILURE : TV_EXIT_OK;
}

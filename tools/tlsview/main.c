// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/main.c - the tlsview command: options, then collect the
 * views from one source, check TCBs if asked, print. See tlsview(8).
 *
 *   tlsview [-p PID | -t TID] [--tcb] [-j|--json [--pretty]] [--source S]
 *           [--var NAME[,NAME...]] [--keys] [--dtv] [--format F]
 *   tlsview --core FILE [--exe PATH] [-t TID] [--var ...] [--keys] [--dtv]
 *   tlsview --cpus [-j|--json [--pretty]]
 *   tlsview check [--quick|--long] [--bound SECONDS] [-j|--json [--pretty]]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tlsview/client.h>
#include <tlsview/common.h>
#include "tlsview.h"

enum { OPT_PRETTY = 0x100, OPT_TCB, OPT_SOURCE, OPT_CPUS, OPT_VAR, OPT_KEYS, OPT_DTV, OPT_FORMAT,
       OPT_CORE, OPT_EXE, OPT_COMM, OPT_SORT, OPT_WATCH };

static const struct option long_options[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "tid", required_argument, NULL, 't' },
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, OPT_PRETTY },
	{ "tcb", no_argument, NULL, OPT_TCB },
	{ "cpus", no_argument, NULL, OPT_CPUS },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "user", required_argument, NULL, 'u' },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ "watch", required_argument, NULL, OPT_WATCH },
	{ "var", required_argument, NULL, OPT_VAR },
	{ "keys", no_argument, NULL, OPT_KEYS },
	{ "dtv", no_argument, NULL, OPT_DTV },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "core", required_argument, NULL, OPT_CORE },
	{ "exe", required_argument, NULL, OPT_EXE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tlsview [-p PID | -t TID] [--comm PATTERN] [-u USER] [--sort KEY]\n"
		"               [--watch SECONDS] [--tcb] [-j|--json] [--pretty] [--source SOURCE]\n"
		"               [--var NAME[,NAME...]] [--keys] [--dtv] [--format FORMAT]\n"
		"       tlsview --core FILE [--exe PATH] [-t TID] [--var ...] [--keys] [--dtv]\n"
		"       tlsview --cpus [-j|--json] [--pretty]\n"
		"       tlsview check [--quick|--long] [--bound SECONDS] [--only NAME] [-v]\n"
		"                     [-j|--json] [--pretty]\n"
		"\n"
		"Show the FS and GS bases, selectors and TLS slots of threads.\n"
		"\n"
		"  -p, --pid PID      the threads of process PID (default: every visible thread)\n"
		"  -t, --tid TID      thread TID only\n"
		"      --comm PATTERN only threads whose name matches PATTERN (fnmatch, e.g. 'worker*')\n"
		"  -u, --user USER    only threads of this user (name or uid; effective uid)\n"
		"      --sort KEY     tid (default: by process, then thread), cpu, fsbase or gsbase\n"
		"      --watch SECS   repeat every SECS seconds, '*' marking bases that changed;\n"
		"                     Ctrl-C ends it\n"
		"      --tcb          check each thread's TCB against the x86-64 TLS ABI\n"
		"      --cpus         CR4 and FSGSBASE of each CPU (needs the module)\n"
		"  -j, --json         JSON output\n"
		"      --pretty       indented JSON output (implies --json)\n"
		"      --source S     auto (default), module (/dev/tlsview) or ptrace\n"
		"      --var NAMES    each thread's value of TLS variables (errno, NAME or\n"
		"                     OBJECT:NAME; needs -p, -t or --core)\n"
		"      --keys         each thread's pthread keys in use and their values\n"
		"      --dtv          each thread's DTV: generation, module blocks\n"
		"      --format F     --var integers as unsigned (default), signed or hex\n"
		"      --core FILE    the threads of a core dump instead of live ones\n"
		"      --exe PATH     the program that dumped the core (default: found from it)\n"
		"  check --only NAME  run one scenario of the self-check\n"
		"  check --bound SECS stop each scenario after SECS seconds (default 1.5;\n"
		"                     --long: 30)\n"
		"  check -v           progress lines on stderr\n"
		"  -h, --help         this text\n"
		"  -V, --version      the version\n"
		"\n"
		"Exit status: 0 ok, 1 failure (or a TCB breaking the ABI), 2 usage error,\n"
		"3 the process exited while it was read (the list is incomplete).\n"
		"See tlsview(8).\n");
}

/* A positive decimal id, or 0 when the text is not one. */
static pid_t parse_id(const char *text)
{
	char *end;
	long value;

	errno = 0;
	value = strtol(text, &end, 10);
	if (errno || end == text || *end || value <= 0 || value > INT_MAX)
		return 0;
	return (pid_t)value;
}

static int usage_error(const struct tv_options *options, const char *fmt, const char *arg)
{
	char message[256];

	snprintf(message, sizeof(message), fmt, arg);
	tv_errors_init(options);
	tv_error("%s (try tlsview --help)", message);
	return TV_EXIT_USAGE;
}

static int parse_options(int argc, char **argv, struct tv_options *options)
{
	int opt;

	/* A first pass for --json, so that every usage error is reported in JSON. */
	for (opt = 1; opt < argc; opt++)
		if (!strcmp(argv[opt], "-j") || !strcmp(argv[opt], "--json") ||
		    !strcmp(argv[opt], "--pretty"))
			options->json = true;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+p:t:u:jhV", long_options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			options->pid = parse_id(optarg);
			if (!options->pid)
				return usage_error(options, "-p wants a process id, not '%s'", optarg);
			break;
		case 't':
			options->tid = parse_id(optarg);
			if (!options->tid)
				return usage_error(options, "-t wants a thread id, not '%s'", optarg);
			break;
		case OPT_COMM: options->comm = optarg; break;
		case 'u':
			if (tv_user_parse(optarg, &options->user))
				return usage_error(options, "-u wants a user name or uid, not '%s'",
						   optarg);
			options->user_set = true;
			break;
		case OPT_SORT:
			if (!strcmp(optarg, "tid"))
				options->sort = TV_SORT_TID;
			else if (!strcmp(optarg, "cpu"))
				options->sort = TV_SORT_CPU;
			else if (!strcmp(optarg, "fsbase"))
				options->sort = TV_SORT_FSBASE;
			else if (!strcmp(optarg, "gsbase"))
				options->sort = TV_SORT_GSBASE;
			else
				return usage_error(options,
						   "--sort is tid, cpu, fsbase or gsbase, not '%s'",
						   optarg);
			break;
		case OPT_WATCH: {
			char *end;

			errno = 0;
			options->watch = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(options->watch >= 0.1) ||
			    options->watch > 86400)
				return usage_error(options,
						   "--watch wants seconds from 0.1 to 86400, not '%s'",
						   optarg);
			break;
		}
		case 'j': options->json = true; break;
		case OPT_PRETTY: options->json = options->pretty = true; break;
		case OPT_TCB: options->tcb = true; break;
		case OPT_CPUS: options->cpus = true; break;
		case OPT_SOURCE:
			if (!strcmp(optarg, "auto"))
				options->source = TV_SOURCE_AUTO;
			else if (!strcmp(optarg, "module"))
				options->source = TV_SOURCE_MODULE;
			else if (!strcmp(optarg, "ptrace"))
				options->source = TV_SOURCE_PTRACE;
			else
				return usage_error(options, "--source is auto, module or ptrace, not '%s'",
						   optarg);
			break;
		case OPT_VAR: options->vars = optarg; break;
		case OPT_KEYS: options->keys = true; break;
		case OPT_DTV: options->dtv = true; break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "unsigned"))
				options->format = TV_FORMAT_UNSIGNED;
			else if (!strcmp(optarg, "signed"))
				options->format = TV_FORMAT_SIGNED;
			else if (!strcmp(optarg, "hex"))
				options->format = TV_FORMAT_HEX;
			else
				return usage_error(options,
						   "--format is unsigned, signed or hex, not '%s'",
						   optarg);
			break;
		case OPT_CORE: options->core = optarg; break;
		case OPT_EXE: options->exe = optarg; break;
		case 'h': usage(stdout); exit(TV_EXIT_OK);
		case 'V': printf("tlsview %s\n", tlsview_version()); exit(TV_EXIT_OK);
		default:
			return usage_error(options, "unknown or incomplete option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error(options, "unexpected argument '%s'", argv[optind]);
	if (options->pid && options->tid)
		return usage_error(options, "%s", "-p and -t do not go together");
	if (options->cpus && (options->pid || options->tid || options->tcb || options->comm ||
			      options->user_set || options->sort || options->watch))
		return usage_error(options, "%s",
				   "--cpus takes no -p, -t, --tcb, --comm, -u, --sort or --watch");
	if (options->core && (options->pid || options->cpus || options->tcb || options->watch))
		return usage_error(options, "%s", "--core takes no -p, --cpus, --tcb or --watch");
	if (options->exe && !options->core)
		return usage_error(options, "%s", "--exe goes with --core");
	if (tv_tlsdata_wanted(options) && !options->pid && !options->tid && !options->core)
		return usage_error(options, "%s", "--var, --keys and --dtv need -p, -t or --core");
	if (tv_tlsdata_wanted(options) && options->cpus)
		return usage_error(options, "%s", "--cpus takes no --var, --keys or --dtv");
	return -1;
}

static int show_cpus(const struct tv_options *options, struct tlsview_client *client)
{
	struct tv_cpu *cpus;
	size_t count;
	int ret;

	ret = tv_module_cpus(client, &cpus, &count);
	if (ret)
		return ret;
	if (options->json)
		tv_json_cpus(options, cpus, count);
	else
		tv_table_cpus(cpus, count);
	free(cpus);
	return TV_EXIT_OK;
}

/* One listing: collect, filter, sort, check, mark changes since @previous. */
static int collect_threads(const struct tv_options *options, struct tlsview_client *client,
			   const char *why_ptrace, const struct tv_threads *previous,
			   struct tv_threads *threads)
{
	bool alive_before;
	int ret;

	memset(threads, 0, sizeof(*threads));
	threads->why_ptrace = why_ptrace;
	/*
	 * A process that had a live thread before the read and has none after
	 * it was cut short by its exit; so was one that was dying through it.
	 */
	alive_before = options->pid && tv_proc_process_alive(options->pid);
	if (options->core)
		ret = tv_core_collect(options, threads);
	else if (client)
		ret = tv_module_collect(client, options, threads);
	else
		ret = tv_ptrace_collect(options, threads);
	if (!ret && options->pid && !tv_proc_process_alive(options->pid))
		threads->incomplete = alive_before || tv_threads_dying(threads);
	if (!ret && !threads->incomplete && threads->found != TV_FOUND) {
		if (threads->found == TV_NO_PROCESS)
			tv_error_no_process(options->pid);
		else
			tv_error_not_visible(options->pid, options->pid, true);
		ret = TV_EXIT_FAILURE;
	}
	if (ret)
		return ret;
	tv_threads_filter(threads, options);
	if (tv_tlsdata_wanted(options)) {
		ret = tv_tlsdata_collect(options, threads);
		if (ret)
			return ret;
	}
	tv_threads_sort(threads, options->sort);
	tv_threads_mark_states(threads);
	tv_watch_mark_changes(threads, previous);
	if (options->tcb)
		tv_tcb_check(threads);
	return TV_EXIT_OK;
}

static void free_threads(struct tv_threads *threads)
{
	tv_tlsdata_free(threads);
	tv_threads_free(threads);
}

static int show_threads(const struct tv_options *options, struct tlsview_client *client,
			const char *why_ptrace)
{
	struct tv_threads threads, previous = { 0 };
	unsigned long round;
	int ret;

	/* With --watch, Ctrl-C ends the watch after the round in progress. */
	if (options->watch > 0)
		tv_watch_sleep(0);
	for (round = 0;; round++) {
		ret = collect_threads(options, client, why_ptrace, round ? &previous : NULL,
				      &threads);
		if (ret) {
			free_threads(&threads);
			break;
		}
		if (options->json)
			tv_json_threads(options, &threads);
		else
			tv_table_threads(options, &threads);
		fflush(stdout);
		ret = options->tcb && tv_tcb_broken_count(&threads) ? TV_EXIT_FAILURE :
		      threads.incomplete ? TV_EXIT_INCOMPLETE : TV_EXIT_OK;
		free_threads(&previous);
		previous = threads;
		/* A watch ends with the process it watches, or when asked to. */
		if (options->watch <= 0 || threads.incomplete || !tv_watch_sleep(options->watch))
			break;
		if (!options->json)
			printf("\n");
	}
	free_threads(&previous);
	return ret;
}

int main(int argc, char **argv)
{
	struct tv_options options = { 0 };
	struct tlsview_client *client = NULL;
	char message[256] = "", why_ptrace[300] = "asked for with --source ptrace";
	int ret;

	if (argc > 1 && !strcmp(argv[1], "check"))
		return tv_check_main(argc - 1, argv + 1);
	ret = parse_options(argc, argv, &options);
	if (ret >= 0)
		return ret;
	tv_errors_init(&options);
	if (options.source != TV_SOURCE_PTRACE && !options.core &&
	    tv_module_open(&client, message, sizeof(message)) != 0) {
		client = NULL;
		if (options.source == TV_SOURCE_MODULE || options.cpus) {
			tv_error("%s%s", options.cpus ? "--cpus needs the module: " : "", message);
			return TV_EXIT_FAILURE;
		}
		snprintf(why_ptrace, sizeof(why_ptrace), "no /dev/tlsview: %s", message);
	}
	ret = options.cpus ? show_cpus(&options, client) :
	      show_threads(&options, client, why_ptrace);
	tlsview_client_close(client);
	fflush(stdout);
	return ret;
}

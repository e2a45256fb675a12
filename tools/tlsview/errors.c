// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/errors.c - how tlsview reports a failure: one line on
 * stderr for people, or, with --json, a JSON object {"error": "..."} on
 * stdout so that a program reading the output always gets JSON.
 */
#include <stdarg.h>
#include <stdio.h>
#include "json.h"
#include "tlsview.h"

static bool errors_as_json;
static bool errors_pretty;

void tv_errors_init(const struct tv_options *options)
{
	errors_as_json = options->json;
	errors_pretty = options->pretty;
}

void tv_error(const char *fmt, ...)
{
	char message[512];
	va_list args;

	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	if (errors_as_json) {
		struct tv_json json;

		fflush(stdout);
		tv_json_init(&json, stdout, errors_pretty);
		tv_json_object_begin(&json, NULL);
		tv_json_string(&json, "error", message);
		tv_json_object_end(&json);
		fflush(stdout);
	} else {
		fprintf(stderr, "tlsview: %s\n", message);
	}
}

/* -p of something that is not a process: perhaps a thread of one. */
void tv_error_no_process(pid_t pid)
{
	int tgid = tv_proc_tgid_of(pid);

	if (tgid > 0 && tgid != pid)
		tv_error("no process %d: %d is a thread of process %d (use -t %d for that thread)",
			 (int)pid, (int)pid, tgid, (int)pid);
	else
		tv_error("no process %d", (int)pid);
}

/* ptrace's rule (and the module's): kernel threads need CAP_SYS_PTRACE, others the same ids. */
void tv_error_not_visible(pid_t tgid, pid_t tid, bool process)
{
	char who[64];

	if (process)
		snprintf(who, sizeof(who), "process %d: no thread of it is visible to you", (int)tgid);
	else
		snprintf(who, sizeof(who), "thread %d: not visible to you", (int)tid);
	if (tv_proc_is_kthread(tgid, tid))
		tv_error("%s: a kernel thread, visible with CAP_SYS_PTRACE only (run as root)", who);
	else
		tv_error("%s: it runs as another user or is not dumpable "
			 "(run as its owner, or with CAP_SYS_PTRACE)", who);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: tlsview --var, --keys, --dtv and --core on tlsdata-target,
 * whose threads hold known values (tlsdata_target.h): `__thread`
 * variables of the executable (local- and initial-exec), of a DT_NEEDED
 * library and of a dlopen()ed one (before and after a thread first touches
 * it), errno, 40 pthread keys. Each through the module (stopping no one:
 * the spinning threads are read LIVE and their voluntary context switches
 * do not move) and through ptrace (where they do); against gdb where gdb is
 * installed; from cores by gcore and by the kernel; and bad input, which
 * must fail with status 1 and print nothing that looks like a value.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "../tlsview/tlsview_test.h"
#include "tlsdata_target.h"

#define ALL_VARS "errno,tlsdata_exe_le,tlsdata_exe_ie,tlsdata_exe_short,tlsdata_exe_record," \
		 "libtlsdata_needed.so:tlsdata_needed_value,tlsdata_dlopen_value"

/*
 * Runs of tlsview the live test may make: bounded by count and by time
 * (under the harness's 30 s per test); ptrace needs one run to show.
 */
#define LIVE_RUNS	20
#define LIVE_SECONDS	20
#define PTRACE_RUNS	2

struct target_process {
	pid_t pid;
	FILE *to;		/* its stdin: commands */
	FILE *from;		/* its stdout: "thread INDEX TID", "ready", answers */
	pid_t tids[TARGET_THREADS + 1];	/* and the bare thread's */
	char pid_text[16];
};

/* tlsdata-target is next to tlsview (the build tree's bin/, or PATH). */
static void exec_target(void)
{
	char path[PATH_MAX], *slash;

	snprintf(path, sizeof(path), "%s", tlsview_program());
	slash = strrchr(path, '/');
	if (slash) {
		snprintf(slash + 1, sizeof(path) - (size_t)(slash + 1 - path), "tlsdata-target");
		execl(path, "tlsdata-target", (char *)NULL);
	}
	execlp("tlsdata-target", "tlsdata-target", (char *)NULL);
	_exit(127);
}

static bool start_target(struct target_process *target, bool core_dumps)
{
	int in[2], out[2], index, tid;
	char line[128];

	memset(target, 0, sizeof(*target));
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return false;
	target->pid = fork();
	if (target->pid < 0)
		return false;
	if (target->pid == 0) {
		struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };

		if (core_dumps)
			setrlimit(RLIMIT_CORE, &unlimited);
		dup2(in[0], 0);
		dup2(out[1], 1);
		exec_target();
	}
	close(in[0]);
	close(out[1]);
	target->to = fdopen(in[1], "w");
	target->from = fdopen(out[0], "r");
	snprintf(target->pid_text, sizeof(target->pid_text), "%d", target->pid);
	while (fgets(line, sizeof(line), target->from)) {
		if (!strcmp(line, "ready\n"))
			return true;
		if (sscanf(line, "thread %d %d", &index, &tid) == 2 && index >= 0 &&
		    index <= TARGET_BARE)
			target->tids[index] = tid;
	}
	return false;
}

static bool target_command(struct target_process *target, const char *command,
			   const char *answer)
{
	char line[128];

	fprintf(target->to, "%s\n", command);
	fflush(target->to);
	if (!answer)
		return true;
	return fgets(line, sizeof(line), target->from) && !strncmp(line, answer, strlen(answer));
}

/* Ends the target (end of input), or reaps it when it already ended. */
static int stop_target(struct target_process *target)
{
	int status = 0;

	if (target->to)
		fclose(target->to);
	if (target->from)
		fclose(target->from);
	target->to = target->from = NULL;
	if (target->pid > 0 && waitpid(target->pid, &status, 0) < 0)
		status = -1;
	target->pid = 0;
	return status;
}

static struct json *run_json(struct run *run, const char *const *args)
{
	char error[160];
	struct json *document;

	run_tlsview(run, args);
	document = json_parse(run->out, error, sizeof(error));
	if (!document)
		fprintf(stderr, "# not JSON (%s): %s\n# stderr: %s\n", error, run->out, run->err);
	return document;
}

static const struct json *var_of(const struct json *thread, const char *name)
{
	return json_get(json_get(thread, "vars"), name);
}

/* One variable of one thread: its value (sizes 1/2/4/8) and object. */
static bool var_is(const struct json *thread, const char *name, const char *object,
		   long long value)
{
	const struct json *var = var_of(thread, name);

	if (!var || json_str(var, "error") || json_int(var, "value", -1) != value ||
	    !json_str(var, "object") || strcmp(json_str(var, "object"), object) ||
	    json_hex(json_get(var, "addr")) == ~0ULL) {
		fprintf(stderr, "# %s: want %lld from %s\n", name, value, object);
		return false;
	}
	return true;
}

static bool not_allocated(const struct json *thread, const char *name)
{
	const struct json *var = var_of(thread, name);

	return var && json_str(var, "error") && !strcmp(json_str(var, "error"), "not allocated") &&
	       !json_get(var, "value") && !json_get(var, "addr");
}

/* The record as the bytes of the 16-byte variable: "thread-NN", zeros, index. */
static void record_hex(int index, char out[33])
{
	struct target_record record = { 0 };
	size_t i;

	snprintf(record.name, sizeof(record.name), "thread-%02d", index);
	record.index = index;
	for (i = 0; i < sizeof(record); i++)
		sprintf(out + 2 * i, "%02x", ((unsigned char *)&record)[i]);
}

/* Every static value of thread @index (not the dlopen()ed library's). */
static bool static_values_hold(const struct json *thread, int index)
{
	const struct json *record = var_of(thread, "tlsdata_exe_record");
	char hex[33];

	record_hex(index, hex);
	return thread && var_is(thread, "errno", "libc.so.6", TARGET_ERRNO(index)) &&
	       var_is(thread, "tlsdata_exe_le", "tlsdata-target", TARGET_EXE_LE(index)) &&
	       var_is(thread, "tlsdata_exe_ie", "tlsdata-target", TARGET_EXE_IE(index)) &&
	       var_is(thread, "tlsdata_exe_short", "tlsdata-target",
		      (uint16_t)TARGET_EXE_SHORT(index)) &&
	       var_is(thread, "libtlsdata_needed.so:tlsdata_needed_value", "libtlsdata_needed.so",
		      (long long)TARGET_NEEDED(index)) &&
	       record && json_int(record, "size", -1) == 16 && !json_get(record, "value") &&
	       json_str(record, "bytes") && !strcmp(json_str(record, "bytes"), hex);
}

/* voluntary_ctxt_switches of a thread, -1 when it cannot be read. */
static long voluntary_switches(pid_t pid, pid_t tid)
{
	char path[96], line[128];
	long count = -1;
	FILE *file;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	file = fopen(path, "re");
	if (!file)
		return -1;
	while (fgets(line, sizeof(line), file))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &count) == 1)
			break;
	fclose(file);
	return count;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Debian 6.1's harness runs the test body after a SKIP in FIXTURE_SETUP. */
#define RETURN_IF_SKIPPED() do { if (_metadata->skip) return; } while (0)

FIXTURE(tlsdata) {
	struct target_process target;
};

FIXTURE_VARIANT(tlsdata) {
	const char *source;
};

FIXTURE_VARIANT_ADD(tlsdata, module) {
	.source = "module",
};

FIXTURE_VARIANT_ADD(tlsdata, ptrace) {
	.source = "ptrace",
};

FIXTURE_SETUP(tlsdata)
{
	if (!strcmp(variant->source, "module") && !have_module())
		SKIP(return, "no /dev/tlsview (the module is not loaded)");
	ASSERT_TRUE(start_target(&self->target, false));
}

FIXTURE_TEARDOWN(tlsdata)
{
	if (self->target.pid > 0)
		stop_target(&self->target);
}

/* Every thread's static variables, and no value yet for the dlopen()ed one. */
TEST_F(tlsdata, variables)
{
	const char *args[] = { "-p", self->target.pid_text, "--source", variant->source, "--json",
			       "--var", ALL_VARS, NULL };
	struct run run;
	struct json *document;
	int index;

	RETURN_IF_SKIPPED();
	document = run_json(&run, args);
	ASSERT_NE(NULL, document);
	EXPECT_EQ(0, run.status);
	for (index = 0; index < TARGET_THREADS; index++) {
		const struct json *thread = json_find_thread(document, self->target.tids[index]);

		EXPECT_TRUE(static_values_hold(thread, index)) TH_LOG("thread %d", index);
		EXPECT_TRUE(not_allocated(thread, "tlsdata_dlopen_value")) TH_LOG("thread %d", index);
	}
	json_free(document);
	run_free(&run);
}

/* After the even threads touch it: their value; the others still have no block. */
TEST_F(tlsdata, dlopen_after_first_touch)
{
	const char *args[] = { "-p", self->target.pid_text, "--source", variant->source, "--json",
			       "--var", "tlsdata_dlopen_value", "--dtv", NULL };
	struct run run;
	struct json *document;
	int index;

	RETURN_IF_SKIPPED();
	ASSERT_TRUE(target_command(&self->target, "touch", "touched"));
	document = run_json(&run, args);
	ASSERT_NE(NULL, document);
	EXPECT_EQ(0, run.status);
	for (index = 0; index < TARGET_THREADS; index++) {
		const struct json *thread = json_find_thread(document, self->target.tids[index]);
		const struct json *modules = json_get(json_get(thread, "dtv"), "modules");
		const struct json *var = var_of(thread, "tlsdata_dlopen_value");
		int statics = 0, found = 0;
		size_t i;

		/* Say why: the thread missing, or its DTV's error. */
		ASSERT_NE(NULL, modules) TH_LOG("thread %d (tid %d) in: %s\nstderr: %s", index,
						self->target.tids[index], run.out, run.err);
		EXPECT_GT(json_int(json_get(thread, "dtv"), "generation", 0), 0);
		if (TARGET_TOUCHES(index)) {
			EXPECT_TRUE(var_is(thread, "tlsdata_dlopen_value", "libtlsdata_dlopen.so",
					   TARGET_DLOPEN(index))) TH_LOG("thread %d", index);
		} else {
			EXPECT_TRUE(not_allocated(thread, "tlsdata_dlopen_value"))
				TH_LOG("thread %d", index);
		}
		for (i = 0; i < modules->count; i++) {
			const struct json *module = modules->items[i];
			const char *object = json_str(module, "object"), *state;

			state = json_str(module, "state");
			ASSERT_NE(NULL, object);
			ASSERT_NE(NULL, state);
			EXPECT_GT(json_int(module, "modid", 0), 0);
			if (strcmp(object, "libtlsdata_dlopen.so")) {
				/* Loaded at start: static TLS below the thread pointer. */
				EXPECT_STREQ("static", state) TH_LOG("%s", object);
				EXPECT_LT(json_hex(json_get(module, "block")),
					  json_hex(json_get(thread, "fsbase")));
				statics++;
				continue;
			}
			found++;
			if (TARGET_TOUCHES(index)) {
				EXPECT_STREQ("allocated", state);
				/* The variable is the block's only content: at offset 0. */
				EXPECT_EQ(json_hex(json_get(var, "addr")),
					  json_hex(json_get(module, "block")));
			} else {
				EXPECT_STREQ("unallocated", state);
				EXPECT_EQ(JSON_NULL, json_get(module, "block")->type);
			}
		}
		/* tlsdata-target, libtlsdata_needed.so, libc.so.6 */
		EXPECT_EQ(3, statics) TH_LOG("thread %d", index);
		EXPECT_EQ(1, found) TH_LOG("thread %d", index);
	}
	json_free(document);
	run_free(&run);
}

/* All 40 keys (8 of them >= 32, in the second-level block) with each thread's value. */
TEST_F(tlsdata, keys)
{
	const char *args[] = { "-p", self->target.pid_text, "--source", variant->source, "--json",
			       "--keys", NULL };
	struct run run;
	struct json *document;
	int index;

	RETURN_IF_SKIPPED();
	document = run_json(&run, args);
	ASSERT_NE(NULL, document);
	EXPECT_EQ(0, run.status);
	for (index = 0; index < TARGET_THREADS; index++) {
		const struct json *thread = json_find_thread(document, self->target.tids[index]);
		const struct json *keys = json_get(thread, "keys");
		size_t k;

		ASSERT_NE(NULL, keys);
		ASSERT_EQ(JSON_ARRAY, keys->type);
		ASSERT_EQ(TARGET_KEYS, keys->count);
		for (k = 0; k < keys->count; k++) {
			EXPECT_EQ((long long)k, json_int(keys->items[k], "key", -1));
			EXPECT_EQ(TARGET_KEY_VALUE(index, k),
				  json_hex(json_get(keys->items[k], "value")))
				TH_LOG("thread %d key %zu", index, k);
		}
	}
	json_free(document);
	run_free(&run);
}

/* The table: 1/2/4/8-byte values as unsigned, signed or hex integers, others as bytes. */
TEST_F(tlsdata, table_formats)
{
	static const struct {
		const char *format, *shown;
	} cases[] = {
		{ "unsigned", "= 65535\n" },
		{ "signed", "= -1\n" },
		{ "hex", "= 0xffff\n" },
	};
	size_t i;

	RETURN_IF_SKIPPED();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[] = { "-t", self->target.pid_text, "--source", variant->source,
				       "--var", "tlsdata_exe_short,tlsdata_exe_record", "--format",
				       cases[i].format, NULL };
		struct run run;

		run_tlsview(&run, args);
		EXPECT_EQ(0, run.status);
		EXPECT_NE(NULL, strstr(run.out, cases[i].shown)) TH_LOG("%s", run.out);
		/* "thread-00", zeros, index 0, whatever the format */
		EXPECT_NE(NULL, strstr(run.out, "tlsdata_exe_record (tlsdata-target) @0x"));
		EXPECT_NE(NULL, strstr(run.out, "= bytes 7468726561642d303000000000000000\n"));
		run_free(&run);
	}
}

/*
 * Stopping no one: through the module the spinning threads are read while
 * they run (LIVE), their values are right every time, and they never give
 * up the CPU for it (voluntary switches stay put). Through ptrace each
 * thread is stopped, which counts a voluntary switch: the same measure
 * sees it.
 */
TEST_F(tlsdata, spinners_not_stopped)
{
	const char *args[] = { "-p", self->target.pid_text, "--source", variant->source, "--json",
			       "--var", "errno", NULL };
	bool module = !strcmp(variant->source, "module");
	long before[TARGET_THREADS], after;
	int live[TARGET_THREADS] = { 0 }, runs = 0, index;
	double deadline = now() + LIVE_SECONDS;
	bool all_live = false;

	RETURN_IF_SKIPPED();
	for (index = 0; index < TARGET_THREADS; index++)
		before[index] = voluntary_switches(self->target.pid, self->target.tids[index]);
	while (runs < (module ? LIVE_RUNS : PTRACE_RUNS) && now() < deadline &&
	       !(all_live && runs >= 3)) {
		struct run run;
		struct json *document = run_json(&run, args);

		ASSERT_NE(NULL, document);
		runs++;
		all_live = true;
		for (index = 0; index < TARGET_THREADS; index++) {
			const struct json *thread =
				json_find_thread(document, self->target.tids[index]);

			EXPECT_TRUE(var_is(thread, "errno", "libc.so.6", TARGET_ERRNO(index)));
			if (json_bool(thread, "live") == 1)
				live[index]++;
			if (TARGET_SPINS(index) && !live[index])
				all_live = false;
		}
		json_free(document);
		run_free(&run);
	}
	for (index = 1; index < TARGET_THREADS; index++) {
		if (!TARGET_SPINS(index))
			continue;
		after = voluntary_switches(self->target.pid, self->target.tids[index]);
		ASSERT_GE(before[index], 0);
		if (module) {
			EXPECT_EQ(before[index], after) TH_LOG("spinner %d was switched out", index);
			EXPECT_GT(live[index], 0) TH_LOG("spinner %d never LIVE in %d runs", index,
							  runs);
		} else {
			EXPECT_GT(after, before[index]) TH_LOG("ptrace stopped spinner %d", index);
			EXPECT_EQ(0, live[index]);
		}
	}
	TH_LOG("%d runs", runs);
}

/*
 * gdb's own answer, thread by thread: "(LWP TID)" then "$N = VALUE". With
 * -s: gdb fails on the bare thread ("Cannot find thread-local storage")
 * and would otherwise stop there.
 */
static bool gdb_values(pid_t pid, const char *expression, long long values[TARGET_THREADS],
		       const pid_t tids[TARGET_THREADS])
{
	char command[512], line[512];
	int seen = 0, current = -1, index;
	FILE *gdb;

	snprintf(command, sizeof(command),
		 "gdb -nx -p %d -batch -ex 'thread apply all -s print %s' 2>/dev/null", pid,
		 expression);
	gdb = popen(command, "r");
	if (!gdb)
		return false;
	while (fgets(line, sizeof(line), gdb)) {
		const char *lwp = strstr(line, "(LWP ");
		long long value;

		if (lwp) {
			int tid = atoi(lwp + 5);

			current = -1;
			for (index = 0; index < TARGET_THREADS; index++)
				if (tids[index] == tid)
					current = index;
		} else if (current >= 0 && sscanf(line, "$%*d = %lld", &value) == 1) {
			values[current] = value;
			seen++;
			current = -1;
		}
	}
	pclose(gdb);
	return seen == TARGET_THREADS;
}

TEST_F(tlsdata, agrees_with_gdb)
{
	/* errno by its symbol: a cast, since libc's debug info may be absent. */
	static const char *const expressions[] = {
		"(int)errno", "tlsdata_exe_le", "tlsdata_exe_ie", "tlsdata_needed_value",
	};
	static const char *const names[] = {
		"errno", "tlsdata_exe_le", "tlsdata_exe_ie", "tlsdata_needed_value",
	};
	const char *args[] = { "-p", self->target.pid_text, "--source", variant->source, "--json",
			       "--var", "errno,tlsdata_exe_le,tlsdata_exe_ie,tlsdata_needed_value",
			       NULL };
	long long values[TARGET_THREADS];
	struct json *document;
	struct run run;
	size_t e;
	int index;

	RETURN_IF_SKIPPED();
	if (system("command -v gdb >/dev/null 2>&1"))
		SKIP(return, "gdb is not installed");
	document = run_json(&run, args);
	ASSERT_NE(NULL, document);
	for (e = 0; e < sizeof(expressions) / sizeof(expressions[0]); e++) {
		ASSERT_TRUE(gdb_values(self->target.pid, expressions[e], values,
				       self->target.tids)) TH_LOG("gdb: %s", expressions[e]);
		for (index = 0; index < TARGET_THREADS; index++) {
			const struct json *thread =
				json_find_thread(document, self->target.tids[index]);
			const struct json *var = var_of(thread, names[e]);

			EXPECT_EQ(values[index], json_int(var, "value", -1))
				TH_LOG("%s, thread %d", expressions[e], index);
		}
	}
	json_free(document);
	run_free(&run);
}

/*
 * A bare CLONE_SETTLS thread on a libtlsview TCB: libthread_db does not know
 * it, yet the program's own variable is read from its PT_TLS block; glibc's
 * things (errno, keys, the DTV) are "not a glibc thread".
 */
TEST_F(tlsdata, bare_thread)
{
	const char *args[] = { "-p", self->target.pid_text, "--source", variant->source, "--json",
			       "--var", "tlsdata_exe_le,errno", "--keys", "--dtv", NULL };
	const struct json *thread, *errno_var;
	struct json *document;
	struct run run;

	RETURN_IF_SKIPPED();
	ASSERT_NE(0, self->target.tids[TARGET_BARE]);
	document = run_json(&run, args);
	ASSERT_NE(NULL, document);
	EXPECT_EQ(0, run.status);
	thread = json_find_thread(document, self->target.tids[TARGET_BARE]);
	ASSERT_NE(NULL, thread);
	EXPECT_TRUE(var_is(thread, "tlsdata_exe_le", "tlsdata-target",
			   TARGET_EXE_LE(TARGET_BARE)));
	errno_var = var_of(thread, "errno");
	ASSERT_NE(NULL, json_str(errno_var, "error"));
	EXPECT_NE(NULL, strstr(json_str(errno_var, "error"), "not a glibc thread"));
	EXPECT_EQ(NULL, json_get(errno_var, "value"));
	ASSERT_NE(NULL, json_str(json_get(thread, "keys"), "error"));
	EXPECT_NE(NULL, strstr(json_str(json_get(thread, "keys"), "error"), "not a glibc thread"));
	ASSERT_NE(NULL, json_str(json_get(thread, "dtv"), "error"));
	EXPECT_NE(NULL, strstr(json_str(json_get(thread, "dtv"), "error"), "not a glibc thread"));
	/* The glibc threads beside it are read as ever. */
	EXPECT_TRUE(var_is(json_find_thread(document, self->target.tids[1]), "errno", "libc.so.6",
			   TARGET_ERRNO(1)));
	json_free(document);
	run_free(&run);
}

/* A 32-bit process: refused with a clear reason, status 1, nothing else. */
TEST_F(tlsdata, ia32_process)
{
	const char *args[] = { "-p", NULL, "--source", variant->source, "--var", "errno", NULL };
	char path[PATH_MAX], *slash, pid_text[16];
	struct run run;
	pid_t child;

	RETURN_IF_SKIPPED();
	snprintf(path, sizeof(path), "%s", tlsview_program());
	slash = strrchr(path, '/');
	if (slash)
		snprintf(slash + 1, sizeof(path) - (size_t)(slash + 1 - path), "tlsdemo-child32");
	else
		snprintf(path, sizeof(path), "tlsdemo-child32");
	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		execlp(path, "tlsdemo-child32", (char *)NULL);
		_exit(127);
	}
	usleep(300 * 1000);
	if (waitpid(child, NULL, WNOHANG) == child)
		SKIP(return, "tlsdemo-child32 does not run here (no ia32 emulation?)");
	snprintf(pid_text, sizeof(pid_text), "%d", child);
	args[1] = pid_text;
	run_tlsview(&run, args);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	EXPECT_EQ(1, run.status);
	EXPECT_STREQ("", run.out);
	EXPECT_NE(NULL, strstr(run.err, "not supported for ia32 processes")) TH_LOG("%s", run.err);
	run_free(&run);
}

/* Names that are not TLS variables of the process: status 1, no value printed. */
TEST_F(tlsdata, bad_names)
{
	static const struct {
		const char *name, *message;
	} cases[] = {
		{ "tlsdata_no_such_variable", "no such symbol" },
		{ "tlsdata_not_tls", "not a TLS variable" },
		{ "libnot_loaded.so:errno", "object not loaded" },
		{ "errno,tlsdata_not_tls", "not a TLS variable" },
	};
	size_t i;

	RETURN_IF_SKIPPED();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *table[] = { "-p", self->target.pid_text, "--source", variant->source,
					"--var", cases[i].name, NULL };
		const char *json[] = { "-p", self->target.pid_text, "--source", variant->source,
				       "--var", cases[i].name, "--json", NULL };
		struct json *document;
		struct run run;

		run_tlsview(&run, table);
		EXPECT_EQ(1, run.status) TH_LOG("%s", cases[i].name);
		EXPECT_STREQ("", run.out);
		EXPECT_NE(NULL, strstr(run.err, cases[i].message)) TH_LOG("%s", run.err);
		run_free(&run);
		document = run_json(&run, json);
		EXPECT_EQ(1, run.status);
		ASSERT_NE(NULL, document);
		EXPECT_NE(NULL, json_str(document, "error"));
		EXPECT_EQ(NULL, json_get(document, "threads"));
		json_free(document);
		run_free(&run);
	}
}

static void check_core_values(struct __test_metadata *_metadata, const char *core,
			      const struct target_process *target, const char *exe)
{
	const char *args[] = { "--core", core, "--json", "--var", ALL_VARS, "--keys", "--dtv",
			       exe ? "--exe" : NULL, exe, NULL };
	struct json *document;
	struct run run;
	int index;

	document = run_json(&run, args);
	ASSERT_NE(NULL, document);
	EXPECT_EQ(0, run.status) TH_LOG("%s", run.err);
	EXPECT_STREQ("core", json_str(document, "source"));
	for (index = 0; index < TARGET_THREADS; index++) {
		const struct json *thread = json_find_thread(document, target->tids[index]);
		const struct json *keys = json_get(thread, "keys");

		ASSERT_NE(NULL, thread) TH_LOG("thread %d is not in the core", index);
		EXPECT_EQ(target->pid, json_int(thread, "tgid", -1));
		EXPECT_NE(0, json_hex(json_get(thread, "fsbase")));
		EXPECT_TRUE(static_values_hold(thread, index)) TH_LOG("thread %d", index);
		if (TARGET_TOUCHES(index)) {
			EXPECT_TRUE(var_is(thread, "tlsdata_dlopen_value", "libtlsdata_dlopen.so",
					   TARGET_DLOPEN(index)));
		} else {
			EXPECT_TRUE(not_allocated(thread, "tlsdata_dlopen_value"));
		}
		ASSERT_NE(NULL, keys);
		ASSERT_EQ(TARGET_KEYS, keys->count);
		EXPECT_EQ(TARGET_KEY_VALUE(index, TARGET_KEYS - 1),
			  json_hex(json_get(keys->items[TARGET_KEYS - 1], "value")));
		EXPECT_NE(NULL, json_get(json_get(thread, "dtv"), "modules"));
	}
	json_free(document);
	run_free(&run);
}

/* gdb's gcore: the core of a running process (it stops it only to dump). */
TEST_F(tlsdata, gcore)
{
	char folder[] = "/tmp/tlsdata-gcore.XXXXXX", command[512], core[PATH_MAX];

	RETURN_IF_SKIPPED();
	if (strcmp(variant->source, "ptrace"))
		SKIP(return, "one core is enough: the ptrace variant reads it");
	if (system("command -v gcore >/dev/null 2>&1"))
		SKIP(return, "gcore (gdb) is not installed");
	ASSERT_TRUE(target_command(&self->target, "touch", "touched"));
	ASSERT_NE(NULL, mkdtemp(folder));
	snprintf(command, sizeof(command), "gcore -o %s/core %d >/dev/null 2>&1", folder,
		 self->target.pid);
	ASSERT_EQ(0, system(command));
	snprintf(core, sizeof(core), "%s/core.%d", folder, self->target.pid);
	check_core_values(_metadata, core, &self->target, NULL);
	unlink(core);
	rmdir(folder);
}

/* The kernel's core (core_pattern to a file): no read-only file pages in it. */
TEST_F(tlsdata, kernel_core)
{
	static const char pattern_path[] = "/proc/sys/kernel/core_pattern";
	char old_pattern[256] = "", core[PATH_MAX], exe[PATH_MAX];
	struct target_process target;
	FILE *file;
	int status;

	RETURN_IF_SKIPPED();
	if (strcmp(variant->source, "module"))
		SKIP(return, "changes core_pattern: only in the VM (the module variant)");
	if (access(pattern_path, F_OK))
		SKIP(return, "the kernel writes no cores (no %s: CONFIG_COREDUMP off)", pattern_path);
	file = fopen(pattern_path, "r");
	ASSERT_NE(NULL, file);
	ASSERT_NE(NULL, fgets(old_pattern, sizeof(old_pattern), file));
	fclose(file);
	file = fopen(pattern_path, "w");
	if (!file)
		SKIP(return, "core_pattern is not writable");
	fprintf(file, "/tmp/tlsdata-core.%%p");
	ASSERT_EQ(0, fclose(file));
	ASSERT_TRUE(start_target(&target, true));
	snprintf(exe, sizeof(exe), "/proc/%d/exe", target.pid);
	memset(core, 0, sizeof(core));
	ASSERT_GT(readlink(exe, core, sizeof(core) - 1), 0);
	snprintf(exe, sizeof(exe), "%s", core);
	ASSERT_TRUE(target_command(&target, "touch", "touched"));
	target_command(&target, "abort", NULL);
	waitpid(target.pid, &status, 0);
	fclose(target.to);
	fclose(target.from);
	file = fopen(pattern_path, "w");
	if (file) {
		fputs(old_pattern, file);
		fclose(file);
	}
	ASSERT_TRUE(WIFSIGNALED(status) && WCOREDUMP(status));
	snprintf(core, sizeof(core), "/tmp/tlsdata-core.%d", target.pid);
	check_core_values(_metadata, core, &target, exe);
	unlink(core);
}

/* Files that are not usable cores: status 1, a clear reason, no thread printed. */
TEST(bad_cores)
{
	char folder[] = "/tmp/tlsdata-bad.XXXXXX", path[PATH_MAX];
	Elf64_Ehdr header = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
			     EV_CURRENT },
		.e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
	};
	Elf64_Phdr load = {
		.p_type = PT_LOAD, .p_offset = 4096, .p_filesz = 1 << 20, .p_memsz = 1 << 20,
	};
	static const char *const messages[] = {
		"not an ELF file", "not a core file", "no NT_PRSTATUS", "truncated",
	};
	size_t i;
	int fd;

	ASSERT_NE(NULL, mkdtemp(folder));
	for (i = 0; i < 4; i++) {
		const char *args[] = { "--core", path, "--var", "errno", NULL };
		struct run run;

		snprintf(path, sizeof(path), "%s/core%zu", folder, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		ASSERT_GE(fd, 0);
		if (i == 0) {
			ASSERT_EQ(12, write(fd, "not a core\n\n", 12));
		} else if (i == 1) {
			header.e_type = ET_EXEC;
			ASSERT_EQ((ssize_t)sizeof(header), write(fd, &header, sizeof(header)));
		} else if (i == 2) {
			header.e_type = ET_CORE;
			ASSERT_EQ((ssize_t)sizeof(header), write(fd, &header, sizeof(header)));
		} else {
			/* A segment that says 1 MiB and a file that ends first. */
			header.e_phoff = sizeof(header);
			header.e_phnum = 1;
			ASSERT_EQ((ssize_t)sizeof(header), write(fd, &header, sizeof(header)));
			ASSERT_EQ((ssize_t)sizeof(load), write(fd, &load, sizeof(load)));
		}
		close(fd);
		run_tlsview(&run, args);
		EXPECT_EQ(1, run.status) TH_LOG("%s", messages[i]);
		EXPECT_STREQ("", run.out);
		EXPECT_NE(NULL, strstr(run.err, messages[i])) TH_LOG("%s: %s", messages[i],
								    run.err);
		run_free(&run);
		unlink(path);
	}
	rmdir(folder);
}

TEST_HARNESS_MAIN

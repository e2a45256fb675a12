// SPDX-License-Identifier: GPL-2.0
/*
 * Description: tlsview tells the truth about thread states, with whichever
 * source the machine has (ptrace on a host, the module in the VM): every
 * thread has a state; a zombie has no bases and says so; a process whose
 * main thread exited is read (and its TCBs checked) through its live
 * threads; a process killed during the read is reported incomplete (exit
 * 3, "complete": false), never as a short list; stopped and traced threads
 * are named so, with the tracer's pid; thread names with control and
 * non-UTF-8 bytes come out byte-exact; errors name the thread, the reason
 * and the fix.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "tlsview_test.h"

/* Under TCG a 500-thread target and many reads take a while: bounds are per loop too. */
#define STATES_TIMEOUT 240

FIXTURE(states) {
	int unused;
};

FIXTURE_SETUP(states)
{
}

FIXTURE_TEARDOWN(states)
{
}

/* Thread names the targets give their threads: control bytes, non-UTF-8 bytes. */
static const char name_control[] = "nl\nx\ty";
static const char name_bytes[] = "b\xff\xfe";

struct target_spec {
	int threads;		/* besides the main thread, each blocked in pause() */
	bool exit_main;		/* the main thread exits, the others live on */
	bool name_threads;	/* threads 0 and 1 get name_control and name_bytes */
};

static void *blocked_thread(void *arg)
{
	long index = (long)arg;

	if (index == 0)
		prctl(PR_SET_NAME, name_control);
	else if (index == 1)
		prctl(PR_SET_NAME, name_bytes);
	for (;;)
		pause();
	return NULL;
}

/* A child with @spec's threads; returns once they all exist (and main exited). */
static pid_t start_target(const struct target_spec *spec)
{
	int ready[2];
	pid_t pid;
	char byte;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid == 0) {
		long i;

		/* A failed ASSERT ends the test at once: the target must not outlive it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		for (i = 0; i < spec->threads; i++) {
			pthread_t thread;

			if (pthread_create(&thread, NULL, blocked_thread,
					   (void *)(spec->name_threads ? i : -1L)))
				_exit(1);
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		/*
		 * The main thread exits alone, as pthread_exit() would, without
		 * its unwinding (which needs libgcc_s, absent from the guest).
		 */
		if (spec->exit_main)
			syscall(SYS_exit, 0);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (pid < 0 || read(ready[0], &byte, 1) != 1) {
		close(ready[0]);
		return -1;
	}
	close(ready[0]);
	return pid;
}

static void stop_target(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* Wait (bounded) until every thread of @pid is in one of @states ("S", "Z", "T"...). */
static bool wait_states(pid_t pid, const char *states, int expected_threads)
{
	char dir[64], seen[256] = "";
	int tries;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	for (tries = 0; tries < 1000; tries++) {
		int found = 0, ok = 0, used = 0;
		struct dirent *entry;
		DIR *folder = opendir(dir);

		if (!folder)
			return false;
		while ((entry = readdir(folder))) {
			char state;

			if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
				continue;
			state = thread_state(pid, atoi(entry->d_name));
			found++;
			ok += strchr(states, state) != NULL;
			if (used < (int)sizeof(seen) - 16)
				used += snprintf(seen + used, sizeof(seen) - used, "%s:%c ",
						 entry->d_name, state);
		}
		closedir(folder);
		if (found == expected_threads && ok == found)
			return true;
		usleep(10000);
	}
	fprintf(stderr, "# process %d: wanted %d threads in states %s, last seen %s\n", (int)pid,
		expected_threads, states, seen);
	return false;
}

static struct json *read_json(pid_t pid, struct run *run)
{
	char pid_text[16], error[128];

	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	run_tlsview(run, (const char *[]){ "-p", pid_text, "--json", "--tcb", NULL });
	return json_parse(run->out, error, sizeof(error));
}

static size_t thread_count(const struct json *document)
{
	const struct json *threads = json_get(document, "threads");

	return threads && threads->type == JSON_ARRAY ? threads->count : 0;
}

static bool is_null(const struct json *object, const char *key)
{
	const struct json *value = json_get(object, key);

	return value && value->type == JSON_NULL;
}

/* The thread whose comm_hex is @hex, or NULL. */
static const struct json *thread_by_hex(const struct json *document, const char *hex)
{
	const struct json *threads = json_get(document, "threads");
	size_t i;

	for (i = 0; threads && i < threads->count; i++) {
		const char *comm_hex = json_str(threads->items[i], "comm_hex");

		if (comm_hex && !strcmp(comm_hex, hex))
			return threads->items[i];
	}
	return NULL;
}

TEST_F_TIMEOUT(states, json_has_schema_and_every_thread_a_state, STATES_TIMEOUT)
{
	struct target_spec spec = { .threads = 2 };
	pid_t pid = start_target(&spec);
	struct json *document;
	struct run run;
	size_t i;

	ASSERT_LT(0, pid);
	ASSERT_TRUE(wait_states(pid, "S", 3));
	document = read_json(pid, &run);
	ASSERT_NE(NULL, document) TH_LOG("not JSON: %.300s", run.out);
	EXPECT_EQ(0, run.status);
	EXPECT_EQ(1, json_int(document, "schema", -1));
	EXPECT_EQ(1, json_bool(document, "complete"));
	EXPECT_EQ(0, json_int(document, "skipped", -1));
	ASSERT_EQ(3, thread_count(document));
	for (i = 0; i < 3; i++) {
		const struct json *thread = json_get(document, "threads")->items[i];

		EXPECT_STREQ("sleeping", json_str(thread, "state"));
		EXPECT_TRUE(is_null(thread, "tracer"));
		EXPECT_STREQ("ok", json_str(json_get(thread, "tcb"), "status"));
	}
	json_free(document);
	run_free(&run);
	stop_target(pid);
}

TEST_F_TIMEOUT(states, exited_main_thread, STATES_TIMEOUT)
{
	struct target_spec spec = { .threads = 2, .exit_main = true };
	pid_t pid = start_target(&spec);
	char tid_text[16];
	struct json *document;
	struct run run;
	size_t i;

	ASSERT_LT(0, pid);
	ASSERT_TRUE(wait_states(pid, "SZ", 3));
	for (i = 0; i < 500 && thread_state(pid, pid) != 'Z'; i++)
		usleep(10000);
	ASSERT_EQ('Z', thread_state(pid, pid));
	document = read_json(pid, &run);
	ASSERT_NE(NULL, document) TH_LOG("not JSON: %.300s", run.out);
	EXPECT_EQ(0, run.status) TH_LOG("%s", run.err);
	EXPECT_EQ(1, json_bool(document, "complete"));
	ASSERT_EQ(3, thread_count(document));
	for (i = 0; i < 3; i++) {
		const struct json *thread = json_get(document, "threads")->items[i];
		const char *tcb = json_str(json_get(thread, "tcb"), "status");

		if (json_int(thread, "tid", 0) == pid) {
			/* The main thread: a zombie, no bases, and not zeros. */
			EXPECT_STREQ("zombie", json_str(thread, "state"));
			EXPECT_TRUE(is_null(thread, "fsbase"));
			EXPECT_TRUE(is_null(thread, "gsbase"));
			EXPECT_NE(NULL, json_str(thread, "no_bases"));
			EXPECT_STREQ("skipped", tcb);
		} else {
			/* Live threads: read, and their TCBs too (through their own tid). */
			EXPECT_STREQ("sleeping", json_str(thread, "state"));
			EXPECT_NE(0, json_hex(json_get(thread, "fsbase")));
			EXPECT_STREQ("ok", tcb) TH_LOG("tcb: %.300s", run.out);
		}
	}
	json_free(document);
	run_free(&run);

	/* The table: the zombie main thread shows "-", never zero bases. */
	snprintf(tid_text, sizeof(tid_text), "%d", (int)pid);
	run_tlsview(&run, (const char *[]){ "-t", tid_text, NULL });
	EXPECT_EQ(0, run.status) TH_LOG("%s", run.err);
	EXPECT_NE(NULL, strstr(run.out, "zombie"));
	EXPECT_EQ(NULL, strstr(run.out, "0x0000000000000000"));
	EXPECT_NE(NULL, strstr(run.out, "no bases: a zombie"));
	run_free(&run);
	stop_target(pid);
}

TEST_F_TIMEOUT(states, zombie_process, STATES_TIMEOUT)
{
	struct json *document;
	struct run run;
	pid_t pid;
	int tries;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	/* Not reaped yet: a zombie. */
	for (tries = 0; tries < 500 && thread_state(pid, pid) != 'Z'; tries++)
		usleep(10000);
	ASSERT_EQ('Z', thread_state(pid, pid));
	document = read_json(pid, &run);
	ASSERT_NE(NULL, document) TH_LOG("not JSON: %.300s", run.out);
	EXPECT_EQ(0, run.status) TH_LOG("%s", run.err);
	ASSERT_EQ(1, thread_count(document));
	EXPECT_STREQ("zombie", json_str(json_get(document, "threads")->items[0], "state"));
	EXPECT_TRUE(is_null(json_get(document, "threads")->items[0], "fsbase"));
	EXPECT_EQ(0, json_int(document, "skipped", -1));
	json_free(document);
	run_free(&run);
	waitpid(pid, NULL, 0);
}

/* tlsview -p PID --json in the background, killed or not; returns its pid. */
static pid_t start_tlsview(pid_t pid, int out_fd)
{
	char pid_text[16];
	pid_t child;

	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	child = fork();
	if (child == 0) {
		dup2(out_fd, 1);
		execlp(tlsview_program(), "tlsview", "-p", pid_text, "--json", (char *)NULL);
		_exit(127);
	}
	return child;
}

#define KILLED_THREADS 500

/*
 * A 500-thread process SIGKILLed at varying moments of a read: every run
 * is either complete (exit 0, every thread) or says it is not (exit 3,
 * "complete": false), never a short list passed off as complete. At least
 * one kill must land inside a read: the runs go on until one has, and the
 * kill times have swept a whole read once (KILL_STEPS runs), or until
 * KILL_RUNS runs or KILL_SECONDS. The bound is in time as well as count
 * because a run costs seconds on a slow (sanitizer, coverage) kernel or a
 * busy host, where a 60 s bound once ended after 6 runs, none cut short.
 */
#define KILL_STEPS	9
#define KILL_RUNS	40
#define KILL_SECONDS	150

TEST_F_TIMEOUT(states, killed_mid_read, KILL_SECONDS + 120)
{
	struct target_spec spec = { .threads = KILLED_THREADS };
	int runs, cut_short = 0, complete = 0;
	double full = 0, deadline;

	/* How long a whole read takes here: the kills aim inside it. */
	for (runs = 0; runs < 3; runs++) {
		pid_t pid = start_target(&spec);
		struct run run;
		double start;
		char pid_text[16];

		ASSERT_LT(0, pid);
		snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
		start = now_seconds();
		run_tlsview(&run, (const char *[]){ "-p", pid_text, "--json", NULL });
		full += now_seconds() - start;
		EXPECT_EQ(0, run.status);
		run_free(&run);
		stop_target(pid);
	}
	full /= 3;
	deadline = now_seconds() + KILL_SECONDS;
	for (runs = 0; runs < KILL_RUNS && now_seconds() < deadline &&
	     !(cut_short && runs >= KILL_STEPS); runs++) {
		int out_fd = memfd_create("tlsview-out", 0);
		pid_t pid = start_target(&spec), reader;
		struct json *document;
		char error[128], *out;
		int status;

		ASSERT_LE(0, out_fd);
		ASSERT_LT(0, pid);
		reader = start_tlsview(pid, out_fd);
		ASSERT_LT(0, reader);
		/* From 20% to 100% of a whole read's time, run after run. */
		usleep((useconds_t)(full * 1e6 *
				    (0.2 + 0.8 * (runs % KILL_STEPS) / (KILL_STEPS - 1.0))));
		kill(pid, SIGKILL);
		waitpid(reader, &status, 0);
		out = read_fd(out_fd);
		close(out_fd);
		/* Reaped only now: until tlsview ended, the process was dying, not gone. */
		waitpid(pid, NULL, 0);
		ASSERT_TRUE(WIFEXITED(status));
		document = json_parse(out, error, sizeof(error));
		if (WEXITSTATUS(status) == 1 && document && json_str(document, "error")) {
			/* Killed before tlsview looked: "no process", nothing claimed. */
			json_free(document);
			free(out);
			continue;
		}
		ASSERT_NE(NULL, document) TH_LOG("exit %d, not JSON: %.300s", WEXITSTATUS(status), out);
		if (json_bool(document, "complete") == 1) {
			/* Complete: every thread, or a process that had fully died first. */
			EXPECT_EQ(0, WEXITSTATUS(status));
			if (thread_count(document) != KILLED_THREADS + 1) {
				EXPECT_EQ(1, thread_count(document)) TH_LOG("short list: %.300s", out);
				EXPECT_STREQ("zombie", json_str(json_get(document, "threads")->items[0],
								"state"));
			}
			complete++;
		} else {
			EXPECT_EQ(0, json_bool(document, "complete")) TH_LOG("%.300s", out);
			EXPECT_EQ(3, WEXITSTATUS(status));
			cut_short++;
		}
		json_free(document);
		free(out);
	}
	TH_LOG("%d runs (a whole read: %.0f ms): %d cut short, %d complete", runs, full * 1e3,
	       cut_short, complete);
	EXPECT_LT(0, cut_short);
}

/* Stopped (job control) threads are "stopped"; tlsview leaves them stopped. */
TEST_F_TIMEOUT(states, stopped, STATES_TIMEOUT)
{
	struct target_spec spec = { .threads = 2 };
	pid_t pid = start_target(&spec);
	struct json *document;
	struct run run;
	size_t i;

	ASSERT_LT(0, pid);
	kill(pid, SIGSTOP);
	ASSERT_TRUE(wait_states(pid, "T", 3));
	document = read_json(pid, &run);
	ASSERT_NE(NULL, document) TH_LOG("not JSON: %.300s", run.out);
	EXPECT_EQ(0, run.status);
	ASSERT_EQ(3, thread_count(document));
	for (i = 0; i < 3; i++) {
		const struct json *thread = json_get(document, "threads")->items[i];

		EXPECT_STREQ("stopped", json_str(thread, "state"));
		EXPECT_TRUE(is_null(thread, "tracer"));
		EXPECT_NE(0, json_hex(json_get(thread, "fsbase")));
	}
	EXPECT_TRUE(wait_states(pid, "T", 3));
	json_free(document);
	run_free(&run);
	stop_target(pid);
}

/*
 * A thread this test traces: "traced" with the test's pid, in both
 * sources. The module still reads its bases; ptrace cannot (one tracer at
 * a time), so that source lists it without bases, counted as skipped, and
 * -t of it is an error naming the tracer.
 */
TEST_F_TIMEOUT(states, traced, STATES_TIMEOUT)
{
	struct target_spec spec = { .threads = 2 };
	pid_t pid = start_target(&spec), tid;
	const struct json *thread;
	struct json *document;
	char tid_text[16], tracer_text[16];
	struct run run;
	bool module = have_module();

	ASSERT_LT(0, pid);
	ASSERT_TRUE(wait_states(pid, "S", 3));
	tid = pid;
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, tid, NULL, NULL));
	document = read_json(pid, &run);
	ASSERT_NE(NULL, document) TH_LOG("not JSON: %.300s", run.out);
	EXPECT_EQ(0, run.status);
	EXPECT_EQ(3, thread_count(document));
	thread = json_find_thread(document, tid);
	ASSERT_NE(NULL, thread);
	EXPECT_STREQ("sleeping", json_str(thread, "state"));
	EXPECT_EQ(getpid(), json_int(thread, "tracer", -1));
	EXPECT_EQ(module ? 0 : 1, json_int(document, "skipped", -1));
	EXPECT_EQ(!module, is_null(thread, "fsbase"));
	json_free(document);
	run_free(&run);

	snprintf(tid_text, sizeof(tid_text), "%d", (int)tid);
	snprintf(tracer_text, sizeof(tracer_text), "%d", (int)getpid());
	run_tlsview(&run, (const char *[]){ "-t", tid_text, NULL });
	if (module) {
		EXPECT_EQ(0, run.status);
		EXPECT_NE(NULL, strstr(run.out, "traced="));
	} else {
		EXPECT_EQ(1, run.status);
		EXPECT_NE(NULL, strstr(run.err, tid_text));
		EXPECT_NE(NULL, strstr(run.err, tracer_text)) TH_LOG("%s", run.err);
	}
	run_free(&run);
	/* A seized thread must be in a ptrace stop to be detached. */
	ptrace(PTRACE_INTERRUPT, tid, NULL, NULL);
	waitpid(tid, NULL, __WALL);
	ptrace(PTRACE_DETACH, tid, NULL, NULL);
	stop_target(pid);
}

/* Names are shown byte-exact: escaped in the table, readable and hex in JSON. */
TEST_F_TIMEOUT(states, names_byte_exact, STATES_TIMEOUT)
{
	struct target_spec spec = { .threads = 2, .name_threads = true };
	pid_t pid = start_target(&spec);
	const struct json *thread;
	struct json *document;
	char pid_text[16];
	struct run run;
	int tries;

	ASSERT_LT(0, pid);
	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	/* The threads name themselves: wait until both did. */
	for (tries = 0; tries < 500; tries++) {
		document = read_json(pid, &run);
		if (document && thread_by_hex(document, "6e6c0a780979") &&
		    thread_by_hex(document, "62fffe"))
			break;
		json_free(document);
		run_free(&run);
		document = NULL;
		usleep(10000);
	}
	ASSERT_NE(NULL, document);
	thread = thread_by_hex(document, "6e6c0a780979");
	EXPECT_STREQ(name_control, json_str(thread, "comm"));
	thread = thread_by_hex(document, "62fffe");
	/* Not "\u00ff\u00fe" (other characters): U+FFFD for each byte, as UTF-8. */
	EXPECT_STREQ("b\xef\xbf\xbd\xef\xbf\xbd", json_str(thread, "comm"));
	json_free(document);
	run_free(&run);

	run_tlsview(&run, (const char *[]){ "-p", pid_text, NULL });
	EXPECT_EQ(0, run.status);
	EXPECT_NE(NULL, strstr(run.out, " nl\\nx\\ty\n")) TH_LOG("%.300s", run.out);
	EXPECT_NE(NULL, strstr(run.out, " b\\xff\\xfe\n")) TH_LOG("%.300s", run.out);
	run_free(&run);
	stop_target(pid);
}

/* Errors name the thread, the reason and the fix. */
TEST_F_TIMEOUT(states, messages, STATES_TIMEOUT)
{
	struct target_spec spec = { .threads = 1 };
	pid_t pid = start_target(&spec);
	char tid_text[16], hint[32], path[64];
	struct run run;
	FILE *list;
	pid_t tid = 0;

	ASSERT_LT(0, pid);
	snprintf(path, sizeof(path), "ls /proc/%d/task", (int)pid);
	list = popen(path, "r");
	ASSERT_NE(NULL, list);
	while (fscanf(list, "%d", &tid) == 1 && tid == pid)
		;
	pclose(list);
	ASSERT_NE(pid, tid);
	snprintf(tid_text, sizeof(tid_text), "%d", (int)tid);
	snprintf(hint, sizeof(hint), "-t %d", (int)tid);
	/* -p of a thread that is not a process points at -t. */
	run_tlsview(&run, (const char *[]){ "-p", tid_text, NULL });
	EXPECT_EQ(1, run.status);
	EXPECT_NE(NULL, strstr(run.err, hint)) TH_LOG("%s", run.err);
	run_free(&run);
	stop_target(pid);

	/* A kernel thread, as nobody: the reason and the capability, same for -p and -t. */
	run_tlsview_as(&run, (const char *[]){ "-p", "2", NULL }, 65534);
	EXPECT_EQ(1, run.status);
	EXPECT_NE(NULL, strstr(run.err, "kernel thread")) TH_LOG("%s", run.err);
	EXPECT_NE(NULL, strstr(run.err, "CAP_SYS_PTRACE")) TH_LOG("%s", run.err);
	run_free(&run);
	run_tlsview_as(&run, (const char *[]){ "-t", "2", NULL }, 65534);
	EXPECT_EQ(1, run.status);
	EXPECT_NE(NULL, strstr(run.err, "kernel thread")) TH_LOG("%s", run.err);
	run_free(&run);
	/* Invisible threads are left out silently: no note, no "skipped". */
	run_tlsview_as(&run, (const char *[]){ "--json", NULL }, 65534);
	EXPECT_EQ(0, run.status);
	EXPECT_NE(NULL, strstr(run.out, "\"skipped\":0,")) TH_LOG("%.200s", run.out);
	run_free(&run);
	run_tlsview_as(&run, (const char *[]){ NULL }, 65534);
	EXPECT_EQ(0, run.status);
	EXPECT_EQ(NULL, strstr(run.out, "could not")) TH_LOG("%.400s", run.out);
	run_free(&run);
}

/* Removes every occurrence of @needle from @text. */
static void cut_all(char *text, const char *needle)
{
	size_t length = strlen(needle);
	char *at;

	while ((at = strstr(text, needle)))
		memmove(at, at + length, strlen(at + length) + 1);
}

/*
 * The same sleeping target through both sources: identical JSON but for
 * "source" and the live flags. Needs the module (the VM).
 */
TEST_F_TIMEOUT(states, sources_agree, STATES_TIMEOUT)
{
	struct target_spec spec = { .threads = 3, .name_threads = true };
	pid_t pid;
	char pid_text[16];
	struct run module, ptrace_run;
	int tries;

	if (!have_module())
		SKIP(return, "needs /dev/tlsview (the module)");
	pid = start_target(&spec);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(wait_states(pid, "S", 4));
	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	/* Threads name themselves; read until both sources see the names (bounded). */
	for (tries = 0; tries < 100; tries++) {
		run_tlsview(&module, (const char *[]){ "-p", pid_text, "--json", "--tcb",
						      "--source", "module", NULL });
		run_tlsview(&ptrace_run, (const char *[]){ "-p", pid_text, "--json", "--tcb",
							  "--source", "ptrace", NULL });
		ASSERT_EQ(0, module.status);
		ASSERT_EQ(0, ptrace_run.status);
		ASSERT_NE(NULL, strstr(module.out, "\"source\":\"module\""));
		ASSERT_NE(NULL, strstr(ptrace_run.out, "\"source\":\"ptrace\""));
		cut_all(module.out, "\"source\":\"module\",");
		cut_all(ptrace_run.out, "\"source\":\"ptrace\",");
		cut_all(module.out, "\"live\":false,");
		cut_all(ptrace_run.out, "\"live\":false,");
		if (strstr(module.out, "6e6c0a780979") && strstr(module.out, "62fffe") &&
		    strstr(ptrace_run.out, "6e6c0a780979") && strstr(ptrace_run.out, "62fffe"))
			break;
		run_free(&module);
		run_free(&ptrace_run);
		usleep(10000);
	}
	ASSERT_LT(tries, 100);
	EXPECT_STREQ(module.out, ptrace_run.out);
	run_free(&module);
	run_free(&ptrace_run);
	stop_target(pid);
}

/*
 * --source ptrace says it was asked for, not that the module is missing:
 * beside a loaded module (the VM), where that would be false, and without
 * one (a host), where it is not the reason.
 */
TEST_F_TIMEOUT(states, ptrace_by_request, STATES_TIMEOUT)
{
	struct target_spec spec = { .threads = 1 };
	char pid_text[16];
	struct run run;
	pid_t pid;

	pid = start_target(&spec);
	ASSERT_LT(0, pid);
	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	run_tlsview(&run, (const char *[]){ "-p", pid_text, "--source", "ptrace", NULL });
	stop_target(pid);
	EXPECT_EQ(0, run.status) TH_LOG("%s", run.err);
	EXPECT_NE(NULL, strstr(run.out, "source: ptrace (asked for with --source ptrace)"))
		TH_LOG("%.300s", run.out);
	EXPECT_EQ(NULL, strstr(run.out, "no /dev/tlsview"));
	run_free(&run);
}

TEST_HARNESS_MAIN

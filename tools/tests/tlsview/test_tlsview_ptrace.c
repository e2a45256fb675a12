// SPDX-License-Identifier: GPL-2.0
/*
 * Description: tlsview's ptrace source (--source ptrace; the default when
 * /dev/tlsview is absent). A child process with threads whose GS bases the
 * test chose, and one thread with GS loaded from a TLS slot selector:
 * `tlsview -p PID --json` must be valid JSON naming every thread with the
 * bases, selectors and slot it really has; every thread must run on
 * afterwards, untraced; a stopped process must stay stopped; a thread
 * someone else traces is listed without bases and counted as skipped, or is
 * an error (-t); a thread that cannot stop (a vfork parent) is given up
 * after a second, not waited for, listed without bases, and runs on once
 * it can. One target serves every test, in order.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tlsview_test.h"
#include "kselftest_harness.h"

static const enum target_kind kinds[] = {
	TARGET_PTHREAD, TARGET_PTHREAD, TARGET_PTHREAD, TARGET_PTHREAD, TARGET_TLS_SLOT,
};
#define NR_KINDS ((int)(sizeof(kinds) / sizeof(kinds[0])))
#define SLOT_INDEX 4

static struct target target;
static char pid_text[16];

static struct json *list_json(struct run *run, bool pretty)
{
	const char *args[] = { "-p", pid_text, pretty ? "--pretty" : "--json", "--source", "ptrace",
			       NULL };
	char error[160];
	struct json *document;

	run_tlsview(run, args);
	document = json_parse(run->out, error, sizeof(error));
	if (!document)
		fprintf(stderr, "# not JSON (%s):\n%s\n", error, run->out);
	return document;
}

static bool thread_matches(const struct json *entry, int index)
{
	const struct target_thread *thread = &target.shared->threads[index];
	const struct json *tls = json_get(entry, "tls");
	bool good;

	good = entry && json_hex(json_get(entry, "fsbase")) == thread->fsbase &&
	       json_hex(json_get(entry, "gsbase")) == thread->gsbase &&
	       json_int(entry, "tgid", -1) == target.pid &&
	       json_int(entry, "gsindex", -1) == thread->gsindex &&
	       json_bool(entry, "compat") == 0 && json_bool(entry, "kthread") == 0 &&
	       json_bool(entry, "live") == 0 && tls && tls->type == JSON_ARRAY && tls->count == 3;
	if (!good)
		fprintf(stderr, "# thread %d: expected fsbase 0x%llx gsbase 0x%llx gsindex 0x%x\n",
			thread->tid, (unsigned long long)thread->fsbase,
			(unsigned long long)thread->gsbase, thread->gsindex);
	return good;
}

/* One fixture: the harness runs its tests in the order they are written. */
FIXTURE(ptrace_source) {
};

FIXTURE_SETUP(ptrace_source)
{
}

FIXTURE_TEARDOWN(ptrace_source)
{
}

TEST_F_TIMEOUT(ptrace_source, json_lists_every_thread_as_it_is, 300)
{
	struct run run;
	struct json *document = list_json(&run, false);
	const struct json *threads = json_get(document, "threads");
	bool all = true;
	int i;

	EXPECT_EQ(0, run.status)
		TH_LOG("tlsview -p PID --json --source ptrace exits 0: %s", run.err);
	ASSERT_NE(NULL, document)
		TH_LOG("its output parses as JSON");
	EXPECT_TRUE(json_str(document, "source") && !strcmp(json_str(document, "source"), "ptrace"))
		TH_LOG("\"source\" is \"ptrace\"");
	EXPECT_TRUE(threads && threads->type == JSON_ARRAY && (int)threads->count == NR_KINDS + 1)
		TH_LOG("it lists the %d threads of the process", NR_KINDS + 1);
	EXPECT_NE(NULL, json_find_thread(document, target.pid))
		TH_LOG("the main thread is listed");
	for (i = 0; i < NR_KINDS; i++)
		if (kinds[i] == TARGET_PTHREAD)
			all &= thread_matches(json_find_thread(document, target.shared->threads[i].tid),
					      i) &&
			       target.shared->threads[i].gsbase == TARGET_GS_BASE(i);
	EXPECT_TRUE(all)
		TH_LOG("each thread's FS and GS base, selectors and flags are what it set");
	all = true;
	for (i = 0; i < NR_KINDS; i++) {
		const struct json *entry = json_find_thread(document, target.shared->threads[i].tid);
		const struct json *tls = json_get(entry, "tls");
		size_t slot;

		if (kinds[i] == TARGET_TLS_SLOT)
			continue;
		for (slot = 0; tls && slot < tls->count; slot++)
			all &= json_bool(tls->items[slot], "empty") == 1;
		all &= tls != NULL;
	}
	EXPECT_TRUE(all)
		TH_LOG("the other threads' TLS slots are empty");
	json_free(document);
	run_free(&run);
}

TEST_F_TIMEOUT(ptrace_source, json_decodes_the_tls_slot_thread, 300)
{
	const struct target_thread *thread = &target.shared->threads[SLOT_INDEX];
	const struct json *entry, *tls, *slot = NULL;
	struct json *document;
	struct run run;

	if (target.shared->tls_slot_unavailable)
		SKIP(return, "set_thread_area (ia32 emulation) unavailable");
	document = list_json(&run, false);
	ASSERT_NE(NULL, document);
	entry = json_find_thread(document, thread->tid);
	tls = json_get(entry, "tls");
	if (tls && tls->type == JSON_ARRAY && tls->count == 3 && thread->slot_entry >= 12 &&
	    thread->slot_entry <= 14)
		slot = tls->items[thread->slot_entry - 12];
	EXPECT_TRUE(thread_matches(entry, SLOT_INDEX) && thread->gsbase == thread->slot_base)
		TH_LOG("the TLS slot thread shows gsindex 0x%x and the slot's base as GS base",
		       thread->gsindex);
	EXPECT_TRUE(slot && json_bool(slot, "empty") == 0 &&
		    json_int(slot, "entry", -1) == thread->slot_entry &&
		    json_hex(json_get(slot, "base")) == thread->slot_base &&
		    json_hex(json_get(slot, "limit")) == thread->slot_limit &&
		    json_bool(slot, "limit_in_pages") == 1 && json_bool(slot, "seg_32bit") == 1 &&
		    json_bool(slot, "present") == 1 && json_bool(slot, "useable") == 1 &&
		    json_bool(slot, "lm") == 0)
		TH_LOG("its slot tls%d is decoded: base, limit, pages, 32-bit, present, useable",
		       thread->slot_entry);
	json_free(document);
	run_free(&run);
}

/* The target after tlsview's reads: untraced, running, its GS bases its own. */
static void expect_target_unharmed(struct __test_metadata *_metadata)
{
	char why[128] = "";
	int i, failed = 0;

	EXPECT_TRUE(target_untraced(&target, why, sizeof(why)))
		TH_LOG("afterwards no thread has a tracer or sits in a ptrace stop: %s", why);
	EXPECT_TRUE(target_all_running(&target))
		TH_LOG("afterwards every thread still runs");
	for (i = 0; i < NR_KINDS; i++)
		failed += target.shared->threads[i].failed;
	EXPECT_EQ(0, failed)
		TH_LOG("no thread saw its own GS base change");
}

TEST_F_TIMEOUT(ptrace_source, reads_leave_the_target_untraced_and_running, 300)
{
	expect_target_unharmed(_metadata);
}

TEST_F_TIMEOUT(ptrace_source, table_and_single_thread, 300)
{
	const char *table_args[] = { "-p", pid_text, "--source", "ptrace", NULL };
	const struct target_thread *thread = &target.shared->threads[1];
	char tid_text[16], expected[64];
	const char *tid_args[] = { "-t", tid_text, "-j", "--source", "ptrace", NULL };
	struct json *document;
	struct run run;
	bool all = true;
	char error[128];
	int i;

	run_tlsview(&run, table_args);
	EXPECT_TRUE(run.status == 0 && strstr(run.out, "source: ptrace"))
		TH_LOG("the table exits 0 and says its source is ptrace");
	for (i = 0; i < NR_KINDS; i++) {
		snprintf(expected, sizeof(expected), "0x%016llx",
			 (unsigned long long)target.shared->threads[i].gsbase);
		all &= strstr(run.out, expected) != NULL;
	}
	EXPECT_TRUE(all)
		TH_LOG("the table shows every thread's GS base in hex:\n%s", run.out);
	if (!target.shared->tls_slot_unavailable) {
		snprintf(expected, sizeof(expected), "tls%d (selector 0x%04x): base 0x%08x limit 0xfffff pages",
			 target.shared->threads[SLOT_INDEX].slot_entry,
			 target.shared->threads[SLOT_INDEX].gsindex,
			 target.shared->threads[SLOT_INDEX].slot_base);
		EXPECT_TRUE(strstr(run.out, expected) && strstr(run.out, "32-bit, present"))
			TH_LOG("the table decodes the TLS slot (\"%s\")", expected);
	}
	run_free(&run);

	snprintf(tid_text, sizeof(tid_text), "%d", thread->tid);
	run_tlsview(&run, tid_args);
	document = json_parse(run.out, error, sizeof(error));
	EXPECT_TRUE(run.status == 0 && document && json_get(document, "threads")->count == 1 &&
		    thread_matches(json_find_thread(document, thread->tid), 1))
		TH_LOG("tlsview -t TID shows that one thread, right");
	json_free(document);
	run_free(&run);
}

/* SIGSTOP the target, read it, and check it is still stopped, then continue it. */
TEST_F_TIMEOUT(ptrace_source, a_stopped_process_stays_stopped, 300)
{
	struct run run;
	struct json *document;
	bool stopped = true;
	uint64_t counter;
	int i, tries;

	kill(target.pid, SIGSTOP);
	for (tries = 0; tries < 500; tries++) {
		stopped = thread_state(target.pid, target.pid) == 'T';
		for (i = 0; i < NR_KINDS; i++)
			stopped &= thread_state(target.pid, target.shared->threads[i].tid) == 'T';
		if (stopped)
			break;
		usleep(10000);
	}
	if (!stopped)
		kill(target.pid, SIGCONT);
	ASSERT_TRUE(stopped)
		TH_LOG("the target stops on SIGSTOP");
	document = list_json(&run, false);
	EXPECT_TRUE(run.status == 0 && document &&
		    json_find_thread(document, target.shared->threads[0].tid))
		TH_LOG("a stopped process is listed");
	json_free(document);
	run_free(&run);
	counter = target.shared->threads[0].counter;
	usleep(100000);
	stopped = counter == target.shared->threads[0].counter;
	for (i = 0; i < NR_KINDS; i++)
		stopped &= thread_state(target.pid, target.shared->threads[i].tid) == 'T';
	kill(target.pid, SIGCONT);
	EXPECT_TRUE(stopped)
		TH_LOG("and it is still stopped (job control stop, no thread ran) afterwards");
	EXPECT_TRUE(target_all_running(&target))
		TH_LOG("after SIGCONT every thread runs again");
}

/* A thread traced by someone else: left out of a listing, an error alone. */
TEST_F_TIMEOUT(ptrace_source, a_thread_traced_by_another_is_skipped, 300)
{
	pid_t tid = target.shared->threads[2].tid;
	char tid_text[16], error[128];
	const char *args[] = { "-t", tid_text, "--source", "ptrace", NULL };
	struct json *document;
	struct run run;

	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0)
		SKIP(return, "this test cannot ptrace the target");
	document = list_json(&run, false);
	EXPECT_TRUE(run.status == 0 && document && json_find_thread(document, tid) &&
		    json_int(json_find_thread(document, tid), "tracer", -1) == getpid() &&
		    json_get(json_find_thread(document, tid), "fsbase")->type == JSON_NULL &&
		    json_str(json_find_thread(document, tid), "no_bases") &&
		    json_int(document, "skipped", -1) == 1)
		TH_LOG("a thread traced by another process is listed with its tracer, without "
		       "bases, and counted in \"skipped\"");
	json_free(document);
	run_free(&run);
	snprintf(tid_text, sizeof(tid_text), "%d", tid);
	run_tlsview(&run, args);
	EXPECT_TRUE(run.status == 1 && run.out[0] == '\0' && strchr(run.err, '\n') &&
		    strchr(run.err, '\n')[1] == '\0' && strstr(run.err, tid_text))
		TH_LOG("asked for alone, it is an error: exit 1 and one line naming it (%s)",
		       run.err);
	run_free(&run);
	run_tlsview(&run, (const char *[]){ "-t", tid_text, "-j", "--source", "ptrace", NULL });
	document = json_parse(run.out, error, sizeof(error));
	EXPECT_TRUE(run.status == 1 && document && json_str(document, "error"))
		TH_LOG("with --json the error is a JSON object {\"error\": ...}");
	json_free(document);
	run_free(&run);
	/* A seized thread must be in a ptrace stop to be detached. */
	ptrace(PTRACE_INTERRUPT, tid, NULL, NULL);
	waitpid(tid, NULL, __WALL);
	ptrace(PTRACE_DETACH, tid, NULL, NULL);
}

/* Many reads in a row on busy threads: every one works, nothing is left behind. */
TEST_F_TIMEOUT(ptrace_source, many_reads_in_a_row_all_work, 600)
{
	struct json *document;
	struct run run;
	int round, good = 0;
	bool pretty_ok;

	for (round = 0; round < 20; round++) {
		document = list_json(&run, false);
		good += run.status == 0 && document &&
			(int)json_get(document, "threads")->count == NR_KINDS + 1;
		json_free(document);
		run_free(&run);
	}
	EXPECT_EQ(20, good)
		TH_LOG("20 reads in a row all list every thread");
	document = list_json(&run, true);
	pretty_ok = run.status == 0 && document && strstr(run.out, "\n  \"threads\": [") &&
		    (int)json_get(document, "threads")->count == NR_KINDS + 1;
	EXPECT_TRUE(pretty_ok)
		TH_LOG("--pretty prints indented JSON with the same threads");
	json_free(document);
	run_free(&run);
}

struct vforker {
	volatile int vfork_returned;
	volatile pid_t waiter_tid;
};

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* A process whose main thread sits in vfork() for 8 s, plus one idle thread. */
static pid_t start_vforker(struct vforker *shared)
{
	pid_t pid = fork();

	if (pid == 0) {
		pthread_t thread;
		struct timespec delay = { 8, 0 };

		if (pthread_create(&thread, NULL, idle_thread, NULL))
			_exit(3);
		shared->waiter_tid = getpid();
		if (vfork() == 0) {
			nanosleep(&delay, NULL);
			_exit(0);
		}
		shared->vfork_returned = 1;
		for (;;)
			pause();
	}
	return pid;
}

TEST_F_TIMEOUT(ptrace_source, a_thread_that_cannot_stop_is_given_up, 300)
{
	struct vforker *shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char pid_text_vforker[16], error[128];
	const char *args[] = { "-p", pid_text_vforker, "-j", "--source", "ptrace", NULL };
	struct json *document;
	double start, took;
	struct run run;
	pid_t pid;
	int tries;

	if (shared == MAP_FAILED)
		test_fatal("mmap failed");
	memset(shared, 0, sizeof(*shared));
	pid = start_vforker(shared);
	for (tries = 0; tries < 2000 && thread_state(pid, pid) != 'D'; tries++)
		usleep(1000);
	snprintf(pid_text_vforker, sizeof(pid_text_vforker), "%d", pid);
	start = now_seconds();
	run_tlsview(&run, args);
	took = now_seconds() - start;
	document = json_parse(run.out, error, sizeof(error));
	EXPECT_TRUE(run.status == 0 && document && json_int(document, "skipped", -1) == 1 &&
		    json_find_thread(document, pid) &&
		    json_str(json_find_thread(document, pid), "no_bases") &&
		    json_get(document, "threads")->count == 2 && took < 6.0)
		TH_LOG("a vfork parent, which cannot stop, is given up (skipped) after about 1 s, "
		       "not waited for (took %.1f s of its 8 s), listed without bases", took);
	json_free(document);
	run_free(&run);
	for (tries = 0; tries < 2000 && !shared->vfork_returned; tries++)
		usleep(10000);
	EXPECT_TRUE(shared->vfork_returned && thread_state(pid, pid) != 't')
		TH_LOG("when its vfork child exits, it runs on: not left in a ptrace stop");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	munmap(shared, sizeof(*shared));
}

TEST_F_TIMEOUT(ptrace_source, at_the_end_the_target_is_untraced_and_running, 300)
{
	expect_target_unharmed(_metadata);
}

/* One target for every test (each a fork of this process), started first. */
int main(int argc, char **argv)
{
	int status;

	target_start(&target, kinds, NR_KINDS);
	snprintf(pid_text, sizeof(pid_text), "%d", target.pid);
	status = test_harness_run(argc, argv);
	target_stop(&target);
	return status;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: what reading a process disturbs is what tlsview(8) says it
 * is. The expectations come from the man page itself (its PTRACE FALLBACK
 * section, installed beside this test), so the page cannot drift from the
 * behaviour, and a page that does not say what happens to a call fails:
 * a target has one thread blocked in epoll_wait, one in sigtimedwait and
 * one in nanosleep, each counting the EINTRs it gets, and tlsview -p reads
 * it 10 times; a target stopped by job control is read 10 times and must
 * stay as stopped as the page says. The same source tlsview picks by
 * itself is the one tested: ptrace on a host, the module in the VM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "tlsview_test.h"

#define READS 10

enum waiter { WAIT_EPOLL, WAIT_SIGTIMEDWAIT, WAIT_NANOSLEEP, NR_WAITERS };

static const char waiter_names[NR_WAITERS][16] = { "epoll_wait", "sigtimedwait",
						       "nanosleep" };

struct waiters {
	volatile pid_t tid[NR_WAITERS];
	volatile int calls[NR_WAITERS];		/* calls entered */
	volatile int eintr[NR_WAITERS];		/* calls that failed with EINTR */
	volatile int other[NR_WAITERS];		/* calls that returned anything else */
};

static struct waiters *shared;

/*
 * The sentence of @text that contains every one of @words (NULL-ended)
 * and, when @subject is given, names it as a whole word; its length in
 * @length. NULL when none does. Sentences end at ". ".
 */
static const char *sentence_with(const char *text, const char *const *words, const char *subject,
				  size_t *length)
{
	const char *start = text, *end;
	size_t i;

	while (*start) {
		bool all = true;

		end = strstr(start, ". ");
		if (!end)
			end = start + strlen(start);
		for (i = 0; words[i] && all; i++) {
			const char *hit = strstr(start, words[i]);

			all = hit && hit < end;
		}
		if (all && (!subject || man_has_word(start, (size_t)(end - start), subject))) {
			*length = (size_t)(end - start);
			return start;
		}
		start = *end ? end + 2 : end;
	}
	return NULL;
}

/*
 * What tlsview(8) says a read through @source does to a thread blocked in
 * @call: EINTRs in @reads reads, or -1 (with @why) when the page does not
 * say. The module: "stops nothing, interrupts nothing". ptrace: the calls
 * it lists as failing "with EINTR once per read", or as restarted, going
 * on "as if nothing happened".
 */
static int documented_eintr(const char *page, bool module, const char *call, int reads,
			    char *why, size_t why_size)
{
	static const char *const module_words[] = { "module source", "interrupts nothing", NULL };
	static const char *const eintr_words[] = { "EINTR", "once per read", NULL };
	static const char *const restart_words[] = { "restart", "as if nothing happened", NULL };
	size_t length;

	if (module) {
		if (sentence_with(page, module_words, NULL, &length))
			return 0;
		snprintf(why, why_size, "no sentence says the module source interrupts nothing");
		return -1;
	}
	if (sentence_with(page, eintr_words, call, &length))
		return reads;
	if (sentence_with(page, restart_words, call, &length))
		return 0;
	snprintf(why, why_size, "it does not say whether %s fails with EINTR or is restarted", call);
	return -1;
}

static void count(enum waiter which, long ret)
{
	if (ret < 0 && errno == EINTR)
		shared->eintr[which]++;
	else
		shared->other[which]++;
}

static void *wait_thread(void *arg)
{
	enum waiter which = (enum waiter)(long)arg;
	struct timespec long_time = { 3600, 0 };
	struct epoll_event event;
	sigset_t set;
	int epfd = epoll_create1(0);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	shared->tid[which] = gettid();
	for (;;) {
		shared->calls[which]++;
		switch (which) {
		case WAIT_EPOLL:
			count(which, epoll_wait(epfd, &event, 1, 3600 * 1000));
			break;
		case WAIT_SIGTIMEDWAIT:
			count(which, sigtimedwait(&set, NULL, &long_time));
			break;
		default:
			count(which, nanosleep(&long_time, NULL));
			break;
		}
	}
	return NULL;
}

static pid_t start_waiters(void)
{
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		pthread_t thread;
		sigset_t set;
		long i;

		prctl(PR_SET_PDEATHSIG, SIGKILL);	/* never outlive a failed test */
		/* SIGUSR1 is what sigtimedwait waits for: blocked, as it must be. */
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
		for (i = 0; i < NR_WAITERS; i++)
			if (pthread_create(&thread, NULL, wait_thread, (void *)i))
				_exit(1);
		for (;;)
			pause();
	}
	return pid;
}

/*
 * Every waiter is asleep in the call after its last return (bounded wait):
 * one that got EINTR has counted it and called again.
 */
static bool all_waiting(pid_t pid)
{
	int tries, i, ready;

	for (tries = 0; tries < 1000; tries++) {
		for (i = 0, ready = 0; i < NR_WAITERS; i++)
			ready += shared->tid[i] && thread_state(pid, shared->tid[i]) == 'S' &&
				 shared->calls[i] == 1 + shared->eintr[i] + shared->other[i];
		if (ready == NR_WAITERS)
			return true;
		usleep(10000);
	}
	return false;
}

FIXTURE(disturb) {
	pid_t pid;
};

FIXTURE_SETUP(disturb)
{
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	memset(shared, 0, sizeof(*shared));
	self->pid = start_waiters();
	ASSERT_LT(0, self->pid);
}

FIXTURE_TEARDOWN(disturb)
{
	kill(self->pid, SIGKILL);
	waitpid(self->pid, NULL, 0);
}

TEST_F_TIMEOUT(disturb, eintr_as_documented, 300)
{
	int expected[NR_WAITERS], read, i;
	bool module = have_module();
	char pid_text[16], why[160];
	struct run run;
	char *page = man_section(man_page(), "PTRACE FALLBACK");

	ASSERT_TRUE(page != NULL) TH_LOG("no section PTRACE FALLBACK in %s", man_page());
	snprintf(pid_text, sizeof(pid_text), "%d", (int)self->pid);
	for (i = 0; i < NR_WAITERS; i++) {
		expected[i] = documented_eintr(page, module, waiter_names[i], READS, why, sizeof(why));
		ASSERT_LE(0, expected[i]) TH_LOG("tlsview(8), PTRACE FALLBACK: %s", why);
	}
	free(page);
	ASSERT_TRUE(all_waiting(self->pid));
	for (read = 0; read < READS; read++) {
		run_tlsview(&run, (const char *[]){ "-p", pid_text, NULL });
		ASSERT_EQ(0, run.status) TH_LOG("%s", run.err);
		EXPECT_NE(NULL, strstr(run.out, module ? "source: module" : "source: ptrace"));
		run_free(&run);
		ASSERT_TRUE(all_waiting(self->pid));
	}
	for (i = 0; i < NR_WAITERS; i++) {
		TH_LOG("%s: %d EINTR, %d other returns in %d reads (%s)", waiter_names[i],
		       shared->eintr[i], shared->other[i], READS, module ? "module" : "ptrace");
		EXPECT_EQ(expected[i], shared->eintr[i]);
		EXPECT_EQ(0, shared->other[i]);
	}
}

/* Every thread of the target is in a job-control stop (bounded wait for it). */
static bool all_stopped(pid_t pid)
{
	int tries, i, stopped;

	for (tries = 0; tries < 500; tries++) {
		stopped = thread_state(pid, pid) == 'T';
		for (i = 0; i < NR_WAITERS; i++)
			stopped += thread_state(pid, shared->tid[i]) == 'T';
		if (stopped == 1 + NR_WAITERS)
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * A target stopped by job control (SIGSTOP) is read 10 times: after each
 * read every thread is back in its job-control stop ('T'; a thread the
 * tracer detaches passes through the running state on its way back into
 * the group stop, hence the bounded wait) and none of them ran meanwhile:
 * no call returned to the program, as the page says.
 */
TEST_F_TIMEOUT(disturb, job_control_stop_as_documented, 300)
{
	static const char *const stop_words[] = { "job control", "stays stopped", NULL };
	char pid_text[16], *page = man_section(man_page(), "PTRACE FALLBACK");
	int calls[NR_WAITERS], read, i;
	bool module = have_module();
	struct run run;
	size_t length;

	ASSERT_TRUE(page != NULL) TH_LOG("no section PTRACE FALLBACK in %s", man_page());
	/* The module stops nothing, so a stop stays either way; ptrace must say so. */
	ASSERT_TRUE(module || sentence_with(page, stop_words, NULL, &length))
		TH_LOG("tlsview(8), PTRACE FALLBACK: it does not say a job-control stop stays");
	free(page);
	snprintf(pid_text, sizeof(pid_text), "%d", (int)self->pid);
	ASSERT_TRUE(all_waiting(self->pid));
	ASSERT_EQ(0, kill(self->pid, SIGSTOP));
	ASSERT_TRUE(all_stopped(self->pid));
	for (i = 0; i < NR_WAITERS; i++)
		calls[i] = shared->calls[i];
	for (read = 0; read < READS; read++) {
		run_tlsview(&run, (const char *[]){ "-p", pid_text, NULL });
		ASSERT_EQ(0, run.status) TH_LOG("%s", run.err);
		EXPECT_TRUE(strstr(run.out, "stopped") != NULL) TH_LOG("%s", run.out);
		run_free(&run);
		ASSERT_TRUE(all_stopped(self->pid)) TH_LOG("read %d", read);
		for (i = 0; i < NR_WAITERS; i++)
			EXPECT_EQ(calls[i], shared->calls[i])
				TH_LOG("the %s thread ran, read %d", waiter_names[i], read);
	}
	kill(self->pid, SIGCONT);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: what reading a process disturbs, as tlsview(8) states it.
 * A target has one thread blocked in epoll_wait, one in sigtimedwait and
 * one in nanosleep, each counting the EINTRs it gets; tlsview -p reads it
 * 10 times. With the module nothing is interrupted. With ptrace, epoll_wait
 * and sigtimedwait (never restarted after a stop) fail with EINTR once per
 * read, and nanosleep (restarted for the time left) never does. The same
 * source tlsview picks by itself is the one tested: ptrace on a host, the
 * module in the VM.
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
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "tlsview_test.h"

#define READS 10

enum waiter { WAIT_EPOLL, WAIT_SIGTIMEDWAIT, WAIT_NANOSLEEP, NR_WAITERS };

static const char *const waiter_names[NR_WAITERS] = { "epoll_wait", "sigtimedwait",
						       "nanosleep" };

struct waiters {
	volatile pid_t tid[NR_WAITERS];
	volatile int calls[NR_WAITERS];		/* calls entered */
	volatile int eintr[NR_WAITERS];		/* calls that failed with EINTR */
	volatile int other[NR_WAITERS];		/* calls that returned anything else */
};

static struct waiters *shared;

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
	char pid_text[16];
	struct run run;

	snprintf(pid_text, sizeof(pid_text), "%d", (int)self->pid);
	/* tlsview(8): the module interrupts nothing; ptrace interrupts what never restarts. */
	expected[WAIT_EPOLL] = module ? 0 : READS;
	expected[WAIT_SIGTIMEDWAIT] = module ? 0 : READS;
	expected[WAIT_NANOSLEEP] = 0;
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

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * tlsdata-crowd: a process of many sleeping threads, each with its own
 * errno (1000 + index), for timing tools that read every thread's TLS
 * (tools/bench-tlsdata: tlsview --var errno against gdb).
 *
 *   tlsdata-crowd THREADS            start them, print "ready PID", sleep
 *   tlsdata-crowd --time NAME COMMAND
 *                                    run sh -c COMMAND, print
 *                                    "NAME: SECONDS s, exit STATUS", exit
 *                                    with its status
 *
 * The timing is a process of its own: forking the crowd itself (its
 * thousands of stacks) would cost more than the commands being timed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Small stacks: 10,000 threads must fit in the guest's memory. */
#define CROWD_STACK_SIZE (64 * 1024)

static pthread_barrier_t started;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

static void *sleeper(void *arg)
{
	errno = 1000 + (int)(uintptr_t)arg;
	pthread_barrier_wait(&started);
	pthread_mutex_lock(&lock);
	for (;;)
		pthread_cond_wait(&never, &lock);
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int time_command(const char *name, const char *command)
{
	double start = now(), seconds;
	pid_t child;
	int status;

	child = fork();
	if (child == 0) {
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	if (child < 0 || waitpid(child, &status, 0) < 0)
		return 1;
	seconds = now() - start;
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("%s: %.3f s, exit %d\n", name, seconds, status);
	return status;
}

int main(int argc, char **argv)
{
	pthread_attr_t attr;
	pthread_t thread;
	int threads, i;

	if (argc == 4 && !strcmp(argv[1], "--time"))
		return time_command(argv[2], argv[3]);
	threads = argc == 2 ? atoi(argv[1]) : 0;
	if (threads <= 0) {
		fprintf(stderr, "usage: tlsdata-crowd THREADS | --time NAME COMMAND\n");
		return 2;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, CROWD_STACK_SIZE);
	pthread_barrier_init(&started, NULL, (unsigned int)threads + 1);
	for (i = 1; i <= threads; i++) {
		if (pthread_create(&thread, &attr, sleeper, (void *)(uintptr_t)i)) {
			fprintf(stderr, "tlsdata-crowd: thread %d: cannot create\n", i);
			return 1;
		}
	}
	pthread_barrier_wait(&started);
	printf("ready %d\n", getpid());
	fflush(stdout);
	errno = 1000;
	for (;;)
		pause();
}

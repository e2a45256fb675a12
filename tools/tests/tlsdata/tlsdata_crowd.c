// SPDX-License-Identifier: GPL-2.0
/*
 * tlsdata-crowd: a process of many sleeping threads, each with its own
 * errno (1000 + index), for timing tools that read every thread's TLS
 * (tools/bench-tlsdata: tlsview --var errno against gdb).
 *
 *   tlsdata-crowd THREADS NAME=COMMAND...
 *
 * Starts the threads, then runs each COMMAND with sh -c, $TARGET_PID set
 * to this process, and prints "NAME: SECONDS s, exit STATUS" for each.
 * Exit status: 0 when the threads started and every command exited 0.
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

int main(int argc, char **argv)
{
	int threads = argc > 2 ? atoi(argv[1]) : 0, i, status, failed = 0;
	pthread_attr_t attr;
	pthread_t thread;
	char pid[16];

	if (threads <= 0) {
		fprintf(stderr, "usage: tlsdata-crowd THREADS NAME=COMMAND...\n");
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
	snprintf(pid, sizeof(pid), "%d", getpid());
	setenv("TARGET_PID", pid, 1);
	printf("tlsdata-crowd: %d threads + main, pid %s\n", threads, pid);
	fflush(stdout);
	for (i = 2; i < argc; i++) {
		const char *equals = strchr(argv[i], '=');
		double start = now(), seconds;
		pid_t child;

		if (!equals)
			return 2;
		child = fork();
		if (child == 0) {
			execl("/bin/sh", "sh", "-c", equals + 1, (char *)NULL);
			_exit(127);
		}
		errno = 1000;	/* the main thread's, after fork and exec's own calls */
		if (child < 0 || waitpid(child, &status, 0) < 0)
			return 1;
		seconds = now() - start;
		printf("%.*s: %.3f s, exit %d\n", (int)(equals - argv[i]), argv[i], seconds,
		       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		fflush(stdout);
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	}
	return failed;
}

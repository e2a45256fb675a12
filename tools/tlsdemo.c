// SPDX-License-Identifier: GPL-2.0
/*
 * tlsdemo: a process whose threads each keep a different context in their
 * GS base, for tlsview to show. Each worker names itself "gs-worker-N",
 * installs its own context with libtlsview, reports its tid and GS base, and
 * then waits, so the module sees some threads sleeping (saved state) and one
 * spinning (read live on its CPU).
 *
 *   tlsdemo [-n THREADS] [-t SECONDS]
 *
 * Prints "ready PID" once every worker has its context, then sleeps for
 * SECONDS (default 30) or until killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tlsview/tlsview.h>

struct worker {
	struct tlsview_gs_self self;	/* first: read back with one %gs load */
	int index;
	pid_t tid;
	pthread_t thread;
};

static atomic_int workers_ready;
static atomic_bool stop;

static void *worker_main(void *arg)
{
	struct worker *worker = arg;
	char name[16];

	snprintf(name, sizeof(name), "gs-worker-%d", worker->index);
	pthread_setname_np(pthread_self(), name);
	worker->tid = gettid();
	if (tlsview_gs_context_set(&worker->self) != 0) {
		fprintf(stderr, "tlsdemo: cannot set the GS base of %s\n", name);
		exit(1);
	}
	atomic_fetch_add(&workers_ready, 1);
	/* Worker 0 keeps its CPU busy, so a reader on another CPU reads it live. */
	while (!atomic_load(&stop)) {
		if (tlsview_gs_context() != worker)
			abort();	/* the kernel lost this thread's GS base */
		if (worker->index != 0)
			usleep(100000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = 4, seconds = 30, opt, i;
	struct worker *workers;

	while ((opt = getopt(argc, argv, "n:t:")) != -1) {
		switch (opt) {
		case 'n': threads = atoi(optarg); break;
		case 't': seconds = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: tlsdemo [-n THREADS] [-t SECONDS]\n");
			return 2;
		}
	}
	if (threads < 1 || threads > 1024 || seconds < 0) {
		fprintf(stderr, "tlsdemo: THREADS must be 1..1024, SECONDS >= 0\n");
		return 2;
	}
	workers = calloc(threads, sizeof(*workers));
	if (!workers)
		return 1;
	for (i = 0; i < threads; i++) {
		workers[i].index = i;
		errno = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
		if (errno) {
			perror("tlsdemo: pthread_create");
			return 1;
		}
	}
	while (atomic_load(&workers_ready) < threads)
		usleep(1000);
	printf("tlsdemo: pid %d, %d threads, each with its own GS base:\n", getpid(), threads);
	for (i = 0; i < threads; i++)
		printf("  gs-worker-%-3d tid %-6d gsbase %p\n", i, workers[i].tid, (void *)&workers[i]);
	printf("ready %d\n", getpid());
	fflush(stdout);
	sleep(seconds);
	atomic_store(&stop, true);
	for (i = 0; i < threads; i++)
		pthread_join(workers[i].thread, NULL);
	free(workers);
	return 0;
}

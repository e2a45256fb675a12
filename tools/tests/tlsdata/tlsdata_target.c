// SPDX-License-Identifier: GPL-2.0
/*
 * tlsdata-target: a process whose threads hold known TLS values
 * (tlsdata_target.h) for the tests of tlsview --var/--keys/--dtv/--core.
 *
 * Prints "thread INDEX TID" for each thread (the bare one too), then "ready". Commands on
 * stdin: "touch" (the even threads set the dlopen()ed library's variable;
 * answers "touched"), "abort" (dumps core), end of input (exits).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <tlsview/thread.h>
#include "tlsdata_target.h"

__thread int tlsdata_exe_le;
__thread long long tlsdata_exe_ie __attribute__((tls_model("initial-exec")));
__thread int16_t tlsdata_exe_short;
__thread struct target_record tlsdata_exe_record;
int tlsdata_not_tls = 42;

void tlsdata_needed_set(uint64_t value);

static pthread_key_t keys[TARGET_KEYS];
static void (*dlopen_set)(uint32_t value);
static pthread_barrier_t started;
static volatile int touch_generation, stop;
static volatile int touched_count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;

static volatile int bare_ready;

/*
 * A bare thread may touch only its own TLS and memory, and make raw system
 * calls: no libc. It sleeps, so the spinners keep the CPUs to themselves.
 */
static int bare_main(void *arg)
{
	static const struct timespec nap = { .tv_nsec = 100 * 1000 * 1000 };

	(void)arg;
	tlsdata_exe_le = TARGET_EXE_LE(TARGET_BARE);
	bare_ready = 1;
	while (!stop)
		tlsview_syscall3(SYS_nanosleep, (long)&nap, 0, 0);
	return 0;
}

static void set_values(int index)
{
	int k;

	tlsdata_exe_le = TARGET_EXE_LE(index);
	tlsdata_exe_ie = TARGET_EXE_IE(index);
	tlsdata_exe_short = (int16_t)TARGET_EXE_SHORT(index);
	snprintf(tlsdata_exe_record.name, sizeof(tlsdata_exe_record.name), "thread-%02d", index);
	tlsdata_exe_record.index = index;
	tlsdata_needed_set(TARGET_NEEDED(index));
	for (k = 0; k < TARGET_KEYS; k++)
		pthread_setspecific(keys[k], (void *)(uintptr_t)TARGET_KEY_VALUE(index, k));
}

static void touch(int index)
{
	if (TARGET_TOUCHES(index))
		dlopen_set(TARGET_DLOPEN(index));
	pthread_mutex_lock(&lock);
	touched_count++;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
}

static void *thread_main(void *arg)
{
	int index = (int)(uintptr_t)arg, seen = 0;

	set_values(index);
	printf("thread %d %d\n", index, gettid());
	fflush(stdout);
	/* errno last, before "ready": nothing after this sets it (no call fails). */
	errno = TARGET_ERRNO(index);
	pthread_barrier_wait(&started);
	if (TARGET_SPINS(index)) {
		for (;;) {
			errno = TARGET_ERRNO(index);
			while (touch_generation == seen && !stop)
				;
			if (stop)
				return NULL;
			seen = touch_generation;
			touch(index);
		}
	}
	pthread_mutex_lock(&lock);
	errno = TARGET_ERRNO(index);
	for (;;) {
		while (touch_generation == seen && !stop)
			pthread_cond_wait(&changed, &lock);
		if (stop)
			break;
		seen = touch_generation;
		pthread_mutex_unlock(&lock);
		touch(index);
		pthread_mutex_lock(&lock);
		errno = TARGET_ERRNO(index);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(void)
{
	pthread_t threads[TARGET_THREADS];
	struct tlsview_thread bare;
	char command[64];
	void *library;
	int i;

	library = dlopen("libtlsdata_dlopen.so", RTLD_NOW);
	if (!library || !(*(void **)&dlopen_set = dlsym(library, "tlsdata_dlopen_set"))) {
		fprintf(stderr, "tlsdata-target: %s\n", dlerror());
		return 1;
	}
	for (i = 0; i < TARGET_KEYS; i++)
		if (pthread_key_create(&keys[i], NULL))
			return 1;
	pthread_barrier_init(&started, NULL, TARGET_THREADS);
	set_values(0);
	printf("thread 0 %d\n", getpid());
	fflush(stdout);
	for (i = 1; i < TARGET_THREADS; i++)
		if (pthread_create(&threads[i], NULL, thread_main, (void *)(uintptr_t)i))
			return 1;
	pthread_barrier_wait(&started);
	if (tlsview_thread_create(&bare, NULL, bare_main, NULL))
		return 1;
	while (!bare_ready)
		;
	printf("thread %d %d\n", TARGET_BARE, bare.tid);
	/* stdout has been written already: printing sets errno no more. */
	errno = TARGET_ERRNO(0);
	printf("ready\n");
	fflush(stdout);
	while (fgets(command, sizeof(command), stdin)) {
		if (!strcmp(command, "touch\n")) {
			pthread_mutex_lock(&lock);
			touched_count = 0;
			touch_generation++;
			pthread_cond_broadcast(&changed);
			pthread_mutex_unlock(&lock);
			touch(0);
			pthread_mutex_lock(&lock);
			while (touched_count < TARGET_THREADS)
				pthread_cond_wait(&changed, &lock);
			pthread_mutex_unlock(&lock);
			errno = TARGET_ERRNO(0);
			printf("touched\n");
			fflush(stdout);
		} else if (!strcmp(command, "abort\n")) {
			abort();
		}
		errno = TARGET_ERRNO(0);
	}
	stop = 1;
	pthread_mutex_lock(&lock);
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
	for (i = 1; i < TARGET_THREADS; i++)
		pthread_join(threads[i], NULL);
	tlsview_thread_join(&bare, NULL);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * tlsdemo: a process whose threads hold every kind of TLS state tlsview
 * shows, so a newcomer sees each one side by side:
 *
 *   gs-worker-N   pthreads that each keep their own context in the GS base
 *                 (libtlsview's GS context); gs-worker-0 spins, so a reader
 *                 on another CPU reads it live, the others sleep (saved state)
 *   bare-tcb      a bare clone(CLONE_SETTLS) thread on a TCB libtlsview built
 *                 (x86-64 TLS ABI: %fs:0 and %fs:0x10 hold the FS base)
 *   bare-handmade a bare thread on a hand-made TCB whose self-pointer is
 *                 wrong: `tlsview --tcb` flags it as breaking the ABI
 *   gs-slot       a pthread whose GS selector names a GDT TLS slot it set up
 *                 with set_thread_area (ia32 ABI): the base comes from the slot
 *   tlsdemo-child32  a 32-bit child process (i386 glibc: TLS via %gs = 0x63)
 *
 *   tlsdemo [-n WORKERS] [-t SECONDS]
 *
 * Prints what it set up, then "ready PID", then sleeps SECONDS (default 30)
 * or until killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <tlsview/tlsview.h>

#define BARE_THREADS		2

struct worker {
	struct tlsview_gs_self self;	/* first: read back with one %gs load */
	int index;
	pid_t tid;
	pthread_t thread;
};

static atomic_int threads_ready;
static atomic_bool stop;

static void fail(const char *what)
{
	fprintf(stderr, "tlsdemo: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *gs_worker(void *arg)
{
	struct worker *worker = arg;
	char name[16];

	snprintf(name, sizeof(name), "gs-worker-%d", worker->index);
	pthread_setname_np(pthread_self(), name);
	worker->tid = gettid();
	if (tlsview_gs_context_set(&worker->self) != 0)
		fail("setting the GS base");
	atomic_fetch_add(&threads_ready, 1);
	while (!atomic_load(&stop)) {
		if (tlsview_gs_context() != worker)
			abort();	/* the kernel lost this thread's GS base */
		if (worker->index != 0)
			usleep(100000);
	}
	return NULL;
}

/* A bare thread runs TLS-free code: raw system calls only (tlsview/thread.h). */
static int bare_thread(void *arg)
{
	const char *name = arg;
	const struct timespec tick = { .tv_nsec = 100 * 1000 * 1000 };

	tlsview_syscall6(SYS_prctl, PR_SET_NAME, (long)name, 0, 0, 0, 0);
	atomic_fetch_add(&threads_ready, 1);
	while (!atomic_load(&stop))
		tlsview_sys_nanosleep(&tick);
	return 0;
}

struct slot_thread {
	pid_t tid;
	uint16_t selector;
	uint32_t base;
};

static void *gs_slot_thread(void *arg)
{
	struct slot_thread *slot = arg;
	struct user_desc *desc;
	void *segment;
	int ret;

	pthread_setname_np(pthread_self(), "gs-slot");
	slot->tid = gettid();
	/* Both the descriptor and the segment must be 32-bit addressable. */
	desc = tlsview_map_low(4096);
	segment = tlsview_map_low(4096);
	if (!desc || !segment)
		fail("mmap(MAP_32BIT)");
	/* Entry -1: the kernel picks a free slot. */
	tlsview_user_desc_fill(desc, -1, (uint32_t)(uintptr_t)segment, 0xfff, false);
	ret = tlsview_ia32_set_thread_area(desc);
	if (ret != 0) {
		errno = -ret;
		fail("set_thread_area (int $0x80)");
	}
	slot->selector = TLSVIEW_TLS_SELECTOR(desc->entry_number);
	slot->base = desc->base_addr;
	tlsview_arch_load_gs_selector(slot->selector);
	atomic_fetch_add(&threads_ready, 1);
	while (!atomic_load(&stop))
		usleep(100000);
	return NULL;
}

static pid_t start_child32(void)
{
	char path[4096];
	ssize_t len;
	char *slash;
	pid_t pid;

	/* The 32-bit child is installed next to tlsdemo. */
	len = readlink("/proc/self/exe", path, sizeof(path) - 32);
	if (len < 0)
		return -1;
	path[len] = '\0';
	slash = strrchr(path, '/');
	strcpy(slash + 1, "tlsdemo-child32");
	if (access(path, X_OK) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		execl(path, "tlsdemo-child32", (char *)NULL);
		_exit(127);
	}
	return pid;
}

int main(int argc, char **argv)
{
	struct tlsview_thread bare[BARE_THREADS];
	const char *bare_names[BARE_THREADS] = { "bare-tcb", "bare-handmade" };
	struct tlsview_thread_attr bare_attr[BARE_THREADS] = { { 0 } };
	int workers_wanted = 4, seconds = 30, opt, i, expected;
	struct slot_thread slot = { 0 };
	pthread_t slot_pthread;
	struct worker *workers;
	pid_t child32;

	while ((opt = getopt(argc, argv, "n:t:")) != -1) {
		switch (opt) {
		case 'n': workers_wanted = atoi(optarg); break;
		case 't': seconds = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: tlsdemo [-n WORKERS] [-t SECONDS]\n");
			return 2;
		}
	}
	if (workers_wanted < 1 || workers_wanted > 1024 || seconds < 0) {
		fprintf(stderr, "tlsdemo: WORKERS must be 1..1024, SECONDS >= 0\n");
		return 2;
	}
	workers = calloc(workers_wanted, sizeof(*workers));
	if (!workers)
		fail("calloc");
	for (i = 0; i < workers_wanted; i++) {
		workers[i].index = i;
		errno = pthread_create(&workers[i].thread, NULL, gs_worker, &workers[i]);
		if (errno)
			fail("pthread_create");
	}
	errno = pthread_create(&slot_pthread, NULL, gs_slot_thread, &slot);
	if (errno)
		fail("pthread_create");

	/* The hand-made TCB: libtlsview's, with its self-pointer broken. */
	for (i = 0; i < BARE_THREADS; i++) {
		bare_attr[i].tcb = tlsview_tcb_create(NULL);
		if (!bare_attr[i].tcb)
			fail("tlsview_tcb_create");
	}
	*(uintptr_t *)bare_attr[1].tcb->tp = 0;
	for (i = 0; i < BARE_THREADS; i++)
		if (tlsview_thread_create(&bare[i], &bare_attr[i], bare_thread,
					  (void *)bare_names[i]) != 0)
			fail("tlsview_thread_create");

	expected = workers_wanted + 1 + BARE_THREADS;
	while (atomic_load(&threads_ready) < expected)
		usleep(1000);
	child32 = start_child32();

	printf("tlsdemo: pid %d\n", getpid());
	for (i = 0; i < workers_wanted; i++)
		printf("  gs-worker-%-3d tid %-6d gsbase %p (its own context)\n",
		       i, workers[i].tid, (void *)&workers[i]);
	for (i = 0; i < BARE_THREADS; i++)
		printf("  %-13s tid %-6d fsbase %p (%s)\n", bare_names[i], bare[i].tid,
		       bare_attr[i].tcb->tp,
		       i == 0 ? "TCB built by libtlsview" : "hand-made TCB, %fs:0 is 0");
	printf("  gs-slot       tid %-6d gsindex 0x%04x -> GDT slot %u, base 0x%08x\n",
	       slot.tid, slot.selector, slot.selector >> 3, slot.base);
	if (child32 > 0)
		printf("  tlsdemo-child32 pid %d (32-bit: TLS in a GDT slot through %%gs)\n", child32);
	printf("ready %d\n", getpid());
	fflush(stdout);

	sleep(seconds);
	atomic_store(&stop, true);
	for (i = 0; i < workers_wanted; i++)
		pthread_join(workers[i].thread, NULL);
	pthread_join(slot_pthread, NULL);
	for (i = 0; i < BARE_THREADS; i++) {
		tlsview_thread_join(&bare[i], NULL);
		tlsview_tcb_destroy(bare_attr[i].tcb);
	}
	if (child32 > 0) {
		kill(child32, SIGTERM);
		waitpid(child32, NULL, 0);
	}
	free(workers);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/tcb.c - --tcb: does each thread's TCB follow the x86-64
 * TLS ABI (variant II)?
 *
 *  - the word at the FS base is the FS base itself (mov %fs:0 yields the
 *    thread pointer; compilers emit that load for every TLS access model
 *    but local-exec);
 *  - in a glibc process, glibc's tcbhead_t also holds the thread pointer
 *    at 0x10 (header.self, what pthread_self() returns) and a non-zero
 *    stack-protector canary at 0x28, which every -fstack-protector function
 *    reads.
 *
 * The words are read from the process's memory with process_vm_readv(),
 * which the kernel allows under the same rules as ptrace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <tlsview/tcb.h>
#include "tlsview.h"

#define TCB_WORDS_READ (TLSVIEW_TCB_OFF_STACK_GUARD + sizeof(uint64_t))

const char *tv_tcb_status_name(enum tv_tcb_status status)
{
	switch (status) {
	case TV_TCB_NOT_CHECKED: return "not-checked";
	case TV_TCB_OK: return "ok";
	case TV_TCB_BROKEN: return "broken";
	case TV_TCB_NO_TCB: return "no-tcb";
	case TV_TCB_SKIPPED: return "skipped";
	case TV_TCB_UNREADABLE: return "unreadable";
	}
	return "?";
}

static uint64_t word_at(const unsigned char *bytes, size_t offset)
{
	uint64_t word;

	memcpy(&word, bytes + offset, sizeof(word));
	return word;
}

/* Memory is read through the thread itself: its process may have no main thread left. */
static void check_one(struct tv_thread *thread, bool glibc)
{
	const struct tlsview_task *view = &thread->view;
	struct tv_tcb_result *result = &thread->tcb;
	unsigned char bytes[TCB_WORDS_READ];
	struct iovec local = { bytes, sizeof(bytes) };
	struct iovec remote = { (void *)(uintptr_t)view->fsbase, sizeof(bytes) };
	ssize_t got;

	memset(result, 0, sizeof(*result));
	if (view->flags & TLSVIEW_TASK_KTHREAD) {
		result->status = TV_TCB_SKIPPED;
		snprintf(result->reason, sizeof(result->reason), "kernel thread");
		return;
	}
	if (thread->no_bases[0]) {
		result->status = TV_TCB_SKIPPED;
		snprintf(result->reason, sizeof(result->reason), "no bases: %s",
			 view->flags & TLSVIEW_TASK_ZOMBIE ? "a zombie" : "not read");
		return;
	}
	if (view->flags & TLSVIEW_TASK_COMPAT) {
		result->status = TV_TCB_SKIPPED;
		snprintf(result->reason, sizeof(result->reason),
			 "32-bit task: its TLS is reached through %%gs");
		return;
	}
	if (view->fsbase == 0) {
		result->status = TV_TCB_NO_TCB;
		return;
	}
	got = process_vm_readv(view->tid, &local, 1, &remote, 1, 0);
	if (got != (ssize_t)sizeof(bytes)) {
		if (got >= 0 || errno == EFAULT) {
			result->status = TV_TCB_BROKEN;
			snprintf(result->reason, sizeof(result->reason),
				 "the FS base 0x%" PRIx64 " is not readable memory", (uint64_t)view->fsbase);
		} else {
			result->status = TV_TCB_UNREADABLE;
			snprintf(result->reason, sizeof(result->reason), "process_vm_readv: %s",
				 strerror(errno));
		}
		return;
	}
	result->words_read = true;
	result->glibc = glibc;
	result->word0 = word_at(bytes, TLSVIEW_TCB_OFF_TCB);
	result->self = word_at(bytes, TLSVIEW_TCB_OFF_SELF);
	result->canary = word_at(bytes, TLSVIEW_TCB_OFF_STACK_GUARD);
	result->status = TV_TCB_BROKEN;
	if (result->word0 != view->fsbase)
		snprintf(result->reason, sizeof(result->reason),
			 "%%fs:0 is 0x%" PRIx64 ", not the FS base", result->word0);
	else if (glibc && result->self != view->fsbase)
		snprintf(result->reason, sizeof(result->reason),
			 "glibc self at %%fs:0x10 is 0x%" PRIx64 ", not the FS base", result->self);
	else if (glibc && result->canary == 0)
		snprintf(result->reason, sizeof(result->reason),
			 "glibc stack canary at %%fs:0x28 is 0");
	else
		result->status = TV_TCB_OK;
}

void tv_tcb_check(struct tv_threads *threads)
{
	pid_t glibc_tgid = 0;
	bool glibc = false;
	size_t i;

	for (i = 0; i < threads->count; i++) {
		struct tv_thread *thread = &threads->items[i];

		/*
		 * Threads come sorted by process: look at each process's maps
		 * once, through a thread that has them (not an exited main one).
		 */
		if (thread->view.tgid != glibc_tgid) {
			pid_t live = tv_proc_live_tid(thread->view.tgid);

			glibc_tgid = thread->view.tgid;
			glibc = !(thread->view.flags & TLSVIEW_TASK_KTHREAD) && live &&
				tv_proc_maps_glibc(live);
		}
		check_one(thread, glibc);
	}
}

size_t tv_tcb_broken_count(const struct tv_threads *threads)
{
	size_t i, broken = 0;

	for (i = 0; i < threads->count; i++)
		broken += threads->items[i].tcb.status == TV_TCB_BROKEN;
	return broken;
}

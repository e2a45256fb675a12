// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/watch.c - --watch SECONDS: the listing again and again,
 * each base that changed since the previous round marked, until Ctrl-C
 * (SIGINT) or SIGTERM, which end it after the round in progress, so a
 * thread is never left half read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tlsview.h"

static volatile sig_atomic_t watch_stopped;

static void stop_watching(int signal_number)
{
	(void)signal_number;
	watch_stopped = 1;
}

struct base_record {
	pid_t tid;
	bool bases;
	uint64_t fsbase, gsbase;
};

static int compare_records(const void *left, const void *right)
{
	pid_t a = ((const struct base_record *)left)->tid;
	pid_t b = ((const struct base_record *)right)->tid;

	return a < b ? -1 : a > b;
}

/* Marks the bases that differ from the same thread's in @previous (new threads: none). */
void tv_watch_mark_changes(struct tv_threads *threads, const struct tv_threads *previous)
{
	struct base_record *records, key, *found;
	size_t i;

	if (!previous || !previous->count)
		return;
	records = calloc(previous->count, sizeof(*records));
	if (!records)
		return;
	for (i = 0; i < previous->count; i++) {
		records[i].tid = previous->items[i].view.tid;
		records[i].bases = !previous->items[i].no_bases[0];
		records[i].fsbase = previous->items[i].view.fsbase;
		records[i].gsbase = previous->items[i].view.gsbase;
	}
	qsort(records, previous->count, sizeof(*records), compare_records);
	for (i = 0; i < threads->count; i++) {
		struct tv_thread *thread = &threads->items[i];

		key.tid = thread->view.tid;
		found = bsearch(&key, records, previous->count, sizeof(*records), compare_records);
		if (!found || !found->bases || thread->no_bases[0])
			continue;
		thread->fsbase_changed = found->fsbase != thread->view.fsbase;
		thread->gsbase_changed = found->gsbase != thread->view.gsbase;
	}
	free(records);
}

/*
 * Waits @seconds; false when the watch was asked to end (then or during
 * the round before). The handlers are installed on the first call, without
 * SA_RESTART, so the wait ends at once.
 */
bool tv_watch_sleep(double seconds)
{
	static bool installed;
	struct timespec left;

	if (!installed) {
		struct sigaction action = { .sa_handler = stop_watching };

		sigemptyset(&action.sa_mask);
		sigaction(SIGINT, &action, NULL);
		sigaction(SIGTERM, &action, NULL);
		installed = true;
	}
	left.tv_sec = (time_t)seconds;
	left.tv_nsec = (long)((seconds - (double)left.tv_sec) * 1e9);
	while (!watch_stopped && nanosleep(&left, &left) == -1 && errno == EINTR)
		;
	return !watch_stopped;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/filter.c - --comm PATTERN and --user USER: which of the
 * collected threads are shown. Both sources collect first and the same
 * filter applies after, so they show the same threads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include "tlsview.h"

/* A user name, or a uid in decimal: 0 and the uid, or -ENOENT. */
int tv_user_parse(const char *text, uid_t *uid)
{
	struct passwd *entry;
	unsigned long value;
	char *end;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (*text && !*end && !errno && value <= UINT_MAX - 1) {
		*uid = (uid_t)value;
		return 0;
	}
	entry = getpwnam(text);
	if (!entry)
		return -ENOENT;
	*uid = entry->pw_uid;
	return 0;
}

static bool wanted(const struct tv_thread *thread, const struct tv_options *options)
{
	const struct tlsview_task *view = &thread->view;
	char comm[TLSVIEW_COMM_LEN + 1];
	uid_t uid;

	if (options->comm) {
		memcpy(comm, view->comm, TLSVIEW_COMM_LEN);
		comm[TLSVIEW_COMM_LEN] = '\0';
		if (fnmatch(options->comm, comm, 0))
			return false;
	}
	/* A thread that exited since it was read has no owner left to match. */
	if (options->user_set &&
	    (tv_proc_euid(view->tgid, view->tid, &uid) || uid != options->user))
		return false;
	return true;
}

void tv_threads_filter(struct tv_threads *threads, const struct tv_options *options)
{
	size_t i, kept = 0;

	if (!options->comm && !options->user_set)
		return;
	for (i = 0; i < threads->count; i++) {
		if (!wanted(&threads->items[i], options))
			continue;
		if (kept != i)
			threads->items[kept] = threads->items[i];
		kept++;
	}
	threads->count = kept;
	/* skipped counts listed threads: those filtered out are not listed. */
	threads->skipped = 0;
	for (i = 0; i < threads->count; i++)
		threads->skipped += threads->items[i].no_bases[0] &&
				    !(threads->items[i].view.flags & TLSVIEW_TASK_ZOMBIE);
}

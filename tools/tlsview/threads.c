// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/threads.c - the growable, sortable array of thread views.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsview.h"

/* Returns a zeroed new entry, or NULL when memory ran out. */
struct tv_thread *tv_threads_add(struct tv_threads *threads)
{
	struct tv_thread *entry;

	if (threads->count == threads->capacity) {
		size_t capacity = threads->capacity ? threads->capacity * 2 : 64;
		struct tv_thread *items = realloc(threads->items, capacity * sizeof(*items));

		if (!items)
			return NULL;
		threads->items = items;
		threads->capacity = capacity;
	}
	entry = &threads->items[threads->count++];
	memset(entry, 0, sizeof(*entry));
	return entry;
}

#define COMPARE(x, y) do { if ((x) != (y)) return (x) < (y) ? -1 : 1; } while (0)

static int compare_threads(const void *left, const void *right)
{
	const struct tlsview_task *a = &((const struct tv_thread *)left)->view;
	const struct tlsview_task *b = &((const struct tv_thread *)right)->view;

	if (a->tgid != b->tgid)
		return a->tgid < b->tgid ? -1 : 1;
	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return 0;
}

/* Threads without bases sort after those with any: they have none to compare. */
static int compare_by_cpu(const void *left, const void *right)
{
	COMPARE(((const struct tv_thread *)left)->view.cpu,
		((const struct tv_thread *)right)->view.cpu);
	return compare_threads(left, right);
}

static int compare_by_fsbase(const void *left, const void *right)
{
	const struct tv_thread *a = left, *b = right;

	COMPARE(!!a->no_bases[0], !!b->no_bases[0]);
	COMPARE(a->view.fsbase, b->view.fsbase);
	return compare_threads(left, right);
}

static int compare_by_gsbase(const void *left, const void *right)
{
	const struct tv_thread *a = left, *b = right;

	COMPARE(!!a->no_bases[0], !!b->no_bases[0]);
	COMPARE(a->view.gsbase, b->view.gsbase);
	return compare_threads(left, right);
}

/* By process, then thread (the order of ps -L, whatever the source), or by --sort's key. */
void tv_threads_sort(struct tv_threads *threads, enum tv_sort sort)
{
	static int (*const compare[])(const void *, const void *) = {
		[TV_SORT_TID] = compare_threads,
		[TV_SORT_CPU] = compare_by_cpu,
		[TV_SORT_FSBASE] = compare_by_fsbase,
		[TV_SORT_GSBASE] = compare_by_gsbase,
	};

	if (threads->count > 1)
		qsort(threads->items, threads->count, sizeof(*threads->items), compare[sort]);
}

/* A zombie has no bases: say so, whichever source listed it. */
void tv_threads_mark_states(struct tv_threads *threads)
{
	size_t i;

	for (i = 0; i < threads->count; i++) {
		struct tv_thread *thread = &threads->items[i];

		if ((thread->view.flags & TLSVIEW_TASK_ZOMBIE) && !thread->no_bases[0])
			snprintf(thread->no_bases, sizeof(thread->no_bases),
				 "a zombie: it has exited, and its bases with it%s",
				 thread->view.tid == thread->view.tgid ?
				 " (a main thread stays one until its process is reaped)" : "");
	}
}

/*
 * Of a process that has died, only its main thread's zombie is left: any
 * other thread listed was read while the process was dying.
 */
bool tv_threads_dying(const struct tv_threads *threads)
{
	size_t i;

	for (i = 0; i < threads->count; i++) {
		const struct tlsview_task *view = &threads->items[i].view;

		if (!(view->flags & TLSVIEW_TASK_ZOMBIE) || view->tid != view->tgid)
			return true;
	}
	return false;
}

void tv_threads_free(struct tv_threads *threads)
{
	free(threads->items);
	threads->items = NULL;
	threads->count = threads->capacity = 0;
}

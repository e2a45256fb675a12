// SPDX-License-Identifier: GPL-2.0
/*
 * tlsview: enumerate threads without tasklist_lock (not exported).
 *
 * Threads are visited in the order of their ids in a pid namespace, by
 * walking the namespace's pid IDR under RCU the way find_ge_pid() does.
 * Ordering by id gives every walk a resumable position (the next id to
 * look at), so a caller can leave the RCU section after each batch to
 * sleep (IPIs, copy_to_user, seq_file buffers) and carry on where it left
 * off; a thread that exits meanwhile is simply not found again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/idr.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>

#include "tlsview.h"

/* The thread whose id in @ns is the smallest one >= *@nr, under RCU. */
static struct task_struct *tlsview_next_thread(struct pid_namespace *ns,
					       int *nr)
{
	struct task_struct *task;
	struct pid *pid;

	for (;;) {
		pid = idr_get_next(&ns->idr, nr);
		if (!pid)
			return NULL;
		/* A pid may name only a process group or session now. */
		task = pid_task(pid, PIDTYPE_PID);
		if (task)
			return task;
		(*nr)++;
	}
}

/**
 * tlsview_walk_collect() - reference the next matching threads
 * @ns:        pid namespace whose ids order the walk.
 * @next_nr:   in: the first id to look at; out: where the next call goes on.
 * @match:     filter, called under RCU.
 * @data:      passed to @match.
 * @tasks:     receives up to @max_tasks referenced threads, in id order;
 *             the caller drops each with put_task_struct().
 * @max_tasks: the size of @tasks, at least 1.
 *
 * Return: the number of threads stored in @tasks; 0 when the walk is over.
 */
unsigned int tlsview_walk_collect(struct pid_namespace *ns, int *next_nr,
				  tlsview_match_fn match, void *data,
				  struct task_struct **tasks,
				  unsigned int max_tasks)
{
	struct task_struct *task;
	unsigned int found = 0;
	int nr = *next_nr;

	rcu_read_lock();
	while (found < max_tasks && nr >= 0) {
		task = tlsview_next_thread(ns, &nr);
		if (!task) {
			nr = -1;
			break;
		}
		nr++;
		if (match(task, data)) {
			get_task_struct(task);
			tasks[found++] = task;
		}
	}
	rcu_read_unlock();

	*next_nr = nr;
	return found;
}

/**
 * tlsview_walk_count() - count the matching threads from an id on
 * @ns:      pid namespace whose ids order the walk.
 * @next_nr: the first id to look at; negative when the walk is over.
 * @match:   filter, called under RCU.
 * @data:    passed to @match.
 *
 * Return: how many threads from @next_nr on @match accepts.
 */
unsigned int tlsview_walk_count(struct pid_namespace *ns, int next_nr,
				tlsview_match_fn match, void *data)
{
	unsigned int count = 0;
	int nr = next_nr;

	if (nr < 0)
		return 0;

	rcu_read_lock();
	while (nr >= 0) {
		struct task_struct *task = tlsview_next_thread(ns, &nr);

		if (!task)
			break;
		nr++;
		if (match(task, data))
			count++;
	}
	rcu_read_unlock();
	return count;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsview internals shared by the module's files.
 *
 * tlsview_read.c    reads one thread (live on its CPU, or its saved state)
 * tlsview_access.c  decides which threads a reader may see
 * tlsview_walk.c    enumerates threads (all by id, or one group) without
 *                   tasklist_lock
 * tlsview_debugfs.c the text view under /sys/kernel/debug/tlsview
 * tlsview_main.c    module init/exit, /dev/tlsview and its ioctls
 */
#ifndef _TLSVIEW_INTERNAL_H
#define _TLSVIEW_INTERNAL_H

#include <linux/types.h>
#include <linux/tlsview.h>

struct cred;
struct pid_namespace;
struct task_struct;

/**
 * struct tlsview_reader - who is asking, captured once per request
 * @task:      the reading thread.
 * @cred:      its credentials, referenced until tlsview_reader_put().
 * @sees_all:  it has CAP_SYS_PTRACE in the initial user namespace.
 */
struct tlsview_reader {
	struct task_struct *task;
	const struct cred *cred;
	bool sees_all;
};

void tlsview_reader_get(struct tlsview_reader *reader);
void tlsview_reader_put(struct tlsview_reader *reader);
bool tlsview_may_view(const struct tlsview_reader *reader,
		      struct task_struct *task);

void tlsview_read_task(struct task_struct *task, bool saved_only,
		       struct tlsview_task *view);
bool tlsview_read_task_atomic(struct task_struct *task,
			      struct tlsview_task *view);
pid_t tlsview_task_tracer(struct task_struct *task, struct pid_namespace *ns);
void tlsview_read_cpu(unsigned int cpu, struct tlsview_cpu *view);
bool tlsview_kernel_uses_fsgsbase(void);

/**
 * struct tlsview_thread_ref - a referenced thread and its ids
 * @task: the thread; the holder owns one reference.
 * @nr:   its id in the walk's pid namespace, when it was taken.
 * @tgid: its thread group's id there.
 */
struct tlsview_thread_ref {
	struct task_struct *task;
	pid_t nr;
	pid_t tgid;
};

unsigned int tlsview_walk_collect(struct pid_namespace *ns, int *next_nr,
				  const struct tlsview_reader *reader,
				  struct tlsview_thread_ref *refs,
				  unsigned int max_refs);
unsigned int tlsview_walk_count(struct pid_namespace *ns, int next_nr,
				const struct tlsview_reader *reader);
int tlsview_walk_group(struct pid_namespace *ns, struct task_struct *leader,
		       const struct tlsview_reader *reader,
		       struct tlsview_thread_ref **refsp, unsigned int *countp);
void tlsview_walk_group_put(struct tlsview_thread_ref *refs,
			    unsigned int first, unsigned int count);

/**
 * struct tlsview_group_walk - a walk of one thread group, batch by batch
 * @ns:     pid namespace of the ids.
 * @leader: a thread of the group, referenced by the caller.
 * @tgid:   the group's id in @ns.
 * @pos:    the thread the walk stands on; NULL before the first.
 * @held:   @pos, referenced between two batches.
 * @last_nr: the id of the last thread returned.
 * @left:   how many more threads the walk may visit.
 * @lost:   @held has left the group's list: the walk cannot go on.
 */
struct tlsview_group_walk {
	struct pid_namespace *ns;
	struct task_struct *leader;
	pid_t tgid;
	struct task_struct *pos;
	struct task_struct *held;
	pid_t last_nr;
	unsigned int left;
	bool lost;
};

void tlsview_group_walk_start(struct tlsview_group_walk *walk,
			      struct pid_namespace *ns,
			      struct task_struct *leader);
void tlsview_group_walk_lock(struct tlsview_group_walk *walk)
	__acquires(RCU);
struct task_struct *tlsview_group_walk_next(struct tlsview_group_walk *walk,
					    pid_t *nr);
void tlsview_group_walk_unlock(struct tlsview_group_walk *walk)
	__releases(RCU);
void tlsview_group_walk_end(struct tlsview_group_walk *walk);

int tlsview_debugfs_init(void);
void tlsview_debugfs_exit(void);

#endif /* _TLSVIEW_INTERNAL_H */

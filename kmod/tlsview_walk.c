// SPDX-License-Identifier: GPL-2.0
/*
 * tlsview: enumerate threads without tasklist_lock (not exported).
 *
 * Every thread of the system is visited in the order of its id in a pid
 * namespace, by walking the namespace's pid IDR under RCU the way
 * find_ge_pid() does. Ordering by id gives every walk a resumable position
 * (the next id to look at), so a caller can leave the RCU section after
 * each batch to sleep (IPIs, copy_to_user, seq_file buffers) and carry on
 * where it left off; a thread that exits meanwhile is simply not found
 * again. Each step is one IDR lookup, so a walk of N threads costs N of
 * them, whatever the position.
 *
 * One thread group is visited through its own thread list instead, so
 * that listing a process costs in proportion to its threads, not to every
 * id of the namespace, and comes out in id order like a walk of the whole
 * system. Two ways:
 *
 * - tlsview_group_walk_*() goes down the list a batch per RCU section, so
 *   that each thread is read where it is found, while its cache lines are
 *   at hand; between batches it holds the thread it stands on. The list is
 *   in creation order, which is id order until the ids wrap: a walk that
 *   meets a smaller id, or whose thread left the list between two batches,
 *   says so and the caller starts again with
 * - tlsview_walk_group(), which references every thread at once and sorts
 *   them by id.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/idr.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "tlsview.h"

/*
 * A thread's id in @ns; 0 once it is unhashed (exiting). In the initial
 * namespace that id is task->pid, as task_pid_nr() has it, which spares
 * a visit to the thread's struct pid (another cache line, on another
 * page) per thread of a long listing; and only a thread with PF_EXITING
 * can be unhashed (release_task() comes after do_exit() set it), so only
 * such a thread's pid link is looked at, another line spared.
 */
static pid_t tlsview_thread_id(struct task_struct *task,
			       struct pid_namespace *ns)
{
	if (ns != &init_pid_ns)
		return task_pid_nr_ns(task, ns);
	if ((READ_ONCE(task->flags) & PF_EXITING) && !pid_alive(task))
		return 0;
	return task->pid;
}

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
 * @reader:    only the threads it may see are taken.
 * @refs:      receives up to @max_refs referenced threads, in id order;
 *             the caller drops each with put_task_struct().
 * @max_refs:  the size of @refs, at least 1.
 *
 * Return: the number of threads stored in @refs; 0 when the walk is over.
 */
unsigned int tlsview_walk_collect(struct pid_namespace *ns, int *next_nr,
				  const struct tlsview_reader *reader,
				  struct tlsview_thread_ref *refs,
				  unsigned int max_refs)
{
	struct task_struct *task;
	unsigned int found = 0;
	int nr = *next_nr;

	rcu_read_lock();
	while (found < max_refs && nr >= 0) {
		task = tlsview_next_thread(ns, &nr);
		if (!task) {
			nr = -1;
			break;
		}
		if (tlsview_may_view(reader, task)) {
			get_task_struct(task);
			refs[found].task = task;
			refs[found].nr = nr;
			refs[found].tgid = task_tgid_nr_ns(task, ns);
			found++;
		}
		nr++;
	}
	rcu_read_unlock();

	*next_nr = nr;
	return found;
}

/**
 * tlsview_walk_count() - count the matching threads from an id on
 * @ns:      pid namespace whose ids order the walk.
 * @next_nr: the first id to look at; negative when the walk is over.
 * @reader:  only the threads it may see are counted.
 *
 * Return: how many threads from @next_nr on @reader may see.
 */
unsigned int tlsview_walk_count(struct pid_namespace *ns, int next_nr,
				const struct tlsview_reader *reader)
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
		if (tlsview_may_view(reader, task))
			count++;
	}
	rcu_read_unlock();
	return count;
}

/*
 * How many threads a walk of @leader's group takes at most: the threads it
 * has now, and some slack for those created while it is walked. Threads
 * are appended at the list's tail (copy_process()), so the ones beyond
 * this were born after the walk began and are left out, as if created just
 * after it; this also bounds a walk of a group that keeps growing.
 */
static unsigned int tlsview_group_room(struct task_struct *leader)
{
	unsigned int room = get_nr_threads(leader);

	return room + room / 8 + 16;
}

static int tlsview_thread_ref_cmp(const void *a, const void *b)
{
	const struct tlsview_thread_ref *x = a, *y = b;

	return (x->nr > y->nr) - (x->nr < y->nr);
}

/**
 * tlsview_walk_group() - reference the matching threads of one thread group
 * @ns:      pid namespace whose ids order the result.
 * @leader:  a thread of the group (normally its leader), referenced by the
 *           caller.
 * @reader:  only the threads it may see are taken.
 * @refsp:   out: a kvmalloc()ed array of the threads, referenced, in
 *           increasing id order; free it with tlsview_walk_group_put().
 * @countp:  out: its length.
 *
 * The array has room for tlsview_group_room() threads. A thread already
 * unhashed (exiting, no id any more) is not taken.
 *
 * Context: process context; may sleep (allocation).
 * Return: 0, or -ENOMEM.
 */
int tlsview_walk_group(struct pid_namespace *ns, struct task_struct *leader,
		       const struct tlsview_reader *reader,
		       struct tlsview_thread_ref **refsp, unsigned int *countp)
{
	struct tlsview_thread_ref *refs;
	unsigned int room, count = 0;
	struct task_struct *task;
	bool in_order = true;
	pid_t nr, tgid;

	room = tlsview_group_room(leader);
	refs = kvmalloc_array(room, sizeof(*refs), GFP_KERNEL_ACCOUNT);
	if (!refs)
		return -ENOMEM;

	/* The list head lives in signal_struct, which @leader pins. */
	tgid = task_tgid_nr_ns(leader, ns);
	rcu_read_lock();
	for_each_thread(leader, task) {
		if (count == room)
			break;
		nr = tlsview_thread_id(task, ns);
		if (!nr || !tlsview_may_view(reader, task))
			continue;
		get_task_struct(task);
		if (count && nr < refs[count - 1].nr)
			in_order = false;
		refs[count].task = task;
		refs[count].nr = nr;
		refs[count].tgid = tgid;
		count++;
	}
	rcu_read_unlock();

	/*
	 * Threads are listed in the order they were created, which is id
	 * order until the ids wrap; sort() (an indirect call per comparison)
	 * is only paid when they did.
	 */
	if (!in_order)
		sort(refs, count, sizeof(*refs), tlsview_thread_ref_cmp, NULL);
	*refsp = refs;
	*countp = count;
	return 0;
}

/**
 * tlsview_walk_group_put() - drop what tlsview_walk_group() left referenced
 * @refs:  its array.
 * @first: the first entry still referenced (those before it were handed
 *         on and dropped by their user).
 * @count: the array's length.
 */
void tlsview_walk_group_put(struct tlsview_thread_ref *refs,
			    unsigned int first, unsigned int count)
{
	unsigned int i;

	for (i = first; i < count; i++)
		put_task_struct(refs[i].task);
	kvfree(refs);
}

/**
 * tlsview_group_walk_start() - begin a batched walk of one thread group
 * @walk:   filled in; finish with tlsview_group_walk_end().
 * @ns:     pid namespace of the ids.
 * @leader: a thread of the group (normally its leader), referenced by the
 *          caller until the walk ends; it pins the list's head.
 *
 * As with tlsview_walk_group(), at most tlsview_group_room() threads are
 * visited.
 */
void tlsview_group_walk_start(struct tlsview_group_walk *walk,
			      struct pid_namespace *ns,
			      struct task_struct *leader)
{
	walk->ns = ns;
	walk->leader = leader;
	walk->tgid = task_tgid_nr_ns(leader, ns);
	walk->pos = NULL;
	walk->held = NULL;
	walk->last_nr = 0;
	walk->left = tlsview_group_room(leader);
	walk->lost = false;
}

/**
 * tlsview_group_walk_lock() - enter the RCU section of the next batch
 * @walk: the walk.
 */
void tlsview_group_walk_lock(struct tlsview_group_walk *walk)
	__acquires(RCU)
{
	rcu_read_lock();
	/*
	 * The held thread's next pointer leads on only while it is listed:
	 * __unhash_process() clears its pid before it unlinks it, so a pid
	 * still seen here means it was not unlinked a grace period ago, and
	 * what it points to has not been freed.
	 */
	if (walk->held && !pid_alive(walk->held))
		walk->lost = true;
}

/**
 * tlsview_group_walk_next() - the group's next thread
 * @walk: the walk, inside tlsview_group_walk_lock().
 * @nr:   out: the thread's id in the walk's namespace.
 *
 * Return: the thread, valid until tlsview_group_walk_unlock(); NULL at the
 * end of the list; ERR_PTR(-EAGAIN) when the walk cannot go on in id order
 * (the ids wrapped, or the held thread left the list).
 */
struct task_struct *tlsview_group_walk_next(struct tlsview_group_walk *walk,
					    pid_t *nr)
{
	struct list_head *head = &walk->leader->signal->thread_head;
	struct list_head *node;
	struct task_struct *task;
	pid_t id;

	if (walk->lost)
		return ERR_PTR(-EAGAIN);
	node = walk->pos ? &walk->pos->thread_node : head;
	for (;;) {
		node = rcu_dereference(list_next_rcu(node));
		if (node == head || !walk->left)
			return NULL;
		walk->left--;
		task = list_entry(node, struct task_struct, thread_node);
		walk->pos = task;
		id = tlsview_thread_id(task, walk->ns);
		/* Unhashed meanwhile: exiting, no id any more. */
		if (!id)
			continue;
		if (id <= walk->last_nr)
			return ERR_PTR(-EAGAIN);
		walk->last_nr = id;
		*nr = id;
		return task;
	}
}

/**
 * tlsview_group_walk_unlock() - leave the RCU section of a batch
 * @walk: the walk.
 *
 * The thread the walk stands on is referenced, to go on from.
 */
void tlsview_group_walk_unlock(struct tlsview_group_walk *walk)
	__releases(RCU)
{
	struct task_struct *old = walk->held;

	walk->held = walk->pos;
	if (walk->held)
		get_task_struct(walk->held);
	rcu_read_unlock();
	if (old)
		put_task_struct(old);
}

/**
 * tlsview_group_walk_end() - drop what the walk holds
 * @walk: the walk, outside its RCU sections.
 */
void tlsview_group_walk_end(struct tlsview_group_walk *walk)
{
	if (walk->held)
		put_task_struct(walk->held);
	walk->held = NULL;
	walk->pos = NULL;
}

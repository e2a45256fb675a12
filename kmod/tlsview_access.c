// SPDX-License-Identifier: GPL-2.0
/*
 * tlsview: which threads a reader may see.
 *
 * The rule is ptrace-read access made stricter, because the module cannot
 * call ptrace_may_access() (not exported) and so consults no LSM (Yama,
 * SELinux): a reader sees its own thread group; a reader with CAP_SYS_PTRACE
 * in the initial user namespace sees every thread, kernel threads included;
 * any other reader sees a thread only when the thread's real, effective and
 * saved uids and gids all equal the reader's and the thread is dumpable by its
 * owner (SUID_DUMP_USER, TASK_DUMPABLE_OWNER since 7.2: tlsview_compat.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/user_namespace.h>

#include "tlsview.h"
#include "tlsview_compat.h"

/**
 * tlsview_reader_get() - capture the current thread as a reader
 * @reader: filled in; release with tlsview_reader_put().
 *
 * The capability is evaluated once per request, without an audit record:
 * a listing by an unprivileged reader would otherwise log one denial per
 * thread it is not allowed to see.
 */
void tlsview_reader_get(struct tlsview_reader *reader)
{
	reader->task = current;
	reader->cred = get_current_cred();
	reader->sees_all = ns_capable_noaudit(&init_user_ns, CAP_SYS_PTRACE);
}

/**
 * tlsview_reader_put() - release what tlsview_reader_get() took
 * @reader: the reader.
 */
void tlsview_reader_put(struct tlsview_reader *reader)
{
	put_cred(reader->cred);
	reader->cred = NULL;
}

static bool tlsview_same_ids(const struct cred *a, const struct cred *b)
{
	return uid_eq(a->uid, b->uid) && uid_eq(a->euid, b->euid) &&
	       uid_eq(a->suid, b->suid) && gid_eq(a->gid, b->gid) &&
	       gid_eq(a->egid, b->egid) && gid_eq(a->sgid, b->sgid);
}

static bool tlsview_user_dumpable(struct task_struct *task)
{
	bool dumpable;

	task_lock(task);
	dumpable = tlsview_owner_dumpable(task);
	task_unlock(task);
	return dumpable;
}

/**
 * tlsview_may_view() - may @reader see @task?
 * @reader: from tlsview_reader_get().
 * @task:   a thread, referenced or inside an RCU read-side section.
 *
 * Does not sleep, so listings can call it under rcu_read_lock().
 * Return: true when the view of @task may be given to @reader.
 */
bool tlsview_may_view(const struct tlsview_reader *reader,
		      struct task_struct *task)
{
	bool same_ids;

	if (reader->sees_all)
		return true;
	if (task->flags & PF_KTHREAD)
		return false;
	if (same_thread_group(task, reader->task))
		return true;

	rcu_read_lock();
	same_ids = tlsview_same_ids(__task_cred(task), reader->cred);
	rcu_read_unlock();
	if (!same_ids)
		return false;
	/*
	 * As in ptrace's __ptrace_may_access(): read the dumpability after
	 * the credentials, so a thread that dropped privileges (and became
	 * not dumpable) is not seen with its old ids. Pairs with the write
	 * barrier in commit_creds().
	 */
	smp_rmb();
	return tlsview_user_dumpable(task);
}

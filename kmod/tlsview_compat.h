/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsview: every difference between the kernels the module builds on, in
 * one place. Which side of each difference the target kernel is on is found
 * by compiling the files of kmod/probes/ against its headers (kmod/Kbuild
 * writes the answers to tlsview_features.h), never by LINUX_VERSION_CODE:
 * distribution kernels backport.
 *
 * Kernel changes that need no shim:
 * - no_llseek was removed in 6.12 (commit "fs: remove no_llseek"): the
 *   module's open is nonseekable_open(), which already makes llseek fail
 *   with ESPIPE, so .llseek is simply left unset.
 * - __get_task_comm() was removed in 6.13 (commit "get rid of
 *   __get_task_comm()"): get_task_comm(), on every kernel, is used instead.
 */
#ifndef _TLSVIEW_COMPAT_H
#define _TLSVIEW_COMPAT_H

#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/task.h>

#include "tlsview_features.h"

/*
 * 6.16 renamed rdmsrl() to rdmsrq() (commit "x86/msr: Rename 'rdmsrl()' to
 * 'rdmsrq()'"); the module uses the new name.
 */
#ifndef TLSVIEW_HAVE_RDMSRQ
#define rdmsrq(msr, val) rdmsrl(msr, val)
#endif

/*
 * Is @task's dumpability "dumpable by its owner" (what ptrace's uid-match
 * path requires)? The caller holds task_lock(@task), which keeps @task->mm
 * and, since 7.2, @task->exec_state from changing.
 *
 * Up to 7.1 the mode lives in mm->flags (get_dumpable(), SUID_DUMP_USER).
 * 7.2 moved it into task->exec_state (include/linux/sched/exec_state.h,
 * TASK_DUMPABLE_OWNER); its getter task_exec_state_get_dumpable() is not
 * exported, but struct task_exec_state is in that public header, so the
 * field is read here as the getter and ptrace's task_still_dumpable() read
 * it: one READ_ONCE, the pointer stable under alloc_lock. The mm must still
 * be there, as before: a thread without one (exiting) is never dumpable.
 *
 * A kernel with neither: tlsview_dumpability_known() is false and the module
 * refuses to load (tlsview_init()) rather than show threads under a looser
 * rule.
 */
#if defined(TLSVIEW_HAVE_TASK_EXEC_STATE) || defined(TLSVIEW_HAVE_GET_DUMPABLE)
static inline bool tlsview_dumpability_known(void)
{
	return true;
}
#endif

#if defined(TLSVIEW_HAVE_TASK_EXEC_STATE)
#include <linux/sched/exec_state.h>

static inline bool tlsview_owner_dumpable(struct task_struct *task)
{
	struct task_exec_state *exec_state;

	exec_state = rcu_dereference_protected(task->exec_state,
					       lockdep_is_held(&task->alloc_lock));
	return task->mm && exec_state &&
	       READ_ONCE(exec_state->dumpable) == TASK_DUMPABLE_OWNER;
}
#elif defined(TLSVIEW_HAVE_GET_DUMPABLE)
static inline bool tlsview_owner_dumpable(struct task_struct *task)
{
	return task->mm && get_dumpable(task->mm) == SUID_DUMP_USER;
}
#else
static inline bool tlsview_dumpability_known(void)
{
	return false;
}

static inline bool tlsview_owner_dumpable(struct task_struct *task)
{
	return false;
}
#endif

#endif /* _TLSVIEW_COMPAT_H */

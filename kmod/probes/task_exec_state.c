// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: dumpability is kept in task->exec_state, struct task_exec_state of
 * <linux/sched/exec_state.h> (7.2).
 */
#include <linux/lockdep.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/exec_state.h>

int tlsview_probe(struct task_struct *task);
int tlsview_probe(struct task_struct *task)
{
	struct task_exec_state *exec_state;

	exec_state = rcu_dereference_protected(task->exec_state,
					       lockdep_is_held(&task->alloc_lock));
	return READ_ONCE(exec_state->dumpable) == TASK_DUMPABLE_OWNER;
}

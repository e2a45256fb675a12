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
 *   __get_task_comm()"), and get_task_comm() no longer takes task_lock():
 *   the module copies comm itself, without the lock, on every kernel
 *   (tlsview_read_comm()).
 */
#ifndef _TLSVIEW_COMPAT_H
#define _TLSVIEW_COMPAT_H

#include <linux/kconfig.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/task.h>
#include <asm/cpufeature.h>

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

/*
 * May the code an interrupt landed in run with preemption disabled? Kernels
 * built without CONFIG_PREEMPT_COUNT (PREEMPT_NONE or _VOLUNTARY without
 * PREEMPT_DYNAMIC or a debug option selecting it) make preempt_disable() a
 * compiler barrier only, so there is no count to look at and the answer is
 * "maybe". Debian's kernels (PREEMPT_DYNAMIC, PREEMPT_RT) and every kernel
 * tools/kernel builds keep the count. A config option, not a probe: kbuild
 * defines it for the target kernel.
 */
static inline bool tlsview_maybe_preempt_disabled(void)
{
	return !IS_ENABLED(CONFIG_PREEMPT_COUNT) ||
	       (preempt_count() & PREEMPT_MASK);
}

/*
 * Is @task (the current thread, read from an IPI or by itself) a KVM vCPU
 * thread whose MSR_KERNEL_GS_BASE may hold the guest's kernel GS base? On
 * VMX (Intel) hosts vmx_prepare_switch_to_guest() writes the guest's value
 * there on the first VM entry after vcpu_load() and keeps it, interrupts on,
 * across VM exits until vmx_prepare_switch_to_host() (on sched-out, or at
 * vcpu_put() when the ioctl ends). On its way in it runs current_save_fsgs(),
 * so task->thread.gsbase holds the thread's user GS base exactly for as
 * long as the guest's value is loaded. Between vcpu_load() and vcpu_put()
 * KVM has registered a preempt notifier on the thread, and KVM is the only
 * user of those in the kernel: that is what is looked at, since KVM's own
 * state (vmx->vt.guest_state_loaded) is private to kvm_intel. SVM (AMD)
 * swaps that MSR with VMLOAD/VMSAVE with interrupts off and needs nothing.
 */
static inline bool tlsview_vmx_vcpu_thread(struct task_struct *task)
{
#ifdef CONFIG_PREEMPT_NOTIFIERS
	return boot_cpu_has(X86_FEATURE_VMX) &&
	       !hlist_empty(&task->preempt_notifiers);
#else
	return false;
#endif
}

#endif /* _TLSVIEW_COMPAT_H */

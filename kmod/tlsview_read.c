// SPDX-License-Identifier: GPL-2.0
/*
 * tlsview: read one thread's FS/GS bases, selectors and TLS descriptors.
 *
 * With FSGSBASE, user code changes its bases with wrfsbase/wrgsbase without
 * entering the kernel, so the copy in thread_struct is only exact while the
 * thread is switched out. A thread that is running is therefore read on its
 * CPU, from the registers, by an IPI that first confirms the CPU still runs
 * that thread. A thread that is not running is read from thread_struct.
 *
 * The kernel's own helpers for this (x86_fsbase_read_task(),
 * x86_fsgsbase_read_task(), task_curr()) are not exported, so the same
 * logic is written here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pid_namespace.h>
#include <linux/preempt.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/smp.h>
#include <linux/string.h>

#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/mmu_context.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/syscall.h>
#include <asm/thread_info.h>
#include <asm/unistd.h>

#include "tlsview.h"
#include "tlsview_compat.h"

/*
 * How often a read chases a thread that keeps being switched in and out
 * between the check and the read before settling for its saved state.
 */
#define TLSVIEW_READ_TRIES	8

/**
 * struct tlsview_regs - one thread's raw FS/GS state
 * @fsbase:  user FS base.
 * @gsbase:  user GS base.
 * @fsindex: user FS selector.
 * @gsindex: user GS selector.
 * @tls:     the GDT TLS slots as the thread has them.
 * @cpu:     where the thread runs (live) or last ran (saved).
 * @live:    read from the registers of the CPU running the thread.
 */
struct tlsview_regs {
	unsigned long fsbase;
	unsigned long gsbase;
	unsigned short fsindex;
	unsigned short gsindex;
	struct desc_struct tls[GDT_ENTRY_TLS_ENTRIES];
	unsigned int cpu;
	bool live;
};

/**
 * struct tlsview_live_call - an IPI's question and answer
 * @task:    the thread the caller believes runs on the target CPU.
 * @regs:    its registers, valid when @regs.live is set.
 * @settled: the IPI did not interrupt arch_prctl() half way through
 *           setting a base, so @regs are the thread's user state.
 */
struct tlsview_live_call {
	struct task_struct *task;
	struct tlsview_regs regs;
	bool settled;
};

/**
 * tlsview_kernel_uses_fsgsbase() - does the kernel run with FSGSBASE?
 *
 * False when the CPU lacks it and when the kernel was booted with
 * ``nofsgsbase``, which clears the feature bit.
 *
 * Return: true when user code may use rd/wr{fs,gs}base.
 */
bool tlsview_kernel_uses_fsgsbase(void)
{
	return boot_cpu_has(X86_FEATURE_FSGSBASE);
}

/*
 * Must run with interrupts off on the CPU whose current thread is read. In
 * kernel mode the user GS base sits in MSR_KERNEL_GS_BASE (swapgs on entry
 * swapped it there); the FS base and both selectors are the user's as is.
 */
static void tlsview_read_own_regs(struct tlsview_regs *regs)
{
	struct task_struct *task = current;

	lockdep_assert_irqs_disabled();
	savesegment(fs, regs->fsindex);
	savesegment(gs, regs->gsindex);
	rdmsrq(MSR_FS_BASE, regs->fsbase);
	rdmsrq(MSR_KERNEL_GS_BASE, regs->gsbase);
	/*
	 * A KVM vCPU thread between VM exits may have the guest's kernel GS
	 * base in that MSR; its own was saved on the way in (tlsview_compat.h).
	 */
	if (tlsview_vmx_vcpu_thread(task))
		regs->gsbase = READ_ONCE(task->thread.gsbase);
	memcpy(regs->tls, task->thread.tls_array, sizeof(regs->tls));
	regs->cpu = smp_processor_id();
	regs->live = true;
}

static void tlsview_live_ipi(void *info)
{
	struct tlsview_live_call *call = info;

	/* The thread may have been switched out since the caller looked. */
	if (current != call->task)
		return;
	tlsview_read_own_regs(&call->regs);
	/*
	 * arch_prctl(ARCH_SET_FS/GS) changes the calling thread's selector
	 * and base in two steps with preemption off but interrupts on
	 * (loadseg() of a null selector, then the base MSR; load_gs_index()
	 * even re-enables interrupts in between), so this IPI may land in
	 * between and see a base the thread never has in user mode. That is
	 * the only kernel code that updates a running thread's own bases in
	 * steps; anywhere else (user mode, any other system call, other
	 * preempt-disabled sections such as a migration) the registers hold
	 * the thread's user state as it is, and are the only exact copy of it.
	 *
	 * PREEMPT_RT (6.12-rt, 7.x-rt) keeps this true: preempt_disable()
	 * still raises PREEMPT_MASK there (PREEMPT_RT selects PREEMPTION,
	 * which selects PREEMPT_COUNT; what RT changes are spinlock_t and
	 * local_bh sections, which become sleeping locks and migrate_disable()
	 * and leave PREEMPT_MASK alone, so fewer reads are retried for
	 * nothing); do_arch_prctl_64() brackets the two steps with
	 * preempt_disable() on RT as everywhere; and this call-function IPI is
	 * not threaded on RT but runs in hard interrupt context on top of the
	 * interrupted thread, so preempt_count() is that thread's count plus
	 * HARDIRQ_OFFSET, outside PREEMPT_MASK.
	 */
	call->settled = !(tlsview_maybe_preempt_disabled() &&
			  syscall_get_nr(current, task_pt_regs(current)) ==
			  __NR_arch_prctl);
}

/*
 * Read the thread_struct copy of a thread that is not running. The copy is
 * written by save_fsgs() when the thread is switched out, before on_cpu is
 * cleared with release semantics; the switch counters tell whether it was
 * switched in and out again while we were reading.
 */
static bool tlsview_read_saved(struct task_struct *task,
			       struct tlsview_regs *regs, bool must_be_off_cpu)
{
	struct thread_struct *thread = &task->thread;
	unsigned long switches;
	bool off_cpu;

	/* Pairs with the release in finish_task(): the save is visible. */
	off_cpu = !smp_load_acquire(&task->on_cpu);
	if (must_be_off_cpu && !off_cpu)
		return false;
	switches = READ_ONCE(task->nvcsw) + READ_ONCE(task->nivcsw);

	regs->fsindex = READ_ONCE(thread->fsindex);
	regs->gsindex = READ_ONCE(thread->gsindex);
	regs->fsbase = READ_ONCE(thread->fsbase);
	regs->gsbase = READ_ONCE(thread->gsbase);
	memcpy(regs->tls, thread->tls_array, sizeof(regs->tls));
	regs->cpu = task_cpu(task);
	regs->live = false;

	/* Order the reads of the copy before the rechecks below. */
	smp_rmb();
	return off_cpu && !READ_ONCE(task->on_cpu) &&
	       switches == READ_ONCE(task->nvcsw) + READ_ONCE(task->nivcsw);
}

static void tlsview_read_live_or_saved(struct task_struct *task,
				       struct tlsview_regs *regs,
				       bool may_sleep)
{
	struct tlsview_live_call call = { .task = task };
	int tries;

	for (tries = 0; tries < TLSVIEW_READ_TRIES; tries++) {
		if (tlsview_read_saved(task, regs, true))
			return;
		if (!READ_ONCE(task->on_cpu))
			continue;
		/*
		 * task_cpu() may be stale by the time the IPI lands: the
		 * handler checks current, and an offline CPU fails the call.
		 */
		call.regs.live = false;
		if (!smp_call_function_single(task_cpu(task), tlsview_live_ipi,
					      &call, 1) &&
		    call.regs.live && call.settled) {
			*regs = call.regs;
			return;
		}
		if (may_sleep)
			cond_resched();
	}
	/*
	 * A thread that kept moving, or kept being caught inside arch_prctl's
	 * update (an IPI pended while its interrupts were off is delivered
	 * where load_gs_index() turns them back on, inside that update), is
	 * described by its saved state: arch_prctl writes thread.fsbase and
	 * gsbase itself, so that copy holds the value it is replacing.
	 */
	tlsview_read_saved(task, regs, false);
}

/*
 * The base behind a selector when FSGSBASE is off, as the kernel computes
 * it for a thread that is not current: GDT TLS slots from the thread, LDT
 * entries from its mm under mm->context.lock (so never inside an IPI).
 */
static unsigned long tlsview_selector_base(struct task_struct *task,
					   const struct tlsview_regs *regs,
					   unsigned short selector)
{
	unsigned short idx = selector >> 3;
	unsigned long base = 0;

	if (!(selector & SEGMENT_TI_MASK)) {
		if (idx < GDT_ENTRY_TLS_MIN || idx > GDT_ENTRY_TLS_MAX)
			return 0;
		return get_desc_base(&regs->tls[idx - GDT_ENTRY_TLS_MIN]);
	}

#ifdef CONFIG_MODIFY_LDT_SYSCALL
	{
		struct mm_struct *mm = get_task_mm(task);
		struct ldt_struct *ldt;

		if (!mm)
			return 0;
		mutex_lock(&mm->context.lock);
		ldt = mm->context.ldt;
		if (ldt && idx < ldt->nr_entries)
			base = get_desc_base(&ldt->entries[idx]);
		mutex_unlock(&mm->context.lock);
		mmput(mm);
	}
#endif
	return base;
}

static void tlsview_decode_desc(const struct desc_struct *desc,
				unsigned int entry_number,
				struct tlsview_desc *out)
{
	u32 flags = 0;

	memset(out, 0, sizeof(*out));
	out->entry_number = entry_number;
	if (desc_empty(desc)) {
		out->flags = TLSVIEW_DESC_EMPTY;
		return;
	}
	out->base_addr = get_desc_base(desc);
	out->limit = get_desc_limit(desc);
	if (desc->d)
		flags |= TLSVIEW_DESC_SEG_32BIT;
	flags |= ((u32)desc->type >> 2) << TLSVIEW_DESC_CONTENTS_SHIFT &
		 TLSVIEW_DESC_CONTENTS_MASK;
	if (!(desc->type & 2))
		flags |= TLSVIEW_DESC_READ_EXEC_ONLY;
	if (desc->g)
		flags |= TLSVIEW_DESC_LIMIT_IN_PAGES;
	if (!desc->p)
		flags |= TLSVIEW_DESC_SEG_NOT_PRESENT;
	if (desc->avl)
		flags |= TLSVIEW_DESC_USEABLE;
	if (desc->l)
		flags |= TLSVIEW_DESC_LM;
	out->flags = flags;
}

/**
 * tlsview_task_tracer() - who traces a thread
 * @task: the thread, referenced by the caller.
 * @ns:   the pid namespace the answer is for.
 *
 * Return: the id of @task's tracer in @ns, as /proc's TracerPid; 0 when
 * @task is not traced or its tracer is outside @ns.
 */
pid_t tlsview_task_tracer(struct task_struct *task, struct pid_namespace *ns)
{
	struct task_struct *tracer;
	pid_t nr = 0;

	rcu_read_lock();
	tracer = ptrace_parent(task);
	if (tracer)
		nr = task_pid_nr_ns(tracer, ns);
	rcu_read_unlock();
	return nr;
}

/*
 * The state bits, from the letter /proc shows for the thread (the same
 * task_state_index()), so that the module and a reader of /proc agree.
 * A thread that has passed exit_notify() is a zombie even while it still
 * runs the last of do_exit(): its user state is gone.
 *
 * exit_state is only looked at once PF_EXITING is set: do_exit() sets that
 * flag before exit_notify() sets exit_state, so any other thread has none,
 * and a listing spares a cache line per thread.
 */
static u32 tlsview_state_flags(struct task_struct *task)
{
	unsigned int task_flags = READ_ONCE(task->flags);
	unsigned int exit_state = 0;
	u32 flags = 0;

	if (READ_ONCE(task->ptrace))
		flags |= TLSVIEW_TASK_TRACED;
	if (task_flags & PF_EXITING)
		exit_state = READ_ONCE(task->exit_state);
	switch (task_index_to_char(__task_state_index(READ_ONCE(task->__state),
						      exit_state))) {
	case 'R':
		break;
	case 'T':
	case 't':
		flags |= TLSVIEW_TASK_STOPPED;
		break;
	case 'Z':
	case 'X':
		return flags | TLSVIEW_TASK_ZOMBIE;
	default:
		flags |= TLSVIEW_TASK_SLEEPING;
		break;
	}
	if (task_flags & PF_EXITING)
		return (flags & TLSVIEW_TASK_TRACED) | TLSVIEW_TASK_EXITING;
	return flags;
}

/*
 * The thread's name, read without task_lock(), the way get_task_comm() reads
 * it on kernels whose __set_task_comm() no longer takes that lock either
 * (7.2 here): a thread renamed during the read may come out as a byte-wise
 * mix of its two names, always NUL-terminated. The lock would cost a listing
 * an atomic operation and two more cache lines per thread (alloc_lock and
 * comm are far apart), for a name that is only a label.
 */
static void tlsview_read_comm(struct task_struct *task,
			      char comm[TLSVIEW_COMM_LEN])
{
	BUILD_BUG_ON(sizeof(task->comm) != TLSVIEW_COMM_LEN);
	strscpy_pad(comm, task->comm, TLSVIEW_COMM_LEN);
}

static bool __tlsview_read_task(struct task_struct *task, bool saved_only,
				bool may_sleep, struct tlsview_task *view)
{
	struct tlsview_regs regs;
	unsigned long irqflags;
	int i;

	memset(view, 0, sizeof(*view));
	view->flags = tlsview_state_flags(task);
	if (view->flags & TLSVIEW_TASK_TRACED)
		view->tracer = tlsview_task_tracer(task,
						   task_active_pid_ns(current));

	if (view->flags & TLSVIEW_TASK_ZOMBIE) {
		/* No user state left to read: report none, never stale. */
		for (i = 0; i < TLSVIEW_TLS_SLOTS; i++) {
			view->tls[i].entry_number = GDT_ENTRY_TLS_MIN + i;
			view->tls[i].flags = TLSVIEW_DESC_EMPTY;
		}
		view->cpu = task_cpu(task);
		if (task->flags & PF_KTHREAD)
			view->flags |= TLSVIEW_TASK_KTHREAD;
		tlsview_read_comm(task, view->comm);
		return true;
	}

	if (task->flags & PF_KTHREAD) {
		/* Kernel threads have no user FS/GS state. */
		memcpy(regs.tls, task->thread.tls_array, sizeof(regs.tls));
		regs.fsbase = 0;
		regs.gsbase = 0;
		regs.fsindex = 0;
		regs.gsindex = 0;
		regs.cpu = task_cpu(task);
		regs.live = false;
		view->flags |= TLSVIEW_TASK_KTHREAD;
	} else if (saved_only) {
		for (i = 0; i < TLSVIEW_READ_TRIES; i++)
			if (tlsview_read_saved(task, &regs, true))
				break;
		if (i == TLSVIEW_READ_TRIES)
			tlsview_read_saved(task, &regs, false);
	} else if (task == current) {
		local_irq_save(irqflags);
		tlsview_read_own_regs(&regs);
		local_irq_restore(irqflags);
	} else {
		tlsview_read_live_or_saved(task, &regs, may_sleep);
	}

	/*
	 * Registers are the truth. Without FSGSBASE the saved base of a
	 * thread with a nonzero selector is not kept (save_base_legacy()
	 * zeroes it): the selected descriptor holds it.
	 */
	if (!regs.live && !(task->flags & PF_KTHREAD) &&
	    !tlsview_kernel_uses_fsgsbase()) {
		/* An LDT entry is read under a mutex. */
		if (!may_sleep &&
		    ((regs.fsindex | regs.gsindex) & SEGMENT_TI_MASK))
			return false;
		if (regs.fsindex)
			regs.fsbase = tlsview_selector_base(task, &regs,
							    regs.fsindex);
		if (regs.gsindex)
			regs.gsbase = tlsview_selector_base(task, &regs,
							    regs.gsindex);
	}

	if (regs.live)
		view->flags |= TLSVIEW_TASK_LIVE;
	/* x32 also sets TIF_ADDR32, but Debian's kernel disables x32. */
	if (test_tsk_thread_flag(task, TIF_ADDR32))
		view->flags |= TLSVIEW_TASK_COMPAT;
	view->cpu = regs.cpu;
	view->fsbase = regs.fsbase;
	view->gsbase = regs.gsbase;
	view->fsindex = regs.fsindex;
	view->gsindex = regs.gsindex;
	for (i = 0; i < TLSVIEW_TLS_SLOTS; i++)
		tlsview_decode_desc(&regs.tls[i], GDT_ENTRY_TLS_MIN + i,
				    &view->tls[i]);
	tlsview_read_comm(task, view->comm);
	return true;
}

/**
 * tlsview_read_task() - the view of one thread
 * @task:       the thread, referenced by the caller.
 * @saved_only: report the saved state, never IPI.
 * @view:       filled in, except @view->tid and @view->tgid, which depend
 *              on the reader's pid namespace.
 *
 * Context: process context; may sleep (IPI with wait, LDT mutex).
 */
void tlsview_read_task(struct task_struct *task, bool saved_only,
		       struct tlsview_task *view)
{
	__tlsview_read_task(task, saved_only, true, view);
}

/**
 * tlsview_read_task_atomic() - the view of one thread, without sleeping
 * @task: the thread, referenced by the caller or inside an RCU read-side
 *        section.
 * @view: as for tlsview_read_task().
 *
 * The same read as tlsview_read_task(..., false, ...), made where sleeping
 * is not allowed: between IPI retries it does not reschedule, and a base
 * behind an LDT selector (FSGSBASE off), which is read under a mutex, is
 * not read at all.
 *
 * Context: may not sleep; interrupts on (IPI with wait).
 * Return: true when @view was filled in; false when the thread needs
 * tlsview_read_task().
 */
bool tlsview_read_task_atomic(struct task_struct *task,
			      struct tlsview_task *view)
{
	return __tlsview_read_task(task, false, false, view);
}

static void tlsview_read_cr4_ipi(void *info)
{
	unsigned long *cr4 = info;

	*cr4 = __read_cr4();
}

/**
 * tlsview_read_cpu() - CR4 as read on one CPU
 * @cpu:  a CPU id below nr_cpu_ids.
 * @view: filled in; @view->cpu is set to @cpu.
 *
 * Context: process context; may sleep.
 */
void tlsview_read_cpu(unsigned int cpu, struct tlsview_cpu *view)
{
	unsigned long cr4 = 0;

	memset(view, 0, sizeof(*view));
	view->cpu = cpu;

	cpus_read_lock();
	if (cpu_online(cpu) &&
	    !smp_call_function_single(cpu, tlsview_read_cr4_ipi, &cr4, 1)) {
		view->flags |= TLSVIEW_CPU_ONLINE;
		if (cr4 & X86_CR4_FSGSBASE)
			view->flags |= TLSVIEW_CPU_FSGSBASE;
		view->cr4 = cr4;
	}
	cpus_read_unlock();
}

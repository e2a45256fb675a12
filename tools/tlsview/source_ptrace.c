// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/source_ptrace.c - thread views without the module, the way
 * a debugger gets them: for one thread at a time PTRACE_SEIZE, then
 * PTRACE_INTERRUPT (the thread stops at once wherever it is, and no signal
 * is sent, so nothing in the process can notice but the delay), then
 * libtlsview's tlsview_tracee_read() (PTRACE_GETREGS and
 * PTRACE_GET_THREAD_AREA), then PTRACE_DETACH. A thread
 * that was stopped (job control) stays stopped: the kernel puts it back
 * into its group stop at detach. A signal that arrived while it was held
 * is handed back at detach.
 *
 * The kernel applies ptrace's access rules, which are the module's: a
 * thread we may not trace is left out of a listing, and is an error when
 * asked for alone. Each thread's state, CPU and name come from /proc,
 * read before ptrace touches it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <tlsview/fsgs.h>
#include <tlsview/ia32.h>
#include <tlsview/tracee.h>
#include "tlsview.h"

/* include/uapi/linux/capability.h */
#define CAP_SYS_PTRACE_BIT 19

static void empty_slots(struct tlsview_task *view)
{
	int slot;

	for (slot = 0; slot < TLSVIEW_TLS_SLOTS; slot++) {
		view->tls[slot].entry_number = TLSVIEW_TLS_ENTRY_MIN + slot;
		view->tls[slot].flags = TLSVIEW_DESC_EMPTY;
	}
}

/*
 * A thread cannot trace itself: tlsview reads its own bases directly. Its
 * TLS slots are empty, because execve() cleared them and tlsview never
 * sets any.
 */
static void read_self(struct tlsview_task *view)
{
	uint64_t base;

	view->fsindex = tlsview_arch_fs_selector();
	view->gsindex = tlsview_arch_gs_selector();
	if (tlsview_get_fs_syscall(&base) == 0)
		view->fsbase = base;
	if (tlsview_get_gs_syscall(&base) == 0)
		view->gsbase = base;
	view->flags |= TLSVIEW_TASK_LIVE;
	view->cpu = (uint32_t)sched_getcpu();
	empty_slots(view);
}

/*
 * Wait for the stop PTRACE_INTERRUPT asked for; returns the signal to hand
 * back. A thread blocked where a trap cannot reach it (uninterruptible
 * sleep, a vfork parent) would hold up the whole listing: after
 * STOP_WAIT_MS it is given up with -ETIMEDOUT. A runnable thread has the
 * trap pending and stops as soon as it gets a CPU, which on a loaded
 * machine can take longer than that: it is waited for, STOP_WAIT_MS at a
 * time, up to STOP_WAIT_RUNNABLE_MS, then given up with -EAGAIN. A thread
 * given up stays attached until tlsview exits, when the kernel detaches it
 * and drops the pending trap, so it too is left as it was.
 */
#define STOP_WAIT_MS 1000
#define STOP_WAIT_RUNNABLE_MS 10000

static volatile sig_atomic_t stop_wait_expired;

static void stop_wait_alarm(int signal_number)
{
	(void)signal_number;
	stop_wait_expired = 1;
}

/* The alarm interrupts waitpid (no SA_RESTART), so a blocked wait ends. */
static void arm_stop_wait(bool arm)
{
	static bool handler_installed;
	struct itimerval timer = { 0 };

	if (arm && !handler_installed) {
		struct sigaction action = { 0 };

		action.sa_handler = stop_wait_alarm;
		sigemptyset(&action.sa_mask);
		sigaction(SIGALRM, &action, NULL);
		handler_installed = true;
	}
	stop_wait_expired = 0;
	if (arm)
		timer.it_value = (struct timeval){ STOP_WAIT_MS / 1000, STOP_WAIT_MS % 1000 * 1000 };
	setitimer(ITIMER_REAL, &timer, NULL);
}

/* Is the thread blocked (sleeping), rather than runnable or stopping? */
static bool blocked(pid_t tgid, pid_t tid)
{
	uint32_t flags;
	pid_t tracer;

	return tv_proc_state(tgid, tid, &flags, &tracer) == 0 &&
	       (flags & TLSVIEW_TASK_SLEEPING);
}

static int wait_for_stop(pid_t tgid, pid_t tid, int *signal_to_return)
{
	int status, ret = 0, waited_ms = 0;

	*signal_to_return = 0;
	arm_stop_wait(true);
	for (;;) {
		if (waitpid(tid, &status, __WALL) == -1) {
			if (errno == EINTR && !stop_wait_expired)
				continue;
			if (errno != EINTR) {
				ret = -errno;
				break;
			}
			waited_ms += STOP_WAIT_MS;
			if (blocked(tgid, tid)) {
				ret = -ETIMEDOUT;
				break;
			}
			if (waited_ms >= STOP_WAIT_RUNNABLE_MS) {
				ret = -EAGAIN;
				break;
			}
			arm_stop_wait(true);
			continue;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			ret = -ESRCH;
			break;
		}
		if (WIFSTOPPED(status))
			break;
	}
	arm_stop_wait(false);
	if (ret)
		return ret;
	/*
	 * PTRACE_EVENT_STOP is our interrupt or a group stop, which detach
	 * restores by itself. Any other stop is a signal about to be
	 * delivered: give it back at detach, or the thread would lose it.
	 */
	if ((status >> 16) != PTRACE_EVENT_STOP)
		*signal_to_return = WSTOPSIG(status);
	return 0;
}

/* The module shows kernel threads (zero bases) to CAP_SYS_PTRACE only: so do we. */
static bool have_cap_sys_ptrace(void)
{
	static int known = -1;
	unsigned long long effective = 0;
	char line[256];
	FILE *file;

	if (known >= 0)
		return known;
	file = fopen("/proc/self/status", "re");
	if (!file)
		return false;
	while (fgets(line, sizeof(line), file))
		if (sscanf(line, "CapEff: %llx", &effective) == 1)
			break;
	fclose(file);
	known = !!(effective & (1ULL << CAP_SYS_PTRACE_BIT));
	return known;
}

/*
 * The view of one thread by ptrace, with its state, CPU and name from
 * /proc read first, before ptrace disturbs it. Returns 0 (the entry is
 * filled, without bases when entry->no_bases says why), -ESRCH (it
 * exited) or -EPERM (the caller may not trace it).
 */
static int read_thread(pid_t tgid, pid_t tid, struct tv_thread *entry)
{
	struct tlsview_task *view = &entry->view;
	int ret, detach_signal = 0;
	pid_t tracer;

	memset(entry, 0, sizeof(*entry));
	view->tgid = tgid;
	view->tid = tid;
	ret = tv_proc_state(tgid, tid, &view->flags, &tracer);
	if (ret)
		return ret;
	view->tracer = tracer;
	view->cpu = (uint32_t)tv_proc_cpu(tgid, tid);
	tv_proc_comm(tgid, tid, view->comm);
	empty_slots(view);
	if (tid == gettid()) {
		read_self(view);
		return 0;
	}
	/* Listed without tracing: the visibility rule is ours to apply. */
	if ((view->flags & TLSVIEW_TASK_ZOMBIE) || tracer) {
		if (!have_cap_sys_ptrace() && !tv_proc_visible(tgid, tid))
			return -EPERM;
	}
	if (view->flags & TLSVIEW_TASK_ZOMBIE)
		return 0;	/* nothing to read: tv_threads_mark_states says so */
	if (tracer) {
		snprintf(entry->no_bases, sizeof(entry->no_bases),
			 "held by tracer %d, and a thread has one tracer at a time "
			 "(detach it, or load the module)", (int)tracer);
		return 0;
	}
	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) == -1)
		return errno == ESRCH ? -ESRCH : -EPERM;
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) == -1) {
		ret = -errno;
		goto detach;
	}
	ret = wait_for_stop(tgid, tid, &detach_signal);
	/* Still attached: the kernel detaches it, untouched, when we exit. */
	if (ret == -ETIMEDOUT) {
		snprintf(entry->no_bases, sizeof(entry->no_bases),
			 "ptrace could not stop it within %d ms: it is blocked where a trap "
			 "cannot reach it (a vfork parent, or uninterruptible sleep)", STOP_WAIT_MS);
		return 0;
	}
	if (ret == -EAGAIN) {
		snprintf(entry->no_bases, sizeof(entry->no_bases),
			 "ptrace could not stop it within %d ms: it is runnable but got no CPU "
			 "(the machine is overloaded)", STOP_WAIT_RUNNABLE_MS);
		return 0;
	}
	if (ret == -ESRCH)
		return ret;	/* exited: nothing to detach from */
	if (ret == 0) {
		struct tlsview_task regs;

		/* libtlsview's reader fills a whole view: take its bases and slots. */
		ret = tlsview_tracee_read(tid, &regs);
		if (!ret) {
			view->fsbase = regs.fsbase;
			view->gsbase = regs.gsbase;
			view->fsindex = regs.fsindex;
			view->gsindex = regs.gsindex;
			memcpy(view->tls, regs.tls, sizeof(view->tls));
			view->flags |= regs.flags & TLSVIEW_TASK_COMPAT;
		}
	}
detach:
	/* If this fails the thread is gone, or it is detached when we exit. */
	ptrace(PTRACE_DETACH, tid, NULL, (void *)(uintptr_t)detach_signal);
	return ret == -ESRCH ? ret : ret ? -EPERM : 0;
}

struct collect_state {
	struct tv_threads *threads;
	pid_t tgid;
	bool show_kthreads;
};

static void read_kthread(pid_t tgid, pid_t tid, struct tv_thread *entry)
{
	pid_t tracer;

	memset(entry, 0, sizeof(*entry));
	entry->view.tgid = tgid;
	entry->view.tid = tid;
	tv_proc_state(tgid, tid, &entry->view.flags, &tracer);
	entry->view.flags |= TLSVIEW_TASK_KTHREAD;
	entry->view.cpu = (uint32_t)tv_proc_cpu(tgid, tid);
	empty_slots(&entry->view);
	tv_proc_comm(tgid, tid, entry->view.comm);
}

/*
 * Threads the caller may not trace are left out without a word, as the
 * module leaves out what the caller may not see; threads it may see but
 * could not read are listed without bases and counted as skipped.
 */
static int collect_thread(pid_t tid, void *data)
{
	struct collect_state *state = data;
	struct tv_thread thread, *entry;

	if (tv_proc_is_kthread(state->tgid, tid)) {
		if (!state->show_kthreads)
			return 0;
		read_kthread(state->tgid, tid, &thread);
	} else if (read_thread(state->tgid, tid, &thread)) {
		return 0;	/* exited meanwhile, or not visible to the caller */
	}
	entry = tv_threads_add(state->threads);
	if (!entry)
		return -ENOMEM;
	*entry = thread;
	if (entry->no_bases[0])
		state->threads->skipped++;
	return 0;
}

static int collect_process(pid_t tgid, void *data)
{
	struct collect_state *state = data;
	char dir[64];
	int ret;

	state->tgid = tgid;
	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)tgid);
	ret = tv_proc_each_number(dir, collect_thread, state);
	return ret == -ESRCH ? 0 : ret;
}

static int collect_single(pid_t tid, struct tv_threads *threads)
{
	struct tv_thread thread, *entry;
	pid_t tgid;
	int ret;

	tgid = tv_proc_tgid_of(tid);
	if (tgid < 0) {
		tv_error("no thread %d", (int)tid);
		return TV_EXIT_FAILURE;
	}
	if (tv_proc_is_kthread(tgid, tid)) {
		if (!have_cap_sys_ptrace()) {
			tv_error_not_visible(tgid, tid, false);
			return TV_EXIT_FAILURE;
		}
		read_kthread(tgid, tid, &thread);
	} else {
		ret = read_thread(tgid, tid, &thread);
		if (ret == -ESRCH) {
			tv_error("no thread %d (it exited)", (int)tid);
			return TV_EXIT_FAILURE;
		}
		if (ret) {
			tv_error_not_visible(tgid, tid, false);
			return TV_EXIT_FAILURE;
		}
		if (thread.no_bases[0]) {
			tv_error("thread %d: %s", (int)tid, thread.no_bases);
			return TV_EXIT_FAILURE;
		}
	}
	entry = tv_threads_add(threads);
	if (!entry) {
		tv_error("out of memory");
		return TV_EXIT_FAILURE;
	}
	*entry = thread;
	return TV_EXIT_OK;
}

int tv_ptrace_collect(const struct tv_options *options, struct tv_threads *threads)
{
	struct collect_state state = {
		.threads = threads,
		.show_kthreads = have_cap_sys_ptrace(),
	};
	int ret;

	threads->source = TV_SOURCE_PTRACE;
	if (options->tid)
		return collect_single(options->tid, threads);
	if (options->pid) {
		if (tv_proc_tgid_of(options->pid) != options->pid) {
			threads->found = TV_NO_PROCESS;
			return TV_EXIT_OK;
		}
		ret = collect_process(options->pid, &state);
		if (!ret && threads->count == 0)
			threads->found = TV_NONE_VISIBLE;
	} else {
		ret = tv_proc_each_number("/proc", collect_process, &state);
	}
	if (ret) {
		tv_error("listing threads: %s", strerror(-ret));
		return TV_EXIT_FAILURE;
	}
	return TV_EXIT_OK;
}

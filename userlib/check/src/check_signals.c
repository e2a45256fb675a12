// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Signals: what a handler sees, what sigreturn keeps.
 *
 * Workers are bare threads that rewrite their base in a loop; the caller
 * fires tgkill at them and arms a POSIX timer per worker (SIGEV_THREAD_ID),
 * and the handler, running on the interrupted worker, compares the base it
 * finds with the two values the worker may have had at that instant. The
 * handler and the workers use no libc TLS, so the FS base may hold values
 * that are not TCBs while they run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include "check_internal.h"

#define MAX_WORKERS	64
#define ALTSTACK_SIZE	(64 << 10)
#define SIG_STORM	SIGUSR1		/* tgkill storm; also the altstack part */
#define SIG_CHANGE	SIGUSR2		/* the handler changes the base */
#define SIG_TIMER	SIGALRM		/* per-thread POSIX timers */

enum sig_phase { SP_STORM = 1, SP_CHANGE, SP_ALTSTACK, SP_DONE };

struct sig_worker {
	struct check_ctx *ctx;
	struct tlsview_thread thread;
	struct tlsview_tcb *tcb;
	unsigned int index;
	int tid;
	uint64_t current;	/* the value being set now (written before the set) */
	uint64_t previous;	/* the value before it */
	uint64_t handler_value;	/* SIG_CHANGE's handler sets this */
	uint64_t signals;	/* handled */
	int in_phase;		/* the phase this worker is in (futex) */
	int handled_on_altstack;
	void *altstack;
	uint64_t loops;
};

/* One signal check at a time per process: the handler finds its worker here. */
static struct {
	struct check_ctx *ctx;
	struct sig_worker *workers;
	unsigned int count;
	int phase;		/* futex: enum sig_phase */
	bool fs;
} sig_run;

static struct sig_worker *worker_of_current(void)
{
	int tid = tlsview_sys_gettid();
	unsigned int i;

	for (i = 0; i < sig_run.count; i++)
		if (sig_run.workers[i].tid == tid)
			return &sig_run.workers[i];
	return NULL;
}

static uint64_t own_base(const struct check_ctx *ctx, bool fs)
{
	if (ctx->insn)
		return fs ? tlsview_get_fs_insn() : tlsview_get_gs_insn();
	return check_get_base_syscall(fs);
}

/* Bare-thread safe; runs on the interrupted worker. */
static void on_signal(int sig, siginfo_t *info, void *ucontext)
{
	struct sig_worker *w = worker_of_current();
	struct check_ctx *ctx;
	uint64_t seen, current, previous;
	char here;

	(void)info;
	(void)ucontext;
	if (!w)
		return;
	ctx = w->ctx;
	current = __atomic_load_n(&w->current, __ATOMIC_RELAXED);
	previous = __atomic_load_n(&w->previous, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (sig == SIG_CHANGE) {
		check_set_base(ctx, sig_run.fs, w->handler_value);
		check_self(ctx, w->tid, sig_run.fs, w->handler_value, false, w->signals);
	} else {
		/* Interrupted before or after its set: one of the two, nothing else. */
		seen = own_base(ctx, sig_run.fs);
		/* A late storm signal may land after the change handler ran. */
		if (seen != current && seen != previous &&
		    !(w->handler_value && seen == w->handler_value))
			check_mismatch(ctx, w->tid, ctx->insn ? TLSVIEW_VIEW_SELF_INSN :
				       TLSVIEW_VIEW_SELF_ARCH_PRCTL,
				       sig_run.fs ? "fsbase" : "gsbase", current, seen, w->signals,
				       "in a signal handler (expected this or the previous value)");
		else
			__atomic_fetch_add(&ctx->comparisons, 1, __ATOMIC_RELAXED);
		if (seen == current && seen == previous)
			check_self(ctx, w->tid, sig_run.fs, current, false, w->signals);
	}
	if (w->altstack && (char *)&here >= (char *)w->altstack &&
	    (char *)&here < (char *)w->altstack + ALTSTACK_SIZE)
		w->handled_on_altstack = 1;
	__atomic_add_fetch(&w->signals, 1, __ATOMIC_RELAXED);
}

static void enter_phase(struct sig_worker *w, int phase)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	int now;

	__atomic_store_n(&w->in_phase, phase, __ATOMIC_RELEASE);
	tlsview_sys_futex_wake(&w->in_phase, 1);
	while ((now = __atomic_load_n(&sig_run.phase, __ATOMIC_ACQUIRE)) <= phase &&
	       !check_stopping(w->ctx)) {
		if (phase == SP_CHANGE || phase == SP_ALTSTACK)
			tlsview_sys_futex_wait(&sig_run.phase, now, &tick);
		else
			return;		/* the storm runs until the phase moves on */
	}
}

static void set_tracked(struct sig_worker *w, uint64_t value)
{
	__atomic_store_n(&w->previous, w->current, __ATOMIC_RELAXED);
	__atomic_store_n(&w->current, value, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	check_set_base(w->ctx, sig_run.fs, value);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* Only now is the old value impossible. */
	__atomic_store_n(&w->previous, value, __ATOMIC_RELAXED);
}

static int sig_worker_main(void *arg)
{
	struct sig_worker *w = arg;
	struct check_ctx *ctx = w->ctx;
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	uint64_t i = 0, value;
	int tgid = tlsview_sys_getpid();
	struct { void *sp; int flags; size_t size; } altstack;
	unsigned long empty_mask = 0;

	w->tid = tlsview_sys_gettid();
	/* Bare threads start with every signal blocked: take ours. */
	tlsview_syscall6(14 /* rt_sigprocmask */, SIG_SETMASK, (long)&empty_mask, 0, 8, 0, 0);
	set_tracked(w, CHECK_GS_VALUE(w->index, 0));
	/* Storm: rewrite the base as fast as possible while signals land. */
	__atomic_store_n(&w->in_phase, SP_STORM, __ATOMIC_RELEASE);
	while (__atomic_load_n(&sig_run.phase, __ATOMIC_ACQUIRE) == SP_STORM &&
	       !check_stopping(ctx)) {
		value = CHECK_GS_VALUE(w->index, ++i);
		set_tracked(w, value);
		if (!check_self(ctx, w->tid, sig_run.fs, value, false, i))
			break;
	}
	w->loops = i;
	while (__atomic_load_n(&sig_run.phase, __ATOMIC_ACQUIRE) < SP_CHANGE && !check_stopping(ctx))
		tlsview_sys_futex_wait(&sig_run.phase, SP_STORM, &tick);

	/*
	 * A base changed inside a handler is still changed after sigreturn:
	 * the x86-64 signal frame has no FS/GS base, so the kernel restores
	 * none. This pins that behaviour down.
	 */
	/* Take any storm or timer signal still pending (at this syscall's exit). */
	tlsview_sys_sched_yield();
	value = CHECK_GS_VALUE(w->index, 0x7000001);
	set_tracked(w, value);
	w->handler_value = CHECK_GS_VALUE(w->index, 0x7000002);
	tlsview_sys_tgkill(tgid, w->tid, SIG_CHANGE);
	if (check_self(ctx, w->tid, sig_run.fs, w->handler_value, false, 0x7000002))
		__atomic_store_n(&w->current, w->handler_value, __ATOMIC_RELAXED);
	w->previous = w->current;
	enter_phase(w, SP_CHANGE);	/* the caller reads the module now */

	/* The same, on an alternate signal stack. */
	altstack.sp = w->altstack;
	altstack.flags = 0;
	altstack.size = ALTSTACK_SIZE;
	if (tlsview_syscall3(131 /* sigaltstack */, (long)&altstack, 0, 0) == 0) {
		value = CHECK_GS_VALUE(w->index, 0x7000003);
		set_tracked(w, value);
		tlsview_sys_tgkill(tgid, w->tid, SIG_STORM);
		if (check_self(ctx, w->tid, sig_run.fs, value, false, 0x7000003))
			check_eq(ctx, w->tid, TLSVIEW_VIEW_SELF_MEMORY, "on-altstack", 1,
				 (uint64_t)w->handled_on_altstack, 0x7000003,
				 "the handler ran on the sigaltstack");
		altstack.flags = SS_DISABLE;
		tlsview_syscall3(131, (long)&altstack, 0, 0);
	}
	enter_phase(w, SP_ALTSTACK);
	/* Block our signals again before leaving, then go home to the TCB. */
	empty_mask = ~0UL;
	tlsview_syscall6(14, SIG_SETMASK, (long)&empty_mask, 0, 8, 0, 0);
	if (sig_run.fs)
		tlsview_set_fs((uint64_t)(uintptr_t)w->tcb->tp);
	__atomic_store_n(&w->in_phase, SP_DONE, __ATOMIC_RELEASE);
	return 0;
}

/* A kernel struct sigevent for SIGEV_THREAD_ID (libc's hides the tid). */
struct kernel_sigevent {
	uint64_t value;
	int signo;
	int notify;
	int tid;
	int pad[11];
};

static void wait_workers(struct sig_worker *workers, unsigned int count, int phase,
			 struct check_ctx *ctx)
{
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	unsigned int i;
	int now;

	for (i = 0; i < count; i++)
		while ((now = __atomic_load_n(&workers[i].in_phase, __ATOMIC_ACQUIRE)) < phase &&
		       !check_stopping(ctx) && tlsview_thread_running(&workers[i].thread))
			tlsview_sys_futex_wait(&workers[i].in_phase, now, &tick);
}

static void set_phase(int phase)
{
	__atomic_store_n(&sig_run.phase, phase, __ATOMIC_RELEASE);
	tlsview_sys_futex_wake(&sig_run.phase, MAX_WORKERS);
}

TLSVIEW_CHECK_EXPORT int tlsview_check_signals(const struct tlsview_check_params *params,
					 struct tlsview_check_result *result)
{
	struct sigaction action, old_storm, old_change, old_timer;
	int timers[MAX_WORKERS];
	bool timer_ok[MAX_WORKERS] = { false };
	struct sig_worker *workers;
	struct check_ctx ctx;
	unsigned int i, count, started = 0;
	uint64_t sent = 0, round, signals = 0;
	int ret, pid = getpid();

	ret = check_begin(&ctx, params, result, 2, 2000, 0);
	if (ret)
		return ret;
	if (ctx.params.setter == TLSVIEW_SET_INSN && !ctx.insn)
		return check_skip(&ctx, "set-by-instruction needs FSGSBASE in user space");
	if (ctx.params.segment == TLSVIEW_SEG_BOTH)
		ctx.params.segment = TLSVIEW_SEG_GS;
	if (__atomic_load_n(&sig_run.ctx, __ATOMIC_ACQUIRE))
		return check_error(&ctx, EBUSY, "another signal check is running");
	count = CHECK_MIN(ctx.params.threads, (unsigned int)MAX_WORKERS);
	/*
	 * The rounds are the signals handled: how many of the storm's land (and
	 * how many the timers add) is the kernel's choice, so there is no plan
	 * in rounds (rounds_planned stays 0); the bound still ends the storm.
	 */
	workers = calloc(count, sizeof(*workers));
	if (!workers)
		return check_error(&ctx, ENOMEM, "workers");
	sig_run.ctx = &ctx;
	sig_run.workers = workers;
	sig_run.count = count;
	sig_run.fs = ctx.params.segment == TLSVIEW_SEG_FS;
	sig_run.phase = SP_STORM;

	memset(&action, 0, sizeof(action));
	action.sa_sigaction = on_signal;
	action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigfillset(&action.sa_mask);
	sigaction(SIG_STORM, &action, &old_storm);
	sigaction(SIG_CHANGE, &action, &old_change);
	sigaction(SIG_TIMER, &action, &old_timer);

	for (i = 0; i < count; i++) {
		struct tlsview_thread_attr attr = { .stack_size = 64 << 10 };

		workers[i].ctx = &ctx;
		workers[i].index = i;
		workers[i].tcb = tlsview_tcb_create(NULL);
		workers[i].altstack = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (!workers[i].tcb || workers[i].altstack == MAP_FAILED) {
			if (workers[i].altstack == MAP_FAILED)
				workers[i].altstack = NULL;
			ret = -ENOMEM;
			break;
		}
		attr.tcb = workers[i].tcb;
		ret = tlsview_thread_create(&workers[i].thread, &attr, sig_worker_main, &workers[i]);
		if (ret < 0)
			break;
		started++;
	}
	if (ret == 0) {
		wait_workers(workers, count, SP_STORM, &ctx);
		/* Timers every 200 us on each worker, on top of the tgkill storm. */
		for (i = 0; i < count; i++) {
			struct kernel_sigevent event = { .signo = SIG_TIMER, .notify = 4 /* SIGEV_THREAD_ID */,
							 .tid = workers[i].tid };
			struct timespec spec[2] = { { 0, 200 * 1000 }, { 0, 200 * 1000 } };

			if (tlsview_syscall3(222 /* timer_create */, CLOCK_MONOTONIC, (long)&event,
					     (long)&timers[i]) == 0) {
				timer_ok[i] = true;
				tlsview_syscall6(223 /* timer_settime */, timers[i], 0, (long)spec, 0, 0, 0);
			}
		}
		/* At least one round, however long the start took. */
		for (round = 0; round < ctx.params.iterations && !check_stopping(&ctx); round++) {
			for (i = 0; i < count; i++)
				if (tlsview_sys_tgkill(pid, workers[i].tid, SIG_STORM) == 0)
					sent++;
			if (check_past_deadline(&ctx))
				break;
		}
		for (i = 0; i < count; i++)
			if (timer_ok[i])
				tlsview_syscall3(226 /* timer_delete */, timers[i], 0, 0);
		set_phase(SP_CHANGE);
		wait_workers(workers, count, SP_CHANGE, &ctx);
		/* Each worker sleeps with the value its handler set. */
		for (i = 0; i < count && !check_failed(&ctx); i++) {
			uint64_t value = workers[i].handler_value;

			check_module_expect(&ctx, workers[i].tid, sig_run.fs ? &value : NULL,
					    sig_run.fs ? NULL : &value, NULL, NULL, true, 0x7000002);
		}
		set_phase(SP_ALTSTACK);
		wait_workers(workers, count, SP_ALTSTACK, &ctx);
		set_phase(SP_DONE);
	}
	__atomic_store_n(&ctx.stop, 1, __ATOMIC_RELEASE);
	set_phase(SP_DONE);
	for (i = 0; i < started; i++)
		tlsview_thread_join(&workers[i].thread, NULL);
	sigaction(SIG_STORM, &old_storm, NULL);
	sigaction(SIG_CHANGE, &old_change, NULL);
	sigaction(SIG_TIMER, &old_timer, NULL);
	for (i = 0; i < count; i++) {
		signals += workers[i].signals;
		tlsview_tcb_destroy(workers[i].tcb);
		if (workers[i].altstack)
			munmap(workers[i].altstack, ALTSTACK_SIZE);
	}
	free(workers);
	memset(&sig_run, 0, sizeof(sig_run));
	ctx.rounds = signals;
	if (ret < 0)
		return check_error(&ctx, -ret, "starting workers");
	/* A storm that delivered nothing proved nothing. */
	if (!check_failed(&ctx) && sent && signals < count)
		return check_error(&ctx, EAGAIN, "%llu signals sent, only %llu handled",
				   (unsigned long long)sent, (unsigned long long)signals);
	return check_end(&ctx);
}

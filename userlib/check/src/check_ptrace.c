// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * ptrace: a child process runs bare threads with private bases; the caller
 * traces each thread. The threads obey commands through shared memory
 * (report your bases / set new ones), keeping all their state there, so
 * that a PTRACE_SETREGS back to an older snapshot resumes them cleanly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include "check_internal.h"

#define MAX_TRACEES	16

enum { CMD_REPORT = 1, CMD_SET = 2 };

struct tracee_slot {
	int tid;
	int cmd_seq;		/* futex: the tracer's command count */
	int done_seq;		/* futex: the last command done */
	int cmd;
	uint64_t set_fs, set_gs;	/* CMD_SET: the new values */
	uint64_t fs, gs;		/* what the thread set */
	uint64_t alt_fs[2];		/* TCBs it may be moved to */
	uint64_t seen_fs, seen_gs;	/* its own reading at the last command */
};

struct trace_shared {
	struct tracee_slot slot[MAX_TRACEES];
	int count;
	int quit;
	bool insn;
	struct check_ctx *ctx;	/* the parent's address: only setter and flags are used */
	enum tlsview_check_setter setter;
	enum tlsview_check_segment segment;
};

static uint64_t tracee_own(const struct trace_shared *shared, bool fs)
{
	if (shared->insn)
		return fs ? tlsview_get_fs_insn() : tlsview_get_gs_insn();
	return check_get_base_syscall(fs);
}

static void tracee_set(const struct trace_shared *shared, bool fs, uint64_t value)
{
	if (shared->setter == TLSVIEW_SET_INSN || (shared->setter == TLSVIEW_SET_DEFAULT && shared->insn)) {
		if (fs)
			tlsview_set_fs_insn(value);
		else
			tlsview_set_gs_insn(value);
	} else {
		tlsview_sys_arch_prctl(fs ? TLSVIEW_ARCH_SET_FS : TLSVIEW_ARCH_SET_GS, value);
	}
}

struct tracee_arg {
	struct trace_shared *shared;
	struct tracee_slot *slot;
};

/* A bare thread in the child: all its state lives in the shared slot. */
static int tracee_main(void *arg)
{
	struct tracee_arg *a = arg;
	struct trace_shared *shared = a->shared;
	struct tracee_slot *slot = a->slot;
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	uint64_t home = (uint64_t)(uintptr_t)tlsview_thread_pointer();
	int seq;

	if (shared->segment & TLSVIEW_SEG_FS)
		tracee_set(shared, true, slot->fs);
	if (shared->segment & TLSVIEW_SEG_GS)
		tracee_set(shared, false, slot->gs);
	__atomic_store_n(&slot->tid, tlsview_sys_gettid(), __ATOMIC_RELEASE);
	while (!__atomic_load_n(&shared->quit, __ATOMIC_ACQUIRE)) {
		seq = __atomic_load_n(&slot->cmd_seq, __ATOMIC_ACQUIRE);
		if (seq != __atomic_load_n(&slot->done_seq, __ATOMIC_ACQUIRE)) {
			if (slot->cmd == CMD_SET) {
				if (shared->segment & TLSVIEW_SEG_FS)
					tracee_set(shared, true, slot->set_fs);
				if (shared->segment & TLSVIEW_SEG_GS)
					tracee_set(shared, false, slot->set_gs);
			}
			slot->seen_fs = tracee_own(shared, true);
			slot->seen_gs = tracee_own(shared, false);
			__atomic_store_n(&slot->done_seq, seq, __ATOMIC_RELEASE);
			tlsview_syscall6(202, (long)&slot->done_seq, 1, 1, 0, 0, 0);
			continue;
		}
		tlsview_syscall6(202, (long)&slot->cmd_seq, 0, seq, (long)&tick, 0, 0);
	}
	tlsview_set_fs(home);
	return 0;
}

static void tracee_process(struct trace_shared *shared)
{
	struct tlsview_thread threads[MAX_TRACEES];
	struct tlsview_tcb *tcbs[MAX_TRACEES][3];
	struct tracee_arg args[MAX_TRACEES];
	int i, started = 0;

	for (i = 0; i < shared->count; i++) {
		struct tracee_slot *slot = &shared->slot[i];

		tcbs[i][0] = tlsview_tcb_create(NULL);
		tcbs[i][1] = tlsview_tcb_create(NULL);
		tcbs[i][2] = tlsview_tcb_create(NULL);
		if (!tcbs[i][0] || !tcbs[i][1] || !tcbs[i][2])
			_exit(3);
		slot->fs = (uint64_t)(uintptr_t)tcbs[i][1]->tp;
		slot->alt_fs[0] = (uint64_t)(uintptr_t)tcbs[i][2]->tp;
		slot->alt_fs[1] = (uint64_t)(uintptr_t)tcbs[i][0]->tp;
		slot->gs = CHECK_GS_VALUE(i, 0x77);
		args[i].shared = shared;
		args[i].slot = slot;
	}
	for (i = 0; i < shared->count; i++) {
		struct tlsview_thread_attr attr = { .tcb = tcbs[i][0], .stack_size = 64 << 10 };

		if (tlsview_thread_create(&threads[i], &attr, tracee_main, &args[i]) < 0)
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		tlsview_thread_join(&threads[i], NULL);
	_exit(started == shared->count ? 0 : 4);
}

/* Send a command to a running (not stopped) tracee and wait until done. */
static bool command(struct tracee_slot *slot, int cmd)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	uint64_t deadline = check_now_ns() + 20ULL * 1000000000ULL;
	int seq;

	slot->cmd = cmd;
	seq = __atomic_add_fetch(&slot->cmd_seq, 1, __ATOMIC_ACQ_REL);
	tlsview_syscall6(202, (long)&slot->cmd_seq, 1, 1, 0, 0, 0);
	while (__atomic_load_n(&slot->done_seq, __ATOMIC_ACQUIRE) != seq) {
		if (check_now_ns() > deadline)
			return false;
		tlsview_syscall6(202, (long)&slot->done_seq, 0, slot->done_seq, (long)&tick, 0, 0);
	}
	return true;
}

static int stop_tracee(pid_t tid)
{
	int status;

	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) < 0)
		return -errno;
	if (waitpid(tid, &status, __WALL) != tid)
		return -errno;
	return WIFSTOPPED(status) ? 0 : -ECHILD;
}

/* Compare every tracer-side view of a stopped thread with @fs/@gs. */
static void tracer_views(struct check_ctx *ctx, pid_t tid, uint64_t fs, uint64_t gs,
			 uint64_t round, const char *where)
{
	struct tlsview_task traced;
	uint64_t value;
	bool do_fs = check_does_fs(ctx), do_gs = check_does_gs(ctx);

	if (tlsview_tracee_read(tid, &traced) == 0) {
		if (do_fs)
			check_eq(ctx, tid, TLSVIEW_VIEW_PTRACE_GETREGS, "fsbase", fs, traced.fsbase, round, where);
		if (do_gs)
			check_eq(ctx, tid, TLSVIEW_VIEW_PTRACE_GETREGS, "gsbase", gs, traced.gsbase, round, where);
	}
	if (do_fs && ptrace(PTRACE_ARCH_PRCTL, tid, &value, (void *)(long)TLSVIEW_ARCH_GET_FS) == 0)
		check_eq(ctx, tid, TLSVIEW_VIEW_PTRACE_ARCH_PRCTL, "fsbase", fs, value, round, where);
	if (do_gs && ptrace(PTRACE_ARCH_PRCTL, tid, &value, (void *)(long)TLSVIEW_ARCH_GET_GS) == 0)
		check_eq(ctx, tid, TLSVIEW_VIEW_PTRACE_ARCH_PRCTL, "gsbase", gs, value, round, where);
	check_module_expect(ctx, tid, do_fs ? &fs : NULL, do_gs ? &gs : NULL, NULL, NULL, true, round);
}

static void own_views(struct check_ctx *ctx, struct tracee_slot *slot, uint64_t fs, uint64_t gs,
		      uint64_t round, const char *where)
{
	unsigned int view = ctx->insn ? TLSVIEW_VIEW_SELF_INSN : TLSVIEW_VIEW_SELF_ARCH_PRCTL;

	if (check_does_fs(ctx))
		check_eq(ctx, slot->tid, view, "fsbase", fs, slot->seen_fs, round, where);
	if (check_does_gs(ctx))
		check_eq(ctx, slot->tid, view, "gsbase", gs, slot->seen_gs, round, where);
}

static int trace_one(struct check_ctx *ctx, struct tracee_slot *slot, unsigned int round)
{
	struct user_regs_struct saved;
	struct tlsview_task traced;
	pid_t tid = slot->tid;
	uint64_t poke_fs = slot->alt_fs[0], poke_gs = CHECK_GS_VALUE(0x40 + round, 0x99);
	int ret;

	if (!command(slot, CMD_REPORT))
		return -ETIMEDOUT;
	own_views(ctx, slot, slot->fs, slot->gs, round, "the thread's own reading");
	ret = stop_tracee(tid);
	if (ret < 0)
		return ret;
	/* (1) The tracer reads what the thread set. */
	tracer_views(ctx, tid, slot->fs, slot->gs, round, "stopped tracee");
	/* (2) What the tracer pokes is what the thread then reads. */
	if (check_does_fs(ctx))
		ptrace(PTRACE_POKEUSER, tid, (void *)offsetof(struct user, regs.fs_base), (void *)poke_fs);
	if (check_does_gs(ctx))
		ptrace(PTRACE_POKEUSER, tid, (void *)offsetof(struct user, regs.gs_base), (void *)poke_gs);
	tracer_views(ctx, tid, poke_fs, poke_gs, round, "after PTRACE_POKEUSER");
	/* (3) Snapshot, let the thread change its bases, restore the snapshot. */
	if (ptrace(PTRACE_GETREGS, tid, NULL, &saved) < 0)
		return -errno;
	ptrace(PTRACE_CONT, tid, NULL, NULL);
	if (!command(slot, CMD_REPORT))
		return -ETIMEDOUT;
	own_views(ctx, slot, poke_fs, poke_gs, round, "the thread's reading after POKEUSER");
	slot->set_fs = slot->alt_fs[1];
	slot->set_gs = CHECK_GS_VALUE(0x80 + round, 0x55);
	if (!command(slot, CMD_SET))
		return -ETIMEDOUT;
	own_views(ctx, slot, slot->set_fs, slot->set_gs, round, "the thread's reading after it set");
	ret = stop_tracee(tid);
	if (ret < 0)
		return ret;
	tracer_views(ctx, tid, slot->set_fs, slot->set_gs, round, "after the thread set new bases");
	if (ptrace(PTRACE_SETREGS, tid, NULL, &saved) < 0)
		return -errno;
	if (tlsview_tracee_read(tid, &traced) == 0) {
		if (check_does_fs(ctx))
			check_eq(ctx, tid, TLSVIEW_VIEW_PTRACE_GETREGS, "fsbase", poke_fs, traced.fsbase,
				 round, "after PTRACE_SETREGS");
		if (check_does_gs(ctx))
			check_eq(ctx, tid, TLSVIEW_VIEW_PTRACE_GETREGS, "gsbase", poke_gs, traced.gsbase,
				 round, "after PTRACE_SETREGS");
	}
	ptrace(PTRACE_CONT, tid, NULL, NULL);
	if (!command(slot, CMD_REPORT))
		return -ETIMEDOUT;
	own_views(ctx, slot, poke_fs, poke_gs, round, "the thread's reading after SETREGS");
	/* Leave it where it started, for the next round. */
	slot->set_fs = slot->fs;
	slot->set_gs = slot->gs;
	if (!command(slot, CMD_SET))
		return -ETIMEDOUT;
	__atomic_add_fetch(&ctx->rounds, 1, __ATOMIC_RELAXED);
	return 0;
}

TLSVIEW_CHECK_EXPORT int tlsview_check_ptrace(const struct tlsview_check_params *params,
					struct tlsview_check_result *result)
{
	struct trace_shared *shared;
	struct check_ctx ctx;
	unsigned int round;
	int i, ret = 0, attached = 0, status;
	pid_t pid;

	ret = check_begin(&ctx, params, result, 4, 3, 0);
	if (ret)
		return ret;
	if (ctx.params.flags & TLSVIEW_CHECK_NO_PTRACE)
		return check_skip(&ctx, "ptrace views excluded by TLSVIEW_CHECK_NO_PTRACE");
	if (ctx.params.setter == TLSVIEW_SET_INSN && !ctx.insn)
		return check_skip(&ctx, "set-by-instruction needs FSGSBASE in user space");
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (shared == MAP_FAILED)
		return check_error(&ctx, errno, "shared mapping");
	memset(shared, 0, sizeof(*shared));
	shared->count = (int)CHECK_MIN(ctx.params.threads, (unsigned int)MAX_TRACEES);
	shared->insn = ctx.insn;
	shared->setter = ctx.params.setter;
	shared->segment = ctx.params.segment;
	pid = fork();
	if (pid < 0) {
		munmap(shared, sizeof(*shared));
		return check_error(&ctx, errno, "fork");
	}
	if (pid == 0)
		tracee_process(shared);
	for (i = 0; i < shared->count; i++) {
		uint64_t deadline = check_now_ns() + 20ULL * 1000000000ULL;

		while (!__atomic_load_n(&shared->slot[i].tid, __ATOMIC_ACQUIRE) &&
		       check_now_ns() < deadline && waitpid(pid, &status, WNOHANG) == 0)
			tlsview_sys_sched_yield();
		if (!shared->slot[i].tid) {
			ret = -ECHILD;
			goto out;
		}
	}
	for (i = 0; i < shared->count; i++) {
		if (ptrace(PTRACE_SEIZE, shared->slot[i].tid, NULL, NULL) < 0) {
			ret = -errno;
			goto out;
		}
		attached++;
	}
	ctx.rounds_planned = (uint64_t)ctx.params.iterations * (unsigned int)shared->count;
	for (round = 0; round < ctx.params.iterations && ret == 0 && !check_failed(&ctx); round++)
		for (i = 0; i < shared->count && ret == 0 && !check_failed(&ctx); i++) {
			ret = trace_one(&ctx, &shared->slot[i], round);
			if (ret == 0 && check_past_deadline(&ctx))
				goto out;
		}
out:
	__atomic_store_n(&shared->quit, 1, __ATOMIC_RELEASE);
	kill(pid, SIGKILL);
	/* Traced threads are reaped by their tracer before the leader can be. */
	for (i = 0; i < attached; i++)
		while (waitpid(shared->slot[i].tid, &status, __WALL) >= 0 || errno == EINTR)
			;
	while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
		;
	munmap(shared, sizeof(*shared));
	if (ret == -EPERM)
		return check_skip(&ctx, "ptrace(PTRACE_SEIZE) not allowed here (Yama, seccomp or "
				  "no CAP_SYS_PTRACE)");
	if (ret < 0)
		return check_error(&ctx, -ret, "tracing the child's threads");
	return check_end(&ctx);
}

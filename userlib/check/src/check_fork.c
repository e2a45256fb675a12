// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * fork, vfork and exec. A bare thread (so that its FS base can be any TCB,
 * not libc's) sets custom bases, optionally a TLS-slot selector in GS, and
 * forks/vforks with raw system calls; the child reports what it sees into
 * shared memory and waits while the caller reads it through the module.
 * For exec, a traced child sets a custom GS base and execs: at the exec
 * stop its bases are 0 (ptrace and module), and a helper program, when
 * given, reports its own bases from inside the new image.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include "check_internal.h"

struct fork_report {
	int pid;		/* the child, as the child sees itself */
	int ready;		/* futex (shared): the child reported */
	int go;			/* futex (shared): the child may exit */
	uint64_t fsbase_prctl, gsbase_prctl, fsbase_insn, gsbase_insn, fs0;
	uint16_t fs_selector, gs_selector;
};

struct fork_shared {
	struct fork_report report[2];	/* fork, vfork */
	uint64_t fsbase, gsbase;	/* what the parent thread set */
	uint16_t gs_selector;		/* what it loaded (0: none) */
	int parent_done;		/* futex: the bare thread is finished */
	int error;			/* negative errno of a failed fork */
	bool insn;
	struct user_desc desc;	/* below 4 GiB: the whole page is */
	uint64_t gs_block[4];
};

/* Bare-thread safe: what a freshly forked child reports. */
__attribute__((always_inline)) static inline void child_report(struct fork_report *r, bool insn)
{
	r->pid = tlsview_sys_getpid();
	tlsview_sys_arch_prctl(TLSVIEW_ARCH_GET_FS, (unsigned long)&r->fsbase_prctl);
	tlsview_sys_arch_prctl(TLSVIEW_ARCH_GET_GS, (unsigned long)&r->gsbase_prctl);
	if (insn) {
		r->fsbase_insn = tlsview_arch_rdfsbase();
		r->gsbase_insn = tlsview_arch_rdgsbase();
	}
	r->fs0 = (uint64_t)(uintptr_t)tlsview_arch_fs_word0();
	r->fs_selector = tlsview_arch_fs_selector();
	r->gs_selector = tlsview_arch_gs_selector();
	__atomic_store_n(&r->ready, 1, __ATOMIC_RELEASE);
	tlsview_syscall6(202, (long)&r->ready, 1 /* FUTEX_WAKE */, 1, 0, 0, 0);
	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		tlsview_syscall6(202, (long)&r->go, 0 /* FUTEX_WAIT */, 0, 0, 0, 0);
	for (;;)
		tlsview_syscall6(231 /* exit_group */, 0, 0, 0, 0, 0, 0);
}

struct fork_thread_arg {
	struct check_ctx *ctx;
	struct fork_shared *shared;
	struct tlsview_tcb *alt_tcb;
};

static int fork_thread_main(void *arg)
{
	struct fork_thread_arg *a = arg;
	struct fork_shared *shared = a->shared;
	uint64_t home_fs = (uint64_t)(uintptr_t)tlsview_thread_pointer();
	int kind, status;
	long pid;

	if (check_does_fs(a->ctx))
		check_set_base(a->ctx, true, shared->fsbase);
	if (check_does_gs(a->ctx)) {
		if (shared->gs_selector) {
			tlsview_arch_load_gs_selector(shared->gs_selector);
		} else {
			check_set_base(a->ctx, false, shared->gsbase);
		}
	}
	for (kind = 0; kind < 2; kind++) {
		/* fork(57) or vfork(58); the child never returns from here. */
		pid = tlsview_arch_syscall2(kind ? 58 : 57, 0, 0);
		if (pid == 0)
			child_report(&shared->report[kind], shared->insn);
		if (pid < 0) {
			shared->error = (int)pid;
			break;
		}
		tlsview_syscall6(61 /* wait4 */, pid, (long)&status, 0, 0, 0, 0);
	}
	tlsview_set_fs(home_fs);
	tlsview_set_gs(0);
	__atomic_store_n(&shared->parent_done, 1, __ATOMIC_RELEASE);
	return 0;
}

static void compare_child(struct check_ctx *ctx, struct fork_shared *shared, int kind)
{
	struct fork_report *r = &shared->report[kind];
	const char *where = kind ? "vfork child" : "fork child";
	uint64_t fs = shared->fsbase, gs = shared->gsbase;
	uint16_t gs_selector = shared->gs_selector;
	pid_t pid = r->pid;

	if (check_does_fs(ctx)) {
		check_eq(ctx, pid, TLSVIEW_VIEW_SELF_ARCH_PRCTL, "fsbase", fs, r->fsbase_prctl, kind, where);
		if (shared->insn)
			check_eq(ctx, pid, TLSVIEW_VIEW_SELF_INSN, "fsbase", fs, r->fsbase_insn, kind, where);
		check_eq(ctx, pid, TLSVIEW_VIEW_FS0, "fs:0", fs, r->fs0, kind, where);
	}
	if (check_does_gs(ctx)) {
		check_eq(ctx, pid, TLSVIEW_VIEW_SELF_ARCH_PRCTL, "gsbase", gs, r->gsbase_prctl, kind, where);
		if (shared->insn)
			check_eq(ctx, pid, TLSVIEW_VIEW_SELF_INSN, "gsbase", gs, r->gsbase_insn, kind, where);
		check_eq(ctx, pid, TLSVIEW_VIEW_SELF_SELECTOR, "gsindex", gs_selector, r->gs_selector,
			 kind, where);
	}
	check_module_expect(ctx, pid, check_does_fs(ctx) ? &fs : NULL, check_does_gs(ctx) ? &gs : NULL,
			    NULL, check_does_gs(ctx) ? &gs_selector : NULL, true, kind);
	__atomic_add_fetch(&ctx->rounds, 1, __ATOMIC_RELAXED);
}

static int run_fork_vfork(struct check_ctx *ctx)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	struct fork_shared *shared;
	struct fork_thread_arg arg = { .ctx = ctx };
	struct tlsview_thread thread;
	int kind, ret;
	uint64_t deadline;

	/* Shared with the children, and below 4 GiB for set_thread_area. */
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_32BIT,
		      -1, 0);
	if (shared == MAP_FAILED)
		return -errno;
	memset(shared, 0, 4096);
	arg.shared = shared;
	arg.alt_tcb = tlsview_tcb_create(NULL);
	if (!arg.alt_tcb) {
		munmap(shared, 4096);
		return -ENOMEM;
	}
	shared->insn = ctx->insn;
	shared->fsbase = (uint64_t)(uintptr_t)arg.alt_tcb->tp;
	shared->gsbase = CHECK_GS_VALUE(1, 0xf0f);
	/* A TLS-slot selector in GS when the ia32 entry is there (and GS is ours). */
	if (check_does_gs(ctx) && ctx->params.setter != TLSVIEW_SET_INSN && tlsview_have_ia32()) {
		tlsview_user_desc_fill(&shared->desc, -1, (uint32_t)(uintptr_t)shared->gs_block,
				       0xfffff, true);
		if (tlsview_ia32_set_thread_area(&shared->desc) == 0) {
			shared->gs_selector = TLSVIEW_TLS_SELECTOR(shared->desc.entry_number);
			shared->gsbase = (uint32_t)(uintptr_t)shared->gs_block;
		}
	}
	ret = tlsview_thread_create(&thread, NULL, fork_thread_main, &arg);
	if (ret == 0) {
		deadline = check_now_ns() + 60ULL * 1000000000ULL;
		for (kind = 0; kind < 2; kind++) {
			struct fork_report *r = &shared->report[kind];

			while (!__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE) && !shared->error &&
			       !__atomic_load_n(&shared->parent_done, __ATOMIC_ACQUIRE) &&
			       check_now_ns() < deadline)
				tlsview_sys_futex_wait(&r->ready, 0, &tick);
			if (__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE))
				compare_child(ctx, shared, kind);
			__atomic_store_n(&r->go, 1, __ATOMIC_RELEASE);
			tlsview_syscall6(202, (long)&r->go, 1, 1, 0, 0, 0);
		}
		tlsview_thread_join(&thread, NULL);
		if (shared->error)
			ret = shared->error;
		else if (!check_failed(ctx) && (!shared->report[0].ready || !shared->report[1].ready))
			ret = -ETIMEDOUT;
	}
	if (shared->gs_selector) {
		tlsview_user_desc_fill_empty(&shared->desc, shared->desc.entry_number);
		tlsview_ia32_set_thread_area(&shared->desc);
	}
	tlsview_tcb_destroy(arg.alt_tcb);
	munmap(shared, 4096);
	return ret;
}

/* Wait for a stop of @pid; returns the status or -1 (then it is gone). */
static int wait_stop(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, __WALL) != pid)
		return -1;
	return WIFSTOPPED(status) ? status : -1;
}

static void kill_and_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

/*
 * A traced child sets a custom GS base, stops (the tracer sees the value),
 * then execs /proc/self/exe: at the exec stop, nothing of it is left.
 */
static int run_exec_traced(struct check_ctx *ctx)
{
	uint64_t custom = CHECK_GS_VALUE(2, 0xe8ec), value;
	struct tlsview_task traced;
	struct tlsview_task task;
	pid_t pid;
	int status;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char *argv[] = { "tlsview-check-exec", NULL };
		char *envp[] = { NULL };

		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(126);
		tlsview_set_gs_syscall(custom);
		raise(SIGSTOP);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	status = wait_stop(pid);
	if (status < 0 || WSTOPSIG(status) != SIGSTOP) {
		kill_and_reap(pid);
		if (status >= 0 || WEXITSTATUS(status) == 126)
			return -EPERM;
		return -ECHILD;
	}
	ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)PTRACE_O_TRACEEXEC);
	if (tlsview_tracee_read(pid, &traced) == 0)
		check_eq(ctx, pid, TLSVIEW_VIEW_PTRACE_GETREGS, "gsbase", custom, traced.gsbase, 0,
			 "traced child before exec");
	check_module_expect(ctx, pid, NULL, &custom, NULL, NULL, true, 0);
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	status = wait_stop(pid);
	if (status < 0 || (status >> 8) != (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) {
		kill_and_reap(pid);
		return check_failed(ctx) ? 0 : -ECHILD;
	}
	if (!check_failed(ctx) && tlsview_tracee_read(pid, &traced) == 0) {
		check_eq(ctx, pid, TLSVIEW_VIEW_PTRACE_GETREGS, "gsbase", 0, traced.gsbase, 1,
			 "at the exec stop");
		check_eq(ctx, pid, TLSVIEW_VIEW_PTRACE_GETREGS, "fsbase", 0, traced.fsbase, 1,
			 "at the exec stop");
		check_eq(ctx, pid, TLSVIEW_VIEW_PTRACE_GETREGS, "gsindex", 0, traced.gsindex, 1,
			 "at the exec stop");
	}
	value = ~0ULL;
	if (!check_failed(ctx) &&
	    ptrace(PTRACE_ARCH_PRCTL, pid, &value, (void *)(long)TLSVIEW_ARCH_GET_GS) == 0)
		check_eq(ctx, pid, TLSVIEW_VIEW_PTRACE_ARCH_PRCTL, "gsbase", 0, value, 1,
			 "at the exec stop");
	if (!check_failed(ctx) && check_module_task(ctx, pid, 0, &task) == 0) {
		check_eq(ctx, pid, TLSVIEW_VIEW_MODULE_IOCTL, "gsbase", 0, task.gsbase, 1,
			 "at the exec stop");
		check_eq(ctx, pid, TLSVIEW_VIEW_MODULE_IOCTL, "fsbase", 0, task.fsbase, 1,
			 "at the exec stop");
	}
	kill_and_reap(pid);
	__atomic_add_fetch(&ctx->rounds, 1, __ATOMIC_RELAXED);
	return 0;
}

/* The helper prints "fsbase gsbase fs gs" (hex) from inside the new image. */
static int run_exec_helper(struct check_ctx *ctx, const char *path)
{
	uint64_t custom = CHECK_GS_VALUE(3, 0xe8ec);
	unsigned long long fsbase = 0, gsbase = ~0ULL;
	unsigned int fs_selector = ~0U, gs_selector = ~0U;
	char text[256] = "";
	int pipes[2], status, n;
	ssize_t got;
	pid_t pid;

	if (pipe2(pipes, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pipes[0]);
		close(pipes[1]);
		return -errno;
	}
	if (pid == 0) {
		char *argv[] = { (char *)path, NULL };

		dup2(pipes[1], 1);
		tlsview_set_gs_syscall(custom);
		execv(path, argv);
		_exit(127);
	}
	close(pipes[1]);
	got = read(pipes[0], text, sizeof(text) - 1);
	close(pipes[0]);
	waitpid(pid, &status, 0);
	if (got <= 0)
		return -ENOEXEC;
	text[got] = 0;
	n = sscanf(text, "%llx %llx %x %x", &fsbase, &gsbase, &fs_selector, &gs_selector);
	if (n != 4)
		return -EPROTO;
	check_eq(ctx, pid, TLSVIEW_VIEW_SELF_ARCH_PRCTL, "gsbase", 0, gsbase, 2,
		 "the exec'd helper's own GS base");
	check_eq(ctx, pid, TLSVIEW_VIEW_SELF_SELECTOR, "gsindex", 0, gs_selector, 2,
		 "the exec'd helper's own GS selector");
	__atomic_add_fetch(&ctx->rounds, 1, __ATOMIC_RELAXED);
	return 0;
}

TLSVIEW_CHECK_EXPORT int tlsview_check_fork_exec(const struct tlsview_check_params *params,
					   struct tlsview_check_result *result)
{
	struct check_ctx ctx;
	int ret;

	ret = check_begin(&ctx, params, result, 1, 1, 0);
	if (ret)
		return ret;
	if (ctx.params.setter == TLSVIEW_SET_INSN && !ctx.insn)
		return check_skip(&ctx, "set-by-instruction needs FSGSBASE in user space");
	/* fork and vfork; with GS, the traced exec and the exec'd helper. */
	ctx.rounds_planned = 2 + (check_does_gs(&ctx) ? 1 + !!ctx.params.exec_helper : 0);
	ret = run_fork_vfork(&ctx);
	if (ret < 0)
		return check_error(&ctx, -ret, "fork/vfork from a bare thread");
	if (!check_failed(&ctx) && check_does_gs(&ctx) && !check_past_deadline(&ctx)) {
		ret = run_exec_traced(&ctx);
		if (ret == -EPERM && !(ctx.params.flags & TLSVIEW_CHECK_NO_PTRACE))
			return check_skip(&ctx, "ptrace(PTRACE_TRACEME) not allowed here");
		if (ret < 0)
			return check_error(&ctx, -ret, "traced exec");
		if (!check_failed(&ctx) && ctx.params.exec_helper && !check_past_deadline(&ctx)) {
			ret = run_exec_helper(&ctx, ctx.params.exec_helper);
			if (ret < 0)
				return check_error(&ctx, -ret, "exec of %s", ctx.params.exec_helper);
		}
	}
	return check_end(&ctx);
}

// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * set_thread_area selectors. In a 64-bit task: a GDT TLS slot filled
 * through the ia32 entry, its selector loaded into FS or GS (from a bare
 * thread, so that FS may leave libc's TCB), then the slot cleared. In a
 * 32-bit task: the -m32 helper whose i386 glibc keeps its TLS in slot 12
 * through %gs.
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
#include <sys/wait.h>
#include <tlsview/tracee.h>
#include "check_internal.h"

#define SEL_MAGIC	0x5e1ec7025e1ec702ULL

enum { SEL_LOADED = 1, SEL_CLEARED, SEL_DONE };

struct sel_area {
	struct user_desc desc;	/* below 4 GiB: the whole area is */
	uint64_t block[8];		/* the segment's memory: self, magic */
	int step;			/* futex: the thread's progress */
	int go;				/* futex: the caller read the module */
	int tid;
	int error;
	unsigned int entry;
	uint16_t selector;
};

struct sel_thread {
	struct check_ctx *ctx;
	struct sel_area *area;
	bool fs;
};

static void wait_go(struct sel_area *area, int value)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	uint64_t deadline = check_now_ns() + 30ULL * 1000000000ULL;

	while (__atomic_load_n(&area->go, __ATOMIC_ACQUIRE) < value && check_now_ns() < deadline)
		tlsview_sys_futex_wait(&area->go, __atomic_load_n(&area->go, __ATOMIC_ACQUIRE), &tick);
}

static void announce(struct sel_area *area, int step)
{
	__atomic_store_n(&area->step, step, __ATOMIC_RELEASE);
	tlsview_sys_futex_wake(&area->step, 1);
}

/* Load @selector into FS or GS and read one word through it. */
static uint64_t load_and_read(bool fs, uint16_t selector)
{
	if (fs) {
		tlsview_arch_load_fs_selector(selector);
		return tlsview_arch_fs_read64(8);
	}
	tlsview_arch_load_gs_selector(selector);
	return tlsview_arch_gs_read64(8);
}

/* A bare thread: its FS leaves the TCB here, so no TLS and no libc. */
__attribute__((no_stack_protector)) static int sel_thread_main(void *arg)
{
	struct sel_thread *t = arg;
	struct check_ctx *ctx = t->ctx;
	struct sel_area *area = t->area;
	uint64_t home = (uint64_t)(uintptr_t)tlsview_thread_pointer();
	uint64_t base = (uint32_t)(uintptr_t)area->block;
	const char *quantity = t->fs ? "fsindex" : "gsindex";
	uint16_t selector;
	long ret;

	area->tid = tlsview_sys_gettid();
	area->block[0] = base;		/* a self-pointer, like a TCB's */
	area->block[1] = SEL_MAGIC;
	tlsview_user_desc_fill(&area->desc, -1, (uint32_t)base, 0xfffff, true);
	ret = tlsview_ia32_set_thread_area(&area->desc);
	if (ret < 0) {
		area->error = (int)ret;
		announce(area, SEL_DONE);
		return 0;
	}
	area->entry = area->desc.entry_number;
	area->selector = TLSVIEW_TLS_SELECTOR(area->entry);
	check_eq(ctx, area->tid, TLSVIEW_VIEW_SELF_MEMORY, t->fs ? "fs:8" : "gs:8", SEL_MAGIC,
		 load_and_read(t->fs, area->selector), 0, "memory through the TLS-slot selector");
	selector = t->fs ? tlsview_arch_fs_selector() : tlsview_arch_gs_selector();
	check_eq(ctx, area->tid, TLSVIEW_VIEW_SELF_SELECTOR, quantity, area->selector, selector, 0,
		 "selector after loading it");
	check_self(ctx, area->tid, t->fs, base, t->fs, 0);
	announce(area, SEL_LOADED);
	wait_go(area, SEL_LOADED);

	/* Clear the slot: the kernel reloads a segment that references it. */
	tlsview_user_desc_fill_empty(&area->desc, area->entry);
	ret = tlsview_ia32_set_thread_area(&area->desc);
	if (ret < 0)
		area->error = (int)ret;
	selector = t->fs ? tlsview_arch_fs_selector() : tlsview_arch_gs_selector();
	check_eq(ctx, area->tid, TLSVIEW_VIEW_SELF_SELECTOR, quantity, 0, selector, 1,
		 "selector after its TLS slot was cleared");
	announce(area, SEL_CLEARED);
	wait_go(area, SEL_CLEARED);
	if (t->fs)
		tlsview_sys_arch_prctl(TLSVIEW_ARCH_SET_FS, home);
	else
		tlsview_sys_arch_prctl(TLSVIEW_ARCH_SET_GS, 0);
	announce(area, SEL_DONE);
	return 0;
}

static void wait_step(struct sel_area *area, int step, struct tlsview_thread *thread)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	int now;

	while ((now = __atomic_load_n(&area->step, __ATOMIC_ACQUIRE)) < step &&
	       tlsview_thread_running(thread))
		tlsview_sys_futex_wait(&area->step, now, &tick);
}

static void release(struct sel_area *area, int value)
{
	__atomic_store_n(&area->go, value, __ATOMIC_RELEASE);
	tlsview_sys_futex_wake(&area->go, 1);
}

static int selector_round(struct check_ctx *ctx, bool fs, unsigned int round)
{
	struct sel_thread t = { .ctx = ctx, .fs = fs };
	struct tlsview_thread thread;
	struct sel_area *area;
	struct tlsview_task task;
	int ret;

	area = tlsview_map_low(4096);
	if (!area)
		return -ENOMEM;
	memset(area, 0, sizeof(*area));
	t.area = area;
	ret = tlsview_thread_create(&thread, NULL, sel_thread_main, &t);
	if (ret < 0) {
		munmap(area, 4096);
		return ret;
	}
	wait_step(area, SEL_LOADED, &thread);
	if (area->step == SEL_LOADED && !check_failed(ctx)) {
		uint64_t base = (uint32_t)(uintptr_t)area->block;
		uint16_t selector = area->selector;
		unsigned int view;

		check_module_expect(ctx, area->tid, fs ? &base : NULL, fs ? NULL : &base,
				    fs ? &selector : NULL, fs ? NULL : &selector, true, round);
		for (view = 0; view < 2 && !check_failed(ctx); view++) {
			ret = view ? check_module_debugfs(ctx, area->tid, &task) :
				     check_module_task(ctx, area->tid, 0, &task);
			if (ret < 0)
				continue;
			check_eq(ctx, area->tid, view ? TLSVIEW_VIEW_MODULE_DEBUGFS :
				 TLSVIEW_VIEW_MODULE_IOCTL, "tls-slot-base", base,
				 task.tls[area->entry - 12].base_addr, round, "the loaded slot");
		}
	}
	release(area, SEL_LOADED);
	wait_step(area, SEL_CLEARED, &thread);
	if (area->step == SEL_CLEARED && !check_failed(ctx) && ctx->client) {
		uint16_t zero = 0;

		check_module_expect(ctx, area->tid, NULL, NULL, fs ? &zero : NULL, fs ? NULL : &zero,
				    true, round);
		if (check_module_task(ctx, area->tid, 0, &task) == 0)
			check_eq(ctx, area->tid, TLSVIEW_VIEW_MODULE_IOCTL, "tls-slot-empty",
				 TLSVIEW_DESC_EMPTY, task.tls[area->entry - 12].flags & TLSVIEW_DESC_EMPTY,
				 round, "the cleared slot");
	}
	release(area, SEL_CLEARED);
	tlsview_thread_join(&thread, NULL);
	ret = area->error;
	munmap(area, 4096);
	__atomic_add_fetch(&ctx->rounds, 1, __ATOMIC_RELAXED);
	return ret;
}

TLSVIEW_CHECK_EXPORT int tlsview_check_selectors(const struct tlsview_check_params *params,
					   struct tlsview_check_result *result)
{
	struct check_ctx ctx;
	unsigned int round;
	int ret;

	ret = check_begin(&ctx, params, result, 1, 2, 0);
	if (ret)
		return ret;
	if (!tlsview_have_ia32())
		return check_skip(&ctx, "no ia32 emulation: set_thread_area (int $0x80) unavailable");
	ctx.rounds_planned = (uint64_t)ctx.params.iterations *
			     (check_does_fs(&ctx) + check_does_gs(&ctx));
	for (round = 0; round < ctx.params.iterations && !check_failed(&ctx); round++) {
		if (check_does_fs(&ctx)) {
			ret = selector_round(&ctx, true, round);
			if (ret < 0)
				return check_error(&ctx, -ret, "FS selector round");
		}
		if (check_does_gs(&ctx) && !check_failed(&ctx)) {
			ret = selector_round(&ctx, false, round);
			if (ret < 0)
				return check_error(&ctx, -ret, "GS selector round");
		}
		if (check_past_deadline(&ctx))
			break;
	}
	return check_end(&ctx);
}

/* One view of the 32-bit program: COMPAT, gsindex 0x63, its slot's base. */
static void compat_compare(struct check_ctx *ctx, pid_t pid, unsigned int view,
			   const struct tlsview_task *task, unsigned int entry, uint32_t base,
			   const char *where)
{
	check_eq(ctx, pid, view, "flags&COMPAT", TLSVIEW_TASK_COMPAT,
		 task->flags & TLSVIEW_TASK_COMPAT, 0, where);
	check_eq(ctx, pid, view, "gsindex", 0x63, task->gsindex, 0, where);
	check_eq(ctx, pid, view, "tls12-base", base, task->tls[entry - 12].base_addr, 0, where);
	check_eq(ctx, pid, view, "tls12-empty", 0, task->tls[entry - 12].flags & TLSVIEW_DESC_EMPTY,
		 0, where);
}

/*
 * The tracer's view of the 32-bit program, which waits in read(): seize,
 * interrupt (read is restarted after the stop), read, detach. Returns 0,
 * or a negative errno (-EPERM: ptrace is not allowed here).
 */
static int compat_ptrace(struct check_ctx *ctx, pid_t pid, unsigned int entry, uint32_t base)
{
	struct tlsview_task task;
	int status, ret = 0;

	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0)
		return -errno;
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0 || waitpid(pid, &status, __WALL) != pid)
		ret = -errno;
	else if (!WIFSTOPPED(status))
		ret = -ECHILD;
	else if (tlsview_tracee_read(pid, &task) < 0)
		ret = -errno;
	else
		compat_compare(ctx, pid, TLSVIEW_VIEW_PTRACE_GETREGS, &task, entry, base,
			       "32-bit program, stopped by its tracer");
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return ret;
}

/*
 * The -m32 helper prints "gs=0x63 entry=12 base=0x..." and then waits for
 * its standard input to close. The module reads it when it is there, a
 * tracer unless TLSVIEW_CHECK_NO_PTRACE; one of them is needed.
 */
TLSVIEW_CHECK_EXPORT int tlsview_check_compat_tls(const struct tlsview_check_params *params,
					    struct tlsview_check_result *result)
{
	int to_child[2], from_child[2], status, ret, ptrace_ret = -EPERM;
	unsigned int gs = 0, entry = 0, base = 0;
	struct tlsview_task task;
	struct check_ctx ctx;
	char text[256] = "", *path;
	ssize_t got;
	pid_t pid;

	ret = check_begin(&ctx, params, result, 1, 1, 0);
	if (ret)
		return ret;
	if (!ctx.client && (ctx.params.flags & TLSVIEW_CHECK_NO_PTRACE))
		return check_skip(&ctx, "needs the module's view (/dev/tlsview absent) or ptrace's "
				  "(excluded by TLSVIEW_CHECK_NO_PTRACE)");
	if (!tlsview_have_ia32())
		return check_skip(&ctx, "no ia32 emulation: 32-bit programs cannot run");
	if (!ctx.params.compat_tls_helper)
		return check_skip(&ctx, "no -m32 helper given (params.compat_tls_helper)");
	if (access(ctx.params.compat_tls_helper, X_OK) < 0)
		return check_skip(&ctx, "-m32 helper %s: %s", ctx.params.compat_tls_helper,
				  strerror(errno));
	path = strdup(ctx.params.compat_tls_helper);
	if (!path)
		return check_error(&ctx, ENOMEM, "helper path");
	if (pipe2(to_child, O_CLOEXEC) < 0) {
		free(path);
		return check_error(&ctx, errno, "pipe");
	}
	if (pipe2(from_child, O_CLOEXEC) < 0) {
		close(to_child[0]);
		close(to_child[1]);
		free(path);
		return check_error(&ctx, errno, "pipe");
	}
	pid = fork();
	if (pid == 0) {
		char *argv[] = { path, NULL };

		dup2(to_child[0], 0);
		dup2(from_child[1], 1);
		execv(path, argv);
		_exit(127);
	}
	close(to_child[0]);
	close(from_child[1]);
	got = pid > 0 ? read(from_child[0], text, sizeof(text) - 1) : -1;
	if (got > 0) {
		text[got] = 0;
		if (sscanf(text, "gs=%x entry=%u base=%x", &gs, &entry, &base) != 3)
			got = -1;
	}
	ctx.rounds_planned = 1;
	if (got > 0 && entry >= 12 && entry <= 14) {
		uint64_t gsbase = base;
		uint16_t gsindex = 0x63;

		check_eq(&ctx, pid, TLSVIEW_VIEW_SELF_SELECTOR, "gsindex", 0x63, gs, 0,
			 "the 32-bit program's own %gs (slot 12, RPL 3)");
		if (check_module_task(&ctx, pid, 0, &task) == 0)
			compat_compare(&ctx, pid, TLSVIEW_VIEW_MODULE_IOCTL, &task, entry, base,
				       "32-bit program, read by the module");
		check_module_expect(&ctx, pid, NULL, &gsbase, NULL, &gsindex, true, 0);
		ptrace_ret = ctx.params.flags & TLSVIEW_CHECK_NO_PTRACE ? -EPERM :
			     compat_ptrace(&ctx, pid, entry, base);
		__atomic_add_fetch(&ctx.rounds, 1, __ATOMIC_RELAXED);
	}
	close(to_child[1]);	/* the helper exits at end of input */
	close(from_child[0]);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (!check_failed(&ctx) && got <= 0) {
		ret = check_error(&ctx, EPROTO, "%s did not report its TLS slot", path);
		free(path);
		return ret;
	}
	free(path);
	/* Without the module the tracer's view is the only other one. */
	if (!check_failed(&ctx) && !ctx.client && ptrace_ret == -EPERM)
		return check_skip(&ctx, "needs the module's view (/dev/tlsview absent) or ptrace's "
				  "(PTRACE_SEIZE not allowed: Yama, seccomp or no CAP_SYS_PTRACE)");
	if (!check_failed(&ctx) && ptrace_ret < 0 && ptrace_ret != -EPERM)
		return check_error(&ctx, -ptrace_ret, "tracing the 32-bit program");
	return check_end(&ctx);
}

// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The parts every check shares: parameters, results, the views of a thread
 * (its own, the module's ioctl and debugfs), the ia32 entry, the scenario
 * table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "check_internal.h"

/* The sizes versions fixed: a change here breaks every older caller. */
_Static_assert(sizeof(struct tlsview_check_params) == TLSVIEW_CHECK_PARAMS_SIZE_VER0,
	       "struct tlsview_check_params grows only by appending, with a new _VER");
_Static_assert(sizeof(struct tlsview_check_result) == TLSVIEW_CHECK_RESULT_SIZE_VER1,
	       "struct tlsview_check_result grows only by appending, with a new _VER");

TLSVIEW_CHECK_EXPORT const char *tlsview_check_version(void)
{
	return TLSVIEW_CHECK_VERSION_STRING;
}

TLSVIEW_CHECK_EXPORT void tlsview_check_params_init(struct tlsview_check_params *params)
{
	if (!params)
		return;
	memset(params, 0, sizeof(*params));
	params->size = sizeof(*params);
	params->segment = TLSVIEW_SEG_BOTH;
	params->setter = TLSVIEW_SET_DEFAULT;
}

TLSVIEW_CHECK_EXPORT void tlsview_check_result_init(struct tlsview_check_result *result)
{
	if (!result)
		return;
	memset(result, 0, sizeof(*result));
	result->size = sizeof(*result);
}

static bool result_usable(const struct tlsview_check_result *result)
{
	return result && result->size >= TLSVIEW_CHECK_RESULT_SIZE_VER0;
}

/*
 * The caller's params as this version knows them: a smaller (older)
 * struct leaves the newer fields zero, a larger (newer) one is accepted
 * when what this version does not know is zero, as copy_struct_from_user()
 * does for the uapi. Returns 0, EINVAL or E2BIG.
 */
static int params_take(struct tlsview_check_params *dst, const struct tlsview_check_params *src)
{
	const unsigned char *tail = (const unsigned char *)src;
	size_t i;

	tlsview_check_params_init(dst);
	if (!src)
		return 0;
	if (src->size < TLSVIEW_CHECK_PARAMS_SIZE_VER0)
		return EINVAL;
	for (i = sizeof(*dst); i < src->size; i++)
		if (tail[i])
			return E2BIG;
	memcpy(dst, src, src->size < sizeof(*dst) ? src->size : sizeof(*dst));
	dst->size = sizeof(*dst);
	return 0;
}

/* Copy @own into the caller's result, no more than the caller's size. */
static void result_give(struct tlsview_check_result *caller,
			const struct tlsview_check_result *own)
{
	uint32_t size = caller->size;

	memcpy(caller, own, size < sizeof(*own) ? size : sizeof(*own));
	caller->size = size;
}

uint64_t check_now_ns(void)
{
	struct timespec now = { 0, 0 };

	/*
	 * A raw system call, not libc's clock_gettime: this runs in bare
	 * threads, some with an FS base that is no libc TCB at all.
	 */
	tlsview_syscall3(228 /* clock_gettime */, CLOCK_MONOTONIC, (long)&now, 0);
	return (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
}

bool check_past_deadline(struct check_ctx *ctx)
{
	if (!ctx->deadline_ns || check_now_ns() <= ctx->deadline_ns)
		return false;
	__atomic_store_n(&ctx->bound_reached, 1, __ATOMIC_RELAXED);
	return true;
}

static bool debugfs_readable(void)
{
	return access(TLSVIEW_DEBUGFS_TASKS, R_OK) == 0;
}

int check_begin(struct check_ctx *ctx, const struct tlsview_check_params *params,
		struct tlsview_check_result *result, unsigned int default_threads,
		unsigned int default_iterations, unsigned int default_duration_ms)
{
	int params_error;

	memset(ctx, 0, sizeof(*ctx));
	if (!result_usable(result))
		return check_fail_errno(EINVAL);
	ctx->caller = result;
	ctx->result = &ctx->own;
	tlsview_check_result_init(ctx->result);
	params_error = params_take(&ctx->params, params);
	if (ctx->params.segment == TLSVIEW_SEG_DEFAULT)
		ctx->params.segment = TLSVIEW_SEG_BOTH;
	if (!ctx->params.threads)
		ctx->params.threads = default_threads;
	if (!ctx->params.iterations)
		ctx->params.iterations = default_iterations;
	if (!ctx->params.duration_ms)
		ctx->params.duration_ms = default_duration_ms;
	ctx->insn = tlsview_have_fsgsbase();
	ctx->start_ns = check_now_ns();
	if (ctx->params.duration_ms)
		ctx->deadline_ns = ctx->start_ns + (uint64_t)ctx->params.duration_ms * 1000000ULL;
	if (!(ctx->params.flags & TLSVIEW_CHECK_NO_MODULE)) {
		if (tlsview_client_open(&ctx->client, NULL, NULL, 0) < 0)
			ctx->client = NULL;
		ctx->debugfs = ctx->client && debugfs_readable();
	}
	ctx->views = TLSVIEW_VIEW_SELF_ARCH_PRCTL;
	if (params_error)
		return check_error(ctx, params_error, "params.size %u (this library knows %zu)",
				   params->size, sizeof(*params));
	if (!ctx->client && (ctx->params.flags & TLSVIEW_CHECK_REQUIRE_MODULE))
		return check_skip(ctx, "/dev/tlsview absent (tlsview.ko not loaded) "
				  "and the module's views were required");
	return 0;
}

int check_out_of_memory(struct tlsview_check_result *result)
{
	struct tlsview_check_result own;

	if (!result_usable(result))
		return check_fail_errno(EINVAL);
	tlsview_check_result_init(&own);
	own.status = TLSVIEW_CHECK_ERROR;
	own.error = ENOMEM;
	snprintf(own.message, sizeof(own.message), "out of memory");
	result_give(result, &own);
	return own.status;
}

int check_skip(struct check_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	ctx->result->status = TLSVIEW_CHECK_SKIP;
	va_start(ap, fmt);
	vsnprintf(ctx->result->message, sizeof(ctx->result->message), fmt, ap);
	va_end(ap);
	return check_end(ctx);
}

int check_error(struct check_ctx *ctx, int error, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	if (error < 0)
		error = -error;
	/* A mismatch seen before the error is the more useful answer. */
	if (check_failed(ctx))
		return check_end(ctx);
	ctx->result->status = TLSVIEW_CHECK_ERROR;
	ctx->result->error = error;
	va_start(ap, fmt);
	vsnprintf(ctx->result->message, sizeof(ctx->result->message), fmt, ap);
	va_end(ap);
	len = strlen(ctx->result->message);
	if (error && len < sizeof(ctx->result->message))
		snprintf(ctx->result->message + len, sizeof(ctx->result->message) - len,
			 ": %s", strerror(error));
	return check_end(ctx);
}

int check_end(struct check_ctx *ctx)
{
	struct tlsview_check_result *result = ctx->result;

	if (check_failed(ctx)) {
		struct tlsview_check_mismatch *m = &result->mismatch;

		result->status = TLSVIEW_CHECK_FAIL;
		snprintf(result->message, sizeof(result->message),
			 "tid %d, view %s, %s: expected 0x%llx, seen 0x%llx (round %llu, %s)",
			 (int)m->tid, tlsview_check_view_name(m->view), m->quantity,
			 (unsigned long long)m->expected, (unsigned long long)m->seen,
			 (unsigned long long)m->round, ctx->where ? ctx->where : "?");
	}
	result->views = __atomic_load_n(&ctx->views, __ATOMIC_RELAXED);
	result->comparisons = __atomic_load_n(&ctx->comparisons, __ATOMIC_RELAXED);
	result->rounds = __atomic_load_n(&ctx->rounds, __ATOMIC_RELAXED);
	result->rounds_planned = ctx->rounds_planned;
	result->bound_reached = __atomic_load_n(&ctx->bound_reached, __ATOMIC_RELAXED);
	result->elapsed_ms = (check_now_ns() - ctx->start_ns) / 1000000ULL;
	tlsview_client_close(ctx->client);
	ctx->client = NULL;
	if (ctx->params.flags & TLSVIEW_CHECK_VERBOSE) {
		char line[512];

		tlsview_check_format(result, line, sizeof(line));
		fprintf(stderr, "tlsview check: %s\n", line);
	}
	result_give(ctx->caller, result);
	return result->status;
}

void check_mismatch(struct check_ctx *ctx, pid_t tid, unsigned int view, const char *quantity,
		    uint64_t expected, uint64_t seen, uint64_t round, const char *where)
{
	struct tlsview_check_mismatch *m = &ctx->result->mismatch;
	int unset = 0;
	size_t i;

	if (!__atomic_compare_exchange_n(&ctx->failed, &unset, -1, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	m->tid = tid;
	m->view = view;
	/* No libc here: this may run in a bare thread. */
	for (i = 0; quantity[i] && i < sizeof(m->quantity) - 1; i++)
		m->quantity[i] = quantity[i];
	m->quantity[i] = 0;
	m->expected = expected;
	m->seen = seen;
	m->round = round;
	ctx->where = where;
	__atomic_store_n(&ctx->failed, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&ctx->stop, 1, __ATOMIC_RELEASE);
}

bool check_eq(struct check_ctx *ctx, pid_t tid, unsigned int view, const char *quantity,
	      uint64_t expected, uint64_t seen, uint64_t round, const char *where)
{
	__atomic_fetch_or(&ctx->views, view, __ATOMIC_RELAXED);
	if (expected != seen) {
		check_mismatch(ctx, tid, view, quantity, expected, seen, round, where);
		return false;
	}
	__atomic_fetch_add(&ctx->comparisons, 1, __ATOMIC_RELAXED);
	return true;
}

int check_set_base(const struct check_ctx *ctx, bool fs, uint64_t value)
{
	switch (ctx->params.setter) {
	case TLSVIEW_SET_INSN:
		if (fs)
			tlsview_set_fs_insn(value);
		else
			tlsview_set_gs_insn(value);
		return 0;
	case TLSVIEW_SET_SYSCALL:
		return tlsview_sys_arch_prctl(fs ? TLSVIEW_ARCH_SET_FS : TLSVIEW_ARCH_SET_GS, value);
	default:
		return fs ? tlsview_set_fs(value) : tlsview_set_gs(value);
	}
}

uint64_t check_get_base_syscall(bool fs)
{
	uint64_t value = 0;

	tlsview_sys_arch_prctl(fs ? TLSVIEW_ARCH_GET_FS : TLSVIEW_ARCH_GET_GS, (unsigned long)&value);
	return value;
}

bool check_self(struct check_ctx *ctx, pid_t tid, bool fs, uint64_t expected, bool fs0,
		uint64_t round)
{
	const char *quantity = fs ? "fsbase" : "gsbase";

	if (ctx->insn &&
	    !check_eq(ctx, tid, TLSVIEW_VIEW_SELF_INSN, quantity, expected,
		      fs ? tlsview_get_fs_insn() : tlsview_get_gs_insn(), round, "own registers"))
		return false;
	if (!check_eq(ctx, tid, TLSVIEW_VIEW_SELF_ARCH_PRCTL, quantity, expected,
		      check_get_base_syscall(fs), round, "own registers"))
		return false;
	if (fs && fs0 &&
	    !check_eq(ctx, tid, TLSVIEW_VIEW_FS0, "fs:0", expected,
		      (uint64_t)(uintptr_t)tlsview_thread_pointer(), round, "own registers"))
		return false;
	return true;
}

int check_module_task(struct check_ctx *ctx, pid_t tid, uint32_t request, struct tlsview_task *task)
{
	if (!ctx->client)
		return -ENODEV;
	return tlsview_client_get_task(ctx->client, tid, request, task);
}

int check_module_debugfs(struct check_ctx *ctx, pid_t tid, struct tlsview_task *task)
{
	if (!ctx->debugfs)
		return -ENODEV;
	return tlsview_tasks_find(TLSVIEW_DEBUGFS_TASKS, tid, task);
}

static bool module_compare(struct check_ctx *ctx, pid_t tid, unsigned int view,
			   const struct tlsview_task *task, const uint64_t *fsbase,
			   const uint64_t *gsbase, const uint16_t *fsindex, const uint16_t *gsindex,
			   uint64_t round, const char *where)
{
	if (fsbase && !check_eq(ctx, tid, view, "fsbase", *fsbase, task->fsbase, round, where))
		return false;
	if (gsbase && !check_eq(ctx, tid, view, "gsbase", *gsbase, task->gsbase, round, where))
		return false;
	if (fsindex && !check_eq(ctx, tid, view, "fsindex", *fsindex, task->fsindex, round, where))
		return false;
	if (gsindex && !check_eq(ctx, tid, view, "gsindex", *gsindex, task->gsindex, round, where))
		return false;
	return true;
}

bool check_module_expect(struct check_ctx *ctx, pid_t tid, const uint64_t *fsbase,
			 const uint64_t *gsbase, const uint16_t *fsindex, const uint16_t *gsindex,
			 bool debugfs_too, uint64_t round)
{
	struct tlsview_task task;
	int ret;

	if (!ctx->client)
		return true;
	ret = check_module_task(ctx, tid, 0, &task);
	if (ret < 0) {
		check_mismatch(ctx, tid, TLSVIEW_VIEW_MODULE_IOCTL, "get_task-errno", 0,
			       (uint64_t)-ret, round, "module read");
		return false;
	}
	if (!module_compare(ctx, tid, TLSVIEW_VIEW_MODULE_IOCTL, &task, fsbase, gsbase, fsindex,
			    gsindex, round, "module read"))
		return false;
	if (debugfs_too && ctx->debugfs) {
		ret = check_module_debugfs(ctx, tid, &task);
		if (ret < 0) {
			check_mismatch(ctx, tid, TLSVIEW_VIEW_MODULE_DEBUGFS, "tasks-line", 0,
				       (uint64_t)-ret, round, "debugfs read");
			return false;
		}
		if (!module_compare(ctx, tid, TLSVIEW_VIEW_MODULE_DEBUGFS, &task, fsbase, gsbase,
				    fsindex, gsindex, round, "debugfs read"))
			return false;
	}
	return true;
}

int check_allowed_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int cpu, count = 0;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	for (cpu = 0; cpu < CPU_SETSIZE && count < max; cpu++)
		if (CPU_ISSET(cpu, &set))
			cpus[count++] = cpu;
	return count ? count : 1;
}

TLSVIEW_CHECK_EXPORT unsigned int tlsview_check_views_available(const struct tlsview_check_params *params)
{
	unsigned int flags = params ? params->flags : 0;
	unsigned int views = TLSVIEW_VIEW_SELF_ARCH_PRCTL | TLSVIEW_VIEW_FS0 |
			     TLSVIEW_VIEW_SELF_SELECTOR | TLSVIEW_VIEW_SELF_MEMORY | TLSVIEW_VIEW_LIBC;
	struct tlsview_client *client;

	if (tlsview_have_fsgsbase())
		views |= TLSVIEW_VIEW_SELF_INSN;
	if (!(flags & TLSVIEW_CHECK_NO_MODULE) && tlsview_client_open(&client, NULL, NULL, 0) == 0) {
		views |= TLSVIEW_VIEW_MODULE_IOCTL;
		if (debugfs_readable())
			views |= TLSVIEW_VIEW_MODULE_DEBUGFS;
		tlsview_client_close(client);
	}
	if (!(flags & TLSVIEW_CHECK_NO_PTRACE))
		views |= TLSVIEW_VIEW_PTRACE_GETREGS | TLSVIEW_VIEW_PTRACE_ARCH_PRCTL;
	return views;
}

TLSVIEW_CHECK_EXPORT const char *tlsview_check_view_name(unsigned int view)
{
	switch (view) {
	case TLSVIEW_VIEW_SELF_INSN: return "self-insn";
	case TLSVIEW_VIEW_SELF_ARCH_PRCTL: return "self-arch_prctl";
	case TLSVIEW_VIEW_FS0: return "fs0";
	case TLSVIEW_VIEW_MODULE_IOCTL: return "module-ioctl";
	case TLSVIEW_VIEW_MODULE_DEBUGFS: return "module-debugfs";
	case TLSVIEW_VIEW_PTRACE_GETREGS: return "ptrace-getregs";
	case TLSVIEW_VIEW_PTRACE_ARCH_PRCTL: return "ptrace-arch_prctl";
	case TLSVIEW_VIEW_SELF_SELECTOR: return "self-selector";
	case TLSVIEW_VIEW_SELF_MEMORY: return "self-memory";
	case TLSVIEW_VIEW_LIBC: return "libc";
	default: return "?";
	}
}

TLSVIEW_CHECK_EXPORT const char *tlsview_check_status_name(int status)
{
	switch (status) {
	case TLSVIEW_CHECK_PASS: return "pass";
	case TLSVIEW_CHECK_FAIL: return "fail";
	case TLSVIEW_CHECK_SKIP: return "skip";
	case TLSVIEW_CHECK_ERROR: return "error";
	default: return "?";
	}
}

TLSVIEW_CHECK_EXPORT int tlsview_check_format(const struct tlsview_check_result *result, char *buf,
					size_t size)
{
	char views[160] = "", planned[32] = "";
	const char *bound = "";
	size_t len = 0;
	unsigned int bit;

	if (!result)
		return snprintf(buf, size, "?");
	for (bit = 1; bit & TLSVIEW_VIEW_ALL; bit <<= 1)
		if (result->views & bit && len < sizeof(views))
			len += snprintf(views + len, sizeof(views) - len, "%s%s", len ? "," : "",
					tlsview_check_view_name(bit));
	switch (result->status) {
	case TLSVIEW_CHECK_PASS:
		/* The 1.1 fields only when the caller's result has them. */
		if (result->size >= TLSVIEW_CHECK_RESULT_SIZE_VER1) {
			if (result->rounds_planned)
				snprintf(planned, sizeof(planned), " of %llu",
					 (unsigned long long)result->rounds_planned);
			if (result->bound_reached)
				bound = " (stopped at the time bound)";
		}
		return snprintf(buf, size, "pass: %llu comparisons, %llu%s rounds%s, %llu ms; views %s",
				(unsigned long long)result->comparisons,
				(unsigned long long)result->rounds, planned, bound,
				(unsigned long long)result->elapsed_ms, views);
	case TLSVIEW_CHECK_FAIL:
		return snprintf(buf, size, "fail: %s; views %s", result->message, views);
	default:
		return snprintf(buf, size, "%s: %s", tlsview_check_status_name(result->status),
				result->message);
	}
}

static const struct tlsview_check_scenario scenarios[] = {
	{ "clone_settls", "bare clone(CLONE_SETTLS) threads see their own TP and TLS",
	  tlsview_check_clone_settls },
	{ "clone_ia32_settls", "int $0x80 clone(CLONE_SETTLS) with a user_desc fills a TLS slot",
	  tlsview_check_clone_ia32_settls },
	{ "context_switch", "bases survive voluntary and involuntary context switches",
	  tlsview_check_context_switch },
	{ "migration", "bases survive migrations across every CPU", tlsview_check_migration },
	{ "signals", "handlers see the interrupted thread's bases; sigreturn keeps changes",
	  tlsview_check_signals },
	{ "fork_exec", "fork/vfork inherit bases and selectors; exec clears them",
	  tlsview_check_fork_exec },
	{ "ptrace", "a tracer reads, pokes and restores the bases", tlsview_check_ptrace },
	{ "selectors", "set_thread_area selectors in FS and GS of a 64-bit task",
	  tlsview_check_selectors },
	{ "compat_tls", "a -m32 program's %gs TLS slot seen by the module and by a tracer",
	  tlsview_check_compat_tls },
	{ "seeds", "errno, __thread and pthread_self() sit at fixed places from the FS base",
	  tlsview_check_seeds },
};

TLSVIEW_CHECK_EXPORT const struct tlsview_check_scenario *tlsview_check_scenarios(size_t *count)
{
	if (count)
		*count = sizeof(scenarios) / sizeof(scenarios[0]);
	return scenarios;
}

TLSVIEW_CHECK_EXPORT const struct tlsview_check_scenario *tlsview_check_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(scenarios[i].name, name))
			return &scenarios[i];
	errno = ENOENT;
	return NULL;
}

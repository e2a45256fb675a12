/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/* Private to the sources of libtlsview-check. */
#ifndef _TLSVIEW_CHECK_INTERNAL_H
#define _TLSVIEW_CHECK_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <tlsview/check.h>
#include <tlsview/tlsview.h>

/*
 * Built with -fvisibility=hidden; only definitions marked with this are
 * exported (and libtlsview-check.map names the same set).
 */
#define TLSVIEW_CHECK_EXPORT __attribute__((visibility("default")))

/* Store @code in errno and return -@code (libtlsview's error convention). */
static inline int check_fail_errno(int code)
{
	errno = code;
	return -code;
}

/*
 * GS values the checks write: below the fast-path bound, never mapped
 * (nothing loads through GS in those checks), and tagged so that a value
 * seen in the wrong thread is recognisable.
 */
#define CHECK_GS_VALUE(thread, round) \
	(0x500000000000ULL + ((uint64_t)((thread) & 0xff) << 36) + \
	 ((uint64_t)((round) & 0xffffffffULL) << 4))

/*
 * One running check. Worker threads (often bare threads) record the first
 * mismatch here with check_mismatch(), which is bare-thread safe: it only
 * writes memory. The caller turns it into the result at the end.
 */
struct check_ctx {
	struct tlsview_check_params params;	/* the caller's, defaults filled */
	struct tlsview_check_result *result;	/* &own until check_end() */
	struct tlsview_check_result own;	/* this version's full result */
	struct tlsview_check_result *caller;	/* gets result->size bytes of it */
	struct tlsview_client *client;	/* NULL: no module views */
	bool debugfs;			/* the debugfs tasks file is readable */
	bool insn;			/* FSGSBASE usable in user space */
	uint64_t start_ns;
	uint64_t deadline_ns;		/* 0: none */
	int failed;			/* set once, by the first mismatch */
	int stop;			/* workers stop when set */
	unsigned int views;		/* views compared (atomic or) */
	uint64_t comparisons;		/* atomic add */
	uint64_t rounds;		/* atomic add */
	uint64_t rounds_planned;	/* set by the scenario once it knows */
	int bound_reached;		/* the deadline stopped a loop */
	const char *where;		/* static text: what was happening */
};

/*
 * check_begin() - start a check: defaults, result cleared, module opened
 * unless excluded. Returns 0; TLSVIEW_CHECK_SKIP (result filled, check
 * ended) when the module is required and absent; TLSVIEW_CHECK_ERROR for
 * a params->size the library cannot take; -EINVAL for a NULL result or
 * one whose size is too small.
 * Callers: `if (ret) return ret;`.
 */
int check_begin(struct check_ctx *ctx, const struct tlsview_check_params *params,
		struct tlsview_check_result *result, unsigned int default_threads,
		unsigned int default_iterations, unsigned int default_duration_ms);
/*
 * check_end() - close the module, fill the caller's result (its size's
 * worth); returns the status.
 */
int check_end(struct check_ctx *ctx);
/* The result for a check that could not even allocate its context. */
int check_out_of_memory(struct tlsview_check_result *result);
/* check_skip()/check_error() - end states with a formatted message. */
int check_skip(struct check_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int check_error(struct check_ctx *ctx, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Bare-thread safe: record a mismatch (the first one wins). */
void check_mismatch(struct check_ctx *ctx, pid_t tid, unsigned int view, const char *quantity,
		    uint64_t expected, uint64_t seen, uint64_t round, const char *where);
/* Bare-thread safe: compare and count; false (and recorded) on mismatch. */
bool check_eq(struct check_ctx *ctx, pid_t tid, unsigned int view, const char *quantity,
	      uint64_t expected, uint64_t seen, uint64_t round, const char *where);
static inline bool check_failed(const struct check_ctx *ctx)
{
	return __atomic_load_n(&ctx->failed, __ATOMIC_ACQUIRE) != 0;
}
static inline bool check_stopping(const struct check_ctx *ctx)
{
	return __atomic_load_n(&ctx->stop, __ATOMIC_ACQUIRE) != 0 || check_failed(ctx);
}
/*
 * Bare-thread safe: past the deadline? Every loop of a scenario asks it
 * between rounds and stops when it says so: a true answer is recorded as
 * result.bound_reached.
 */
bool check_past_deadline(struct check_ctx *ctx);
uint64_t check_now_ns(void);

/* Which bases a check covers, from params.segment and a default. */
static inline bool check_does_fs(const struct check_ctx *ctx)
{
	return ctx->params.segment & TLSVIEW_SEG_FS;
}
static inline bool check_does_gs(const struct check_ctx *ctx)
{
	return ctx->params.segment & TLSVIEW_SEG_GS;
}

/*
 * Bare-thread safe: set the calling thread's FS (fs true) or GS base the
 * way params.setter says. Returns 0 or a negative errno.
 */
int check_set_base(const struct check_ctx *ctx, bool fs, uint64_t value);
/*
 * Bare-thread safe: compare the calling thread's own views of one base
 * (self-insn where usable, self-arch_prctl, and for FS with @fs0 the %fs:0
 * self-pointer) with @expected. Returns false on a mismatch (recorded).
 */
bool check_self(struct check_ctx *ctx, pid_t tid, bool fs, uint64_t expected, bool fs0,
		uint64_t round);
/* Bare-thread safe: the calling thread's base by arch_prctl. */
uint64_t check_get_base_syscall(bool fs);

/*
 * The module's views of @tid. check_module_task() asks GET_TASK with
 * @request; check_module_debugfs() reads the debugfs tasks line of @tid into
 * the same structure (libtlsview's tlsview_tasks_find()). Both return 0,
 * -ESRCH (no such thread), -ENODEV (that view is not available) or another
 * negative errno.
 */
int check_module_task(struct check_ctx *ctx, pid_t tid, uint32_t request, struct tlsview_task *task);
int check_module_debugfs(struct check_ctx *ctx, pid_t tid, struct tlsview_task *task);
/*
 * Compare the module's views of a thread that is not changing its bases
 * right now with the expected values (a NULL pointer skips a quantity).
 * @saved_too also asks TLSVIEW_REQ_SAVED (only right when the thread
 * sleeps). Returns false on a mismatch (recorded); true also when the
 * module is absent.
 */
bool check_module_expect(struct check_ctx *ctx, pid_t tid, const uint64_t *fsbase,
			 const uint64_t *gsbase, const uint16_t *fsindex, const uint16_t *gsindex,
			 bool debugfs_too, uint64_t round);

/* Online CPUs the calling thread may run on, as a list; returns the count. */
int check_allowed_cpus(int *cpus, int max);

#define CHECK_MIN(a, b)	((a) < (b) ? (a) : (b))

#endif /* _TLSVIEW_CHECK_INTERNAL_H */

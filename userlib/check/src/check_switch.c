// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Context switches and migrations: bare worker threads set private bases,
 * get switched out and moved around, and compare what they see with what
 * they set, while the calling thread reads them through the module.
 *
 * A worker publishes its bases under a sequence count (odd while it
 * changes them), so the reader knows when a module read must equal the
 * published values exactly. In the "spin" phase a worker rewrites its base
 * in a tight loop and publishes only the iteration number: a live read
 * must fall inside the iterations published around it, which a module
 * that returned the saved thread_struct of a running thread cannot do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "check_internal.h"

#define MAX_WORKERS	256

enum worker_phase {
	PHASE_START,
	PHASE_PINGPONG,		/* voluntary switches: futex pairs, sched_yield */
	PHASE_SPIN,		/* involuntary switches, live reads */
	PHASE_HOP,		/* migrations */
	PHASE_DONE,
};

struct worker {
	struct check_ctx *ctx;
	struct tlsview_thread thread;
	struct tlsview_tcb *tcb[2];	/* FS rotates between two valid TCBs */
	struct worker *partner;		/* ping-pong partner, or NULL (yields) */
	unsigned int index;
	int tid;
	int turn;			/* futex: whose turn in the pair (index) */
	int *turnp;			/* the pair's shared turn word */
	unsigned int seq;		/* odd while the bases change */
	uint64_t fs_value, gs_value;	/* published under seq */
	uint64_t spin_published;	/* last spin iteration whose base is in place */
	int hop_cpu;			/* the CPU of the last hop, under seq */
	int hop_ack;			/* futex: the reader saw this hop */
	int hop_waiting;		/* between its hop and the next: pinned, waiting */
	int in_phase;			/* inside a phase: its bases are what it published */
	uint64_t comparisons;
};

struct pool {
	struct check_ctx ctx;
	struct worker *workers;
	unsigned int count;
	int phase;			/* futex: enum worker_phase */
	int spin_stop;			/* the reader has read enough spinning */
	int running;			/* workers not yet finished with a phase */
	int cpus[CPU_SETSIZE];
	int ncpus;
};

static uint64_t tp_of(const struct tlsview_tcb *tcb)
{
	return (uint64_t)(uintptr_t)tcb->tp;
}

static struct pool *pool_of(struct worker *w)
{
	return (struct pool *)w->ctx;
}

static void publish_begin(struct worker *w)
{
	__atomic_fetch_add(&w->seq, 1, __ATOMIC_ACQ_REL);
}

static void publish_end(struct worker *w)
{
	__atomic_fetch_add(&w->seq, 1, __ATOMIC_ACQ_REL);
}

/* Set both covered bases to the values of @round, publish them, check them. */
static bool set_round(struct worker *w, uint64_t round)
{
	struct check_ctx *ctx = w->ctx;
	uint64_t fs = tp_of(w->tcb[round & 1]);
	uint64_t gs = CHECK_GS_VALUE(w->index, round);

	publish_begin(w);
	if (check_does_fs(ctx)) {
		check_set_base(ctx, true, fs);
		__atomic_store_n(&w->fs_value, fs, __ATOMIC_RELAXED);
	}
	if (check_does_gs(ctx)) {
		check_set_base(ctx, false, gs);
		__atomic_store_n(&w->gs_value, gs, __ATOMIC_RELAXED);
	}
	publish_end(w);
	return true;
}

static bool self_round(struct worker *w, uint64_t round, const char *where)
{
	struct check_ctx *ctx = w->ctx;

	(void)where;
	if (check_does_fs(ctx) &&
	    !check_self(ctx, w->tid, true, __atomic_load_n(&w->fs_value, __ATOMIC_RELAXED), true,
			round))
		return false;
	if (check_does_gs(ctx) &&
	    !check_self(ctx, w->tid, false, __atomic_load_n(&w->gs_value, __ATOMIC_RELAXED),
			false, round))
		return false;
	return true;
}

static void wait_phase(struct pool *pool, int phase)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	int now;

	while ((now = __atomic_load_n(&pool->phase, __ATOMIC_ACQUIRE)) < phase)
		tlsview_sys_futex_wait(&pool->phase, now, &tick);
}

static void phase_finished(struct pool *pool)
{
	if (__atomic_sub_fetch(&pool->running, 1, __ATOMIC_ACQ_REL) == 0)
		tlsview_sys_futex_wake(&pool->running, 1);
}

/* Voluntary switches: take turns with the partner, or yield when alone. */
static void worker_pingpong(struct worker *w)
{
	struct check_ctx *ctx = w->ctx;
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	uint64_t round;

	for (round = 1; round <= ctx->params.iterations && !check_stopping(ctx); round++) {
		if (w->partner) {
			int turn;

			while ((turn = __atomic_load_n(w->turnp, __ATOMIC_ACQUIRE)) !=
			       (int)w->index) {
				if (check_stopping(ctx))
					return;
				tlsview_sys_futex_wait(w->turnp, turn, &tick);
			}
		} else {
			tlsview_sys_sched_yield();
		}
		/* Back from a switch: what we set last round must still be there. */
		if (!self_round(w, round, "after a voluntary switch"))
			return;
		set_round(w, round);
		if (!self_round(w, round, "after setting"))
			return;
		if (round % 16 == 0)
			tlsview_sys_sched_yield();
		__atomic_add_fetch(&ctx->rounds, 1, __ATOMIC_RELAXED);
		if (w->partner) {
			__atomic_store_n(w->turnp, (int)w->partner->index, __ATOMIC_RELEASE);
			tlsview_sys_futex_wake(w->turnp, 1);
		}
		if (check_past_deadline(ctx))
			break;
	}
	/* Let a partner still waiting for its turn finish. */
	if (w->partner) {
		__atomic_store_n(w->turnp, (int)w->partner->index, __ATOMIC_RELEASE);
		tlsview_sys_futex_wake(w->turnp, 1);
	}
}

/*
 * The tight loop: a new base every iteration, published afterwards. For FS
 * the values are not TCBs, so nothing here may go through FS: no calls, no
 * stack protector, until the TCB is back.
 */
__attribute__((noinline, no_stack_protector))
static uint64_t spin_loop(struct worker *w, bool fs, bool insn, uint64_t limit, uint64_t *bad)
{
	uint64_t i = 0;

	*bad = 0;
	while (!__atomic_load_n(&w->ctx->stop, __ATOMIC_RELAXED) &&
	       !__atomic_load_n(&pool_of(w)->spin_stop, __ATOMIC_RELAXED) && i < limit) {
		uint64_t value = CHECK_GS_VALUE(w->index, i + 1);

		if (insn) {
			if (fs)
				tlsview_arch_wrfsbase(value);
			else
				tlsview_arch_wrgsbase(value);
			if ((fs ? tlsview_arch_rdfsbase() : tlsview_arch_rdgsbase()) != value) {
				*bad = value;
				break;
			}
		} else {
			tlsview_arch_syscall2(TLSVIEW_NR_ARCH_PRCTL, fs ? TLSVIEW_ARCH_SET_FS : TLSVIEW_ARCH_SET_GS,
					      (long)value);
		}
		i++;
		__atomic_store_n(&w->spin_published, i, __ATOMIC_RELEASE);
	}
	return i;
}

static bool spin_uses_insn(const struct check_ctx *ctx)
{
	return ctx->params.setter == TLSVIEW_SET_INSN ||
	       (ctx->params.setter == TLSVIEW_SET_DEFAULT && ctx->insn);
}

static void worker_spin(struct worker *w)
{
	struct check_ctx *ctx = w->ctx;
	bool fs = ctx->params.segment == TLSVIEW_SEG_FS;
	bool insn = spin_uses_insn(ctx);
	/*
	 * The reader ends this phase (spin_stop: its sweeps, or the bound); a
	 * caller without a bound gets this many writes per worker at most.
	 */
	uint64_t limit = ctx->deadline_ns ? UINT64_MAX : (uint64_t)ctx->params.iterations * 2000;
	uint64_t done, bad;

	done = spin_loop(w, fs, insn, limit, &bad);
	if (fs)
		check_set_base(ctx, true, tp_of(w->tcb[0]));
	if (bad)
		check_mismatch(ctx, w->tid, TLSVIEW_VIEW_SELF_INSN, fs ? "fsbase" : "gsbase", bad,
			       fs ? tlsview_get_fs_insn() : tlsview_get_gs_insn(), done,
			       "spinning");
	/* This phase's rounds are the reader's sweeps (run_phase), not these writes. */
	/* Republish the exact values for the reader. */
	set_round(w, 0);
}

static void worker_hop(struct worker *w)
{
	struct pool *pool = pool_of(w);
	struct check_ctx *ctx = w->ctx;
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	uint64_t round;

	for (round = 1; round <= ctx->params.iterations && !check_stopping(ctx); round++) {
		int cpu = pool->cpus[(w->index + round) % pool->ncpus];
		unsigned long mask[CPU_SETSIZE / (8 * sizeof(unsigned long))] = { 0 };
		int ack, seen, ret;

		mask[cpu / (8 * sizeof(unsigned long))] |= 1UL << (cpu % (8 * sizeof(unsigned long)));
		ret = tlsview_sys_sched_setaffinity(0, sizeof(mask), mask);
		if (ret < 0) {
			check_mismatch(ctx, w->tid, TLSVIEW_VIEW_SELF_ARCH_PRCTL,
				       "setaffinity-errno", 0, (uint64_t)-ret, round, "hopping");
			return;
		}
		/* The bases set before the hop came along. */
		if (!self_round(w, round, "after a migration"))
			return;
		seen = tlsview_sys_getcpu();
		if (!check_eq(ctx, w->tid, TLSVIEW_VIEW_SELF_ARCH_PRCTL, "cpu(getcpu)", cpu, seen,
			      round, "after a migration"))
			return;
		ack = __atomic_load_n(&w->hop_ack, __ATOMIC_ACQUIRE);
		publish_begin(w);
		__atomic_store_n(&w->hop_cpu, cpu, __ATOMIC_RELAXED);
		publish_end(w);
		set_round(w, round);
		if (!self_round(w, round, "after setting on the new CPU"))
			return;
		__atomic_add_fetch(&ctx->rounds, 1, __ATOMIC_RELAXED);
		/* Sleep until the reader looked (bounded: the reader may be slow). */
		__atomic_store_n(&w->hop_waiting, 1, __ATOMIC_RELEASE);
		if (ctx->client && __atomic_load_n(&w->hop_ack, __ATOMIC_ACQUIRE) == ack)
			tlsview_sys_futex_wait(&w->hop_ack, ack, &tick);
		__atomic_store_n(&w->hop_waiting, 0, __ATOMIC_RELEASE);
		if (check_past_deadline(ctx))
			break;
	}
}

static int worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *pool = pool_of(w);
	int phase;

	w->tid = tlsview_sys_gettid();
	set_round(w, 0);
	for (phase = PHASE_PINGPONG; phase < PHASE_DONE; phase++) {
		wait_phase(pool, phase);
		if (__atomic_load_n(&pool->phase, __ATOMIC_ACQUIRE) >= PHASE_DONE)
			break;
		if (__atomic_load_n(&pool->phase, __ATOMIC_ACQUIRE) != phase)
			continue;
		if (!check_stopping(&pool->ctx)) {
			__atomic_store_n(&w->in_phase, 1, __ATOMIC_RELEASE);
			if (phase == PHASE_PINGPONG)
				worker_pingpong(w);
			else if (phase == PHASE_SPIN)
				worker_spin(w);
			else if (phase == PHASE_HOP)
				worker_hop(w);
			/*
			 * The reader goes on reading until every worker is done,
			 * but this one may now change its bases unpublished (it
			 * goes back to its first TCB and exits): leaving is a
			 * change of its own, so a read across it is discarded.
			 */
			publish_begin(w);
			__atomic_store_n(&w->in_phase, 0, __ATOMIC_RELEASE);
			publish_end(w);
		}
		phase_finished(pool);
	}
	/* Leave on the TCB the thread was started on. */
	tlsview_set_fs(tp_of(w->tcb[0]));
	return 0;
}

/*
 * Compare the module's view of @w with its published values when they did
 * not change during the read; returns false on a mismatch.
 */
static bool read_stable(struct pool *pool, struct worker *w, bool hop)
{
	struct check_ctx *ctx = &pool->ctx;
	unsigned int seq0, seq1;
	uint64_t fs, gs;
	struct tlsview_task task;
	int cpu, waiting;

	/* The CPU is only known between a hop and the next one. */
	waiting = __atomic_load_n(&w->hop_waiting, __ATOMIC_ACQUIRE);
	seq0 = __atomic_load_n(&w->seq, __ATOMIC_ACQUIRE);
	if ((seq0 & 1) || !__atomic_load_n(&w->in_phase, __ATOMIC_ACQUIRE))
		return true;
	fs = __atomic_load_n(&w->fs_value, __ATOMIC_RELAXED);
	gs = __atomic_load_n(&w->gs_value, __ATOMIC_RELAXED);
	cpu = __atomic_load_n(&w->hop_cpu, __ATOMIC_RELAXED);
	if (check_module_task(ctx, w->tid, 0, &task) < 0)
		return true;	/* exited meanwhile: nothing to compare */
	seq1 = __atomic_load_n(&w->seq, __ATOMIC_ACQUIRE);
	if (seq0 != seq1)
		return true;
	waiting = waiting && __atomic_load_n(&w->hop_waiting, __ATOMIC_ACQUIRE);
	if (check_does_fs(ctx) &&
	    !check_eq(ctx, w->tid, TLSVIEW_VIEW_MODULE_IOCTL, "fsbase", fs, task.fsbase, seq0 / 2,
		      "module read of a thread between changes"))
		return false;
	if (check_does_gs(ctx) &&
	    !check_eq(ctx, w->tid, TLSVIEW_VIEW_MODULE_IOCTL, "gsbase", gs, task.gsbase, seq0 / 2,
		      "module read of a thread between changes"))
		return false;
	if (hop && waiting && !(task.flags & TLSVIEW_TASK_LIVE) &&
	    !check_eq(ctx, w->tid, TLSVIEW_VIEW_MODULE_IOCTL, "cpu", (uint64_t)cpu, task.cpu,
		      seq0 / 2, "module read after a migration"))
		return false;
	return true;
}

/* A spinning worker's live base must be one it published around the read. */
/* Returns 1 when it compared a live read, else 0. */
static int read_spinning(struct pool *pool, struct worker *w)
{
	struct check_ctx *ctx = &pool->ctx;
	bool fs = ctx->params.segment == TLSVIEW_SEG_FS;
	struct tlsview_task task;
	uint64_t p0, p1, seen, low, high;

	p0 = __atomic_load_n(&w->spin_published, __ATOMIC_ACQUIRE);
	if (!p0)
		return 0;	/* not spinning yet */
	if (check_module_task(ctx, w->tid, 0, &task) < 0)
		return 0;
	p1 = __atomic_load_n(&w->spin_published, __ATOMIC_ACQUIRE);
	seen = fs ? task.fsbase : task.gsbase;
	/* Stopped spinning meanwhile: the value was rewritten after the loop. */
	if (__atomic_load_n(&pool->running, __ATOMIC_ACQUIRE) == 0)
		return 0;
	low = CHECK_GS_VALUE(w->index, p0);
	high = CHECK_GS_VALUE(w->index, p1 + 1);
	if (seen >= low && seen <= high)
		return check_eq(ctx, w->tid, TLSVIEW_VIEW_MODULE_IOCTL, fs ? "fsbase" : "gsbase",
				seen, seen, p0, "live read of a spinning thread") ? 1 : 0;
	/* Its FS went back to the TCB, GS to the round-0 value, after spinning. */
	if (w->spin_published != p1 || seen == tp_of(w->tcb[0]) || seen == CHECK_GS_VALUE(w->index, 0))
		return 0;
	check_mismatch(ctx, w->tid, TLSVIEW_VIEW_MODULE_IOCTL, fs ? "fsbase" : "gsbase", low, seen,
		       p0, "live read of a spinning thread (expected a value at or after this)");
	return 0;
}

/*
 * The spin phase ends after this many sweeps of the reader that caught a
 * thread spinning (without the module: ticks of 2 ms); they are its rounds.
 */
static unsigned int spin_sweeps(const struct check_ctx *ctx)
{
	return ctx->params.iterations / 10 < 10 ? 10 : ctx->params.iterations / 10;
}

static void run_phase(struct pool *pool, int phase)
{
	struct check_ctx *ctx = &pool->ctx;
	unsigned int i, sweeps = 0;
	int left;

	__atomic_store_n(&pool->running, (int)pool->count, __ATOMIC_RELEASE);
	__atomic_store_n(&pool->phase, phase, __ATOMIC_RELEASE);
	tlsview_sys_futex_wake(&pool->phase, (int)pool->count);
	while ((left = __atomic_load_n(&pool->running, __ATOMIC_ACQUIRE)) > 0) {
		int compared = !ctx->client;	/* without the module, sweeps are ticks */

		for (i = 0; i < pool->count && ctx->client; i++) {
			struct worker *w = &pool->workers[i];

			if (phase == PHASE_SPIN)
				compared |= read_spinning(pool, w);
			else
				read_stable(pool, w, phase == PHASE_HOP);
			if (phase == PHASE_HOP) {
				__atomic_add_fetch(&w->hop_ack, 1, __ATOMIC_RELEASE);
				tlsview_sys_futex_wake(&w->hop_ack, 1);
			}
		}
		if (check_failed(ctx))
			__atomic_store_n(&ctx->stop, 1, __ATOMIC_RELEASE);
		/* Count the sweeps that caught a thread spinning. */
		if (phase == PHASE_SPIN && !__atomic_load_n(&pool->spin_stop, __ATOMIC_ACQUIRE)) {
			sweeps += compared;
			__atomic_add_fetch(&ctx->rounds, compared, __ATOMIC_RELAXED);
			if (sweeps >= spin_sweeps(ctx) || check_past_deadline(ctx))
				__atomic_store_n(&pool->spin_stop, 1, __ATOMIC_RELEASE);
		}
		if (!ctx->client || phase == PHASE_HOP) {
			struct timespec tick = { 0, 2 * 1000 * 1000 };

			tlsview_sys_futex_wait(&pool->running, left, &tick);
		}
	}
}

/*
 * Start the pool with @count workers, run @phases in order, stop and join
 * everything; the result is in pool->ctx.
 */
static int pool_run(struct pool *pool, const int *phases, int nphases, bool pair)
{
	struct check_ctx *ctx = &pool->ctx;
	unsigned int i, started = 0;
	int ret = 0, p;

	pool->workers = calloc(pool->count, sizeof(*pool->workers));
	if (!pool->workers)
		return check_error(ctx, ENOMEM, "workers");
	for (i = 0; i < pool->count; i++) {
		struct worker *w = &pool->workers[i];

		w->ctx = ctx;
		w->index = i;
		w->tcb[0] = tlsview_tcb_create(NULL);
		w->tcb[1] = tlsview_tcb_create(NULL);
		if (!w->tcb[0] || !w->tcb[1]) {
			ret = -ENOMEM;
			break;
		}
		w->turn = (int)(i & ~1U);	/* the even one of a pair starts */
		if (pair && (i ^ 1) < pool->count)
			w->partner = &pool->workers[i ^ 1];
	}
	/* Partners share one turn word: the even worker's. */
	for (i = 0; i < pool->count; i++)
		pool->workers[i].turnp = &pool->workers[i & ~1U].turn;
	for (i = 0; ret == 0 && i < pool->count; i++) {
		struct worker *w = &pool->workers[i];
		struct tlsview_thread_attr attr = { .tcb = w->tcb[0], .stack_size = 64 << 10 };

		ret = tlsview_thread_create(&w->thread, &attr, worker_main, w);
		if (ret == 0)
			started++;
	}
	if (ret == 0) {
		/* Wait until every worker published its tid. */
		for (i = 0; i < pool->count; i++)
			while (!__atomic_load_n(&pool->workers[i].tid, __ATOMIC_ACQUIRE))
				tlsview_sys_sched_yield();
		for (p = 0; p < nphases && !check_failed(ctx); p++)
			run_phase(pool, phases[p]);
	}
	__atomic_store_n(&ctx->stop, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&pool->phase, PHASE_DONE, __ATOMIC_RELEASE);
	tlsview_sys_futex_wake(&pool->phase, (int)pool->count);
	for (i = 0; i < pool->count; i++) {
		tlsview_sys_futex_wake(&pool->workers[i].turn, 2);
		tlsview_sys_futex_wake(&pool->workers[i].hop_ack, 1);
	}
	for (i = 0; i < started; i++)
		tlsview_thread_join(&pool->workers[i].thread, NULL);
	for (i = 0; i < pool->count; i++) {
		tlsview_tcb_destroy(pool->workers[i].tcb[0]);
		tlsview_tcb_destroy(pool->workers[i].tcb[1]);
	}
	free(pool->workers);
	pool->workers = NULL;
	if (ret < 0)
		return check_error(ctx, -ret, "starting %u bare threads", pool->count);
	return check_end(ctx);
}

static int setter_skip(struct check_ctx *ctx)
{
	if (ctx->params.setter == TLSVIEW_SET_INSN && !ctx->insn)
		return check_skip(ctx, "set-by-instruction needs FSGSBASE in user space "
				  "(AT_HWCAP2 has no HWCAP2_FSGSBASE)");
	return -1;
}

TLSVIEW_CHECK_EXPORT int tlsview_check_context_switch(const struct tlsview_check_params *params,
						struct tlsview_check_result *result)
{
	static const int phases[] = { PHASE_PINGPONG, PHASE_SPIN };
	struct pool *pool;
	int ncpus, ret;
	int cpus[CPU_SETSIZE];

	ncpus = check_allowed_cpus(cpus, CPU_SETSIZE);
	pool = calloc(1, sizeof(*pool));
	if (!pool) {
		return check_out_of_memory(result);
	}
	ret = check_begin(&pool->ctx, params, result, 2 * (unsigned int)ncpus + 1, 1000, 0);
	if (ret) {
		free(pool);
		return ret;
	}
	ret = setter_skip(&pool->ctx);
	if (ret < 0) {
		pool->count = pool->ctx.params.threads;
		if (pool->count > MAX_WORKERS)
			pool->count = MAX_WORKERS;
		/* More threads than CPUs, always. */
		if (pool->count < (unsigned int)ncpus + 1)
			pool->count = (unsigned int)ncpus + 1;
		pool->ncpus = ncpus;
		/* Every worker's ping-pong rounds, then the reader's spin sweeps. */
		pool->ctx.rounds_planned = (uint64_t)pool->count * pool->ctx.params.iterations +
					   spin_sweeps(&pool->ctx);
		ret = pool_run(pool, phases, 2, true);
	}
	free(pool);
	return ret;
}

TLSVIEW_CHECK_EXPORT int tlsview_check_migration(const struct tlsview_check_params *params,
					   struct tlsview_check_result *result)
{
	static const int phases[] = { PHASE_HOP };
	struct pool *pool;
	int ret;

	pool = calloc(1, sizeof(*pool));
	if (!pool) {
		return check_out_of_memory(result);
	}
	pool->ncpus = check_allowed_cpus(pool->cpus, CPU_SETSIZE);
	ret = check_begin(&pool->ctx, params, result, (unsigned int)pool->ncpus + 1, 50, 0);
	if (ret) {
		free(pool);
		return ret;
	}
	ret = setter_skip(&pool->ctx);
	if (ret >= 0) {
		free(pool);
		return ret;
	}
	if (pool->ncpus < 2) {
		ret = check_skip(&pool->ctx, "migrations need two CPUs this thread may run on");
		free(pool);
		return ret;
	}
	pool->count = CHECK_MIN(pool->ctx.params.threads, MAX_WORKERS);
	pool->ctx.rounds_planned = (uint64_t)pool->count * pool->ctx.params.iterations;
	ret = pool_run(pool, phases, 1, false);
	free(pool);
	return ret;
}

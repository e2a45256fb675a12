// SPDX-License-Identifier: GPL-2.0
/*
 * tlsbench's operations: for each, a latency loop and a throughput loop,
 * each running n accesses (n a multiple of UNROLL).
 *
 * Latency: every access waits for the one before, so nothing overlaps and
 * the time per access is the time from its input to its result. How the
 * wait is made depends on what the access takes as input:
 *   address   a load whose address is the previous load's result (the cell
 *             loaded holds its own address or offset, so the chain stays on
 *             one L1-resident word);
 *   argument  a call or system call whose argument is derived from the
 *             previous result through dep_zero(): an `and $0` the compiler
 *             cannot see through and the CPU must wait for (unlike xor or
 *             sub of a register with itself, it is no zeroing idiom), so it
 *             adds one cycle per access;
 *   fenced    an instruction with no input operand at all (rdfsbase,
 *             wrfsbase, and the library's inline accessors built on them)
 *             cannot be put in a data chain, so each access
 *             is followed by lfence, which lets no later instruction start
 *             before it has completed; the lfence row is that fence alone,
 *             included in every fenced row.
 * Throughput: UNROLL independent accesses per step, so the CPU overlaps as
 * many as it can; it may well do more than one per cycle.
 *
 * How the optimiser is kept out (checked once in `objdump -d` of each loop):
 * every access is either a volatile asm (never dropped, merged or moved out
 * of the loop; the chained ones carry their register as an in-out operand)
 * or a call to a noinline function whose volatile asm keeps it from being
 * treated as pure, so calls are not merged or hoisted; results go to SINK(),
 * an empty asm that uses a register, so no result is dead. Library
 * accessors are the inline functions a user gets, built on volatile asm.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <threads.h>
#include <asm/prctl.h>
#include <sys/syscall.h>
#include <tlsview/arch-x86_64.h>
#include <tlsview/tlsview.h>

#include "tlsbench.h"

/* Keeps a value alive without costing an instruction. */
#define SINK(v) __asm__ __volatile__("" : : "r" (v))
#define FENCE() __asm__ __volatile__("lfence" : : : "memory")
#define REPEAT8(body) do { body; body; body; body; body; body; body; body; } while (0)

/* 0, computed from @v by an instruction the CPU has to wait for. */
static inline __attribute__((always_inline)) uint64_t dep_zero(uint64_t v)
{
	__asm__("and $0, %[v]" : [v] "+r" (v));
	return v;
}

uint64_t bench_fs_value;	/* this thread's FS base, written back unchanged */
uint64_t bench_gs_value;	/* the GS context, written back unchanged */
pthread_key_t bench_key;
struct bench_context bench_context;

/* The plain load chain's cell: it holds its own address. */
static void *l1_cell = &l1_cell;

/* Holds its own offset from the thread pointer (set by ops_setup()). */
static __thread long fs_cell;

/*
 * The baselines are the bare instructions and the bare syscall, from
 * <tlsview/arch-x86_64.h>: always_inline volatile asm, exactly the
 * instruction with nothing around it, which is what the library's
 * wrappers (lib_* below) are measured against.
 */

/* ---- how the loops are written ---- */

#define LOOP(n, body)							\
	for (uint64_t i_ = 0; i_ < (n); i_ += UNROLL)			\
		REPEAT8(body)

/* An op with no input: fenced latency, independent throughput. */
#define FENCED_OP(name, expr)						\
	static __attribute__((noinline)) void lat_##name(uint64_t n)	\
	{								\
		LOOP(n, { SINK(expr); FENCE(); });			\
	}								\
	static __attribute__((noinline)) void thr_##name(uint64_t n)	\
	{								\
		LOOP(n, SINK(expr));					\
	}

#define FENCED_STMT(name, stmt)						\
	static __attribute__((noinline)) void lat_##name(uint64_t n)	\
	{								\
		LOOP(n, { stmt; FENCE(); });				\
	}								\
	static __attribute__((noinline)) void thr_##name(uint64_t n)	\
	{								\
		LOOP(n, stmt);						\
	}

/*
 * An op taking an argument: @expr uses `chain` (0, but made from the last
 * result) in its argument for latency; throughput passes a plain 0.
 */
#define ARG_OP(name, expr)						\
	static __attribute__((noinline)) void lat_##name(uint64_t n)	\
	{								\
		uint64_t last = 0;					\
		LOOP(n, { uint64_t chain = dep_zero(last);		\
			  last = (uint64_t)(expr); });			\
		SINK(last);						\
	}								\
	static __attribute__((noinline)) void thr_##name(uint64_t n)	\
	{								\
		LOOP(n, { const uint64_t chain = 0;			\
			  SINK((uint64_t)(expr)); });			\
	}

/* ---- the baselines ---- */

static __attribute__((noinline)) void lat_l1_load(uint64_t n)
{
	void *p = l1_cell;

	LOOP(n, __asm__ __volatile__("mov (%[p]), %[p]" : [p] "+r" (p)));
	SINK(p);
}

static __attribute__((noinline)) void thr_l1_load(uint64_t n)
{
	LOOP(n, { void *v; __asm__ __volatile__("mov (%[a]), %[v]" : [v] "=r" (v)
						: [a] "r" (&l1_cell)); SINK(v); });
}

static __attribute__((noinline)) void lat_fs_load(uint64_t n)
{
	long off = fs_cell;

	LOOP(n, __asm__ __volatile__("mov %%fs:(%[o]), %[o]" : [o] "+r" (off)));
	SINK(off);
}

static __attribute__((noinline)) void thr_fs_load(uint64_t n)
{
	long off = fs_cell;

	LOOP(n, { long v; __asm__ __volatile__("mov %%fs:(%[o]), %[v]" : [v] "=r" (v)
					       : [o] "r" (off)); SINK(v); });
}

static __attribute__((noinline)) void lat_gs_load(uint64_t n)
{
	long off = bench_context.self_offset;

	LOOP(n, __asm__ __volatile__("mov %%gs:(%[o]), %[o]" : [o] "+r" (off)));
	SINK(off);
}

static __attribute__((noinline)) void thr_gs_load(uint64_t n)
{
	long off = bench_context.self_offset;

	LOOP(n, { long v; __asm__ __volatile__("mov %%gs:(%[o]), %[v]" : [v] "=r" (v)
					       : [o] "r" (off)); SINK(v); });
}

static __attribute__((noinline)) void lat_lfence(uint64_t n)
{
	LOOP(n, FENCE());
}

static __attribute__((noinline)) void thr_lfence(uint64_t n)
{
	LOOP(n, FENCE());
}

FENCED_OP(rdfsbase, tlsview_arch_rdfsbase())
FENCED_STMT(wrfsbase, tlsview_arch_wrfsbase(bench_fs_value))
FENCED_OP(rdgsbase, tlsview_arch_rdgsbase())
FENCED_STMT(wrgsbase, tlsview_arch_wrgsbase(bench_gs_value))

static uint64_t got;	/* where ARCH_GET_* write */

ARG_OP(arch_prctl_get_fs, tlsview_arch_syscall2(SYS_arch_prctl, ARCH_GET_FS, (long)&got + (long)chain))
ARG_OP(arch_prctl_set_fs, tlsview_arch_syscall2(SYS_arch_prctl, ARCH_SET_FS,
					 (long)(bench_fs_value + chain)))
ARG_OP(arch_prctl_get_gs, tlsview_arch_syscall2(SYS_arch_prctl, ARCH_GET_GS, (long)&got + (long)chain))
ARG_OP(arch_prctl_set_gs, tlsview_arch_syscall2(SYS_arch_prctl, ARCH_SET_GS,
					 (long)(bench_gs_value + chain)))
/* The cheapest round trip into the kernel: its argument is ignored. */
ARG_OP(syscall, tlsview_arch_syscall2(SYS_getppid, (long)chain, 0))

/* ---- libtlsview ---- */

FENCED_OP(lib_get_fs, tlsview_get_fs())
FENCED_OP(lib_set_fs, tlsview_set_fs(bench_fs_value))
FENCED_OP(lib_get_gs, tlsview_get_gs())
FENCED_OP(lib_set_gs, tlsview_set_gs(bench_gs_value))
ARG_OP(lib_get_fs_syscall, tlsview_get_fs_syscall((uint64_t *)((char *)&got + chain)))
ARG_OP(lib_set_fs_syscall, tlsview_set_fs_syscall(bench_fs_value + chain))
ARG_OP(lib_get_gs_syscall, tlsview_get_gs_syscall((uint64_t *)((char *)&got + chain)))
ARG_OP(lib_set_gs_syscall, tlsview_set_gs_syscall(bench_gs_value + chain))
/*
 * The library's one-load reads are `mov %gs:0` and `mov %fs:0`: no input.
 * Their latency rows chain the same load through its address, 0 made from
 * the previous result by dep_zero() (as pthread_getspecific's key is), so
 * that the GS context and pthread_getspecific are compared on equal terms;
 * their throughput rows are the library's own inline functions.
 */
#define WORD0_OP(name, segment, expr)					\
	static __attribute__((noinline)) void lat_##name(uint64_t n)	\
	{								\
		uint64_t last = 0;					\
		LOOP(n, { uint64_t chain = dep_zero(last);		\
			  __asm__ __volatile__("mov %%" segment ":(%[a]), %[v]" \
					       : [v] "=r" (last)	\
					       : [a] "r" (chain)); });	\
		SINK(last);						\
	}								\
	static __attribute__((noinline)) void thr_##name(uint64_t n)	\
	{								\
		LOOP(n, SINK(expr));					\
	}

WORD0_OP(lib_gs_context, "gs", tlsview_gs_context())
WORD0_OP(fs0_read, "fs", tlsview_thread_pointer())

/* ---- per-thread data the usual ways ---- */

ARG_OP(pthread_getspecific, (uintptr_t)pthread_getspecific(bench_key + (pthread_key_t)chain))
ARG_OP(pthread_setspecific, pthread_setspecific(bench_key + (pthread_key_t)chain,
						&bench_context))

/*
 * The __thread ops: each access is a call to a noinline reader taking the
 * index of the element to load (always 0: the element holds 0), so the
 * index chains the latency loop. The call boundary keeps the compiler from
 * hoisting the TLS address computation out of the loop (which is the cost
 * measured); the volatile asm keeps the reader from being treated as pure
 * and its calls merged. call_global is the same reader of a plain global:
 * what every tls_* op pays besides the TLS address computation.
 */
#define READER(name, array)						\
	static __attribute__((noinline)) long read_##name(long i)	\
	{								\
		long v = (array)[i];					\
		__asm__ __volatile__("" : "+r" (v));			\
		return v;						\
	}								\
	ARG_OP(name, read_##name((long)chain))

/* Not static: the compiler must not see that they stay 0. */
long plain_global[1];
/* In the executable: local-exec, mov %fs:OFFSET(,index,8). */
__attribute__((tls_model("local-exec"))) __thread long tls_le_array[1];
/* C11 thread_local, no model asked for: in an executable, local-exec too. */
thread_local long thread_local_array[1];
/*
 * Defined in libtlsbench_gd.so, read from here: initial-exec (the variable's
 * offset from the GOT, then a %fs: load); the linker cannot relax it to
 * local-exec because the variable lives in a shared object.
 */
extern __thread long tlsbench_array_gd[1];

READER(call_global, plain_global)
READER(tls_le, tls_le_array)
READER(c11_thread_local, thread_local_array)
READER(tls_ie, tlsbench_array_gd)

/* Loops in the shared objects (tls_shared.c), general-dynamic and TLSDESC. */
void tlsbench_latency_gd(uint64_t n);
void tlsbench_throughput_gd(uint64_t n);
void tlsbench_latency_desc(uint64_t n);
void tlsbench_throughput_desc(uint64_t n);
#define lat_tls_gd tlsbench_latency_gd
#define thr_tls_gd tlsbench_throughput_gd
#define lat_tls_desc tlsbench_latency_desc
#define thr_tls_desc tlsbench_throughput_desc

/* ---- the table ---- */

#define ROW(op, grp, chn, needs, base_op, load, text)			\
	{ .name = #op, .group = grp, .chain = chn, .need = needs,	\
	  .base = base_op, .load_based = load, .what = text,		\
	  .latency = lat_##op, .throughput = thr_##op }

struct op ops[] = {
	ROW(l1_load, GROUP_BASELINE, CHAIN_ADDRESS, NEED_NOTHING, NULL, 0,
	    "plain load, no segment: the floor of any TLS read"),
	ROW(lfence, GROUP_BASELINE, CHAIN_FENCED, NEED_NOTHING, NULL, 0,
	    "lfence alone: the fence inside every fenced row"),
	ROW(rdfsbase, GROUP_BASELINE, CHAIN_FENCED, NEED_FSGSBASE, NULL, 0, "rdfsbase instruction"),
	ROW(wrfsbase, GROUP_BASELINE, CHAIN_FENCED, NEED_FSGSBASE, NULL, 0,
	    "wrfsbase instruction (same value)"),
	ROW(rdgsbase, GROUP_BASELINE, CHAIN_FENCED, NEED_FSGSBASE, NULL, 0, "rdgsbase instruction"),
	ROW(wrgsbase, GROUP_BASELINE, CHAIN_FENCED, NEED_FSGSBASE, NULL, 0,
	    "wrgsbase instruction (same value)"),
	ROW(syscall, GROUP_BASELINE, CHAIN_ARGUMENT, NEED_NOTHING, NULL, 0,
	    "bare getppid system call: the cheapest kernel round trip"),
	ROW(arch_prctl_get_fs, GROUP_BASELINE, CHAIN_ARGUMENT, NEED_NOTHING, "syscall", 0,
	    "bare arch_prctl(ARCH_GET_FS)"),
	ROW(arch_prctl_set_fs, GROUP_BASELINE, CHAIN_ARGUMENT, NEED_NOTHING, "syscall", 0,
	    "bare arch_prctl(ARCH_SET_FS)"),
	ROW(arch_prctl_get_gs, GROUP_BASELINE, CHAIN_ARGUMENT, NEED_NOTHING, "syscall", 0,
	    "bare arch_prctl(ARCH_GET_GS)"),
	ROW(arch_prctl_set_gs, GROUP_BASELINE, CHAIN_ARGUMENT, NEED_NOTHING, "syscall", 0,
	    "bare arch_prctl(ARCH_SET_GS)"),
	ROW(fs_load, GROUP_BASELINE, CHAIN_ADDRESS, NEED_NOTHING, "l1_load", 1,
	    "mov %fs:(reg): a load through the FS segment"),
	ROW(gs_load, GROUP_BASELINE, CHAIN_ADDRESS, NEED_NOTHING, "l1_load", 1,
	    "mov %gs:(reg): a load through the GS segment"),
	ROW(lib_get_fs, GROUP_LIBRARY, CHAIN_FENCED, NEED_NOTHING, "rdfsbase", 0,
	    "tlsview_get_fs()"),
	ROW(lib_set_fs, GROUP_LIBRARY, CHAIN_FENCED, NEED_NOTHING, "wrfsbase", 0,
	    "tlsview_set_fs()"),
	ROW(lib_get_gs, GROUP_LIBRARY, CHAIN_FENCED, NEED_NOTHING, "rdgsbase", 0,
	    "tlsview_get_gs()"),
	ROW(lib_set_gs, GROUP_LIBRARY, CHAIN_FENCED, NEED_NOTHING, "wrgsbase", 0,
	    "tlsview_set_gs()"),
	ROW(lib_get_fs_syscall, GROUP_LIBRARY, CHAIN_ARGUMENT, NEED_NOTHING, "arch_prctl_get_fs", 0,
	    "tlsview_get_fs_syscall()"),
	ROW(lib_set_fs_syscall, GROUP_LIBRARY, CHAIN_ARGUMENT, NEED_NOTHING, "arch_prctl_set_fs", 0,
	    "tlsview_set_fs_syscall()"),
	ROW(lib_get_gs_syscall, GROUP_LIBRARY, CHAIN_ARGUMENT, NEED_NOTHING, "arch_prctl_get_gs", 0,
	    "tlsview_get_gs_syscall()"),
	ROW(lib_set_gs_syscall, GROUP_LIBRARY, CHAIN_ARGUMENT, NEED_NOTHING, "arch_prctl_set_gs", 0,
	    "tlsview_set_gs_syscall()"),
	ROW(lib_gs_context, GROUP_LIBRARY, CHAIN_ARGUMENT, NEED_NOTHING, "pthread_getspecific", 1,
	    "tlsview_gs_context(): mov %gs:0"),
	ROW(fs0_read, GROUP_LIBRARY, CHAIN_ARGUMENT, NEED_NOTHING, NULL, 1,
	    "tlsview_thread_pointer(): mov %fs:0"),
	ROW(pthread_getspecific, GROUP_TLS, CHAIN_ARGUMENT, NEED_NOTHING, NULL, 0,
	    "pthread_getspecific()"),
	ROW(pthread_setspecific, GROUP_TLS, CHAIN_ARGUMENT, NEED_NOTHING, NULL, 0,
	    "pthread_setspecific()"),
	ROW(call_global, GROUP_TLS, CHAIN_ARGUMENT, NEED_NOTHING, NULL, 1,
	    "noinline call loading a plain global (the call inside every tls_* row)"),
	ROW(tls_le, GROUP_TLS, CHAIN_ARGUMENT, NEED_NOTHING, "call_global", 1,
	    "that call, __thread in the executable, local-exec"),
	ROW(tls_ie, GROUP_TLS, CHAIN_ARGUMENT, NEED_NOTHING, "call_global", 1,
	    "that call, extern __thread of a .so, initial-exec"),
	ROW(tls_gd, GROUP_TLS, CHAIN_ARGUMENT, NEED_NOTHING, "call_global", 1,
	    "that call in a .so, general-dynamic: __tls_get_addr()"),
	ROW(tls_desc, GROUP_TLS, CHAIN_ARGUMENT, NEED_NOTHING, "call_global", 1,
	    "that call in a .so, TLSDESC (gnu2): call *descriptor"),
	ROW(c11_thread_local, GROUP_TLS, CHAIN_ARGUMENT, NEED_NOTHING, "call_global", 1,
	    "that call, C11 thread_local in the executable"),
};
const size_t nops = sizeof(ops) / sizeof(ops[0]);

/* Acceptance ratios, on latency: op, baseline op, bound. */
const struct criterion criteria[] = {
	{ "lib_get_fs", "rdfsbase", 1.10, "library fast path: FS get vs bare rdfsbase" },
	{ "lib_get_gs", "rdgsbase", 1.10, "library fast path: GS get vs bare rdgsbase" },
	{ "lib_set_fs", "wrfsbase", 1.10, "library fast path: FS set vs bare wrfsbase" },
	{ "lib_set_gs", "wrgsbase", 1.10, "library fast path: GS set vs bare wrgsbase" },
	{ "lib_get_fs_syscall", "arch_prctl_get_fs", 1.05, "library syscall path: ARCH_GET_FS" },
	{ "lib_set_fs_syscall", "arch_prctl_set_fs", 1.05, "library syscall path: ARCH_SET_FS" },
	{ "lib_get_gs_syscall", "arch_prctl_get_gs", 1.05, "library syscall path: ARCH_GET_GS" },
	{ "lib_set_gs_syscall", "arch_prctl_set_gs", 1.05, "library syscall path: ARCH_SET_GS" },
};
const size_t ncriteria = sizeof(criteria) / sizeof(criteria[0]);

/* Gives the chained cells their values; the GS context must be installed. */
void ops_setup(void)
{
	fs_cell = (long)((char *)&fs_cell - (char *)tlsview_thread_pointer());
	bench_context.self_offset = (long)offsetof(struct bench_context, self_offset);
	plain_global[0] = 0;
	tls_le_array[0] = 0;
	thread_local_array[0] = 0;
	tlsbench_array_gd[0] = 0;
}

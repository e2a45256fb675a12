/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * tlsview/check.h - libtlsview-check: checks that every thread's FS and GS
 * base stays what that thread set, across what the kernel does to it.
 *
 * A library of its own on top of libtlsview (`pkg-config --cflags --libs
 * tlsview-check`): the invariant scenarios that `tlsview check` and the
 * selftests share. libtlsview itself holds none of it.
 *
 * One function per scenario (clone(CLONE_SETTLS), context switches,
 * migrations, signals, fork/vfork/exec, ptrace, set_thread_area selectors,
 * the seeds' claims). Each one starts its own threads or child processes,
 * has them set bases, provokes the kernel, and compares several *views* of
 * each thread's bases:
 *   - the thread's own registers: rd{fs,gs}base ("self-insn", only where
 *     FSGSBASE is usable), arch_prctl(ARCH_GET_*) ("self-arch_prctl") and
 *     the ABI self-pointer %fs:0 ("fs0");
 *   - the module, when /dev/tlsview is there: TLSVIEW_IOC_GET_TASK
 *     ("module-ioctl") and /sys/kernel/debug/tlsview/tasks
 *     ("module-debugfs", root only), read both while the thread runs and
 *     while it sleeps;
 *   - a tracer: PTRACE_GETREGS fs_base/gs_base ("ptrace-getregs") and
 *     PTRACE_ARCH_PRCTL ("ptrace-arch_prctl").
 * Without the module a check still runs with the views it has (at least
 * two: the thread's own); the result says which views were compared.
 *
 * The first disagreement ends a check with TLSVIEW_CHECK_FAIL and a
 * struct tlsview_check_mismatch naming the thread, the view, the quantity,
 * the expected and the seen value. A check whose precondition is missing
 * (no FSGSBASE for a set-by-instruction check, one CPU for migrations, no
 * ia32 emulation for set_thread_area, ptrace forbidden, no helper program
 * given, ...) ends with TLSVIEW_CHECK_SKIP and a reason.
 *
 * Signals. tlsview_check_signals() installs handlers for SIGUSR1, SIGUSR2
 * and SIGALRM (on the process: signal dispositions are process-wide) and
 * restores the previous actions before it returns; do not send those
 * signals to the process, nor change their actions, during a check. The
 * fork_exec and ptrace checks send SIGSTOP and SIGKILL to, and receive
 * SIGTRAP stops from, their own child processes only, and reap them with
 * waitpid() on their pid (a SIGCHLD handler that reaps every child with
 * wait() would steal them). No other check touches signals.
 *
 * Helper programs. Two scenarios run a program: tlsview_check_compat_tls()
 * the -m32 helper named by @compat_tls_helper and tlsview_check_fork_exec()
 * the exec target named by @exec_helper. The library never searches $PATH:
 * the caller gives the paths (the selftests ship both programs next to
 * their tests as i386_tls_32 and exec_bases).
 *
 * Growing without a soname bump. Both structs a caller passes start with
 * a size field, as the uapi's structs do: tlsview_check_params_init() and
 * tlsview_check_result_init() set it to the sizeof() the caller was
 * compiled with. A later version of the library appends fields only; it
 * treats the fields an older caller lacks as zero (their defaults) and
 * writes only the @size bytes of the caller's result.
 *
 * Side effects every check function has, and undoes: it creates threads
 * and child processes (all joined and reaped before it returns, on every
 * path). Checks never call exit() or abort() and never change the calling
 * thread's own FS or GS base for longer than the check (it is restored).
 * Call them from an ordinary libc thread of a 64-bit process; run one
 * check at a time per process. Not bare-thread safe, not async-signal safe.
 */
#ifndef _TLSVIEW_CHECK_H
#define _TLSVIEW_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <tlsview/common.h>

#define TLSVIEW_CHECK_VERSION_MAJOR	1
#define TLSVIEW_CHECK_VERSION_MINOR	1
#define TLSVIEW_CHECK_VERSION_STRING	"1.1"

TLSVIEW_BEGIN_DECLS

/** enum tlsview_check_status - how a check ended */
enum tlsview_check_status {
	TLSVIEW_CHECK_PASS = 0,		/* every view agreed, every time */
	TLSVIEW_CHECK_FAIL = 1,		/* result.mismatch says where */
	TLSVIEW_CHECK_SKIP = 2,		/* result.message says why */
	TLSVIEW_CHECK_ERROR = 3,	/* the check could not run (result.error) */
};

/*
 * Views of a thread's bases, as bits (a set of views is a mask). The names
 * tlsview_check_view_name() returns are given in quotes.
 */
#define TLSVIEW_VIEW_SELF_INSN		(1U << 0)	/* "self-insn": rd{fs,gs}base */
#define TLSVIEW_VIEW_SELF_ARCH_PRCTL	(1U << 1)	/* "self-arch_prctl" */
#define TLSVIEW_VIEW_FS0		(1U << 2)	/* "fs0": mov %fs:0 */
#define TLSVIEW_VIEW_MODULE_IOCTL	(1U << 3)	/* "module-ioctl": GET_TASK */
#define TLSVIEW_VIEW_MODULE_DEBUGFS	(1U << 4)	/* "module-debugfs": tasks file */
#define TLSVIEW_VIEW_PTRACE_GETREGS	(1U << 5)	/* "ptrace-getregs" */
#define TLSVIEW_VIEW_PTRACE_ARCH_PRCTL	(1U << 6)	/* "ptrace-arch_prctl" */
#define TLSVIEW_VIEW_SELF_SELECTOR	(1U << 7)	/* "self-selector": mov %fs/%gs */
#define TLSVIEW_VIEW_SELF_MEMORY	(1U << 8)	/* "self-memory": loads via the base */
#define TLSVIEW_VIEW_LIBC		(1U << 9)	/* "libc": pthread_self, &errno */
#define TLSVIEW_VIEW_ALL		((1U << 10) - 1)

/** enum tlsview_check_segment - which base a check exercises */
enum tlsview_check_segment {
	TLSVIEW_SEG_DEFAULT = 0,	/* the scenario's choice (usually both) */
	TLSVIEW_SEG_FS = 1,
	TLSVIEW_SEG_GS = 2,
	TLSVIEW_SEG_BOTH = 3,
};

/** enum tlsview_check_setter - how threads set their bases */
enum tlsview_check_setter {
	TLSVIEW_SET_DEFAULT = 0,	/* wr*base when usable, else arch_prctl */
	TLSVIEW_SET_INSN = 1,		/* wr{fs,gs}base only (SKIP without FSGSBASE) */
	TLSVIEW_SET_SYSCALL = 2,	/* arch_prctl(ARCH_SET_*) only */
};

/* struct tlsview_check_params.flags bits */
#define TLSVIEW_CHECK_NO_MODULE		(1U << 0)	/* do not use the module's views */
#define TLSVIEW_CHECK_REQUIRE_MODULE	(1U << 1)	/* SKIP when the module is absent */
#define TLSVIEW_CHECK_NO_PTRACE		(1U << 2)	/* do not use the ptrace views */
#define TLSVIEW_CHECK_VERBOSE		(1U << 3)	/* the result line on stderr */

/**
 * struct tlsview_check_params - what a check does; zero means "default"
 * @size:        sizeof(struct tlsview_check_params) as the caller knows it;
 *               set by tlsview_check_params_init(). At least
 *               TLSVIEW_CHECK_PARAMS_SIZE_VER0; bytes past what the library
 *               knows must be zero (else the check ends with E2BIG).
 * @threads:     worker threads in all (a check may raise it to what it
 *               needs, e.g. context switches want more threads than CPUs).
 * @iterations:  rounds per thread (switches, hops, signals, pokes...).
 * @duration_ms: a wall-clock bound: a check stops starting new rounds
 *               after this long and judges what it did (0: no bound beyond
 *               @iterations). A check that reaches it still PASSes, and
 *               says so (result.bound_reached, result.rounds_planned).
 *               Every scenario looks at the clock between rounds, so it
 *               ends within about one round (plus joining its threads) of
 *               the bound.
 * @segment:     FS, GS or both.
 * @setter:      set-by-instruction, set-by-syscall, or the default.
 * @flags:       TLSVIEW_CHECK_* bits.
 * @compat_tls_helper: path of the -m32 static program that
 *               tlsview_check_compat_tls() runs (the selftests' i386_tls_32:
 *               prints "gs=0x63 entry=12 base=0x..." and waits for end of
 *               input); NULL: that check SKIPs.
 * @exec_helper: path of the program tlsview_check_fork_exec() execs after
 *               setting a custom GS base (the selftests' exec_bases: prints
 *               "fsbase gsbase fs gs" in hex from inside the new image);
 *               NULL: that part is left out.
 *
 * Fill it with tlsview_check_params_init() and change what you need.
 */
struct tlsview_check_params {
	uint32_t size;
	unsigned int threads;
	unsigned int iterations;
	unsigned int duration_ms;
	enum tlsview_check_segment segment;
	enum tlsview_check_setter setter;
	unsigned int flags;
	const char *compat_tls_helper;
	const char *exec_helper;
};

/* The size of struct tlsview_check_params in version 1.0. */
#define TLSVIEW_CHECK_PARAMS_SIZE_VER0	48

/**
 * struct tlsview_check_mismatch - the first disagreement a check saw
 * @tid:       the thread whose view disagreed (0 when not a thread's).
 * @view:      one TLSVIEW_VIEW_* bit: the view that disagreed.
 * @quantity:  what was compared: "fsbase", "gsbase", "fsindex", "gsindex",
 *             "tls12".."tls14", "flags", "tls-data", "errno", ...
 * @expected:  the value the thread set (or the reference view's value).
 * @seen:      what @view showed.
 * @round:     the iteration/round in which it happened.
 */
struct tlsview_check_mismatch {
	pid_t tid;
	unsigned int view;
	char quantity[24];
	uint64_t expected;
	uint64_t seen;
	uint64_t round;
};

/**
 * struct tlsview_check_result - how a check ended, and what it compared
 * @size:        sizeof(struct tlsview_check_result) as the caller knows it;
 *               set by tlsview_check_result_init(), kept by the check. At
 *               least TLSVIEW_CHECK_RESULT_SIZE_VER0.
 * @status:      enum tlsview_check_status.
 * @views:       the TLSVIEW_VIEW_* bits actually compared.
 * @error:       for TLSVIEW_CHECK_ERROR, the positive errno.
 * @comparisons: how many single comparisons agreed before the end.
 * @rounds:      iterations done (all threads together).
 * @elapsed_ms:  wall-clock time of the check.
 * @mismatch:    for TLSVIEW_CHECK_FAIL, the first disagreement.
 * @message:     one line: the failure, the skip reason, or the error.
 * @rounds_planned: (1.1) the rounds the check would do without its time
 *               bound, counted as @rounds is; 0 when it ended before it
 *               knew (a skip) or cannot know: signals counts the signals
 *               handled, and how many land is the kernel's choice.
 * @bound_reached: (1.1) 1 when params.duration_ms stopped the check before
 *               it did all it planned, else 0.
 */
struct tlsview_check_result {
	uint32_t size;
	enum tlsview_check_status status;
	unsigned int views;
	int error;
	uint64_t comparisons;
	uint64_t rounds;
	uint64_t elapsed_ms;
	struct tlsview_check_mismatch mismatch;
	char message[256];
	uint64_t rounds_planned;
	uint32_t bound_reached;
	uint32_t __reserved;
};

/* The size of struct tlsview_check_result in version 1.0. */
#define TLSVIEW_CHECK_RESULT_SIZE_VER0	352
/* In version 1.1: rounds_planned and bound_reached appended. */
#define TLSVIEW_CHECK_RESULT_SIZE_VER1	368

/**
 * typedef tlsview_check_fn - the signature of every scenario function
 * @params: what to do, or NULL for tlsview_check_params_init()'s defaults.
 * @result: prepared by tlsview_check_result_init(); filled in every case
 *          (never left uninitialised) once its @size is valid.
 *
 * Returns result->status (an enum tlsview_check_status), or -EINVAL (errno
 * EINVAL, nothing written) when @result is NULL or its @size is below
 * TLSVIEW_CHECK_RESULT_SIZE_VER0. A @params whose @size is invalid gives
 * TLSVIEW_CHECK_ERROR with result->error EINVAL or E2BIG.
 */
typedef int (*tlsview_check_fn)(const struct tlsview_check_params *params,
				struct tlsview_check_result *result);

/**
 * tlsview_check_version() - the library's version string, e.g. "1.0"
 *
 * The same as TLSVIEW_CHECK_VERSION_STRING of the header the library was
 * built with. Never fails.
 */
const char *tlsview_check_version(void);

/**
 * tlsview_check_params_init() - the default parameters
 * @params: filled with the defaults: @size set, threads 0, iterations 0,
 *          duration_ms 0 (each scenario's own moderate default), both
 *          segments, default setter, no flags, no helpers.
 * Does nothing for NULL. Never fails.
 */
void tlsview_check_params_init(struct tlsview_check_params *params);

/**
 * tlsview_check_result_init() - a result ready to be passed to a check
 * @result: zeroed, and its @size set.
 * Does nothing for NULL. Never fails.
 */
void tlsview_check_result_init(struct tlsview_check_result *result);

/**
 * tlsview_check_clone_settls() - bare threads started with clone(CLONE_SETTLS)
 *
 * @threads (default 64) bare threads on TCBs built from the running
 * executable: each checks its FS base and %fs:0 equal its TCB's thread
 * pointer, that its static TLS block holds the executable's .tdata bytes
 * and zeroed .tbss (read through the FS base), and writes a private
 * pattern there; the module sees each thread's FS base while it runs and
 * while it sleeps; no thread sees another's pattern.
 * Returns as tlsview_check_fn.
 */
int tlsview_check_clone_settls(const struct tlsview_check_params *params,
			       struct tlsview_check_result *result);

/**
 * tlsview_check_clone_ia32_settls() - clone(CLONE_SETTLS) through int $0x80
 *
 * A 64-bit process allocates a GDT TLS slot with set_thread_area, then
 * starts threads through the ia32 clone, where the TLS argument is a
 * struct user_desc for that slot: each child's slot has the child's base
 * (it loads the selector into GS and reads memory through it, its
 * arch_prctl agrees, the module shows the slot and gsindex), and the
 * creator's slot is unchanged. SKIP without ia32 emulation.
 * Returns as tlsview_check_fn.
 */
int tlsview_check_clone_ia32_settls(const struct tlsview_check_params *params,
				    struct tlsview_check_result *result);

/**
 * tlsview_check_context_switch() - bases survive context switches
 *
 * More threads than CPUs (default 2 per CPU + 1) set private bases (by
 * @setter) and then switch thousands of times: futex ping-pong in pairs,
 * sched_yield, and busy loops long enough to be preempted; after every
 * switch each thread compares its own views with what it set. Meanwhile
 * the caller reads every thread through the module, both while it sleeps
 * and while it runs; a running thread rewrites its base in a loop, so a
 * module that reported the saved thread_struct for a running thread is
 * caught (the live read).
 * Returns as tlsview_check_fn.
 */
int tlsview_check_context_switch(const struct tlsview_check_params *params,
				 struct tlsview_check_result *result);

/**
 * tlsview_check_migration() - bases survive migrations between CPUs
 *
 * Threads hop across every allowed CPU with sched_setaffinity, check their
 * own views after each hop (getcpu must show the new CPU), and the caller
 * reads them through the module between hops (running and sleeping; the
 * module's cpu must be the thread's). SKIP with one CPU.
 * Returns as tlsview_check_fn.
 */
int tlsview_check_migration(const struct tlsview_check_params *params,
			    struct tlsview_check_result *result);

/**
 * tlsview_check_signals() - bases across signal delivery and sigreturn
 *
 * Four parts: (1) a handler (on the interrupted thread) sees that thread's
 * bases; (2) high-rate tgkill and a per-thread POSIX timer land while a
 * thread rewrites its base in a loop, and never corrupt it (the handler
 * sees the old or the new value, the thread always reads back what it
 * wrote); (3) a base changed inside a handler is still changed after
 * sigreturn: on x86-64 the signal frame does not hold FS/GS bases, so the
 * kernel does not restore them; (4) the same on a sigaltstack.
 * Returns as tlsview_check_fn.
 */
int tlsview_check_signals(const struct tlsview_check_params *params,
			  struct tlsview_check_result *result);

/**
 * tlsview_check_fork_exec() - fork, vfork and exec
 *
 * A fork()ed and a vfork()ed child inherit the bases and the selectors
 * (a TLS-slot selector in GS when ia32 emulation allows one), seen by the
 * child itself and by the module; after execve the custom GS base is gone:
 * the exec'd image starts with FS and GS base 0 (seen through ptrace at
 * the exec stop and by the module), and @exec_helper, when given, reports
 * its own bases from inside the new image.
 * Returns as tlsview_check_fn.
 */
int tlsview_check_fork_exec(const struct tlsview_check_params *params,
			    struct tlsview_check_result *result);

/**
 * tlsview_check_ptrace() - what a tracer sees and sets
 *
 * A child process with @threads threads (default 4) setting private bases;
 * the caller traces every thread: PTRACE_GETREGS and PTRACE_ARCH_PRCTL
 * equal the thread's own values (and the module's); PTRACE_POKEUSER of
 * fs_base/gs_base is what the thread then reads itself; GETREGS, let the
 * thread change its bases, SETREGS restores them. SKIP when ptrace is not
 * allowed.
 * Returns as tlsview_check_fn.
 */
int tlsview_check_ptrace(const struct tlsview_check_params *params,
			 struct tlsview_check_result *result);

/**
 * tlsview_check_selectors() - set_thread_area selectors in a 64-bit task
 *
 * set_thread_area (ia32 entry) fills a TLS slot; FS and/or GS (@segment)
 * loaded with its selector give the slot's base (own views, memory read
 * through the segment, module selector/base/slot); clearing the slot
 * zeroes a segment register that references it. SKIP without ia32
 * emulation.
 * Returns as tlsview_check_fn.
 */
int tlsview_check_selectors(const struct tlsview_check_params *params,
			    struct tlsview_check_result *result);

/**
 * tlsview_check_compat_tls() - a 32-bit program's TLS, seen by the module
 * and by a tracer
 *
 * Runs @compat_tls_helper, a -m32 static program whose i386 glibc keeps
 * its TLS in a GDT slot through %gs; while it waits, the module (when
 * loaded) and a tracer (PTRACE_GETREGS and PTRACE_GET_THREAD_AREA, unless
 * TLSVIEW_CHECK_NO_PTRACE) must show COMPAT, gsindex 0x63 (slot 12, RPL 3)
 * and slot 12's base equal to what the program reports. The tracer stops
 * the program once, in a read() that is restarted. SKIP when neither the
 * module nor ptrace may read it, without a helper path, or without ia32
 * emulation.
 * Returns as tlsview_check_fn.
 */
int tlsview_check_compat_tls(const struct tlsview_check_params *params,
			     struct tlsview_check_result *result);

/**
 * tlsview_check_seeds() - glibc's TLS claims, made checkable
 *
 * In @threads pthreads (default 8): errno is per thread and lives at the
 * same offset from the FS base in every thread; &(a __thread variable)
 * minus the FS base is the same in every thread; pthread_self() equals the
 * FS base and %fs:0x10 (and %fs:0); the module sees each FS base.
 * Returns as tlsview_check_fn.
 */
int tlsview_check_seeds(const struct tlsview_check_params *params,
			struct tlsview_check_result *result);

/**
 * struct tlsview_check_scenario - one entry of the scenario table
 * @name:        short name for command lines ("clone_settls", "signals"...).
 * @summary:     one line saying what it proves.
 * @run:         the function.
 */
struct tlsview_check_scenario {
	const char *name;
	const char *summary;
	tlsview_check_fn run;
};

/**
 * tlsview_check_scenarios() - every scenario, in a sensible running order
 * @count: where the number of entries is stored (may be NULL).
 * Returns a static, read-only table. Never fails.
 */
const struct tlsview_check_scenario *tlsview_check_scenarios(size_t *count);

/**
 * tlsview_check_find() - a scenario by name
 * @name: its name.
 * Returns the table entry, or NULL (errno ENOENT) for an unknown name.
 */
const struct tlsview_check_scenario *tlsview_check_find(const char *name);

/**
 * tlsview_check_views_available() - the views this machine and process offer
 * @params: the parameters a check would run with (flags may exclude views),
 *          or NULL for the defaults.
 *
 * Probes, without side effects that last: FSGSBASE in user space (self-insn),
 * /dev/tlsview (module-ioctl), the debugfs tasks file (module-debugfs).
 * self-arch_prctl, fs0, self-selector, self-memory and libc are always
 * there; the ptrace views are reported unless TLSVIEW_CHECK_NO_PTRACE
 * (whether ptrace is actually allowed is found out by the ptrace check).
 * Returns a TLSVIEW_VIEW_* mask. Never fails.
 */
unsigned int tlsview_check_views_available(const struct tlsview_check_params *params);

/**
 * tlsview_check_view_name() - the name of one view bit
 * @view: one TLSVIEW_VIEW_* bit.
 * Returns "self-insn", "self-arch_prctl", "fs0", "module-ioctl",
 * "module-debugfs", "ptrace-getregs", "ptrace-arch_prctl", "self-selector",
 * "self-memory", "libc", or "?" for anything else.
 */
const char *tlsview_check_view_name(unsigned int view);

/**
 * tlsview_check_status_name() - "pass", "fail", "skip", "error" or "?"
 * @status: an enum tlsview_check_status.
 */
const char *tlsview_check_status_name(int status);

/**
 * tlsview_check_format() - the result as one line for people
 * @result: a filled result.
 * @buf:    the buffer; always NUL-terminated when @size > 0.
 * @size:   its size.
 *
 * E.g. "fail: tid 412 module-ioctl gsbase expected 0x... seen 0x...
 * (round 17): <message>" or "skip: <reason>".
 * Returns the length the whole line needs (like snprintf).
 */
int tlsview_check_format(const struct tlsview_check_result *result, char *buf, size_t size);

TLSVIEW_END_DECLS

#endif /* _TLSVIEW_CHECK_H */

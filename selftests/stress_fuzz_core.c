// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/tlsview ioctl fuzzer behind stress_fuzz.c, linked into both of
 * its builds: stress_fuzz_64 and stress_fuzz_32 (ia32, through the
 * module's compat_ioctl).
 *
 * Every call is generated from a seeded random stream: a command number
 * (one of the four real ones, one near them with another direction, number
 * or size, or a number with another magic), a struct pointer of a known
 * class (roomy, ending on a guard page, read-only, NULL, unmapped, kernel,
 * non-canonical, misaligned), struct contents (tids of every kind, request
 * bits, LIST capacities, entry sizes and entry buffers of the same pointer
 * classes) and a zero or nonzero tail beyond the struct.
 *
 * An oracle predicts the outcome from what the fuzzer knows: the bytes it
 * wrote, how many of them the kernel can read and write, its own threads,
 * kernel threads, root-owned processes, tids that are gone, and whether
 * the caller may see everything. The result must be success or an errno
 * documented for that ioctl; where the oracle knows more it must be the
 * exact one. A successful call's output is checked (tids, tgids, flags,
 * zero padding, bases of the fuzzer's own threads, NUL-terminated names),
 * and bytes beyond the caller's size, and the whole struct after a failed
 * call, must be untouched.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/tlsview.h>

#include "module_common.h"
#include "stress_common.h"
#include "stress_fuzz_core.h"

#define FUZZ_SLEEPERS		3
#define FUZZ_RING		16
#define FUZZ_MAX_KTHREADS	8
#define FUZZ_PAGE		4096UL
/* Guards hold any _IOC_SIZE from a pointer into their first page. */
#define FUZZ_GUARD		(5 * FUZZ_PAGE)
#define FUZZ_ARENA_SIZE		(5 * FUZZ_PAGE)		/* struct buffers */
#define FUZZ_ENTRIES_SIZE	(256 * FUZZ_PAGE)	/* LIST entries */
#define FUZZ_CANARY		64
#define FUZZ_FILL		0xa5
#define FUZZ_ENTRY_FILL_MAX	(16 * 1024)
#define FUZZ_MAX_REPORTS	10
#define FUZZ_IOC_SIZE_MAX	((1U << _IOC_SIZEBITS) - 1)

/* Which real ioctl a command reaches, by its number. */
enum fuzz_op { FUZZ_OP_INFO, FUZZ_OP_GET_TASK, FUZZ_OP_LIST, FUZZ_OP_GET_CPU, FUZZ_OPS };

static const unsigned int fuzz_op_cmd[FUZZ_OPS] = {
	TLSVIEW_IOC_INFO, TLSVIEW_IOC_GET_TASK, TLSVIEW_IOC_LIST, TLSVIEW_IOC_GET_CPU,
};
static const char *const fuzz_op_name[FUZZ_OPS] = { "INFO", "GET_TASK", "LIST", "GET_CPU" };

/* The errnos <linux/tlsview.h> documents per ioctl (ENOTTY: any command). */
static bool fuzz_errno_documented(int op, int err)
{
	if (err == ENOTTY)
		return true;
	switch (op) {
	case FUZZ_OP_INFO:
		return err == EFAULT;
	case FUZZ_OP_GET_TASK:
		return err == ESRCH || err == EACCES || err == EINVAL ||
		       err == E2BIG || err == EFAULT;
	case FUZZ_OP_LIST:
		return err == ESRCH || err == EFAULT || err == EINVAL ||
		       err == E2BIG;
	case FUZZ_OP_GET_CPU:
		return err == EINVAL || err == E2BIG || err == EFAULT;
	}
	return false;
}

/* How the kernel can access memory at an address the fuzzer chose. */
struct fuzz_ptr {
	uint64_t addr;
	uint64_t readable;	/* bytes readable from addr */
	uint64_t writable;	/* bytes writable from addr */
	bool filled;		/* inside a buffer the fuzzer fills and checks */
	const char *kind;
};

/* Expected outcome: one exact errno, or any of a set (bit per errno). */
#define FUZZ_ANY	(-1)

/* What the fuzzer knows about a tid. */
enum fuzz_tid_kind {
	TID_SELF,	/* 0 or the caller's own tid */
	TID_OWN,	/* a sleeper thread of the caller's group */
	TID_KTHREAD,
	TID_ROOT,	/* a live root-owned process (init, the parent) */
	TID_GONE,	/* exited and reaped (unless the id was reused) */
	TID_NEGATIVE,
	TID_UNKNOWN,
};

struct fuzz_ctx {
	int fd;
	bool sees_all;
	bool compat;
	pid_t tgid, parent;
	struct stress_rng rng;
	uint32_t nr_cpu_ids;

	pid_t own_tid[FUZZ_SLEEPERS + 1];
	uint64_t own_fsbase[FUZZ_SLEEPERS + 1];
	pthread_t sleeper[FUZZ_SLEEPERS];
	int nr_own;
	volatile int stop;

	pid_t kthread[FUZZ_MAX_KTHREADS];
	int nr_kthreads;
	pid_t gone[FUZZ_RING];
	int nr_gone, gone_next;

	uint8_t *arena;		/* FUZZ_ARENA_SIZE, then a guard page */
	uint8_t *entries;	/* FUZZ_ENTRIES_SIZE, then a guard page */
	uint8_t *ro;		/* one read-only page, then a guard page */
	uint64_t hole;		/* an unmapped page */
	uint64_t bad[8];	/* addresses no user access reaches */
	int nr_bad;

	struct fuzz_stats *stats;
	const char *role;
	uint64_t call;
	char desc[512];
};

static void fuzz_report(struct fuzz_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fuzz_report(struct fuzz_ctx *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	ctx->stats->failures++;
	if (ctx->stats->failures > FUZZ_MAX_REPORTS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("# FAIL %s call %" PRIu64 ": %s\n#   %s\n#   replay: TLSVIEW_SEED=%" PRIu64 "\n",
	       ctx->role, ctx->call, msg, ctx->desc, ctx->stats->base_seed);
	fflush(stdout);
}

static int fuzz_result_slot(int err)
{
	switch (err) {
	case 0: return 0;
	case ENOTTY: return 1;
	case EINVAL: return 2;
	case ESRCH: return 3;
	case EACCES: return 4;
	case EFAULT: return 5;
	case E2BIG: return 6;
	default: return 7;
	}
}

static pid_t fuzz_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Does any process or thread with this id exist right now? */
static bool fuzz_id_exists(pid_t id)
{
	char path[64];
	struct stat st;

	if (id <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d", (int)id);
	if (!stat(path, &st))
		return true;
	/* A non-leader thread has no /proc/ID listing but answers by path. */
	return syscall(SYS_tgkill, -1, id, 0) == 0 || errno == EPERM;
}

static bool fuzz_page_unmapped(uint64_t addr)
{
	if (addr != (uintptr_t)addr)
		return true;
	return msync((void *)(uintptr_t)(addr & ~(FUZZ_PAGE - 1)), FUZZ_PAGE,
		     MS_ASYNC) && errno == ENOMEM;
}

/* Is the whole hole (a page and a guard's worth after it) still unmapped? */
static bool fuzz_hole_unmapped(const struct fuzz_ctx *ctx)
{
	uint64_t at;

	for (at = ctx->hole; at < ctx->hole + FUZZ_PAGE + FUZZ_GUARD; at += FUZZ_PAGE)
		if (!fuzz_page_unmapped(at))
			return false;
	return true;
}

/* CAP_SYS_PTRACE (bit 19) in the effective set. */
static bool fuzz_has_ptrace_cap(void)
{
	unsigned long long caps = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps & (1ULL << 19);
}

static uint64_t fuzz_fsbase(void)
{
#ifdef __x86_64__
	/* glibc's thread pointer is the FS base, and pthread_self() returns it. */
	return (uint64_t)(uintptr_t)pthread_self();
#else
	return 0;
#endif
}

struct fuzz_sleeper_arg {
	struct fuzz_ctx *ctx;
	int index;
};

static void *fuzz_sleeper(void *data)
{
	struct fuzz_sleeper_arg *arg = data;
	struct fuzz_ctx *ctx = arg->ctx;
	/* Wakes now and then: under TCG every wakeup costs the fuzzer time. */
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int index = arg->index;

	pthread_setname_np(pthread_self(), "fuzz-sleeper");
	ctx->own_fsbase[index] = fuzz_fsbase();
	__atomic_store_n(&ctx->own_tid[index], fuzz_gettid(), __ATOMIC_RELEASE);
	/* Sleep and wake often, so reads meet it both running and saved. */
	while (!ctx->stop)
		nanosleep(&ts, NULL);
	return NULL;
}

static void *fuzz_exit_at_once(void *data)
{
	*(pid_t *)data = fuzz_gettid();
	return NULL;
}

static void fuzz_remember_gone(struct fuzz_ctx *ctx, pid_t id)
{
	ctx->gone[ctx->gone_next] = id;
	ctx->gone_next = (ctx->gone_next + 1) % FUZZ_RING;
	if (ctx->nr_gone < FUZZ_RING)
		ctx->nr_gone++;
}

/* A thread that has exited and is no longer in the thread list. */
static void fuzz_make_gone_thread(struct fuzz_ctx *ctx)
{
	char path[64];
	struct stat st;
	pthread_t thread;
	pid_t tid = 0;
	int tries;

	if (pthread_create(&thread, NULL, fuzz_exit_at_once, &tid))
		return;
	pthread_join(thread, NULL);
	/* The join returns when the tid is cleared, a moment before release. */
	snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tid);
	for (tries = 0; tries < 1000 && !stat(path, &st); tries++)
		usleep(100);
	fuzz_remember_gone(ctx, tid);
}

/* A child process that has exited and been reaped. */
static void fuzz_make_gone_process(struct fuzz_ctx *ctx)
{
	pid_t child = fork();

	if (child < 0)
		return;
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	fuzz_remember_gone(ctx, child);
}

/* Long-lived kernel threads: kthreadd and its children that never exit. */
static void fuzz_find_kthreads(struct fuzz_ctx *ctx)
{
	static const char *const stable[] = {
		"(kthreadd)", "(ksoftirqd/", "(migration/", "(cpuhp/", "(rcu_",
	};
	char path[64], line[256], comm[64];
	struct dirent *de;
	DIR *dir = opendir("/proc");
	unsigned int i;
	int pid, ppid;
	char state;
	FILE *f;

	if (!dir)
		return;
	while ((de = readdir(dir)) && ctx->nr_kthreads < FUZZ_MAX_KTHREADS) {
		pid = atoi(de->d_name);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) &&
		    sscanf(line, "%*d %63s %c %d", comm, &state, &ppid) == 3 &&
		    (pid == 2 || ppid == 2)) {
			for (i = 0; i < sizeof(stable) / sizeof(stable[0]); i++)
				if (!strncmp(comm, stable[i], strlen(stable[i])))
					ctx->kthread[ctx->nr_kthreads++] = pid;
		}
		fclose(f);
	}
	closedir(dir);
}

static uint8_t *fuzz_map_guarded(size_t size, int prot)
{
	uint8_t *p = mmap(NULL, size + FUZZ_GUARD, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + size, FUZZ_GUARD, PROT_NONE) ||
	    (prot != (PROT_READ | PROT_WRITE) && mprotect(p, size, prot))) {
		munmap(p, size + FUZZ_GUARD);
		return NULL;
	}
	return p;
}

/* Set up everything but the device; returns 0 or -errno. */
static int fuzz_init(struct fuzz_ctx *ctx, int fd, uint64_t seed,
		     const char *role, struct fuzz_stats *stats)
{
	static struct fuzz_sleeper_arg args[FUZZ_SLEEPERS];
	struct tlsview_info info;
	uint8_t *hole;
	int i;

	memset(ctx, 0, sizeof(*ctx));
	ctx->fd = fd;
	ctx->rng.state = seed;
	ctx->role = role;
	ctx->stats = stats;
	stats->seed = seed;
	ctx->sees_all = fuzz_has_ptrace_cap();
	ctx->compat = sizeof(long) == 4;
	ctx->tgid = getpid();
	ctx->parent = getppid();

	memset(&info, 0, sizeof(info));
	if (ioctl(fd, TLSVIEW_IOC_INFO, &info))
		return -errno;
	ctx->nr_cpu_ids = info.nr_cpu_ids;

	ctx->arena = fuzz_map_guarded(FUZZ_ARENA_SIZE, PROT_READ | PROT_WRITE);
	ctx->entries = fuzz_map_guarded(FUZZ_ENTRIES_SIZE, PROT_READ | PROT_WRITE);
	ctx->ro = fuzz_map_guarded(FUZZ_PAGE, PROT_READ);
	hole = fuzz_map_guarded(FUZZ_PAGE, PROT_READ | PROT_WRITE);
	if (!ctx->arena || !ctx->entries || !ctx->ro || !hole)
		return -ENOMEM;
	munmap(hole, FUZZ_PAGE + FUZZ_GUARD);
	ctx->hole = (uintptr_t)hole;

	/* Addresses the kernel must refuse or fault on, whatever the size. */
	{
		const uint64_t candidates[] = {
#ifdef __x86_64__
			0xffff888000000000ULL,	/* the direct map */
			0xffffffff81000000ULL,	/* kernel text */
			0x0000800000000000ULL,	/* first non-canonical */
			0xdead000000000000ULL,
			0x00007ffffffff000ULL,	/* the last user page */
			0x00007ffffffffff8ULL,	/* straddles the user limit */
#else
			0xfffff000ULL,		/* above the ia32 user limit */
			0xfffffff8ULL,
			0xffff888000000000ULL,	/* only reachable as LIST entries */
#endif
			0x0000000000001000ULL,	/* below mmap_min_addr */
		};

		for (i = 0; i < (int)(sizeof(candidates) / sizeof(candidates[0])); i++)
			if (fuzz_page_unmapped(candidates[i]))
				ctx->bad[ctx->nr_bad++] = candidates[i];
	}

	fuzz_find_kthreads(ctx);

	ctx->own_tid[0] = fuzz_gettid();
	ctx->own_fsbase[0] = fuzz_fsbase();
	ctx->nr_own = FUZZ_SLEEPERS + 1;
	for (i = 0; i < FUZZ_SLEEPERS; i++) {
		args[i].ctx = ctx;
		args[i].index = i + 1;
		if (pthread_create(&ctx->sleeper[i], NULL, fuzz_sleeper, &args[i]))
			return -EAGAIN;
	}
	for (i = 1; i <= FUZZ_SLEEPERS; i++)
		while (!__atomic_load_n(&ctx->own_tid[i], __ATOMIC_ACQUIRE))
			usleep(100);
	fuzz_make_gone_thread(ctx);
	fuzz_make_gone_process(ctx);
	return 0;
}

static void fuzz_fini(struct fuzz_ctx *ctx)
{
	int i;

	ctx->stop = 1;
	for (i = 0; i < FUZZ_SLEEPERS; i++)
		pthread_join(ctx->sleeper[i], NULL);
	munmap(ctx->arena, FUZZ_ARENA_SIZE + FUZZ_GUARD);
	munmap(ctx->entries, FUZZ_ENTRIES_SIZE + FUZZ_GUARD);
	munmap(ctx->ro, FUZZ_PAGE + FUZZ_GUARD);
}

static int fuzz_own_index(const struct fuzz_ctx *ctx, pid_t tid)
{
	int i;

	for (i = 0; i < ctx->nr_own; i++)
		if (ctx->own_tid[i] == tid)
			return i;
	return -1;
}

static enum fuzz_tid_kind fuzz_classify_tid(const struct fuzz_ctx *ctx, int32_t tid)
{
	int i;

	if (tid < 0)
		return TID_NEGATIVE;
	if (tid == 0 || tid == ctx->own_tid[0])
		return TID_SELF;
	if (fuzz_own_index(ctx, tid) > 0)
		return TID_OWN;
	for (i = 0; i < ctx->nr_kthreads; i++)
		if (ctx->kthread[i] == tid)
			return TID_KTHREAD;
	if (tid == 1 || tid == ctx->parent)
		return TID_ROOT;
	for (i = 0; i < ctx->nr_gone; i++)
		if (ctx->gone[i] == tid)
			return TID_GONE;
	return TID_UNKNOWN;
}

/* A tid of a random kind, for GET_TASK and LIST. */
static int32_t fuzz_pick_tid(struct fuzz_ctx *ctx)
{
	struct stress_rng *rng = &ctx->rng;

	switch (stress_below(rng, 12)) {
	case 0: return 0;
	case 1: return ctx->own_tid[0];
	case 2: case 3: return ctx->own_tid[1 + stress_below(rng, FUZZ_SLEEPERS)];
	case 4: return ctx->nr_kthreads ? ctx->kthread[stress_below(rng, ctx->nr_kthreads)] : 2;
	case 5: return stress_chance(rng, 50) ? 1 : ctx->parent;
	case 6: return ctx->nr_gone ? ctx->gone[stress_below(rng, ctx->nr_gone)] : 0x7fffffff;
	case 7: return -(int32_t)stress_below(rng, 100) - 1;
	case 8: return stress_chance(rng, 50) ? INT32_MIN : INT32_MAX;
	case 9: return (int32_t)stress_below(rng, 4 * 1024 * 1024);
	case 10: return (int32_t)stress_below(rng, 512);
	default: return (int32_t)stress_rand(rng);
	}
}

/*
 * A pointer of a random class for a buffer of @size bytes, in @buf (a
 * FUZZ_ARENA_SIZE or FUZZ_ENTRIES_SIZE arena with a guard page after it).
 */
static struct fuzz_ptr fuzz_pick_ptr(struct fuzz_ctx *ctx, uint8_t *buf,
				     size_t buf_size, uint64_t size)
{
	struct stress_rng *rng = &ctx->rng;
	struct fuzz_ptr p = { 0 };
	uint64_t room, offset, k;
	unsigned int kind = stress_below(rng, 100);

	if (kind < 70) {
		/* Roomy; aligned, or not, within the arena. */
		room = size + FUZZ_CANARY + 16 <= buf_size ?
			buf_size - size - FUZZ_CANARY - 16 : 0;
		offset = 16 + (room ? stress_rand(rng) % (room + 1) : 0);
		if (stress_chance(rng, 60))
			offset &= ~7ULL;
		if (offset + size > buf_size)
			offset = buf_size - (size < buf_size ? size : buf_size);
		p.addr = (uintptr_t)(buf + offset);
		p.readable = p.writable = buf_size - offset;
		p.filled = true;
		p.kind = offset & 7 ? "misaligned" : "roomy";
	} else if (kind < 80) {
		/* Ends on the guard page: only k bytes are there. */
		k = size ? stress_rand(rng) % (size < buf_size ? size : buf_size) : 0;
		p.addr = (uintptr_t)(buf + buf_size - k);
		p.readable = p.writable = k;
		p.filled = true;
		p.kind = "ends-on-guard";
	} else if (kind < 87) {
		offset = stress_below(rng, FUZZ_PAGE);
		p.addr = (uintptr_t)(ctx->ro + offset);
		p.readable = FUZZ_PAGE - offset;
		p.writable = 0;
		p.filled = true;
		p.kind = "read-only";
	} else if (kind < 91) {
		p.kind = "NULL";
	} else if (kind < 95) {
		/* Later mappings (thread stacks) may have filled the hole. */
		if (fuzz_hole_unmapped(ctx)) {
			p.addr = ctx->hole + stress_below(rng, FUZZ_PAGE);
			p.kind = "unmapped";
		} else {
			p.addr = (uintptr_t)ctx->arena + FUZZ_ARENA_SIZE +
				 stress_below(rng, FUZZ_PAGE);
			p.kind = "PROT_NONE";
		}
	} else {
		p.addr = ctx->nr_bad ? ctx->bad[stress_below(rng, ctx->nr_bad)] : 0;
		p.kind = "kernel/non-canonical";
	}
	if (ctx->compat && p.addr > UINT32_MAX && buf == ctx->arena) {
		/* An ia32 caller's ioctl argument has 32 bits. */
		p.addr = 0xfffff000;
		p.readable = p.writable = 0;
		p.filled = false;
	}
	return p;
}

/*
 * Write @len bytes of @data at @p, as far as the fuzzer's buffers reach
 * (the read-only page is opened for the moment).
 */
static void fuzz_fill(struct fuzz_ctx *ctx, const struct fuzz_ptr *p,
		      const void *data, uint64_t len)
{
	uint8_t *dst = (uint8_t *)(uintptr_t)p->addr;
	uint64_t n = len < p->readable ? len : p->readable;

	if (!p->filled || !n)
		return;
	if (dst >= ctx->ro && dst < ctx->ro + FUZZ_PAGE) {
		mprotect(ctx->ro, FUZZ_PAGE, PROT_READ | PROT_WRITE);
		memcpy(dst, data, n);
		mprotect(ctx->ro, FUZZ_PAGE, PROT_READ);
	} else {
		memcpy(dst, data, n);
	}
}

static bool fuzz_all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static bool fuzz_all_fill(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++ != FUZZ_FILL)
			return false;
	return true;
}

/* Checks of one view the module returned (@len valid bytes of it). */
static void fuzz_check_view(struct fuzz_ctx *ctx, const struct tlsview_task *v,
			    size_t len, int32_t want_tid, int32_t want_tgid,
			    uint32_t request, bool in_list)
{
	enum fuzz_tid_kind kind;
	int own, i;

#define HAVE(field) (len >= offsetof(struct tlsview_task, field) + sizeof(v->field))
	ctx->stats->views_checked++;
	if (HAVE(tid) && want_tid && v->tid != want_tid)
		fuzz_report(ctx, "view of tid %d says tid %d", want_tid, v->tid);
	if (HAVE(tid) && v->tid <= 0)
		fuzz_report(ctx, "view with tid %d", v->tid);
	if (HAVE(request) && v->request != request)
		fuzz_report(ctx, "request 0x%x came back as 0x%x", request, v->request);
	if (HAVE(tgid) && want_tgid && v->tgid != want_tgid)
		fuzz_report(ctx, "tid %d: tgid %d, expected %d", v->tid, v->tgid, want_tgid);
	if (HAVE(flags) && (v->flags & ~(TLSVIEW_TASK_LIVE | TLSVIEW_TASK_COMPAT |
					 TLSVIEW_TASK_KTHREAD | TLSVIEW_TASK_STATES)))
		fuzz_report(ctx, "tid %d: unknown flags 0x%x", v->tid, v->flags);
	if (HAVE(flags) && (request & TLSVIEW_REQ_SAVED) && (v->flags & TLSVIEW_TASK_LIVE))
		fuzz_report(ctx, "tid %d: LIVE although SAVED was asked for", v->tid);
	if (HAVE(__pad0) && v->__pad0)
		fuzz_report(ctx, "tid %d: __pad0 = 0x%x", v->tid, v->__pad0);
	if (HAVE(__pad1) && v->__pad1)
		fuzz_report(ctx, "tid %d: __pad1 = 0x%x", v->tid, v->__pad1);
	if (HAVE(comm) && !memchr(v->comm, 0, sizeof(v->comm)))
		fuzz_report(ctx, "tid %d: comm not NUL-terminated", v->tid);
	for (i = 0; i < TLSVIEW_TLS_SLOTS; i++) {
		if (!HAVE(tls[i]))
			break;
		if (v->tls[i].entry_number != 12U + i)
			fuzz_report(ctx, "tid %d: tls[%d].entry_number %u", v->tid, i,
				    v->tls[i].entry_number);
		if ((v->tls[i].flags & TLSVIEW_DESC_EMPTY) &&
		    (v->tls[i].base_addr || v->tls[i].limit ||
		     v->tls[i].flags != TLSVIEW_DESC_EMPTY))
			fuzz_report(ctx, "tid %d: empty tls[%d] with content", v->tid, i);
	}

	if (!HAVE(tid))
		return;
	kind = fuzz_classify_tid(ctx, v->tid);
	if (!ctx->sees_all && v->tgid != ctx->tgid && HAVE(tgid) &&
	    (kind == TID_KTHREAD || kind == TID_ROOT))
		fuzz_report(ctx, "unprivileged caller got root-owned tid %d", v->tid);
	if (HAVE(flags) && kind == TID_KTHREAD && !(v->flags & TLSVIEW_TASK_KTHREAD))
		fuzz_report(ctx, "kernel thread %d without KTHREAD", v->tid);
	if (HAVE(flags) && (kind == TID_SELF || kind == TID_OWN)) {
		if (v->flags & TLSVIEW_TASK_KTHREAD)
			fuzz_report(ctx, "own thread %d flagged KTHREAD", v->tid);
		if (!!(v->flags & TLSVIEW_TASK_COMPAT) != ctx->compat)
			fuzz_report(ctx, "own thread %d: COMPAT %d in a %d-bit caller",
				    v->tid, !!(v->flags & TLSVIEW_TASK_COMPAT),
				    ctx->compat ? 32 : 64);
		if (kind == TID_SELF && !in_list && !(request & TLSVIEW_REQ_SAVED) &&
		    !(v->flags & TLSVIEW_TASK_LIVE))
			fuzz_report(ctx, "the caller's own view is not LIVE");
	}
	if (HAVE(gsbase) && kind == TID_KTHREAD && (v->fsbase || v->gsbase))
		fuzz_report(ctx, "kernel thread %d with bases 0x%" PRIx64 "/0x%" PRIx64,
			    v->tid, (uint64_t)v->fsbase, (uint64_t)v->gsbase);
	own = fuzz_own_index(ctx, v->tid);
	if (own >= 0) {
		if (HAVE(tgid) && v->tgid != ctx->tgid)
			fuzz_report(ctx, "own tid %d with tgid %d", v->tid, v->tgid);
#ifdef __x86_64__
		if (HAVE(fsbase) && v->fsbase != ctx->own_fsbase[own])
			fuzz_report(ctx, "own tid %d: fsbase 0x%" PRIx64 ", thread pointer 0x%" PRIx64,
				    v->tid, (uint64_t)v->fsbase, ctx->own_fsbase[own]);
		if (HAVE(gsbase) && v->gsbase)
			fuzz_report(ctx, "own tid %d: gsbase 0x%" PRIx64 ", expected 0",
				    v->tid, (uint64_t)v->gsbase);
#else
		if (HAVE(gsindex) && v->gsindex != read_gs_selector())
			fuzz_report(ctx, "own tid %d: gsindex 0x%x, glibc uses 0x%x",
				    v->tid, v->gsindex, read_gs_selector());
		if (HAVE(tls) && v->gsindex >> 3 >= 12 && v->gsindex >> 3 <= 14 &&
		    (v->tls[(v->gsindex >> 3) - 12].flags & TLSVIEW_DESC_EMPTY))
			fuzz_report(ctx, "own tid %d: the TLS slot of GS is empty", v->tid);
#endif
	}
#undef HAVE
}

/* The errno a struct input phase fails with, or 0; see copy_struct_from_user(). */
static int fuzz_input_errno(const struct fuzz_ptr *p, uint64_t usize, size_t ksize,
			    int64_t nonzero_tail_at)
{
	if (usize > ksize && nonzero_tail_at >= 0 && (uint64_t)nonzero_tail_at < p->readable)
		return E2BIG;
	if (usize > p->readable)
		return EFAULT;
	return 0;
}

static void fuzz_describe(struct fuzz_ctx *ctx, unsigned int cmd, const struct fuzz_ptr *p,
			  const char *extra)
{
	snprintf(ctx->desc, sizeof(ctx->desc),
		 "cmd 0x%08x (dir %u type 0x%02x nr %u size %u) arg 0x%" PRIx64 " (%s)%s",
		 cmd, _IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), _IOC_SIZE(cmd),
		 p->addr, p->kind, extra);
}

/* A size for a struct of @ksize bytes: exact, shorter, longer, odd, huge. */
static uint32_t fuzz_pick_size(struct stress_rng *rng, uint32_t ksize)
{
	switch (stress_below(rng, 16)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return ksize - 1;
	case 3: return ksize + 1;
	case 4: return ksize + 8;
	case 5: return 2 * ksize;
	case 6: return stress_below(rng, ksize) | 1;
	case 7: return stress_below(rng, 512);
	case 8: return 4096;
	case 9: return FUZZ_IOC_SIZE_MAX;
	case 10: return 4 + stress_below(rng, 8);
	default: return ksize;
	}
}

/* One ioctl call: returns 0 or errno. */
static int fuzz_ioctl(struct fuzz_ctx *ctx, unsigned int cmd, uint64_t arg)
{
	int ret = ioctl(ctx->fd, cmd, (unsigned long)arg);

	ctx->stats->calls++;
	return ret ? errno : 0;
}

/*
 * Check a result against the oracle: @want is an exact errno (0 for
 * success), or FUZZ_ANY when the oracle only knows the documented set.
 */
static bool fuzz_expect(struct fuzz_ctx *ctx, int op, int got, int want)
{
	ctx->stats->by_result[fuzz_result_slot(got)]++;
	if (op >= 0 && !fuzz_errno_documented(op, got) && got) {
		fuzz_report(ctx, "%s failed with %s (%d), not a documented errno",
			    fuzz_op_name[op], stress_errno_name(got), got);
		return false;
	}
	if (op < 0 && got != ENOTTY) {
		fuzz_report(ctx, "unknown command: %s (%d), expected ENOTTY",
			    stress_errno_name(got), got);
		return false;
	}
	if (want == FUZZ_ANY)
		return true;
	ctx->stats->exact++;
	if (got != want) {
		fuzz_report(ctx, "got %s (%d), expected %s", stress_errno_name(got), got,
			    stress_errno_name(want));
		return false;
	}
	return true;
}

/* Bytes around a filled struct that no call may touch. */
static void fuzz_set_canaries(const struct fuzz_ptr *p, uint64_t usize, uint8_t *buf,
			      size_t buf_size)
{
	uint8_t *at = (uint8_t *)(uintptr_t)p->addr;

	if (!p->filled || at < buf || at > buf + buf_size || usize > p->writable)
		return;
	memset(at - 16 >= buf ? at - 16 : buf, FUZZ_FILL, at - 16 >= buf ? 16 : at - buf);
	if (usize + FUZZ_CANARY <= p->writable)
		memset(at + usize, FUZZ_FILL, FUZZ_CANARY);
}

static void fuzz_check_canaries(struct fuzz_ctx *ctx, const struct fuzz_ptr *p,
				uint64_t usize, uint8_t *buf, size_t buf_size)
{
	uint8_t *at = (uint8_t *)(uintptr_t)p->addr;

	if (!p->filled || at < buf || at > buf + buf_size || usize > p->writable)
		return;
	if (!fuzz_all_fill(at - 16 >= buf ? at - 16 : buf, at - 16 >= buf ? 16 : at - buf))
		fuzz_report(ctx, "bytes before the buffer were written");
	if (usize + FUZZ_CANARY <= p->writable && !fuzz_all_fill(at + usize, FUZZ_CANARY))
		fuzz_report(ctx, "bytes after the caller's %" PRIu64 " were written", usize);
}

/* The struct's bytes as the kernel reads them: @usize of @image, zero-extended. */
static void fuzz_effective(void *out, size_t ksize, const uint8_t *image, uint64_t usize)
{
	memset(out, 0, ksize);
	memcpy(out, image, usize < ksize ? usize : ksize);
}

/* Prepare the image of a struct of @ksize bytes plus a tail up to @usize. */
static int64_t fuzz_tail(struct stress_rng *rng, uint8_t *image, size_t ksize, uint64_t usize)
{
	int64_t at;

	if (usize <= ksize)
		return -1;
	memset(image + ksize, 0, usize - ksize);
	if (!stress_chance(rng, 15))
		return -1;
	at = ksize + stress_rand(rng) % (usize - ksize);
	image[at] = 1 + stress_below(rng, 255);
	return at;
}

static void fuzz_garble(struct stress_rng *rng, void *p, size_t n)
{
	uint8_t *b = p;
	uint64_t r;

	for (; n >= 8; n -= 8, b += 8) {
		r = stress_rand(rng);
		memcpy(b, &r, 8);
	}
	r = stress_rand(rng);
	memcpy(b, &r, n);
}

static void fuzz_info(struct fuzz_ctx *ctx, unsigned int cmd, uint64_t usize,
		      struct fuzz_ptr *p, uint8_t *image)
{
	const size_t ksize = sizeof(struct tlsview_info);
	struct tlsview_info out;
	int got, want;

	fuzz_garble(&ctx->rng, image, usize);
	fuzz_fill(ctx, p, image, usize);
	fuzz_set_canaries(p, usize, ctx->arena, FUZZ_ARENA_SIZE);
	fuzz_describe(ctx, cmd, p, "");
	want = !usize ? 0 : usize > p->writable ? EFAULT : 0;
	got = fuzz_ioctl(ctx, cmd, p->addr);
	if (!fuzz_expect(ctx, FUZZ_OP_INFO, got, want) || got || !p->filled)
		return;
	fuzz_check_canaries(ctx, p, usize, ctx->arena, FUZZ_ARENA_SIZE);
	fuzz_effective(&out, ksize, (uint8_t *)(uintptr_t)p->addr, usize);
	if (usize >= 4 && out.abi_version != TLSVIEW_ABI_VERSION)
		fuzz_report(ctx, "abi_version %u", out.abi_version);
	if (usize >= 8 && (out.flags & ~(TLSVIEW_INFO_FSGSBASE | TLSVIEW_INFO_STATES)))
		fuzz_report(ctx, "info flags 0x%x", out.flags);
	if (usize >= 12 && out.nr_cpu_ids != ctx->nr_cpu_ids)
		fuzz_report(ctx, "nr_cpu_ids %u, was %u", out.nr_cpu_ids, ctx->nr_cpu_ids);
	if (usize >= 16 && out.max_list != TLSVIEW_LIST_MAX)
		fuzz_report(ctx, "max_list %u", out.max_list);
	if (usize > ksize && !fuzz_all_zero((uint8_t *)(uintptr_t)p->addr + ksize, usize - ksize))
		fuzz_report(ctx, "INFO left the tail beyond %zu bytes nonzero", ksize);
}

static void fuzz_get_cpu(struct fuzz_ctx *ctx, unsigned int cmd, uint64_t usize,
			 struct fuzz_ptr *p, uint8_t *image)
{
	const size_t ksize = sizeof(struct tlsview_cpu);
	struct tlsview_cpu in, out;
	struct stress_rng *rng = &ctx->rng;
	int64_t tail_at;
	int got, want;
	char extra[64];

	memset(image, 0, ksize);
	if (stress_chance(rng, 30))
		fuzz_garble(rng, image + 4, ksize - 4);	/* output fields */
	switch (stress_below(rng, 8)) {
	case 0: in.cpu = 0; break;
	case 1: in.cpu = ctx->nr_cpu_ids - 1; break;
	case 2: in.cpu = ctx->nr_cpu_ids; break;
	case 3: in.cpu = ctx->nr_cpu_ids + 1; break;
	case 4: in.cpu = UINT32_MAX; break;
	case 5: in.cpu = 0x80000000U; break;
	default: in.cpu = stress_below(rng, ctx->nr_cpu_ids + 4); break;
	}
	memcpy(image, &in.cpu, sizeof(in.cpu));
	tail_at = fuzz_tail(rng, image, ksize, usize);
	fuzz_fill(ctx, p, image, usize);
	fuzz_set_canaries(p, usize, ctx->arena, FUZZ_ARENA_SIZE);
	fuzz_effective(&in, ksize, image, usize);
	snprintf(extra, sizeof(extra), " cpu %u tail %" PRId64, in.cpu, tail_at);
	fuzz_describe(ctx, cmd, p, extra);

	want = fuzz_input_errno(p, usize, ksize, tail_at);
	if (!want && in.cpu >= ctx->nr_cpu_ids)
		want = EINVAL;
	if (!want && usize > p->writable)
		want = EFAULT;
	got = fuzz_ioctl(ctx, cmd, p->addr);
	if (!fuzz_expect(ctx, FUZZ_OP_GET_CPU, got, want) || !p->filled)
		return;
	fuzz_check_canaries(ctx, p, usize, ctx->arena, FUZZ_ARENA_SIZE);
	if (got) {
		if (usize <= p->writable &&
		    memcmp((void *)(uintptr_t)p->addr, image, usize))
			fuzz_report(ctx, "GET_CPU failed but wrote the struct");
		return;
	}
	fuzz_effective(&out, ksize, (uint8_t *)(uintptr_t)p->addr, usize);
	if (usize >= 4 && out.cpu != in.cpu)
		fuzz_report(ctx, "GET_CPU cpu %u came back as %u", in.cpu, out.cpu);
	if (usize >= 8 && (out.flags & ~(TLSVIEW_CPU_ONLINE | TLSVIEW_CPU_FSGSBASE)))
		fuzz_report(ctx, "GET_CPU flags 0x%x", out.flags);
	if (usize >= 16 && !(out.flags & TLSVIEW_CPU_ONLINE) && out.cr4)
		fuzz_report(ctx, "offline cpu %u with cr4 0x%" PRIx64, in.cpu, (uint64_t)out.cr4);
	if (usize >= 16 && (out.flags & TLSVIEW_CPU_ONLINE) &&
	    !!(out.flags & TLSVIEW_CPU_FSGSBASE) != !!(out.cr4 & (1ULL << 16)))
		fuzz_report(ctx, "cpu %u: FSGSBASE flag disagrees with cr4 0x%" PRIx64,
			    in.cpu, (uint64_t)out.cr4);
}

/*
 * GET_TASK: success or ESRCH/EACCES by what the fuzzer knows of the tid;
 * "gone" ids may have been reused, which is then checked.
 */
static void fuzz_get_task(struct fuzz_ctx *ctx, unsigned int cmd, uint64_t usize,
			  struct fuzz_ptr *p, uint8_t *image)
{
	const size_t ksize = sizeof(struct tlsview_task);
	struct stress_rng *rng = &ctx->rng;
	struct tlsview_task in, out;
	enum fuzz_tid_kind kind;
	int64_t tail_at;
	int got, want, fallback = -1;
	int32_t want_tid, want_tgid = 0;
	char extra[96];

	memset(image, 0, ksize);
	if (stress_chance(rng, 30))
		fuzz_garble(rng, image + 8, ksize - 8);	/* output fields */
	in.tid = fuzz_pick_tid(ctx);
	switch (stress_below(rng, 10)) {
	case 0: case 1: case 2: case 3: case 4: in.request = 0; break;
	case 5: case 6: case 7: in.request = TLSVIEW_REQ_SAVED; break;
	case 8: in.request = 1U << (1 + stress_below(rng, 31)); break;
	default: in.request = (uint32_t)stress_rand(rng); break;
	}
	memcpy(image, &in.tid, 4);
	memcpy(image + 4, &in.request, 4);
	tail_at = fuzz_tail(rng, image, ksize, usize);
	fuzz_fill(ctx, p, image, usize);
	fuzz_set_canaries(p, usize, ctx->arena, FUZZ_ARENA_SIZE);
	fuzz_effective(&in, ksize, image, usize);
	kind = fuzz_classify_tid(ctx, in.tid);
	snprintf(extra, sizeof(extra), " tid %d (kind %d) request 0x%x tail %" PRId64,
		 in.tid, kind, in.request, tail_at);
	fuzz_describe(ctx, cmd, p, extra);

	want = fuzz_input_errno(p, usize, ksize, tail_at);
	if (!want && (in.request & ~TLSVIEW_REQ_ALL))
		want = EINVAL;
	want_tid = in.tid ? in.tid : ctx->own_tid[0];
	if (!want) {
		switch (kind) {
		case TID_SELF:
		case TID_OWN:
			want_tgid = ctx->tgid;
			break;
		case TID_KTHREAD:
			want_tgid = in.tid;
			if (!ctx->sees_all)
				want = EACCES;
			break;
		case TID_ROOT:
			want_tgid = in.tid;
			if (!ctx->sees_all)
				want = EACCES;
			break;
		case TID_NEGATIVE:
			want = ESRCH;
			break;
		case TID_GONE:
			want = ESRCH;
			fallback = 1;	/* unless the id was reused */
			break;
		case TID_UNKNOWN:
			want = FUZZ_ANY;
			break;
		}
	}
	if (!want && usize > p->writable)
		want = EFAULT;
	got = fuzz_ioctl(ctx, cmd, p->addr);
	if (fallback > 0 && got != want && fuzz_id_exists(in.tid))
		want = FUZZ_ANY;
	if (kind == TID_KTHREAD && got == ESRCH && !fuzz_id_exists(in.tid))
		want = ESRCH;	/* it stopped after all */
	/* An unknown tid: found, not found or not visible, then maybe a fault. */
	if (want == FUZZ_ANY && got != 0 && got != ESRCH && got != EACCES &&
	    !(got == EFAULT && usize > p->writable))
		fuzz_report(ctx, "GET_TASK of unknown tid %d: %s", in.tid,
			    stress_errno_name(got));
	if (!fuzz_expect(ctx, FUZZ_OP_GET_TASK, got, want) || !p->filled)
		return;
	fuzz_check_canaries(ctx, p, usize, ctx->arena, FUZZ_ARENA_SIZE);
	if (got) {
		if (got != EFAULT && usize <= p->writable &&
		    memcmp((void *)(uintptr_t)p->addr, image, usize))
			fuzz_report(ctx, "GET_TASK failed with %s but wrote the struct",
				    stress_errno_name(got));
		return;
	}
	if (usize > p->writable)
		return;
	fuzz_effective(&out, ksize, (uint8_t *)(uintptr_t)p->addr, usize);
	fuzz_check_view(ctx, &out, usize < ksize ? usize : ksize, want_tid, want_tgid,
			in.request, false);
	if (usize > ksize && !fuzz_all_zero((uint8_t *)(uintptr_t)p->addr + ksize, usize - ksize))
		fuzz_report(ctx, "GET_TASK left the tail beyond %zu bytes nonzero", ksize);
}

/* LIST: @tgid's expected thread count in [*n_min, *n_max], or an errno. */
static int fuzz_list_expect(struct fuzz_ctx *ctx, int32_t tgid, uint32_t *n_min,
			    uint32_t *n_max, bool *maybe_reused)
{
	enum fuzz_tid_kind kind = fuzz_classify_tid(ctx, tgid);

	*maybe_reused = false;
	*n_min = 0;
	*n_max = UINT32_MAX;
	if (tgid == 0) {
		*n_min = ctx->nr_own;	/* at least the caller's own group */
		return 0;
	}
	switch (kind) {
	case TID_SELF:
		*n_min = *n_max = ctx->nr_own;
		return 0;
	case TID_OWN:
		return ESRCH;	/* a tid, not a thread group */
	case TID_KTHREAD:
		*n_min = *n_max = ctx->sees_all ? 1 : 0;
		return 0;
	case TID_ROOT:
		if (!ctx->sees_all)
			*n_max = 0;
		else
			*n_min = 1;
		return 0;
	case TID_NEGATIVE:
		return ESRCH;
	case TID_GONE:
		*maybe_reused = true;
		return ESRCH;
	case TID_UNKNOWN:
		return FUZZ_ANY;
	}
	return FUZZ_ANY;
}

/* One LIST call: what was asked, where the entries go, what to expect. */
struct fuzz_list_call {
	struct tlsview_list in;		/* as the kernel will read it */
	struct fuzz_ptr e;		/* the entries buffer */
	bool entries_known;		/* in.entries is e.addr (not cut short) */
	uint64_t cap, es;		/* in.capacity, in.entry_size */
	uint64_t fill;			/* entry bytes pre-filled with FUZZ_FILL */
	int64_t tail_at;
	uint32_t n_min, n_max;		/* the group's expected thread count */
	bool reused;			/* a gone tgid that may have come back */
	int group_want;
};

/* Step 1: a tgid, a capacity, an entry size and their oddities. */
static void fuzz_list_pick_fields(struct fuzz_ctx *ctx, struct tlsview_list *in)
{
	struct stress_rng *rng = &ctx->rng;

	memset(in, 0, sizeof(*in));
	/* Every thread, read one by one, is the slowest call: not too often. */
	switch (stress_below(rng, 12)) {
	case 0: in->tgid = 0; break;
	case 1: case 2: case 3: in->tgid = ctx->tgid; break;
	default: in->tgid = fuzz_pick_tid(ctx); break;
	}
	switch (stress_below(rng, 14)) {
	case 0: in->capacity = 0; break;
	case 1: in->capacity = 1; break;
	case 2: in->capacity = ctx->nr_own - 1; break;
	case 3: in->capacity = ctx->nr_own; break;
	case 4: in->capacity = 32; break;
	case 5: in->capacity = 33; break;
	case 6: in->capacity = TLSVIEW_LIST_MAX; break;
	case 7: in->capacity = TLSVIEW_LIST_MAX + 1; break;
	case 8: in->capacity = UINT32_MAX; break;
	case 9: in->capacity = (uint32_t)stress_rand(rng); break;
	default: in->capacity = 2 + stress_below(rng, 300); break;
	}
	switch (stress_below(rng, 16)) {
	case 0: in->entry_size = 0; break;
	case 1: in->entry_size = 1; break;
	case 2: in->entry_size = TLSVIEW_TASK_SIZE_VER1 - 1; break;
	case 3: in->entry_size = TLSVIEW_TASK_SIZE_VER1 + 1; break;
	case 4: in->entry_size = TLSVIEW_TASK_SIZE_VER1 + 8 * stress_below(rng, 16); break;
	case 5: in->entry_size = 4096; break;
	case 6: in->entry_size = 0x80000000U; break;
	case 7: in->entry_size = UINT32_MAX; break;
	case 8: in->entry_size = stress_below(rng, 400); break;
	default: in->entry_size = TLSVIEW_TASK_SIZE_VER1; break;
	}
	if (stress_chance(rng, 5))
		in->__pad0 = 1U << stress_below(rng, 32);
}

static void fuzz_ptr_null(struct fuzz_ptr *e)
{
	e->addr = 0;
	e->readable = 0;
	e->writable = 0;
	e->filled = false;
	e->kind = "NULL";
}

/*
 * Step 2: the entries buffer (a pointer class sized for what may be
 * written), the struct image with its tail, the arena filled and guarded;
 * @c->in becomes what the kernel will read.
 */
static void fuzz_list_build(struct fuzz_ctx *ctx, uint64_t usize, struct fuzz_ptr *p,
			    uint8_t *image, struct fuzz_list_call *c)
{
	const size_t ksize = sizeof(struct tlsview_list);
	struct stress_rng *rng = &ctx->rng;
	uint64_t cap = c->in.capacity, es = c->in.entry_size;

	c->e = fuzz_pick_ptr(ctx, ctx->entries, FUZZ_ENTRIES_SIZE,
			     cap * es < FUZZ_ENTRIES_SIZE ? cap * es : FUZZ_ENTRIES_SIZE / 2);
	if (stress_chance(rng, 3))
		fuzz_ptr_null(&c->e);
	/*
	 * A struct cut inside @entries leaves the kernel the pointer's low
	 * bytes: an address that may be the fuzzer's own memory. Use NULL.
	 */
	if (usize > offsetof(struct tlsview_list, entries) &&
	    usize < offsetof(struct tlsview_list, count) && sizeof(long) == 8)
		fuzz_ptr_null(&c->e);
	c->in.entries = c->e.addr;
	if (stress_chance(rng, 30)) {
		c->in.count = (uint32_t)stress_rand(rng);
		c->in.total = (uint32_t)stress_rand(rng);
	}
	memcpy(image, &c->in, ksize);
	c->tail_at = fuzz_tail(rng, image, ksize, usize);
	fuzz_fill(ctx, p, image, usize);
	fuzz_set_canaries(p, usize, ctx->arena, FUZZ_ARENA_SIZE);
	fuzz_effective(&c->in, ksize, image, usize);
	/* A short struct cuts the entries pointer: then only NULL is known. */
	c->entries_known = c->in.entries == c->e.addr;
	if (!c->entries_known && !c->in.entries) {
		fuzz_ptr_null(&c->e);
		c->entries_known = true;
	}
	c->cap = c->in.capacity;
	c->es = c->in.entry_size;
}

/* Step 3: fill what may be written, to find bytes written beyond count. */
static void fuzz_list_prefill(struct fuzz_ctx *ctx, struct fuzz_list_call *c)
{
	const struct fuzz_ptr *e = &c->e;

	c->fill = 0;
	if (!c->entries_known || !e->filled || !e->writable || !c->cap ||
	    c->es < TLSVIEW_TASK_SIZE_VER1)
		return;
	c->fill = c->cap * c->es;
	if (c->fill > e->writable)
		c->fill = e->writable;
	if (c->fill > FUZZ_ENTRY_FILL_MAX)
		c->fill = FUZZ_ENTRY_FILL_MAX;
	if ((uint8_t *)(uintptr_t)e->addr >= ctx->ro &&
	    (uint8_t *)(uintptr_t)e->addr < ctx->ro + FUZZ_PAGE)
		c->fill = 0;
	memset((void *)(uintptr_t)e->addr, FUZZ_FILL, c->fill);
}

/* Step 4: the outcome the oracle predicts (0, an errno or FUZZ_ANY). */
static int fuzz_list_want(struct fuzz_ctx *ctx, uint64_t usize, const struct fuzz_ptr *p,
			  struct fuzz_list_call *c)
{
	const struct tlsview_list *in = &c->in;
	uint64_t lo, hi;
	int want;

	want = fuzz_input_errno(p, usize, sizeof(*in), c->tail_at);
	if (!want && (in->__pad0 || in->entry_size < TLSVIEW_TASK_SIZE_VER1))
		want = EINVAL;
	if (!want && in->capacity > TLSVIEW_LIST_MAX)
		want = E2BIG;
	c->group_want = 0;
	c->n_min = 0;
	c->n_max = UINT32_MAX;
	c->reused = false;
	if (!want) {
		c->group_want = fuzz_list_expect(ctx, in->tgid, &c->n_min, &c->n_max, &c->reused);
		want = c->group_want;
	}
	if (want)
		return want;
	/* Entries are written one by one, each entry_size bytes. */
	lo = c->n_min < c->cap ? c->n_min : c->cap;
	hi = c->n_max < c->cap ? c->n_max : c->cap;
	if (!c->entries_known)
		want = hi ? FUZZ_ANY : 0;
	else if (hi * c->es <= c->e.writable)
		want = 0;
	else if (lo * c->es > c->e.writable)
		want = EFAULT;
	else
		want = FUZZ_ANY;
	if ((want == 0 || want == FUZZ_ANY) && usize > p->writable)
		want = EFAULT;
	return want;
}

/* Step 5: a successful call's struct: inputs kept, tail zero, counts sane. */
static bool fuzz_list_check_struct(struct fuzz_ctx *ctx, uint64_t usize,
				   const struct fuzz_ptr *p, const struct fuzz_list_call *c,
				   int want, struct tlsview_list *out)
{
	const size_t ksize = sizeof(*out);

	fuzz_effective(out, ksize, (uint8_t *)(uintptr_t)p->addr, usize);
	if (memcmp(out, &c->in, offsetof(struct tlsview_list, count) < usize ?
		   offsetof(struct tlsview_list, count) : usize))
		fuzz_report(ctx, "LIST changed its input fields");
	if (usize > ksize && !fuzz_all_zero((uint8_t *)(uintptr_t)p->addr + ksize, usize - ksize))
		fuzz_report(ctx, "LIST left the tail beyond %zu bytes nonzero", ksize);
	if (usize < ksize)
		return false;
	if (out->count > c->cap || out->count > out->total ||
	    out->count != (out->total < c->cap ? out->total : c->cap))
		fuzz_report(ctx, "LIST count %u total %u capacity %" PRIu64, out->count,
			    out->total, c->cap);
	if (c->group_want == 0 && want != FUZZ_ANY &&
	    (out->total < c->n_min || out->total > c->n_max))
		fuzz_report(ctx, "LIST of tgid %d: total %u, expected %u..%u", c->in.tgid,
			    out->total, c->n_min, c->n_max);
	return c->entries_known && c->fill;
}

/*
 * Step 6: the entries written: each a valid view the caller may see, zero
 * beyond the view, nothing beyond count, and for the caller's own group
 * exactly its threads.
 */
static void fuzz_list_check_entries(struct fuzz_ctx *ctx, const struct fuzz_list_call *c,
				    const struct tlsview_list *out)
{
	uint8_t *ent = (uint8_t *)(uintptr_t)c->e.addr;
	uint64_t es = c->es, fill = c->fill, i, room;

	for (i = 0; i < out->count && (i + 1) * es <= fill; i++) {
		struct tlsview_task v;
		uint8_t *at = ent + i * es;
		/*
		 * An entry_size below today's struct (an older caller's) is
		 * valid: read only the entry, never past the buffer's end.
		 */
		size_t len = es < sizeof(v) ? es : sizeof(v);

		memset(&v, 0, sizeof(v));
		memcpy(&v, at, len);
		fuzz_check_view(ctx, &v, len, 0,
				c->in.tgid > 0 ? c->in.tgid : 0, 0, true);
		if (!ctx->sees_all && v.tgid != ctx->tgid &&
		    fuzz_classify_tid(ctx, v.tgid) == TID_ROOT)
			fuzz_report(ctx, "unprivileged LIST shows root's tid %d", v.tid);
		if (es > sizeof(v) && !fuzz_all_zero(at + sizeof(v), es - sizeof(v)))
			fuzz_report(ctx, "entry %" PRIu64 ": bytes beyond the view not zeroed", i);
	}
	room = out->count * es;
	if (room < fill && !fuzz_all_fill(ent + room, fill - room))
		fuzz_report(ctx, "LIST wrote beyond its %u entries", out->count);
	if (c->in.tgid == ctx->tgid && out->count == (uint32_t)ctx->nr_own &&
	    (uint64_t)ctx->nr_own * es <= fill) {
		/* Exactly the caller's threads, each once. */
		int seen = 0, j;

		for (i = 0; i < out->count; i++) {
			int32_t tid;

			memcpy(&tid, ent + i * es, sizeof(tid));
			j = fuzz_own_index(ctx, tid);
			if (j < 0 || (seen & (1 << j)))
				fuzz_report(ctx, "LIST of the caller's group: tid %d", tid);
			else
				seen |= 1 << j;
		}
	}
}

static void fuzz_list(struct fuzz_ctx *ctx, unsigned int cmd, uint64_t usize,
		      struct fuzz_ptr *p, uint8_t *image)
{
	struct fuzz_list_call c;
	struct tlsview_list out;
	char extra[160];
	int got, want;

	memset(&c, 0, sizeof(c));
	fuzz_list_pick_fields(ctx, &c.in);
	fuzz_list_build(ctx, usize, p, image, &c);
	fuzz_list_prefill(ctx, &c);
	snprintf(extra, sizeof(extra),
		 " tgid %d capacity %u entry_size %u pad 0x%x entries 0x%" PRIx64 " (%s) tail %" PRId64,
		 c.in.tgid, c.in.capacity, c.in.entry_size, c.in.__pad0, (uint64_t)c.in.entries,
		 c.entries_known ? c.e.kind : "cut", c.tail_at);
	fuzz_describe(ctx, cmd, p, extra);

	want = fuzz_list_want(ctx, usize, p, &c);
	got = fuzz_ioctl(ctx, cmd, p->addr);
	if (c.group_want == ESRCH && c.reused && got != ESRCH && fuzz_id_exists(c.in.tgid))
		want = FUZZ_ANY;
	if (!fuzz_expect(ctx, FUZZ_OP_LIST, got, want) || !p->filled)
		return;
	fuzz_check_canaries(ctx, p, usize, ctx->arena, FUZZ_ARENA_SIZE);
	if (got) {
		if (usize <= p->writable && memcmp((void *)(uintptr_t)p->addr, image, usize))
			fuzz_report(ctx, "LIST failed with %s but wrote the struct",
				    stress_errno_name(got));
		return;
	}
	if (usize > p->writable)
		return;
	if (fuzz_list_check_struct(ctx, usize, p, &c, want, &out))
		fuzz_list_check_entries(ctx, &c, &out);
}

/* A command number not for this driver that the VFS does not answer itself. */
static unsigned int fuzz_foreign_cmd(struct stress_rng *rng)
{
	unsigned int cmd, type;

	for (;;) {
		cmd = (uint32_t)stress_rand(rng);
		type = _IOC_TYPE(cmd);
		/* 0, 'T', 'X', 'f', 0x94: generic file ioctls (FIOCLEX, FIFREEZE...). */
		if (type != TLSVIEW_IOC_MAGIC && type != 0 && type != 'T' &&
		    type != 'X' && type != 'f' && type != 0x94)
			return cmd;
	}
}

/* One fuzzed call. */
static void fuzz_one(struct fuzz_ctx *ctx)
{
	static uint8_t image[FUZZ_IOC_SIZE_MAX + 1];
	struct stress_rng *rng = &ctx->rng;
	unsigned int cmd, dir, nr, size;
	int op = -1, kind = stress_below(rng, 100);
	struct fuzz_ptr p;
	int got;

	ctx->call++;
	if (kind < 75) {
		/* A real command, with the caller's size. */
		op = stress_below(rng, FUZZ_OPS);
		if (op == FUZZ_OP_INFO && stress_chance(rng, 50))
			op = stress_chance(rng, 50) ? FUZZ_OP_LIST : FUZZ_OP_GET_TASK;
		size = fuzz_pick_size(rng, _IOC_SIZE(fuzz_op_cmd[op]));
		cmd = _IOC(_IOC_DIR(fuzz_op_cmd[op]), TLSVIEW_IOC_MAGIC, op, size);
	} else if (kind < 90) {
		/* Near a real one: another direction or number, any size. */
		dir = stress_below(rng, 4);
		nr = stress_chance(rng, 50) ? stress_below(rng, 8) : stress_below(rng, 256);
		size = fuzz_pick_size(rng, 16 + 16 * stress_below(rng, 7));
		cmd = _IOC(dir, TLSVIEW_IOC_MAGIC, nr, size);
		if (nr < FUZZ_OPS && dir == _IOC_DIR(fuzz_op_cmd[nr]))
			op = nr;
	} else {
		cmd = fuzz_foreign_cmd(rng);
		size = _IOC_SIZE(cmd);
	}

	p = fuzz_pick_ptr(ctx, ctx->arena, FUZZ_ARENA_SIZE, size);
	switch (op) {
	case FUZZ_OP_INFO:
		fuzz_info(ctx, cmd, size, &p, image);
		break;
	case FUZZ_OP_GET_TASK:
		fuzz_get_task(ctx, cmd, size, &p, image);
		break;
	case FUZZ_OP_LIST:
		fuzz_list(ctx, cmd, size, &p, image);
		break;
	case FUZZ_OP_GET_CPU:
		fuzz_get_cpu(ctx, cmd, size, &p, image);
		break;
	default:
		if (p.filled) {
			fuzz_garble(rng, image, size);
			fuzz_fill(ctx, &p, image, size);
		}
		fuzz_describe(ctx, cmd, &p, " (not a tlsview command)");
		got = fuzz_ioctl(ctx, cmd, p.addr);
		if (fuzz_expect(ctx, -1, got, ENOTTY) && p.filled && size <= p.writable &&
		    memcmp((void *)(uintptr_t)p.addr, image, size))
			fuzz_report(ctx, "an unknown command wrote its argument");
		break;
	}

	/* Keep a supply of tids that just went away. */
	if (!(ctx->call % 4096))
		fuzz_make_gone_thread(ctx);
	if (!(ctx->call % 16384))
		fuzz_make_gone_process(ctx);
}

/* Issue @calls fuzzed ioctls; returns the failures found. */
static uint64_t fuzz_run(struct fuzz_ctx *ctx, uint64_t calls)
{
	while (ctx->stats->calls < calls)
		fuzz_one(ctx);
	return ctx->stats->failures;
}

/* Drop to nobody (uid/gid 65534) for good; 0 or -errno. */
static int fuzz_become_nobody(void)
{
	gid_t groups[1] = { 65534 };

	if (setgroups(1, groups) && errno != EPERM)
		return -errno;
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return -errno;
	return 0;
}

static void fuzz_print_stats(const char *role, const struct fuzz_stats *s, double secs)
{
	printf("# stress: fuzz %s: ioctls: %" PRIu64 ", role seed: %" PRIu64 ", %.0f/s, exact: %" PRIu64
	       ", views checked: %" PRIu64 ", failures: %" PRIu64 "\n",
	       role, s->calls, s->seed, secs > 0 ? s->calls / secs : 0.0, s->exact,
	       s->views_checked, s->failures);
	printf("# stress: fuzz %s: results: ok %" PRIu64 " ENOTTY %" PRIu64 " EINVAL %" PRIu64
	       " ESRCH %" PRIu64 " EACCES %" PRIu64 " EFAULT %" PRIu64 " E2BIG %" PRIu64
	       " other %" PRIu64 "\n",
	       role, s->by_result[0], s->by_result[1], s->by_result[2], s->by_result[3],
	       s->by_result[4], s->by_result[5], s->by_result[6], s->by_result[7]);
	fflush(stdout);
}

int64_t fuzz_both_roles(uint64_t seed, uint64_t calls, struct fuzz_stats *stats,
			       const char *bits)
{
	static const char *const roles[2] = { "root", "nobody" };
	pid_t child[2];
	int64_t failures = 0;
	double start = stress_now();
	int i, status;

	fflush(stdout);
	for (i = 0; i < 2; i++) {
		stats[i].base_seed = seed;
		child[i] = fork();
		if (child[i] < 0)
			return -1;
		if (child[i] == 0) {
			struct fuzz_ctx ctx;
			char role[32];
			int fd, err;

			snprintf(role, sizeof(role), "%s-bit %s", bits, roles[i]);
			if (i == 1 && (err = fuzz_become_nobody())) {
				printf("# %s: cannot become nobody: %s\n", role, strerror(-err));
				_exit(2);
			}
			fd = open("/dev/tlsview", O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				printf("# %s: open /dev/tlsview: %s\n", role, strerror(errno));
				_exit(2);
			}
			err = fuzz_init(&ctx, fd, seed ^ (0x5851f42d4c957f2dULL * (i + 1)), role,
					&stats[i]);
			if (err) {
				printf("# %s: setup failed: %s\n", role, strerror(-err));
				_exit(2);
			}
			fuzz_run(&ctx, calls);
			fuzz_fini(&ctx);
			fuzz_print_stats(role, &stats[i], stress_now() - start);
			_exit(stats[i].failures ? 1 : 0);
		}
	}
	for (i = 0; i < 2; i++) {
		if (waitpid(child[i], &status, 0) != child[i])
			return -1;
		if (!WIFEXITED(status) || WEXITSTATUS(status) == 2) {
			printf("# %s-bit %s fuzzer died (status 0x%x) after %" PRIu64 " calls\n",
			       bits, roles[i], status, stats[i].calls);
			failures++;
		}
		failures += stats[i].failures;
	}
	return failures;
}

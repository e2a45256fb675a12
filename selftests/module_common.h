/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the module_*.c selftests of tlsview.ko: opening
 * /dev/tlsview, raw FS/GS register access, set_thread_area through the
 * ia32 entry, and parsing /sys/kernel/debug/tlsview/tasks lines.
 *
 * Deliberately independent of libtlsview, so the module is tested alone:
 * the module tests cross-check the module, and libtlsview's own readers
 * of the same facts (tlsview/ia32.h, tlsview/debugfs.h) are checked
 * against the module, so neither side may lean on the other. This is the
 * one documented second copy of set_thread_area through int $0x80, the
 * user_desc filling and the debugfs tasks parser; every other layer uses
 * libtlsview's.
 */
#ifndef TLSVIEW_SELFTESTS_MODULE_COMMON_H
#define TLSVIEW_SELFTESTS_MODULE_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <asm/ldt.h>
#include <asm/prctl.h>
#include <linux/tlsview.h>

#define TLSVIEW_DEV		"/dev/tlsview"
#define TLSVIEW_DEBUGFS		"/sys/kernel/debug/tlsview"
#define HWCAP2_FSGSBASE_BIT	(1UL << 1)

/* An ioctl number for @nr with the caller's own direction and size. */
#define TLSVIEW_CMD(dir, nr, size)	_IOC(dir, TLSVIEW_IOC_MAGIC, nr, size)

/*
 * Skip the current test when /dev/tlsview could not be opened. Used at the
 * top of every test body: the 6.1 harness runs the body even after a SKIP
 * in FIXTURE_SETUP.
 */
#define REQUIRE_DEVICE(fd) do {						\
	if ((fd) < 0)							\
		SKIP(return, TLSVIEW_DEV " absent: is tlsview.ko loaded?"); \
} while (0)

static inline int tlsview_open(void)
{
	return open(TLSVIEW_DEV, O_RDONLY | O_CLOEXEC);
}

static inline bool have_fsgsbase(void)
{
	return getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE_BIT;
}

static inline pid_t gettid_raw(void)
{
	return syscall(SYS_gettid);
}

/* Seconds on the monotonic clock, for loops bounded by time as well as count. */
static inline double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int nr_online_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

/* Run the calling thread on @cpu (below 64) only. */
static inline int pin_to_cpu(int cpu)
{
	unsigned long mask = 1UL << cpu;

	return syscall(SYS_sched_setaffinity, 0, sizeof(mask), &mask);
}

/* rd/wr{fs,gs}base: only valid when have_fsgsbase(). */
static inline uint64_t rdfsbase(void)
{
	uint64_t base;

	asm volatile("rdfsbase %0" : "=r" (base) :: "memory");
	return base;
}

static inline uint64_t rdgsbase(void)
{
	uint64_t base;

	asm volatile("rdgsbase %0" : "=r" (base) :: "memory");
	return base;
}

static inline void wrfsbase(uint64_t base)
{
	asm volatile("wrfsbase %0" :: "r" (base) : "memory");
}

static inline void wrgsbase(uint64_t base)
{
	asm volatile("wrgsbase %0" :: "r" (base) : "memory");
}

static inline uint16_t read_fs_selector(void)
{
	uint16_t sel;

	asm volatile("mov %%fs, %0" : "=rm" (sel));
	return sel;
}

static inline uint16_t read_gs_selector(void)
{
	uint16_t sel;

	asm volatile("mov %%gs, %0" : "=rm" (sel));
	return sel;
}

/* Load a selector (a TLS slot's) into FS or GS: its base becomes theirs. */
static inline void load_fs_selector(uint16_t sel)
{
	asm volatile("mov %0, %%fs" :: "r" ((uint32_t)sel) : "memory");
}

static inline void load_gs_selector(uint16_t sel)
{
	asm volatile("mov %0, %%gs" :: "r" ((uint32_t)sel) : "memory");
}

/*
 * A system call that touches neither errno nor anything else in libc's
 * TLS, for the moments a thread's FS base is not libc's thread pointer.
 */
static inline long raw_syscall3(long nr, long a1, long a2, long a3)
{
	long ret;

	asm volatile("syscall"
		     : "=a" (ret)
		     : "a" (nr), "D" (a1), "S" (a2), "d" (a3)
		     : "rcx", "r11", "memory");
	return ret;
}

static inline long raw_syscall6(long nr, long a1, long a2, long a3, long a4,
				long a5, long a6)
{
	register long r10 asm("r10") = a4;
	register long r8 asm("r8") = a5;
	register long r9 asm("r9") = a6;
	long ret;

	asm volatile("syscall"
		     : "=a" (ret)
		     : "a" (nr), "D" (a1), "S" (a2), "d" (a3), "r" (r10),
		       "r" (r8), "r" (r9)
		     : "rcx", "r11", "memory");
	return ret;
}

static inline uint64_t arch_prctl_get(int code)
{
	uint64_t base = 0;

	raw_syscall3(SYS_arch_prctl, code, (long)&base, 0);
	return base;
}

static inline long arch_prctl_set(int code, uint64_t base)
{
	return raw_syscall3(SYS_arch_prctl, code, (long)base, 0);
}

/* Wait while *word == val, without libc (see raw_syscall3()). */
static inline void futex_wait_raw(int *word, int val)
{
	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == val)
		raw_syscall6(SYS_futex, (long)word, 0 /* FUTEX_WAIT */, val,
			     0, 0, 0);
}

static inline void futex_wake_all(int *word)
{
	syscall(SYS_futex, word, 1 /* FUTEX_WAKE */, INT32_MAX, NULL, NULL, 0);
}

/*
 * set_thread_area() exists for 64-bit tasks only through the ia32 entry
 * (int $0x80, eax 243), whose pointer argument must lie below 4 GiB.
 * Returns the syscall's result; desc is updated (entry_number).
 */
static inline int ia32_thread_area(int nr, struct user_desc *desc)
{
	struct user_desc *low;
	int ret;

	low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED)
		return -ENOMEM;
	*low = *desc;
	asm volatile("int $0x80"
		     : "=a" (ret)
		     : "a" (nr), "b" ((uint32_t)(uintptr_t)low)
		     : "memory", "r8", "r9", "r10", "r11");
	*desc = *low;
	munmap(low, 4096);
	return ret;
}

static inline int set_thread_area_ia32(struct user_desc *desc)
{
	return ia32_thread_area(243, desc);
}

static inline int get_thread_area_ia32(struct user_desc *desc)
{
	return ia32_thread_area(244, desc);
}

static inline bool tlsview_debugfs_present(void)
{
	return access(TLSVIEW_DEBUGFS "/info", F_OK) == 0;
}

/**
 * struct tasks_line - one parsed line of debugfs tasks/self
 */
struct tasks_line {
	int tgid, tid;
	unsigned int cpu;
	char flags[64];
	unsigned long long fsbase, gsbase;
	unsigned int fsindex, gsindex;
	char tls[3][40];
	char comm[80];
};

/* Parse one data line; returns 0 when it has exactly the ABI's columns. */
static inline int parse_tasks_line(const char *line, struct tasks_line *out)
{
	int n, consumed = 0;

	memset(out, 0, sizeof(*out));
	n = sscanf(line, "%d %d %u %63s 0x%llx 0x%llx 0x%x 0x%x %39s %39s %39s %n",
		   &out->tgid, &out->tid, &out->cpu, out->flags, &out->fsbase,
		   &out->gsbase, &out->fsindex, &out->gsindex, out->tls[0],
		   out->tls[1], out->tls[2], &consumed);
	if (n != 11 || !consumed)
		return -1;
	snprintf(out->comm, sizeof(out->comm), "%s", line + consumed);
	out->comm[strcspn(out->comm, "\n")] = '\0';
	if (strchr(out->comm, ' '))
		return -1;
	return 0;
}

/* Find @tid's line in a debugfs table; 0 on success, -errno otherwise. */
static inline int debugfs_find_task(const char *file, int tid,
				    struct tasks_line *out)
{
	char path[128], line[512];
	int ret = -ESRCH;
	FILE *f;

	snprintf(path, sizeof(path), TLSVIEW_DEBUGFS "/%s", file);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (parse_tasks_line(line, out))
			continue;
		if (out->tid == tid) {
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* The debugfs tlsNN text of a decoded slot, as the module prints it. */
static inline void format_desc(const struct tlsview_desc *d, char *buf,
			       size_t len)
{
	if (d->flags & TLSVIEW_DESC_EMPTY)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "0x%08x:0x%05x:0x%02x", d->base_addr,
			 d->limit, d->flags);
}

static inline int get_task(int fd, int tid, uint32_t request,
			   struct tlsview_task *view)
{
	memset(view, 0, sizeof(*view));
	view->tid = tid;
	view->request = request;
	return ioctl(fd, TLSVIEW_IOC_GET_TASK, view);
}

#endif /* TLSVIEW_SELFTESTS_MODULE_COMMON_H */

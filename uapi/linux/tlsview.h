/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tlsview: a read-only view of every thread's x86-64 TLS registers
 * (user FS/GS base, FS/GS selectors and the three GDT TLS slots).
 *
 * This header is ABI 1 of /dev/tlsview. Structures only ever grow by
 * appending fields; the kernel takes the caller's structure size from
 * _IOC_SIZE(cmd): a shorter input is zero-extended, output is cut to the
 * caller's size, and a longer input whose unknown tail is not all zero
 * fails with E2BIG. An unknown ioctl number fails with ENOTTY.
 *
 * Every structure has the same layout for 32- and 64-bit callers: all
 * padding is explicit and every __u64 sits at a multiple of 8.
 */
#ifndef _UAPI_LINUX_TLSVIEW_H
#define _UAPI_LINUX_TLSVIEW_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define TLSVIEW_ABI_VERSION	1

/* Bits of struct tlsview_desc.flags, in struct user_desc's bit order. */
#define TLSVIEW_DESC_SEG_32BIT		(1U << 0)
#define TLSVIEW_DESC_CONTENTS_MASK	(3U << 1)
#define TLSVIEW_DESC_CONTENTS_SHIFT	1
#define TLSVIEW_DESC_READ_EXEC_ONLY	(1U << 3)
#define TLSVIEW_DESC_LIMIT_IN_PAGES	(1U << 4)
#define TLSVIEW_DESC_SEG_NOT_PRESENT	(1U << 5)
#define TLSVIEW_DESC_USEABLE		(1U << 6)
#define TLSVIEW_DESC_LM			(1U << 7)
#define TLSVIEW_DESC_EMPTY		(1U << 31)

/**
 * struct tlsview_desc - one GDT TLS slot, decoded like struct user_desc
 * @entry_number: GDT index of the slot (12, 13 or 14 on x86-64).
 * @base_addr:    segment base.
 * @limit:        segment limit (in pages when %TLSVIEW_DESC_LIMIT_IN_PAGES).
 * @flags:        %TLSVIEW_DESC_* bits; %TLSVIEW_DESC_EMPTY when the slot is
 *                empty as get_thread_area() reports it (then the other
 *                fields other than @entry_number are zero).
 */
struct tlsview_desc {
	__u32 entry_number;
	__u32 base_addr;
	__u32 limit;
	__u32 flags;
};

/* struct tlsview_task.request bits */
#define TLSVIEW_REQ_SAVED	(1U << 0)	/* saved state only, no IPI */
#define TLSVIEW_REQ_ALL		(TLSVIEW_REQ_SAVED)

/* struct tlsview_task.flags bits */
#define TLSVIEW_TASK_LIVE	(1U << 0)	/* read from the CPU's registers */
#define TLSVIEW_TASK_COMPAT	(1U << 1)	/* a 32-bit (ia32) task */
#define TLSVIEW_TASK_KTHREAD	(1U << 2)	/* a kernel thread */
/*
 * Thread state, from the kernel's own task state (the letter /proc shows),
 * exit_state and PF_EXITING, reported when %TLSVIEW_INFO_STATES is set.
 * At most one of SLEEPING, STOPPED, EXITING and ZOMBIE is set; none of
 * them means running (runnable). TRACED may go with any of them.
 */
#define TLSVIEW_TASK_SLEEPING	(1U << 3)	/* waiting: S, D, I or P */
#define TLSVIEW_TASK_STOPPED	(1U << 4)	/* job control (T) or trace stop (t) */
#define TLSVIEW_TASK_TRACED	(1U << 5)	/* has a tracer, see @tracer */
#define TLSVIEW_TASK_EXITING	(1U << 6)	/* PF_EXITING: on its way out */
#define TLSVIEW_TASK_ZOMBIE	(1U << 7)	/* exited (Z or X): no user state */
#define TLSVIEW_TASK_STATES	(TLSVIEW_TASK_SLEEPING | TLSVIEW_TASK_STOPPED | \
				 TLSVIEW_TASK_TRACED | TLSVIEW_TASK_EXITING | \
				 TLSVIEW_TASK_ZOMBIE)

#define TLSVIEW_TLS_SLOTS	3
#define TLSVIEW_COMM_LEN	16

/**
 * struct tlsview_task - the view of one thread
 * @tid:      in: thread id in the caller's pid namespace, 0 for the caller.
 * @request:  in: %TLSVIEW_REQ_* bits; unknown bits fail with EINVAL.
 * @tgid:     out: thread group id in the caller's pid namespace.
 * @flags:    out: %TLSVIEW_TASK_* bits.
 * @cpu:      out: the CPU the thread runs on now, or ran on last.
 * @__pad0:   zero.
 * @fsbase:   out: the user FS base in effect for the thread.
 * @gsbase:   out: the user GS base in effect for the thread.
 * @fsindex:  out: the user FS selector.
 * @gsindex:  out: the user GS selector.
 * @__pad1:   zero.
 * @tls:      out: the three GDT TLS slots.
 * @comm:     out: the thread's name, NUL-terminated.
 * @tracer:   out: with %TLSVIEW_TASK_TRACED, the id of the tracing thread
 *            in the caller's pid namespace (0 when it is outside it), as
 *            TracerPid in /proc/PID/status; else 0. Appended in ABI 1.
 * @__pad2:   zero.
 *
 * In a %TLSVIEW_IOC_LIST buffer only the out fields are meaningful; @tid
 * then holds the thread's id.
 *
 * A zombie (%TLSVIEW_TASK_ZOMBIE) has left user space for good: its
 * @fsbase, @gsbase, @fsindex, @gsindex are zero and its @tls slots empty,
 * not because they were, but because it has none any more.
 */
struct tlsview_task {
	__s32 tid;
	__u32 request;
	__s32 tgid;
	__u32 flags;
	__u32 cpu;
	__u32 __pad0;
	__u64 fsbase;
	__u64 gsbase;
	__u16 fsindex;
	__u16 gsindex;
	__u32 __pad1;
	struct tlsview_desc tls[TLSVIEW_TLS_SLOTS];
	char comm[TLSVIEW_COMM_LEN];
	__s32 tracer;
	__u32 __pad2;
};

/* sizeof(struct tlsview_task) in ABI 1: the smallest LIST entry_size. */
#define TLSVIEW_TASK_SIZE_VER1	112
/* sizeof(struct tlsview_task) since @tracer was appended. */
#define TLSVIEW_TASK_SIZE_TRACER	120

/* The largest struct tlsview_list.capacity accepted (also in tlsview_info). */
#define TLSVIEW_LIST_MAX	(1U << 20)

/**
 * struct tlsview_list - views of many threads in one call
 * @tgid:       in: thread group to list, 0 for every thread visible to the
 *              caller.
 * @capacity:   in: entries the buffer at @entries holds; 0 only counts.
 * @entry_size: in: sizeof(struct tlsview_task) as the caller knows it; at
 *              least %TLSVIEW_TASK_SIZE_VER1. Entries are @entry_size apart;
 *              bytes the kernel does not know are written as zero.
 * @__pad0:     zero.
 * @entries:    in: user pointer to @capacity entries (may be 0 when
 *              @capacity is 0).
 * @count:      out: entries written.
 * @total:      out: threads that matched and are visible to the caller; may
 *              exceed @capacity, so a caller can grow its buffer and retry.
 *
 * Threads the caller may not see are left out and not counted.
 */
struct tlsview_list {
	__s32 tgid;
	__u32 capacity;
	__u32 entry_size;
	__u32 __pad0;
	__u64 entries;
	__u32 count;
	__u32 total;
};

/* struct tlsview_cpu.flags bits */
#define TLSVIEW_CPU_ONLINE	(1U << 0)
#define TLSVIEW_CPU_FSGSBASE	(1U << 1)	/* CR4.FSGSBASE set on that CPU */

/**
 * struct tlsview_cpu - one CPU's FSGSBASE state
 * @cpu:   in: CPU number, below nr_cpu_ids.
 * @flags: out: %TLSVIEW_CPU_* bits.
 * @cr4:   out: CR4 as read on that CPU (0 when it is offline).
 */
struct tlsview_cpu {
	__u32 cpu;
	__u32 flags;
	__u64 cr4;
};

/* struct tlsview_info.flags bits */
#define TLSVIEW_INFO_FSGSBASE	(1U << 0)	/* the kernel uses FSGSBASE */
#define TLSVIEW_INFO_STATES	(1U << 1)	/* views carry state bits, tracer */

/**
 * struct tlsview_info - the module and the machine
 * @abi_version: out: %TLSVIEW_ABI_VERSION.
 * @flags:       out: %TLSVIEW_INFO_* bits, for the boot CPU.
 * @nr_cpu_ids:  out: the number of possible CPU ids.
 * @max_list:    out: the largest accepted tlsview_list.capacity.
 */
struct tlsview_info {
	__u32 abi_version;
	__u32 flags;
	__u32 nr_cpu_ids;
	__u32 max_list;
};

#define TLSVIEW_IOC_MAGIC	0xB8

/**
 * TLSVIEW_IOC_INFO - describe the module and the machine
 *
 * Never fails for a valid pointer. Errors: EFAULT.
 */
#define TLSVIEW_IOC_INFO	_IOR(TLSVIEW_IOC_MAGIC, 0, struct tlsview_info)

/**
 * TLSVIEW_IOC_GET_TASK - the view of one thread
 *
 * A thread running on another CPU is read on that CPU (%TLSVIEW_TASK_LIVE)
 * unless %TLSVIEW_REQ_SAVED is asked for.
 * Errors: ESRCH no such thread, EACCES the caller may not see it, EINVAL
 * unknown request bits, E2BIG nonzero unknown input tail, EFAULT.
 */
#define TLSVIEW_IOC_GET_TASK	_IOWR(TLSVIEW_IOC_MAGIC, 1, struct tlsview_task)

/**
 * TLSVIEW_IOC_LIST - the views of a thread group, or of every thread
 *
 * Errors: ESRCH unknown tgid,
 * EFAULT bad buffer, EINVAL @entry_size too small, E2BIG @capacity over
 * %TLSVIEW_LIST_MAX or a nonzero unknown input tail.
 */
#define TLSVIEW_IOC_LIST	_IOWR(TLSVIEW_IOC_MAGIC, 2, struct tlsview_list)

/**
 * TLSVIEW_IOC_GET_CPU - CR4 and FSGSBASE state of one CPU, read on it
 *
 * Errors: EINVAL cpu >= nr_cpu_ids, E2BIG nonzero unknown input tail, EFAULT.
 */
#define TLSVIEW_IOC_GET_CPU	_IOWR(TLSVIEW_IOC_MAGIC, 3, struct tlsview_cpu)

#endif /* _UAPI_LINUX_TLSVIEW_H */

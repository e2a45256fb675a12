/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * tlsview/tracee.h - a thread's bases as a tracer reads them, without the
 * module: PTRACE_GETREGS and PTRACE_GET_THREAD_AREA, into the same struct
 * tlsview_task the module fills, so the views compare field by field.
 *
 * Attaching and stopping are the caller's (PTRACE_SEIZE + PTRACE_INTERRUPT
 * + waitpid, or PTRACE_ATTACH): a debugger, a benchmark and a check each
 * stop threads their own way. Not bare-thread safe.
 */
#ifndef _TLSVIEW_TRACEE_H
#define _TLSVIEW_TRACEE_H

#include <sys/types.h>
#include <asm/ldt.h>
#include <linux/tlsview.h>
#include <tlsview/common.h>

TLSVIEW_BEGIN_DECLS

/**
 * tlsview_tracee_read() - the bases, selectors and TLS slots of a stopped tracee
 * @tid:  a thread the caller traces, in a ptrace-stop.
 * @task: filled: tid, fsbase, gsbase, fsindex, gsindex (PTRACE_GETREGS),
 *        flags TLSVIEW_TASK_COMPAT when the thread runs 32-bit code (its
 *        CS is the 32-bit user segment), and the three TLS slots
 *        (PTRACE_GET_THREAD_AREA of entries 12..14, encoded as the
 *        module encodes them: an empty slot as TLSVIEW_DESC_EMPTY).
 *        tgid, cpu and comm are left 0: ptrace does not report them.
 *
 * Returns 0, or a negative errno with errno set: -ESRCH (not traced by
 * the caller, not stopped, or gone), -EINVAL (NULL @task).
 */
int tlsview_tracee_read(pid_t tid, struct tlsview_task *task);

/**
 * tlsview_desc_from_user_desc() - a struct user_desc as the module encodes it
 * @user: as get_thread_area(2) or PTRACE_GET_THREAD_AREA filled it.
 * @desc: filled: entry_number, base_addr, limit and the TLSVIEW_DESC_*
 *        flags; the kernel's empty slot (not present, read/exec only,
 *        nothing else set) becomes TLSVIEW_DESC_EMPTY alone.
 *
 * Bare-thread safe. Never fails.
 */
void tlsview_desc_from_user_desc(const struct user_desc *user, struct tlsview_desc *desc);

TLSVIEW_END_DECLS

#endif /* _TLSVIEW_TRACEE_H */

// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include "internal.h"

#ifndef PTRACE_GET_THREAD_AREA
#define PTRACE_GET_THREAD_AREA	25
#endif

/* arch/x86/include/asm/segment.h: __USER32_CS, the 32-bit user code segment. */
#define USER32_CS	0x23

TLSVIEW_EXPORT void tlsview_desc_from_user_desc(const struct user_desc *user,
						struct tlsview_desc *desc)
{
	uint32_t flags = 0;

	*desc = (struct tlsview_desc){ .entry_number = user->entry_number };
	/*
	 * An all-zero descriptor reads back as "not present, read/exec only",
	 * nothing else set (arch/x86/kernel/tls.c, fill_user_desc): that is
	 * the kernel's empty slot, which the module reports as EMPTY.
	 */
	if (!user->base_addr && !user->limit && !user->seg_32bit && !user->contents &&
	    user->read_exec_only && !user->limit_in_pages && user->seg_not_present &&
	    !user->useable && !user->lm) {
		desc->flags = TLSVIEW_DESC_EMPTY;
		return;
	}
	desc->base_addr = user->base_addr;
	desc->limit = user->limit;
	if (user->seg_32bit)
		flags |= TLSVIEW_DESC_SEG_32BIT;
	flags |= (user->contents << TLSVIEW_DESC_CONTENTS_SHIFT) & TLSVIEW_DESC_CONTENTS_MASK;
	if (user->read_exec_only)
		flags |= TLSVIEW_DESC_READ_EXEC_ONLY;
	if (user->limit_in_pages)
		flags |= TLSVIEW_DESC_LIMIT_IN_PAGES;
	if (user->seg_not_present)
		flags |= TLSVIEW_DESC_SEG_NOT_PRESENT;
	if (user->useable)
		flags |= TLSVIEW_DESC_USEABLE;
	if (user->lm)
		flags |= TLSVIEW_DESC_LM;
	desc->flags = flags;
}

TLSVIEW_EXPORT int tlsview_tracee_read(pid_t tid, struct tlsview_task *task)
{
	struct user_regs_struct regs;
	struct user_desc user;
	int slot;

	if (!task)
		return tlsview_fail(EINVAL);
	memset(task, 0, sizeof(*task));
	if (ptrace(PTRACE_GETREGS, tid, NULL, &regs) == -1)
		return -errno;
	task->tid = tid;
	task->fsbase = regs.fs_base;
	task->gsbase = regs.gs_base;
	task->fsindex = (uint16_t)regs.fs;
	task->gsindex = (uint16_t)regs.gs;
	if (regs.cs == USER32_CS)
		task->flags |= TLSVIEW_TASK_COMPAT;
	for (slot = 0; slot < TLSVIEW_TLS_SLOTS; slot++) {
		memset(&user, 0, sizeof(user));
		if (ptrace(PTRACE_GET_THREAD_AREA, tid,
			   (void *)(uintptr_t)(TLSVIEW_TLS_ENTRY_MIN + slot), &user) == -1)
			return -errno;
		tlsview_desc_from_user_desc(&user, &task->tls[slot]);
	}
	return 0;
}

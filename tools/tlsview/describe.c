// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/describe.c - words for people, shared by the table: thread
 * flags and TLS descriptors.
 */
#include <stdio.h>
#include "describe.h"

void tv_describe_flags(uint32_t flags, char *text, size_t size)
{
	snprintf(text, size, "%s%s%s", flags & TLSVIEW_TASK_LIVE ? "LIVE" : "SAVED",
		 flags & TLSVIEW_TASK_COMPAT ? ",COMPAT" : "",
		 flags & TLSVIEW_TASK_KTHREAD ? ",KTHREAD" : "");
}

/* The state word: the same five names in the table, the JSON and tlsview(8). */
const char *tv_state_name(uint32_t flags)
{
	if (flags & TLSVIEW_TASK_ZOMBIE)
		return "zombie";
	if (flags & TLSVIEW_TASK_EXITING)
		return "exiting";
	if (flags & TLSVIEW_TASK_STOPPED)
		return "stopped";
	if (flags & TLSVIEW_TASK_SLEEPING)
		return "sleeping";
	return "running";
}

/* The table's STATE cell: the word, and ",traced=PID" when a tracer holds it. */
void tv_describe_state(uint32_t flags, int32_t tracer, char *text, size_t size)
{
	if (flags & TLSVIEW_TASK_TRACED)
		snprintf(text, size, "%s,traced=%d", tv_state_name(flags), (int)tracer);
	else
		snprintf(text, size, "%s", tv_state_name(flags));
}

static const char *desc_kind(uint32_t flags)
{
	unsigned int contents = (flags & TLSVIEW_DESC_CONTENTS_MASK) >> TLSVIEW_DESC_CONTENTS_SHIFT;
	bool restricted = flags & TLSVIEW_DESC_READ_EXEC_ONLY;

	/* struct user_desc's contents: 0 data, 1 expand-down data, 2 and 3 code. */
	switch (contents) {
	case 0: return restricted ? "data read-only" : "data read-write";
	case 1: return restricted ? "stack read-only" : "stack read-write";
	case 2: return restricted ? "code execute-only" : "code readable";
	default: return restricted ? "conforming code execute-only" : "conforming code readable";
	}
}

void tv_describe_desc(const struct tlsview_desc *desc, char *text, size_t size)
{
	uint32_t flags = desc->flags;
	unsigned long long span;

	if (tv_desc_empty(desc)) {
		snprintf(text, size, "empty");
		return;
	}
	/* The limit counts 4 KiB pages when the granularity bit is set. */
	span = flags & TLSVIEW_DESC_LIMIT_IN_PAGES ?
		((unsigned long long)desc->limit + 1) * 4096 : (unsigned long long)desc->limit + 1;
	snprintf(text, size, "base 0x%08x limit 0x%05x%s (%llu bytes), %s, %s, %s%s%s",
		 desc->base_addr, desc->limit,
		 flags & TLSVIEW_DESC_LIMIT_IN_PAGES ? " pages" : "", span,
		 flags & TLSVIEW_DESC_SEG_32BIT ? "32-bit" : "16-bit",
		 flags & TLSVIEW_DESC_SEG_NOT_PRESENT ? "not present" : "present",
		 desc_kind(flags),
		 flags & TLSVIEW_DESC_USEABLE ? ", useable" : "",
		 flags & TLSVIEW_DESC_LM ? ", 64-bit code" : "");
}

/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * tlsview/debugfs.h - the module's debugfs tables as struct tlsview_task.
 *
 * /sys/kernel/debug/tlsview/tasks (and self) are text: a header line
 * "# tgid tid cpu flags fsbase gsbase fsindex gsindex tls12 tls13 tls14
 * comm" naming the columns, then one line per thread (ABI.md section 3). A
 * reader finds each column by its header name, so columns the ABI appends
 * later are ignored. These functions are that reader; the debugfs files are
 * root-only. None of them are bare-thread safe.
 */
#ifndef _TLSVIEW_DEBUGFS_H
#define _TLSVIEW_DEBUGFS_H

#include <sys/types.h>
#include <linux/tlsview.h>
#include <tlsview/common.h>

TLSVIEW_BEGIN_DECLS

#define TLSVIEW_DEBUGFS_DIR	"/sys/kernel/debug/tlsview"
#define TLSVIEW_DEBUGFS_TASKS	TLSVIEW_DEBUGFS_DIR "/tasks"
#define TLSVIEW_DEBUGFS_SELF	TLSVIEW_DEBUGFS_DIR "/self"

/**
 * struct tlsview_tasks_columns - where each known column is in a table
 * @index: per known column (tgid, tid, cpu, flags, fsbase, gsbase, fsindex,
 *         gsindex, tls12, tls13, tls14, comm, in that order), its position
 *         on a line; room for columns later versions know.
 *
 * Filled by tlsview_tasks_parse_header(); treat as opaque.
 */
struct tlsview_tasks_columns {
	int index[16];
};

/**
 * tlsview_tasks_parse_header() - learn the columns from a header line
 * @line:    the table's first line ("# tgid tid ...", a trailing newline
 *           is fine).
 * @columns: filled.
 *
 * Returns 0, or -EPROTO (errno set) when @line is not a header or lacks a
 * column the ABI promises.
 */
int tlsview_tasks_parse_header(const char *line, struct tlsview_tasks_columns *columns);

/**
 * tlsview_tasks_parse_line() - one data line as the ioctls would give it
 * @columns: from the table's header.
 * @line:    the line (not modified; a trailing newline is fine).
 * @task:    filled: tid, tgid, cpu, flags (TLSVIEW_TASK_LIVE, _COMPAT,
 *           _KTHREAD), bases, selectors, the three TLS slots (an empty
 *           slot "-" as TLSVIEW_DESC_EMPTY), comm as printed (escaped,
 *           truncated to TLSVIEW_COMM_LEN - 1); request 0.
 *
 * Returns 0, or -EPROTO (errno set) for a line that does not have every
 * column or whose numbers do not parse.
 */
int tlsview_tasks_parse_line(const struct tlsview_tasks_columns *columns, const char *line,
			     struct tlsview_task *task);

/**
 * tlsview_tasks_find() - one thread's line of a tasks table
 * @path: the table, or NULL for TLSVIEW_DEBUGFS_TASKS.
 * @tid:  the thread.
 * @task: filled as by tlsview_tasks_parse_line() when found.
 *
 * Returns 0, or a negative errno with errno set: -ESRCH (no line for
 * @tid), -EPROTO (a malformed header or line before it), fopen(3)'s
 * error (-ENOENT: module not loaded or debugfs not mounted; -EACCES: not
 * root), -ENOMEM.
 */
int tlsview_tasks_find(const char *path, pid_t tid, struct tlsview_task *task);

TLSVIEW_END_DECLS

#endif /* _TLSVIEW_DEBUGFS_H */

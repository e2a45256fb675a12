// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

enum column {
	COLUMN_TGID, COLUMN_TID, COLUMN_CPU, COLUMN_FLAGS, COLUMN_FSBASE, COLUMN_GSBASE,
	COLUMN_FSINDEX, COLUMN_GSINDEX, COLUMN_TLS12, COLUMN_TLS13, COLUMN_TLS14, COLUMN_COMM,
	COLUMN_COUNT
};

static const char *const column_names[COLUMN_COUNT] = {
	"tgid", "tid", "cpu", "flags", "fsbase", "gsbase", "fsindex", "gsindex",
	"tls12", "tls13", "tls14", "comm",
};

/* A line is short (ABI.md: about 130 characters); fields are single-space separated. */
#define LINE_MAX_FIELDS	32
#define LINE_MAX_LENGTH	1024

/* Split a copy of @line into @fields; returns their count, or -1 if too long. */
static int split(const char *line, char *copy, char **fields)
{
	size_t length = strcspn(line, "\n");
	char *save = NULL, *token;
	int count = 0;

	if (length >= LINE_MAX_LENGTH)
		return -1;
	memcpy(copy, line, length);
	copy[length] = '\0';
	for (token = strtok_r(copy, " ", &save); token && count < LINE_MAX_FIELDS;
	     token = strtok_r(NULL, " ", &save))
		fields[count++] = token;
	return count;
}

TLSVIEW_EXPORT int tlsview_tasks_parse_header(const char *line,
					      struct tlsview_tasks_columns *columns)
{
	char copy[LINE_MAX_LENGTH], *fields[LINE_MAX_FIELDS];
	int count, i, c;

	if (!line || !columns || line[0] != '#')
		return tlsview_fail(EPROTO);
	count = split(line + 1, copy, fields);
	if (count < 0)
		return tlsview_fail(EPROTO);
	for (c = 0; c < COLUMN_COUNT; c++)
		columns->index[c] = -1;
	for (i = 0; i < count; i++)
		for (c = 0; c < COLUMN_COUNT; c++)
			if (!strcmp(fields[i], column_names[c]))
				columns->index[c] = i;
	for (c = 0; c < COLUMN_COUNT; c++)
		if (columns->index[c] < 0)
			return tlsview_fail(EPROTO);
	return 0;
}

/* A whole field as a number in @base; false when anything is left over. */
static bool number(const char *text, int base, unsigned long long *value)
{
	char *end;

	errno = 0;
	*value = strtoull(text, &end, base);
	return errno == 0 && end != text && *end == '\0';
}

/* "-" or "BASE:LIMIT:FLAGS" (0x%08x:0x%05x:0x%02x) into a descriptor. */
static bool parse_slot(const char *text, unsigned int entry, struct tlsview_desc *desc)
{
	unsigned int base, limit, flags;
	int consumed = 0;

	memset(desc, 0, sizeof(*desc));
	desc->entry_number = entry;
	if (!strcmp(text, "-")) {
		desc->flags = TLSVIEW_DESC_EMPTY;
		return true;
	}
	if (sscanf(text, "0x%x:0x%x:0x%x%n", &base, &limit, &flags, &consumed) != 3 ||
	    text[consumed] != '\0')
		return false;
	desc->base_addr = base;
	desc->limit = limit;
	desc->flags = flags;
	return true;
}

/* "live" or "saved", then ",compat" and/or ",kthread". */
static bool parse_flags(const char *text, uint32_t *flags)
{
	char copy[64], *save = NULL, *token;

	if (strlen(text) >= sizeof(copy))
		return false;
	strcpy(copy, text);
	*flags = 0;
	token = strtok_r(copy, ",", &save);
	if (!token || (strcmp(token, "live") && strcmp(token, "saved")))
		return false;
	if (!strcmp(token, "live"))
		*flags |= TLSVIEW_TASK_LIVE;
	while ((token = strtok_r(NULL, ",", &save))) {
		if (!strcmp(token, "compat"))
			*flags |= TLSVIEW_TASK_COMPAT;
		else if (!strcmp(token, "kthread"))
			*flags |= TLSVIEW_TASK_KTHREAD;
	}
	return true;
}

TLSVIEW_EXPORT int tlsview_tasks_parse_line(const struct tlsview_tasks_columns *columns,
					    const char *line, struct tlsview_task *task)
{
	char copy[LINE_MAX_LENGTH], *fields[LINE_MAX_FIELDS];
	unsigned long long value[COLUMN_GSINDEX + 1];
	int count, c, slot;

	if (!columns || !line || !task || line[0] == '#')
		return tlsview_fail(EPROTO);
	count = split(line, copy, fields);
	for (c = 0; c < COLUMN_COUNT; c++)
		if (columns->index[c] < 0 || columns->index[c] >= count)
			return tlsview_fail(EPROTO);
	for (c = 0; c <= COLUMN_GSINDEX; c++) {
		if (c == COLUMN_FLAGS)
			continue;
		if (!number(fields[columns->index[c]], c >= COLUMN_FSBASE ? 16 : 10, &value[c]))
			return tlsview_fail(EPROTO);
	}
	memset(task, 0, sizeof(*task));
	if (!parse_flags(fields[columns->index[COLUMN_FLAGS]], &task->flags))
		return tlsview_fail(EPROTO);
	task->tgid = (int32_t)value[COLUMN_TGID];
	task->tid = (int32_t)value[COLUMN_TID];
	task->cpu = (uint32_t)value[COLUMN_CPU];
	task->fsbase = value[COLUMN_FSBASE];
	task->gsbase = value[COLUMN_GSBASE];
	task->fsindex = (uint16_t)value[COLUMN_FSINDEX];
	task->gsindex = (uint16_t)value[COLUMN_GSINDEX];
	for (slot = 0; slot < TLSVIEW_TLS_SLOTS; slot++)
		if (!parse_slot(fields[columns->index[COLUMN_TLS12 + slot]],
				TLSVIEW_TLS_ENTRY_MIN + slot, &task->tls[slot]))
			return tlsview_fail(EPROTO);
	snprintf(task->comm, sizeof(task->comm), "%s", fields[columns->index[COLUMN_COMM]]);
	return 0;
}

TLSVIEW_EXPORT int tlsview_tasks_find(const char *path, pid_t tid, struct tlsview_task *task)
{
	struct tlsview_tasks_columns columns;
	char *line = NULL;
	size_t size = 0;
	int ret = -EPROTO;
	FILE *file;

	if (!task)
		return tlsview_fail(EINVAL);
	file = fopen(path ? path : TLSVIEW_DEBUGFS_TASKS, "re");
	if (!file)
		return -errno;
	if (getline(&line, &size, file) > 0 && tlsview_tasks_parse_header(line, &columns) == 0) {
		ret = -ESRCH;
		while (getline(&line, &size, file) > 0) {
			if (tlsview_tasks_parse_line(&columns, line, task) < 0) {
				ret = -EPROTO;
				break;
			}
			if (task->tid == tid) {
				ret = 0;
				break;
			}
		}
	}
	free(line);
	fclose(file);
	return ret ? tlsview_fail(-ret) : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/proc.c - what /proc tells about processes and threads:
 * used by the ptrace source (which has no module to ask) and by the TCB
 * check. Every function tolerates a thread that exits under it.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsview.h"

/* include/linux/sched.h: the task is exiting; the task is a kernel thread. */
#define PF_EXITING 0x00000004UL
#define PF_KTHREAD 0x00200000UL

/* /proc/TID/status names the thread's group: returns it, or -errno. */
int tv_proc_tgid_of(pid_t tid)
{
	char path[64], line[256];
	int tgid = -ESRCH;
	FILE *file;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	file = fopen(path, "re");
	if (!file)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), file))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(file);
	return tgid;
}

/*
 * /proc/TGID/task/TID/stat into @buffer; returns what follows the comm's
 * closing parenthesis (field 3, the state, on), since comm may hold spaces
 * and parentheses itself, or NULL when the thread is gone.
 */
static const char *read_stat(pid_t tgid, pid_t tid, char *buffer, size_t size)
{
	char path[96], *cursor;
	size_t length;
	FILE *file;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)tgid, (int)tid);
	file = fopen(path, "re");
	if (!file)
		return NULL;
	length = fread(buffer, 1, size - 1, file);
	fclose(file);
	buffer[length] = '\0';
	cursor = strrchr(buffer, ')');
	return cursor ? cursor + 1 : NULL;
}

/* The state letter (field 3) of read_stat()'s @fields, or 0. */
static char stat_state(const char *fields)
{
	return fields && fields[0] == ' ' ? fields[1] : 0;
}

/* Numeric field @field (1-based, as proc(5) counts, after the state) of @fields. */
static bool stat_field(const char *fields, int field, unsigned long *value)
{
	const char *cursor = fields;
	int number;

	if (!cursor)
		return false;
	/* Field 3 (state) is the first one after the parenthesis. */
	for (number = 3; number <= field; number++) {
		char *end;

		while (*cursor == ' ')
			cursor++;
		if (!*cursor)
			return false;
		if (number == field) {
			*value = strtoul(cursor, &end, 10);
			return end != cursor;
		}
		while (*cursor && *cursor != ' ')
			cursor++;
	}
	return false;
}

/* What tlsview needs of /proc/TGID/task/TID/status. */
struct proc_status {
	int tracer;			/* TracerPid */
	unsigned long long pending;	/* SigPnd: signals sent to this thread */
	unsigned long long shared;	/* ShdPnd: signals sent to its process */
	unsigned int uid[3], gid[3];	/* real, effective, saved */
};

static bool read_status(pid_t tgid, pid_t tid, struct proc_status *status)
{
	char path[96], line[256];
	FILE *file;

	memset(status, 0, sizeof(*status));
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)tgid, (int)tid);
	file = fopen(path, "re");
	if (!file)
		return false;
	while (fgets(line, sizeof(line), file)) {
		if (sscanf(line, "TracerPid: %d", &status->tracer) == 1 ||
		    sscanf(line, "SigPnd: %llx", &status->pending) == 1 ||
		    sscanf(line, "ShdPnd: %llx", &status->shared) == 1)
			continue;
		if (sscanf(line, "Uid: %u %u %u", &status->uid[0], &status->uid[1],
			   &status->uid[2]) == 3)
			continue;
		sscanf(line, "Gid: %u %u %u", &status->gid[0], &status->gid[1], &status->gid[2]);
	}
	fclose(file);
	return true;
}

static pid_t status_tracer(pid_t tgid, pid_t tid)
{
	struct proc_status status;

	return read_status(tgid, tid, &status) ? status.tracer : 0;
}

/* The thread's effective uid (second field of Uid:), as ps -u shows it. */
int tv_proc_euid(pid_t tgid, pid_t tid, uid_t *uid)
{
	struct proc_status status;

	if (!read_status(tgid, tid, &status))
		return -ESRCH;
	*uid = status.uid[1];
	return 0;
}

/*
 * The module's visibility rule, for threads the ptrace source lists without
 * tracing them (zombies, threads another tracer holds): the caller's own
 * process; else the same real, effective and saved ids, and a dumpable
 * process (/proc shows a process that is not dumpable, or has no memory
 * left, as root's). CAP_SYS_PTRACE sees all: the caller checks that.
 */
bool tv_proc_visible(pid_t tgid, pid_t tid)
{
	struct proc_status status;
	uid_t uid[3];
	gid_t gid[3];
	char path[96];
	struct stat info;

	if (tgid == getpid())
		return true;
	if (!read_status(tgid, tid, &status) || getresuid(&uid[0], &uid[1], &uid[2]) ||
	    getresgid(&gid[0], &gid[1], &gid[2]))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)tgid, (int)tid);
	if (stat(path, &info) || info.st_uid != uid[1])
		return false;
	return status.uid[0] == uid[0] && status.uid[1] == uid[1] && status.uid[2] == uid[2] &&
	       status.gid[0] == gid[0] && status.gid[1] == gid[1] && status.gid[2] == gid[2];
}

/*
 * The TLSVIEW_TASK_* state bits and the tracer, as the module computes
 * them: from the same state letter, PF_EXITING and TracerPid. Returns
 * -ESRCH when the thread is gone.
 */
int tv_proc_state(pid_t tgid, pid_t tid, uint32_t *flags, pid_t *tracer)
{
	char buffer[1024];
	const char *fields = read_stat(tgid, tid, buffer, sizeof(buffer));
	unsigned long task_flags = 0;
	char state = stat_state(fields);

	*flags = 0;
	*tracer = 0;
	if (!state)
		return -ESRCH;
	stat_field(fields, 9, &task_flags);
	*tracer = status_tracer(tgid, tid);
	if (*tracer)
		*flags |= TLSVIEW_TASK_TRACED;
	switch (state) {
	case 'R':
		break;
	case 'T':
	case 't':
		*flags |= TLSVIEW_TASK_STOPPED;
		break;
	case 'Z':
	case 'X':
		*flags |= TLSVIEW_TASK_ZOMBIE;
		return 0;
	default:
		*flags |= TLSVIEW_TASK_SLEEPING;
		break;
	}
	if (task_flags & PF_EXITING)
		*flags = (*flags & TLSVIEW_TASK_TRACED) | TLSVIEW_TASK_EXITING;
	return 0;
}

/*
 * Has process @tgid a thread that is neither a zombie nor exiting, nor
 * about to? A SIGKILL for the process stays in its shared pending set,
 * while each thread takes its own copy off just before it starts exiting,
 * so a killed process is told by that set, not by its threads' states.
 */
#define SIGKILL_BIT (1ULL << (SIGKILL - 1))

static int live_thread(pid_t tid, void *data)
{
	pid_t tgid = *(pid_t *)data, tracer;
	struct proc_status status;
	uint32_t flags;

	if (!read_status(tgid, tid, &status))
		return 0;
	if (status.shared & SIGKILL_BIT)
		return -ESRCH;	/* the whole process is being killed */
	if (tv_proc_state(tgid, tid, &flags, &tracer) == 0 &&
	    !(flags & (TLSVIEW_TASK_ZOMBIE | TLSVIEW_TASK_EXITING)) &&
	    !(status.pending & SIGKILL_BIT))
		return 1;
	return 0;
}

bool tv_proc_process_alive(pid_t tgid)
{
	char dir[64];

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)tgid);
	return tv_proc_each_number(dir, live_thread, &tgid) == 1;
}

/* The first thread of @tgid that is not a zombie (its memory is there), or 0. */
static int first_live_thread(pid_t tid, void *data)
{
	pid_t *found = data, tracer;
	uint32_t flags;

	if (tv_proc_state(found[0], tid, &flags, &tracer) == 0 &&
	    !(flags & TLSVIEW_TASK_ZOMBIE)) {
		found[1] = tid;
		return 1;
	}
	return 0;
}

pid_t tv_proc_live_tid(pid_t tgid)
{
	pid_t found[2] = { tgid, 0 };
	char dir[64];

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)tgid);
	tv_proc_each_number(dir, first_live_thread, found);
	return found[1];
}

bool tv_proc_is_kthread(pid_t tgid, pid_t tid)
{
	char buffer[1024];
	unsigned long flags;

	return stat_field(read_stat(tgid, tid, buffer, sizeof(buffer)), 9, &flags) &&
	       (flags & PF_KTHREAD);
}

/* The CPU the thread last ran on (field 39, "processor"), or 0. */
int tv_proc_cpu(pid_t tgid, pid_t tid)
{
	char buffer[1024];
	unsigned long cpu;

	return stat_field(read_stat(tgid, tid, buffer, sizeof(buffer)), 39, &cpu) ? (int)cpu : 0;
}

/*
 * /proc shows a workqueue worker as "kworker/0:1-events": its comm, then
 * "-" (idle) or "+" (busy) and the work it last ran (wq_worker_comm()).
 * The module reports the comm itself, and so do we.
 */
static void strip_worker_description(char *name)
{
	char *colon, *mark;

	if (strncmp(name, "kworker/", 8))
		return;
	colon = strchr(name, ':');
	mark = strpbrk(name + 8, "-+");
	if (colon && mark && colon < mark)
		*mark = '\0';
}

void tv_proc_comm(pid_t tgid, pid_t tid, char comm[TLSVIEW_COMM_LEN])
{
	char path[96], name[64];
	size_t length = 0;
	FILE *file;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)tgid, (int)tid);
	file = fopen(path, "re");
	if (file) {
		length = fread(name, 1, sizeof(name) - 1, file);
		fclose(file);
	}
	/* The kernel ends the line with one newline; the name may hold others. */
	if (length && name[length - 1] == '\n')
		length--;
	name[length] = '\0';
	strip_worker_description(name);
	/* Truncated like the kernel truncates task comm (TASK_COMM_LEN). */
	snprintf(comm, TLSVIEW_COMM_LEN, "%.*s", TLSVIEW_COMM_LEN - 1, name);
}

/*
 * Does the process run glibc? A dynamically linked glibc program maps
 * libc.so.6. (A static one cannot be told apart from other static programs
 * from outside; its threads get only the ABI's %fs:0 rule checked.)
 */
bool tv_proc_maps_glibc(pid_t tid)
{
	char path[64], line[512];
	bool found = false;
	FILE *file;

	/* Through a live thread: an exited main thread has no maps. */
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)tid);
	file = fopen(path, "re");
	if (!file)
		return false;
	while (!found && fgets(line, sizeof(line), file)) {
		const char *name = strrchr(line, '/');

		found = name && strncmp(name, "/libc.so.6", 10) == 0;
	}
	fclose(file);
	return found;
}

int tv_proc_each_number(const char *dir, int (*fn)(pid_t number, void *data), void *data)
{
	struct dirent *entry;
	DIR *folder;
	int ret = 0;

	folder = opendir(dir);
	if (!folder)
		return errno == ENOENT ? -ESRCH : -errno;
	while (ret == 0 && (entry = readdir(folder))) {
		if (!isdigit((unsigned char)entry->d_name[0]))
			continue;
		ret = fn((pid_t)strtol(entry->d_name, NULL, 10), data);
	}
	closedir(folder);
	return ret;
}

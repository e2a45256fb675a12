// SPDX-License-Identifier: GPL-2.0
/*
 * Description: with tlsview.ko loaded (the VM), `tlsview`, `tlsview --json`
 * and `tlsview --tcb --json` agree with /sys/kernel/debug/tlsview/tasks on
 * every thread whose view did not change while they ran, and so does the
 * ptrace source listing every thread; `tlsview --cpus`
 * agrees with the debugfs cpus file; the module and ptrace sources agree on
 * a process with known bases and a TLS slot; an unprivileged user sees only
 * what ptrace would let it see. SKIPs without /dev/tlsview and debugfs.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tlsview_test.h"
#include "kselftest_harness.h"

#define TASKS_FILE "/sys/kernel/debug/tlsview/tasks"
#define CPUS_FILE "/sys/kernel/debug/tlsview/cpus"
#define NOBODY 65534
#define MAX_TASKS 4096

/* One line of the debugfs tasks file, the fields that do not move. */
struct task_line {
	int tgid, tid;
	bool compat, kthread;
	uint64_t fsbase, gsbase;
	unsigned int fsindex, gsindex;
	char tls[3][40];	/* "-" or BASE:LIMIT:FLAGS */
	char comm[64];		/* escaped as seq_escape does */
};

struct tasks {
	struct task_line lines[MAX_TASKS];
	int count;
};

static struct tasks before, after;

static bool read_tasks(struct tasks *tasks)
{
	char line[512];
	FILE *file = fopen(TASKS_FILE, "re");

	tasks->count = 0;
	if (!file)
		return false;
	if (!fgets(line, sizeof(line), file) ||
	    strncmp(line, "# tgid tid cpu flags fsbase gsbase fsindex gsindex tls12 tls13 tls14 comm",
		    73)) {
		fclose(file);
		return false;
	}
	while (tasks->count < MAX_TASKS && fgets(line, sizeof(line), file)) {
		struct task_line *task = &tasks->lines[tasks->count];
		char flags[64];
		unsigned int cpu;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%d %d %u %63s %" SCNx64 " %" SCNx64 " %x %x %39s %39s %39s %63s",
			   &task->tgid, &task->tid, &cpu, flags, &task->fsbase, &task->gsbase,
			   &task->fsindex, &task->gsindex, task->tls[0], task->tls[1], task->tls[2],
			   task->comm) != 12)
			continue;
		task->compat = strstr(flags, "compat") != NULL;
		task->kthread = strstr(flags, "kthread") != NULL;
		tasks->count++;
	}
	fclose(file);
	return tasks->count > 0;
}

static const struct task_line *find_task(const struct tasks *tasks, int tid)
{
	int i;

	for (i = 0; i < tasks->count; i++)
		if (tasks->lines[i].tid == tid)
			return &tasks->lines[i];
	return NULL;
}

static bool same_task(const struct task_line *a, const struct task_line *b)
{
	return a->tgid == b->tgid && a->compat == b->compat && a->kthread == b->kthread &&
	       a->fsbase == b->fsbase && a->gsbase == b->gsbase && a->fsindex == b->fsindex &&
	       a->gsindex == b->gsindex && !strcmp(a->tls[0], b->tls[0]) &&
	       !strcmp(a->tls[1], b->tls[1]) && !strcmp(a->tls[2], b->tls[2]) &&
	       !strcmp(a->comm, b->comm);
}

/* A thread of the tlsview output, in the debugfs tasks format. */
static void line_from_json(const struct json *thread, struct task_line *task)
{
	const struct json *tls = json_get(thread, "tls");
	const char *comm = json_str(thread, "comm");
	size_t used = 0;
	int slot;

	memset(task, 0, sizeof(*task));
	task->tgid = (int)json_int(thread, "tgid", -1);
	task->tid = (int)json_int(thread, "tid", -1);
	task->compat = json_bool(thread, "compat") == 1;
	task->kthread = json_bool(thread, "kthread") == 1;
	task->fsbase = json_hex(json_get(thread, "fsbase"));
	task->gsbase = json_hex(json_get(thread, "gsbase"));
	task->fsindex = (unsigned int)json_int(thread, "fsindex", -1);
	task->gsindex = (unsigned int)json_int(thread, "gsindex", -1);
	for (slot = 0; slot < 3; slot++) {
		const struct json *desc = tls && slot < (int)tls->count ? tls->items[slot] : NULL;

		if (json_bool(desc, "empty") == 1)
			snprintf(task->tls[slot], sizeof(task->tls[slot]), "-");
		else
			snprintf(task->tls[slot], sizeof(task->tls[slot]), "0x%08llx:0x%05llx:0x%02llx",
				 (unsigned long long)json_hex(json_get(desc, "base")),
				 (unsigned long long)json_hex(json_get(desc, "limit")),
				 (unsigned long long)json_hex(json_get(desc, "flags")));
	}
	for (; comm && *comm && used + 5 < sizeof(task->comm); comm++)
		if (strchr(" \t\n\v\f\r\\", *comm))
			used += snprintf(task->comm + used, sizeof(task->comm) - used, "\\%03o",
					 (unsigned char)*comm);
		else
			task->comm[used++] = *comm;
}

/*
 * Every thread that debugfs showed the same before and after tlsview ran
 * must be in tlsview's output, the same. Threads tlsview shows that debugfs
 * did not (its own process) are allowed only when their process is new.
 */
static void compare_with_debugfs(struct __test_metadata *_metadata, const char *what,
				 const struct task_line *lines, int count)
{
	int i, compared = 0, differ = 0, missing = 0, unknown = 0;

	for (i = 0; i < before.count; i++) {
		const struct task_line *a = &before.lines[i], *b = find_task(&after, a->tid);
		const struct task_line *seen = NULL;
		int j;

		if (!b || !same_task(a, b))
			continue;
		for (j = 0; j < count && !seen; j++)
			if (lines[j].tid == a->tid)
				seen = &lines[j];
		if (!seen) {
			if (missing++ < 3)
				TH_LOG("%s: thread %d (%s) missing", what, a->tid, a->comm);
			continue;
		}
		compared++;
		if (!same_task(a, seen) && differ++ < 3)
			TH_LOG("%s: thread %d differs: debugfs %d %d 0x%" PRIx64 " 0x%" PRIx64
			       " 0x%x 0x%x %s %s %s %s, tlsview %d %d 0x%" PRIx64 " 0x%" PRIx64
			       " 0x%x 0x%x %s %s %s %s", what, a->tid, a->tgid, a->kthread, a->fsbase,
			       a->gsbase, a->fsindex, a->gsindex, a->tls[0], a->tls[1], a->tls[2],
			       a->comm, seen->tgid, seen->kthread, seen->fsbase, seen->gsbase,
			       seen->fsindex, seen->gsindex, seen->tls[0], seen->tls[1], seen->tls[2],
			       seen->comm);
	}
	for (i = 0; i < count; i++) {
		int j;
		bool known_process = false;

		if (find_task(&before, lines[i].tid) || find_task(&after, lines[i].tid))
			continue;
		for (j = 0; j < before.count && !known_process; j++)
			known_process = before.lines[j].tgid == lines[i].tgid;
		unknown += known_process;
	}
	EXPECT_TRUE(compared >= 20 && differ == 0 && missing == 0 && unknown == 0)
		TH_LOG("%s agrees with debugfs tasks: %d threads compared, %d differ, %d missing, "
		       "%d unexplained", what, compared, differ, missing, unknown);
}

static struct json *run_json(const char *const *args, int *status)
{
	char error[128];
	struct json *document;
	struct run run;

	run_tlsview(&run, args);
	*status = run.status;
	document = json_parse(run.out, error, sizeof(error));
	if (!document)
		fprintf(stderr, "# not JSON (%s): %.300s\n", error, run.out);
	run_free(&run);
	return document;
}

static int lines_from_document(const struct json *document, struct task_line *lines)
{
	const struct json *threads = json_get(document, "threads");
	size_t i;

	for (i = 0; threads && i < threads->count && i < MAX_TASKS; i++)
		line_from_json(threads->items[i], &lines[i]);
	return threads ? (int)i : 0;
}

static struct task_line seen_lines[MAX_TASKS];

/* Every test may run tlsview over the whole system under TCG: 300 s each, not 30. */
FIXTURE(module) {
};

FIXTURE_SETUP(module)
{
}

FIXTURE_TEARDOWN(module)
{
}

TEST_F_TIMEOUT(module, json_ptrace_and_tcb_agree_with_debugfs, 300)
{
	const char *json_args[] = { "--json", NULL };
	const char *tcb_args[] = { "--tcb", "--json", NULL };
	const char *ptrace_args[] = { "--json", "--source", "ptrace", NULL };
	struct json *document;
	int status, count, ok_words = 0, bad_words = 0, kthreads_skipped = 1;
	size_t i;

	read_tasks(&before);
	document = run_json(json_args, &status);
	read_tasks(&after);
	EXPECT_TRUE(status == 0 && document && !strcmp(json_str(document, "source"), "module"))
		TH_LOG("tlsview --json exits 0 with \"source\": \"module\"");
	count = lines_from_document(document, seen_lines);
	compare_with_debugfs(_metadata, "tlsview --json", seen_lines, count);
	json_free(document);

	read_tasks(&before);
	document = run_json(ptrace_args, &status);
	read_tasks(&after);
	EXPECT_TRUE(status == 0 && document && !strcmp(json_str(document, "source"), "ptrace") &&
		    json_int(document, "skipped", -1) == 0)
		TH_LOG("tlsview --json --source ptrace (root) exits 0 and skips no thread");
	count = lines_from_document(document, seen_lines);
	compare_with_debugfs(_metadata, "tlsview --json --source ptrace", seen_lines, count);
	json_free(document);

	read_tasks(&before);
	document = run_json(tcb_args, &status);
	read_tasks(&after);
	count = lines_from_document(document, seen_lines);
	compare_with_debugfs(_metadata, "tlsview --tcb --json", seen_lines, count);
	for (i = 0; document && i < json_get(document, "threads")->count; i++) {
		const struct json *thread = json_get(document, "threads")->items[i];
		const struct json *tcb = json_get(thread, "tcb");
		const char *state = json_str(tcb, "status");

		if (json_bool(thread, "kthread") == 1) {
			kthreads_skipped &= state && !strcmp(state, "skipped");
			continue;
		}
		if (state && !strcmp(state, "ok")) {
			if (json_hex(json_get(tcb, "word0")) == json_hex(json_get(thread, "fsbase")))
				ok_words++;
			else
				bad_words++;
		}
	}
	EXPECT_TRUE(status == 0 && json_int(document, "tcb_broken", -1) == 0)
		TH_LOG("tlsview --tcb: no thread of this system breaks the ABI, exit 0 (got %d)",
		       status);
	EXPECT_TRUE(ok_words > 0 && bad_words == 0 && kthreads_skipped)
		TH_LOG("--tcb: every ok thread's %%fs:0 is its FS base (%d), kernel threads are skipped",
		       ok_words);
	json_free(document);
}

/* The table: the TGID TID CPU STATE FLAGS FSBASE GSBASE FS GS COMM columns. */
static int lines_from_table(char *text, struct task_line *lines)
{
	char *line, *save = NULL;
	int count = 0;

	for (line = strtok_r(text, "\n", &save); line && count < MAX_TASKS;
	     line = strtok_r(NULL, "\n", &save)) {
		struct task_line *task = &lines[count];
		char state[64], flags[64], comm[64] = "";
		unsigned int cpu;

		while (*line == ' ')
			line++;
		if (!isdigit((unsigned char)*line))
			continue;
		memset(task, 0, sizeof(*task));
		if (sscanf(line, "%d %d %u %63s %63s 0x%" SCNx64 " 0x%" SCNx64 " 0x%x 0x%x %63[^\n]",
			   &task->tgid, &task->tid, &cpu, state, flags, &task->fsbase, &task->gsbase,
			   &task->fsindex, &task->gsindex, comm) < 9)
			continue;
		task->compat = strstr(flags, "COMPAT") != NULL;
		task->kthread = strstr(flags, "KTHREAD") != NULL;
		snprintf(task->comm, sizeof(task->comm), "%s", comm);
		count++;
	}
	return count;
}

/* Compares what the table has: not the slots (indented lines) nor comm's escaping. */
TEST_F_TIMEOUT(module, the_table_agrees_with_debugfs, 300)
{
	const char *args[] = { NULL };
	struct run run;
	int count, i;

	read_tasks(&before);
	run_tlsview(&run, args);
	read_tasks(&after);
	EXPECT_TRUE(run.status == 0 && !strncmp(run.out, "source: module", 14))
		TH_LOG("tlsview (the table) exits 0 and says its source is the module");
	count = lines_from_table(run.out, seen_lines);
	/* Fill what the table does not show in columns from debugfs, so the rest is compared. */
	for (i = 0; i < count; i++) {
		const struct task_line *known = find_task(&before, seen_lines[i].tid);

		if (known) {
			memcpy(seen_lines[i].tls, known->tls, sizeof(known->tls));
			memcpy(seen_lines[i].comm, known->comm, sizeof(known->comm));
		}
	}
	compare_with_debugfs(_metadata, "tlsview (table)", seen_lines, count);
	run_free(&run);
}

TEST_F_TIMEOUT(module, cpus_agrees_with_debugfs, 300)
{
	const char *args[] = { "--cpus", "--json", NULL };
	const struct json *cpus;
	struct json *document;
	char line[256];
	int status, rows = 0, agree = 0;
	FILE *file;

	document = run_json(args, &status);
	cpus = json_get(document, "cpus");
	file = fopen(CPUS_FILE, "re");
	while (file && cpus && fgets(line, sizeof(line), file)) {
		unsigned int cpu, online, fsgsbase;
		unsigned long long cr4;
		const struct json *entry;

		if (line[0] == '#')
			continue;
		rows++;
		if (sscanf(line, "%u %u 0x%llx %u", &cpu, &online, &cr4, &fsgsbase) == 4) {
			entry = cpu < cpus->count ? cpus->items[cpu] : NULL;
			agree += json_int(entry, "cpu", -1) == cpu && json_bool(entry, "online") == 1 &&
				 json_hex(json_get(entry, "cr4")) == cr4 &&
				 json_bool(entry, "fsgsbase") == (int)fsgsbase;
		} else if (sscanf(line, "%u", &cpu) == 1) {
			entry = cpu < cpus->count ? cpus->items[cpu] : NULL;
			agree += json_bool(entry, "online") == 0;
		}
	}
	if (file)
		fclose(file);
	EXPECT_TRUE(status == 0 && rows > 0 && agree == rows && (int)cpus->count == rows)
		TH_LOG("tlsview --cpus --json agrees with debugfs cpus (%d of %d CPUs)", agree, rows);
	json_free(document);
}

TEST_F_TIMEOUT(module, module_and_ptrace_agree_on_known_bases, 300)
{
	static const enum target_kind kinds[] = {
		TARGET_PTHREAD, TARGET_PTHREAD, TARGET_PTHREAD, TARGET_TLS_SLOT,
	};
	struct task_line module_lines[8], ptrace_lines[8];
	struct json *module, *traced;
	struct target target;
	char pid_text[16];
	const char *module_args[] = { "-p", pid_text, "--json", NULL };
	const char *ptrace_args[] = { "-p", pid_text, "--json", "--source", "ptrace", NULL };
	int module_status, ptrace_status, module_count, ptrace_count, i, agree = 0, right = 0;

	target_start(&target, kinds, 4);
	snprintf(pid_text, sizeof(pid_text), "%d", target.pid);
	module = run_json(module_args, &module_status);
	traced = run_json(ptrace_args, &ptrace_status);
	module_count = lines_from_document(module, module_lines);
	ptrace_count = lines_from_document(traced, ptrace_lines);
	for (i = 0; i < module_count && i < ptrace_count; i++)
		agree += same_task(&module_lines[i], &ptrace_lines[i]);
	for (i = 0; i < 4; i++) {
		const struct json *thread = json_find_thread(module, target.shared->threads[i].tid);

		right += json_hex(json_get(thread, "gsbase")) == target.shared->threads[i].gsbase &&
			 json_int(thread, "gsindex", -1) == target.shared->threads[i].gsindex;
	}
	EXPECT_TRUE(module_status == 0 && ptrace_status == 0 && module_count == 5 &&
		    ptrace_count == 5 && agree == 5)
		TH_LOG("-p PID: the module and ptrace sources agree on all 5 threads (%d do)",
		       agree);
	EXPECT_EQ(4, right)
		TH_LOG("-p PID: the module shows each thread's own GS base and selector");
	EXPECT_TRUE(target_all_running(&target))
		TH_LOG("every thread still runs after both reads");
	json_free(module);
	json_free(traced);
	target_stop(&target);
}

TEST_F_TIMEOUT(module, unprivileged_sees_only_its_own_threads, 300)
{
	const char *all_args[] = { "--json", NULL };
	const char *init_args[] = { "-p", "1", NULL };
	const char *init_ptrace_args[] = { "-p", "1", "--source", "ptrace", NULL };
	const struct json *threads;
	struct json *document;
	char error[128];
	struct run run;
	int foreign = 0;
	size_t i;

	if (getuid() != 0)
		SKIP(return, "not root");
	run_tlsview_as(&run, all_args, NOBODY);
	document = json_parse(run.out, error, sizeof(error));
	threads = json_get(document, "threads");
	for (i = 0; threads && i < threads->count; i++)
		foreign += json_bool(threads->items[i], "kthread") == 1 ||
			   json_int(threads->items[i], "tgid", 0) == 1;
	EXPECT_TRUE(run.status == 0 && threads && threads->count >= 1 && foreign == 0)
		TH_LOG("as nobody, tlsview lists only nobody's threads (%zu, %d foreign)",
		       threads ? threads->count : 0, foreign);
	json_free(document);
	run_free(&run);
	run_tlsview_as(&run, init_args, NOBODY);
	EXPECT_TRUE(run.status == 1 && !strncmp(run.err, "tlsview: ", 9))
		TH_LOG("as nobody, tlsview -p 1 fails with one line: %s", run.err);
	run_free(&run);
	run_tlsview_as(&run, init_ptrace_args, NOBODY);
	EXPECT_EQ(1, run.status)
		TH_LOG("as nobody, tlsview -p 1 --source ptrace fails too: %s", run.err);
	run_free(&run);
}

int main(int argc, char **argv)
{
	if (!have_module() || access(TASKS_FILE, R_OK) != 0) {
		printf("1..0 # SKIP needs /dev/tlsview and %s (tlsview.ko, root)\n", TASKS_FILE);
		return 4;
	}
	return test_harness_run(argc, argv);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: tlsbench --module's checks, in the VM (where tlsview.ko is
 * loaded): with a few hundred threads, every method returns a view of
 * every thread with LIST's FS base; LIST, the bare LIST ioctl, GET_TASK and
 * debugfs wake no sleeping thread and leave the spinning ones counting;
 * ptrace, for contrast, wakes every sleeping one. TAP output; SKIP without
 * /dev/tlsview or without root (ptrace and debugfs). Nothing here depends
 * on how fast anything is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS		"300"
#define SPINNERS	"2"
#define SLEEPERS	298	/* THREADS minus the two spinners asked for */

static int test_number;
static int failures;

static void result(int ok, const char *what)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++test_number, what);
	if (!ok)
		failures++;
}

/* tlsbench next to this program (build tree), else the one on PATH (guest). */
static void find_tlsbench(char *path, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	snprintf(path, size, "tlsbench");
	if (n <= 0)
		return;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return;
	*slash = '\0';
	/* %.*s leaves room for the suffix: the path is never cut short. */
	if (snprintf(path, size, "%.*s/../bin/tlsbench", PATH_MAX - 32, self) >= (int)size ||
	    access(path, X_OK) != 0)
		snprintf(path, size, "tlsbench");
}

/* Runs tlsbench --module --json; its stdout in *out, its wait status returned. */
static int run_tlsbench(const char *tlsbench, char **out)
{
	size_t size = 1 << 16, used = 0;
	int pipefd[2], status = -1;
	char *text = malloc(size);
	ssize_t n;
	pid_t pid;

	if (!text || pipe(pipefd) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execlp(tlsbench, tlsbench, "--module", "--threads", THREADS, "--spinners", SPINNERS,
		       "--json", (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", tlsbench, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], text + used, size - used - 1)) > 0) {
		used += (size_t)n;
		if (size - used < 2) {
			char *bigger = realloc(text, size * 2);

			if (!bigger)
				break;
			text = bigger;
			size *= 2;
		}
	}
	close(pipefd[0]);
	text[used] = '\0';
	waitpid(pid, &status, 0);
	*out = text;
	return status;
}

/*
 * The object of one method in tlsbench's JSON (our own one-line-per-method
 * format), copied into @buf; 0, or -1 when the method is missing.
 */
static int method_object(const char *json, const char *name, char *buf, size_t size)
{
	char key[64];
	const char *start, *end;

	snprintf(key, sizeof(key), "{\"method\": \"%s\",", name);
	start = strstr(json, key);
	if (!start)
		return -1;
	end = strchr(start, '}');
	if (!end || (size_t)(end - start) >= size)
		return -1;
	memcpy(buf, start, (size_t)(end - start));
	buf[end - start] = '\0';
	return 0;
}

/* The integer after "key": in @object, or -1. */
static long field(const char *object, const char *key)
{
	char pattern[64];
	const char *at;

	snprintf(pattern, sizeof(pattern), "\"%s\": ", key);
	at = strstr(object, pattern);
	return at ? strtol(at + strlen(pattern), NULL, 10) : -1;
}

int main(void)
{
	static const char *const never_stop[] = { "list", "list_ioctl", "get_task", "debugfs" };
	char tlsbench[PATH_MAX], object[1024], what[160];
	char *json = NULL;
	int status;
	size_t i;

	printf("TAP version 13\n1..%zu\n", 2 + sizeof(never_stop) / sizeof(never_stop[0]) + 1);
	if (access("/dev/tlsview", F_OK) != 0 || geteuid() != 0) {
		printf("ok 1 # SKIP %s\n", geteuid() != 0 ? "needs root (ptrace, debugfs)" :
		       "no /dev/tlsview (tlsview.ko not loaded)");
		for (i = 2; i <= 2 + sizeof(never_stop) / sizeof(never_stop[0]) + 1; i++)
			printf("ok %zu # SKIP as above\n", i);
		return 0;
	}
	find_tlsbench(tlsbench, sizeof(tlsbench));
	status = run_tlsbench(tlsbench, &json);
	result(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "tlsbench --module --threads " THREADS " --spinners " SPINNERS " --json exits 0 (all its checks passed)");
	result(json && strstr(json, "\"mode\": \"module\"") && strstr(json, "\"threads\": " THREADS),
	       "--json describes a module run of " THREADS " threads");
	for (i = 0; i < sizeof(never_stop) / sizeof(never_stop[0]); i++) {
		int ok;

		object[0] = '\0';
		ok = json && method_object(json, never_stop[i], object, sizeof(object)) == 0 &&
			 field(object, "views") == atol(THREADS) &&
			 field(object, "fsbase_mismatches") == 0 &&
			 field(object, "sleepers_woken") == 0 &&
			 field(object, "spinners_advanced") == 2;

		snprintf(what, sizeof(what), "%s: a view of every thread, the same FS bases, "
			 "no sleeping thread woken, spinners kept counting", never_stop[i]);
		result(ok, what);
		if (!ok && json)
			printf("# %s\n", object);
	}
	object[0] = '\0';
	result(json && method_object(json, "ptrace", object, sizeof(object)) == 0 &&
	       field(object, "views") == atol(THREADS) &&
	       field(object, "sleepers_woken") == SLEEPERS,
	       "ptrace: a view of every thread, and it woke every sleeping one");
	if (failures && json) {
		char *line, *save = NULL;

		printf("# tlsbench output:\n");
		for (line = strtok_r(json, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			printf("# %s\n", line);
	}
	free(json);
	return failures ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: tlsbench --module's checks, in the VM (where tlsview.ko is
 * loaded): with a few hundred threads, every method returns a view of
 * every thread with LIST's FS base; LIST, the bare LIST ioctl, GET_TASK and
 * debugfs wake no sleeping thread and leave the spinning ones counting;
 * ptrace, for contrast, wakes every sleeping one. tlsbench runs once, before
 * the tests, which check its JSON; SKIP without /dev/tlsview or without root
 * (ptrace and debugfs). Nothing here depends on how fast anything is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kselftest_harness.h"

#define THREADS		"300"
#define SPINNERS	"2"
#define SLEEPERS	298	/* THREADS minus the two spinners asked for */

/* tlsbench's one run, made by main() before the tests (each a fork of it). */
static const char *skip_reason;
static int tlsbench_status = -1;
static char *tlsbench_json;

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

/* The run's method object, logged when a test on it fails. */
static bool method_ok(struct __test_metadata *_metadata, const char *name, char *object,
		      size_t size)
{
	object[0] = '\0';
	if (!tlsbench_json || method_object(tlsbench_json, name, object, size) != 0) {
		TH_LOG("no method \"%s\" in tlsbench's JSON:\n%s", name,
		       tlsbench_json ? tlsbench_json : "(none)");
		return false;
	}
	return true;
}

TEST(exits_zero_all_checks_passed)
{
	if (skip_reason)
		SKIP(return, "%s", skip_reason);
	ASSERT_NE(-1, tlsbench_status);
	ASSERT_TRUE(WIFEXITED(tlsbench_status));
	EXPECT_EQ(0, WEXITSTATUS(tlsbench_status)) {
		TH_LOG("tlsbench --module --threads " THREADS " --spinners " SPINNERS
		       " --json: its output:\n%s",
		       tlsbench_json ? tlsbench_json : "(none)");
	}
}

TEST(json_describes_a_module_run)
{
	if (skip_reason)
		SKIP(return, "%s", skip_reason);
	ASSERT_NE(NULL, tlsbench_json);
	EXPECT_NE(NULL, strstr(tlsbench_json, "\"mode\": \"module\""));
	EXPECT_NE(NULL, strstr(tlsbench_json, "\"threads\": " THREADS));
}

/* The methods that must never stop a thread, nor wake a sleeping one. */
FIXTURE(never_stops) {
	char object[1024];
};

FIXTURE_VARIANT(never_stops) {
	const char *method;
};

FIXTURE_VARIANT_ADD(never_stops, list) { .method = "list" };
FIXTURE_VARIANT_ADD(never_stops, list_ioctl) { .method = "list_ioctl" };
FIXTURE_VARIANT_ADD(never_stops, get_task) { .method = "get_task" };
FIXTURE_VARIANT_ADD(never_stops, debugfs) { .method = "debugfs" };

FIXTURE_SETUP(never_stops)
{
}

FIXTURE_TEARDOWN(never_stops)
{
}

TEST_F(never_stops, every_view_same_fs_no_sleeper_woken_spinners_counting)
{
	if (skip_reason)
		SKIP(return, "%s", skip_reason);
	ASSERT_TRUE(method_ok(_metadata, variant->method, self->object, sizeof(self->object)));
	EXPECT_EQ(atol(THREADS), field(self->object, "views"))
		TH_LOG("%s", self->object);
	EXPECT_EQ(0, field(self->object, "fsbase_mismatches"))
		TH_LOG("%s", self->object);
	EXPECT_EQ(0, field(self->object, "sleepers_woken"))
		TH_LOG("%s", self->object);
	EXPECT_EQ(2, field(self->object, "spinners_advanced"))
		TH_LOG("%s", self->object);
	/* Each round's first run is kept apart from the median's runs. */
	EXPECT_EQ(field(tlsbench_json, "rounds"), field(self->object, "first_runs"))
		TH_LOG("%s", self->object);
	EXPECT_LT(0, field(self->object, "ns_per_thread_first"))
		TH_LOG("%s", self->object);
	EXPECT_LE(3 * field(tlsbench_json, "rounds"), field(self->object, "runs"))
		TH_LOG("%s", self->object);
}

TEST(ptrace_views_every_thread_and_wakes_every_sleeper)
{
	char object[1024];

	if (skip_reason)
		SKIP(return, "%s", skip_reason);
	ASSERT_TRUE(method_ok(_metadata, "ptrace", object, sizeof(object)));
	EXPECT_EQ(atol(THREADS), field(object, "views"))
		TH_LOG("%s", object);
	EXPECT_EQ(SLEEPERS, field(object, "sleepers_woken"))
		TH_LOG("%s", object);
	/* A slice of the threads per round: no run of it is a repeat. */
	EXPECT_EQ(-1, field(object, "first_runs"))
		TH_LOG("%s", object);
}

int main(int argc, char **argv)
{
	char tlsbench[PATH_MAX];

	if (geteuid() != 0)
		skip_reason = "needs root (ptrace, debugfs)";
	else if (access("/dev/tlsview", F_OK) != 0)
		skip_reason = "no /dev/tlsview (tlsview.ko not loaded)";
	if (!skip_reason) {
		find_tlsbench(tlsbench, sizeof(tlsbench));
		tlsbench_status = run_tlsbench(tlsbench, &tlsbench_json);
	}
	return test_harness_run(argc, argv);
}

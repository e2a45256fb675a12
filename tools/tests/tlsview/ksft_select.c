// SPDX-License-Identifier: GPL-2.0
/*
 * Description: tlsview's ps-like selection, with whichever source the
 * machine has: --comm PATTERN keeps the threads whose name matches,
 * -u/--user the threads of one user, --sort orders by tid, cpu, fsbase or
 * gsbase, and --watch SECONDS repeats the table, marks with '*' each base
 * that changed since the previous round (only those), and ends cleanly
 * (exit 0) on Ctrl-C.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "tlsview_test.h"

static const char *const names[] = { "alpha-1", "alpha-2", "beta" };
#define NR_NAMED 3

/* Thread 0 moves its GS base every 50 ms; the others set one and sleep. */
static void *named_thread(void *arg)
{
	long index = (long)arg;
	unsigned long gs = 0x5a5a0000UL + ((unsigned long)index << 16);

	prctl(PR_SET_NAME, names[index]);
	for (;;) {
		syscall(SYS_arch_prctl, ARCH_SET_GS, gs);
		if (index != 0) {
			pause();
			continue;
		}
		gs += 0x1000;
		usleep(50000);
	}
	return NULL;
}

FIXTURE(select) {
	pid_t pid;
	char pid_text[16];
};

FIXTURE_SETUP(select)
{
	int ready[2];
	char byte;

	ASSERT_EQ(0, pipe(ready));
	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (self->pid == 0) {
		pthread_t thread;
		long i;

		prctl(PR_SET_PDEATHSIG, SIGKILL);	/* never outlive a failed test */
		for (i = 0; i < NR_NAMED; i++)
			if (pthread_create(&thread, NULL, named_thread, (void *)i))
				_exit(1);
		usleep(100000);	/* the threads name themselves */
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &byte, 1));
	close(ready[0]);
	snprintf(self->pid_text, sizeof(self->pid_text), "%d", (int)self->pid);
}

FIXTURE_TEARDOWN(select)
{
	kill(self->pid, SIGKILL);
	waitpid(self->pid, NULL, 0);
}

static struct json *list(struct run *run, const char *const *args)
{
	char error[128];

	run_tlsview(run, args);
	return json_parse(run->out, error, sizeof(error));
}

static const struct json *threads_of(const struct json *document)
{
	const struct json *threads = json_get(document, "threads");

	return threads && threads->type == JSON_ARRAY ? threads : NULL;
}

TEST_F_TIMEOUT(select, comm_pattern, 120)
{
	const struct json *threads;
	struct json *document;
	struct run run;
	size_t i;

	document = list(&run, (const char *[]){ "-p", self->pid_text, "--comm", "alpha*",
						"--json", NULL });
	ASSERT_NE(NULL, document) TH_LOG("%.300s%s", run.out, run.err);
	EXPECT_EQ(0, run.status);
	threads = threads_of(document);
	ASSERT_NE(NULL, threads);
	ASSERT_EQ(2, threads->count);
	for (i = 0; i < threads->count; i++)
		EXPECT_EQ(0, strncmp("alpha-", json_str(threads->items[i], "comm"), 6));
	json_free(document);
	run_free(&run);
}

TEST_F_TIMEOUT(select, user, 120)
{
	struct json *document;
	struct run run;
	char uid[16];

	snprintf(uid, sizeof(uid), "%u", (unsigned int)geteuid());
	document = list(&run, (const char *[]){ "-p", self->pid_text, "-u", uid, "--json", NULL });
	ASSERT_NE(NULL, document) TH_LOG("%.300s%s", run.out, run.err);
	EXPECT_EQ(0, run.status);
	EXPECT_EQ(NR_NAMED + 1, threads_of(document)->count);
	json_free(document);
	run_free(&run);
	/* Nobody owns none of them: an empty list, not an error. */
	document = list(&run, (const char *[]){ "-p", self->pid_text, "--user", "65534", "--json",
						NULL });
	ASSERT_NE(NULL, document) TH_LOG("%.300s%s", run.out, run.err);
	EXPECT_EQ(0, run.status);
	EXPECT_EQ(0, threads_of(document)->count);
	json_free(document);
	run_free(&run);
	run_tlsview(&run, (const char *[]){ "-u", "no-such-user-here", NULL });
	EXPECT_EQ(2, run.status);
	run_free(&run);
}

static uint64_t key_of(const struct json *thread, const char *key)
{
	return !strcmp(key, "cpu") ? (uint64_t)json_int(thread, "cpu", -1) :
	       json_hex(json_get(thread, key));
}

TEST_F_TIMEOUT(select, sort, 120)
{
	static const char *const keys[] = { "cpu", "fsbase", "gsbase" };
	struct json *document;
	struct run run;
	size_t i, k;

	for (k = 0; k < 3; k++) {
		const struct json *threads;

		document = list(&run, (const char *[]){ "-p", self->pid_text, "--sort", keys[k],
							"--json", NULL });
		ASSERT_NE(NULL, document) TH_LOG("%.300s%s", run.out, run.err);
		EXPECT_EQ(0, run.status);
		threads = threads_of(document);
		ASSERT_EQ(NR_NAMED + 1, threads->count);
		for (i = 1; i < threads->count; i++)
			EXPECT_LE(key_of(threads->items[i - 1], keys[k]),
				  key_of(threads->items[i], keys[k])) TH_LOG("--sort %s", keys[k]);
		json_free(document);
		run_free(&run);
	}
	run_tlsview(&run, (const char *[]){ "--sort", "colour", NULL });
	EXPECT_EQ(2, run.status);
	run_free(&run);
}

static int count_of(const char *text, const char *needle)
{
	int count = 0;

	for (; (text = strstr(text, needle)); text++)
		count++;
	return count;
}

TEST_F_TIMEOUT(select, watch, 120)
{
	int out_fd = memfd_create("tlsview-out", 0), status, tries, rounds = 0;
	char *out = NULL, *line;
	pid_t reader;
	bool marked_changer = false, marked_other = false;

	ASSERT_LE(0, out_fd);
	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		dup2(out_fd, 1);
		execlp(tlsview_program(), "tlsview", "-p", self->pid_text, "--watch", "0.2",
		       (char *)NULL);
		_exit(127);
	}
	/* Three rounds at least (bounded: 60 s). */
	for (tries = 0; tries < 600 && rounds < 3; tries++) {
		usleep(100000);
		free(out);
		out = read_fd(out_fd);
		rounds = count_of(out, "* marks a base that changed");
	}
	kill(reader, SIGINT);
	ASSERT_EQ(reader, waitpid(reader, &status, 0));
	EXPECT_TRUE(WIFEXITED(status)) TH_LOG("ended by signal %d", WTERMSIG(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	free(out);
	out = read_fd(out_fd);
	close(out_fd);
	EXPECT_LE(3, count_of(out, "* marks a base that changed"));
	/* Only alpha-1 moves its GS base; nobody moves an FS base. */
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		/* Thread rows, not the header nor the slot lines under them. */
		if (!strstr(line, "SAVED") && !strstr(line, "LIVE"))
			continue;
		if (strstr(line, "*  ")) {
			if (strstr(line, "alpha-1") && count_of(line, "*") == 1)
				marked_changer = true;
			else
				marked_other = true;
		}
	}
	EXPECT_TRUE(marked_changer);
	EXPECT_FALSE(marked_other);
	free(out);
}

/* --help names every option, check's and the selection's included. */
TEST_F_TIMEOUT(select, help_names_every_option, 60)
{
	static const char *const options[] = { "--comm", "--user", "--sort", "--watch",
					       "check --only", "check -v", "--tcb", "--source" };
	struct run run;
	size_t i;

	run_tlsview(&run, (const char *[]){ "--help", NULL });
	EXPECT_EQ(0, run.status);
	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		if (!strstr(run.out, options[i]))
			fprintf(stderr, "# --help does not name %s\n", options[i]);
		EXPECT_NE(NULL, strstr(run.out, options[i]));
	}
	run_free(&run);
}

TEST_HARNESS_MAIN

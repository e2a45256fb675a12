// SPDX-License-Identifier: GPL-2.0
/*
 * Description: unload and load tlsview.ko under readers, through
 * tools/stress-modload (10 cycles; 100 with TLSVIEW_STRESS=long): rmmod is
 * refused while /dev/tlsview or a debugfs file is held open, succeeds once
 * only looping readers are left, insmod brings the module back, readers see
 * only clean errors, and the module is loaded at the end. Runs in the guest
 * of tools/vmtest only (the module file at /lib/modules/tlsview.ko); the
 * script's TAP lines are shown as diagnostics.
 */
#define _GNU_SOURCE
#include <sys/wait.h>

#include "module_common.h"
#include "stress_common.h"
#include "kselftest_harness.h"

#define MODULE_FILE	"/lib/modules/tlsview.ko"
#define SCRIPT		"stress-modload"

FIXTURE(modload) {
	int fd;
};

FIXTURE_SETUP(modload)
{
	self->fd = tlsview_open();
}

FIXTURE_TEARDOWN(modload)
{
}

TEST_F_TIMEOUT(modload, cycles_under_readers, 1200)
{
	int cycles = STRESS_PICK(10, 100), status, pipe_fd[2];
	char arg[16], line[512];
	bool ok_seen = false;
	FILE *out;
	pid_t pid;

	REQUIRE_DEVICE(self->fd);
	/* The script unloads the module: nothing of ours may hold it. */
	close(self->fd);
	self->fd = -1;
	if (geteuid() != 0)
		SKIP(return, "insmod and rmmod need root");
	if (access(MODULE_FILE, R_OK))
		SKIP(return, "no %s: runs in the tools/vmtest guest", MODULE_FILE);

	snprintf(arg, sizeof(arg), "%d", cycles);
	ASSERT_EQ(0, pipe(pipe_fd));
	fflush(stdout);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		dup2(pipe_fd[1], STDOUT_FILENO);
		dup2(pipe_fd[1], STDERR_FILENO);
		close(pipe_fd[0]);
		close(pipe_fd[1]);
		execlp(SCRIPT, SCRIPT, arg, (char *)NULL);
		printf("exec %s: %s\n", SCRIPT, strerror(errno));
		_exit(127);
	}
	close(pipe_fd[1]);
	out = fdopen(pipe_fd[0], "r");
	ASSERT_NE(NULL, out);
	/* Its TAP becomes our diagnostics; its figures keep their prefix. */
	while (fgets(line, sizeof(line), out)) {
		if (!strncmp(line, "ok 3 ", 5))
			ok_seen = true;
		printf("%s%s", line[0] == '#' ? "" : "# ", line);
		fflush(stdout);
	}
	fclose(out);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_TRUE(ok_seen);
	/* Whatever happened, the module must be back for the tests after us. */
	self->fd = tlsview_open();
	EXPECT_LE(0, self->fd);
	if (self->fd >= 0)
		close(self->fd);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: a -m32 caller. helpers/module_compat_32 (i386, static)
 * calls INFO, GET_TASK and LIST through compat_ioctl and checks its own
 * view (COMPAT, LIVE, its GS selector and GDT TLS slot); meanwhile this
 * 64-bit test reads the 32-bit process from outside and must see
 * "saved,compat", the same GS selector and a GS base equal to the slot's
 * base (its thread pointer), in GET_TASK and debugfs.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sys/wait.h>

#include "module_common.h"
#include "kselftest_harness.h"

#define HELPER "module_compat_32"

/* Beside this test: the kselftest runner starts it in its own folder. */
static int find_helper(char *path, size_t len)
{
	snprintf(path, len, "./" HELPER);
	return access(path, X_OK);
}

FIXTURE(compat) {
	int fd;
};

FIXTURE_SETUP(compat)
{
	self->fd = tlsview_open();
}

FIXTURE_TEARDOWN(compat)
{
	if (self->fd >= 0)
		close(self->fd);
}

static bool sleeping(pid_t pid)
{
	char path[64], stat[256];
	bool s = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (f && fgets(stat, sizeof(stat), f))
		s = strstr(stat, ") S ") != NULL;
	if (f)
		fclose(f);
	return s;
}

TEST_F(compat, ia32_caller)
{
	int to_child[2], from_child[2], status, failures = -1, i;
	unsigned int tp = 0, gs = 0;
	char helper[PATH_MAX], tid[16], line[256];
	struct tlsview_task v;
	struct tasks_line dl;
	FILE *out;
	pid_t pid;

	REQUIRE_DEVICE(self->fd);
	if (find_helper(helper, sizeof(helper)))
		SKIP(return, HELPER " not built (gcc-multilib?)");
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(from_child));
	snprintf(tid, sizeof(tid), "%d", gettid_raw());
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		dup2(to_child[0], 0);
		dup2(from_child[1], 1);
		close(to_child[1]);
		close(from_child[0]);
		execl(helper, helper, tid, (char *)NULL);
		_exit(127);
	}
	close(to_child[0]);
	close(from_child[1]);
	out = fdopen(from_child[0], "r");
	ASSERT_NE(NULL, out);
	while (fgets(line, sizeof(line), out)) {
		TH_LOG("helper: %s", line);
		if (sscanf(line, "ready tp=0x%x gs=0x%x failures=%d", &tp, &gs,
			   &failures) == 3)
			break;
	}
	EXPECT_EQ(0, failures);
	ASSERT_NE(0, gs);

	for (i = 0; i < 2000 && !sleeping(pid); i++)
		usleep(1000);
	ASSERT_EQ(0, get_task(self->fd, pid, 0, &v));
	EXPECT_EQ(TLSVIEW_TASK_COMPAT | TLSVIEW_TASK_SLEEPING, v.flags);
	EXPECT_EQ(gs, v.gsindex);
	EXPECT_EQ(tp, v.gsbase);
	EXPECT_EQ(tp, v.tls[(gs >> 3) - 12].base_addr);
	if (tlsview_debugfs_present()) {
		ASSERT_EQ(0, debugfs_find_task("tasks", pid, &dl));
		EXPECT_STREQ("saved,compat,sleeping", dl.flags);
		EXPECT_EQ(tp, dl.gsbase);
		EXPECT_EQ(gs, dl.gsindex);
	}

	close(to_child[1]);
	fclose(out);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN

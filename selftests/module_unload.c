// SPDX-License-Identifier: GPL-2.0
/*
 * Description: unload safety. While /dev/tlsview or a debugfs file is
 * open the module cannot be removed (delete_module fails EWOULDBLOCK,
 * because the file operations carry THIS_MODULE). Then, where the VM's
 * copy of the module exists (/lib/modules/tlsview.ko), the module is
 * removed and loaded again several times while readers keep opening the
 * device and debugfs and calling every ioctl: readers see either a working
 * module or no module, never a crash (the VM runner scans the kernel log),
 * and the module is left loaded and working.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>

#include "module_common.h"
#include "kselftest_harness.h"

#define MODULE_NAME	"tlsview"
#define MODULE_FILE	"/lib/modules/tlsview.ko"
#define READERS		3
#define CYCLES		3

static int delete_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

static int load_module(void)
{
	int fd = open(MODULE_FILE, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return ret;
}

static bool device_works(void)
{
	struct tlsview_info info;
	int fd = tlsview_open();
	bool ok;

	if (fd < 0)
		return false;
	ok = ioctl(fd, TLSVIEW_IOC_INFO, &info) == 0 && info.abi_version == 1;
	close(fd);
	return ok;
}

/* Wait for devtmpfs to (re)create the node. */
static bool wait_device(void)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (device_works())
			return true;
		usleep(10000);
	}
	return false;
}

static void reader_loop(void)
{
	struct tlsview_task e[8];
	struct tlsview_list l;
	struct tlsview_task v;
	struct tlsview_cpu c;
	char buf[4096];
	int fd, d;

	for (;;) {
		fd = tlsview_open();
		if (fd >= 0) {
			get_task(fd, 0, 0, &v);
			get_task(fd, 1, 0, &v);
			memset(&l, 0, sizeof(l));
			l.capacity = 8;
			l.entry_size = sizeof(e[0]);
			l.entries = (uintptr_t)e;
			ioctl(fd, TLSVIEW_IOC_LIST, &l);
			memset(&c, 0, sizeof(c));
			ioctl(fd, TLSVIEW_IOC_GET_CPU, &c);
			close(fd);
		}
		d = open(TLSVIEW_DEBUGFS "/tasks", O_RDONLY);
		if (d >= 0) {
			while (read(d, buf, sizeof(buf)) > 0)
				;
			close(d);
		}
		d = open(TLSVIEW_DEBUGFS "/cpus", O_RDONLY);
		if (d >= 0) {
			while (read(d, buf, sizeof(buf)) > 0)
				;
			close(d);
		}
	}
}

FIXTURE(unload) {
	int unused;
};

FIXTURE_SETUP(unload)
{
}

FIXTURE_TEARDOWN(unload)
{
}

TEST_F(unload, busy_module_is_not_removed)
{
	int fd = tlsview_open(), dfd;

	REQUIRE_DEVICE(fd);
	if (geteuid() != 0)
		SKIP(return, "needs root for delete_module");
	EXPECT_EQ(-1, delete_module(MODULE_NAME));
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(fd);

	dfd = open(TLSVIEW_DEBUGFS "/tasks", O_RDONLY);
	if (dfd < 0)
		SKIP(return, "debugfs not mounted");
	EXPECT_EQ(-1, delete_module(MODULE_NAME));
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(dfd);
	EXPECT_TRUE(device_works());
}

TEST_F_TIMEOUT(unload, unload_and_reload_beside_readers, 240)
{
	pid_t readers[READERS];
	int i, cycle, tries;
	int fd = tlsview_open();

	REQUIRE_DEVICE(fd);
	close(fd);
	if (geteuid() != 0)
		SKIP(return, "needs root to unload the module");
	if (access(MODULE_FILE, R_OK))
		SKIP(return, MODULE_FILE " absent (only in the VM)");

	for (i = 0; i < READERS; i++) {
		readers[i] = fork();
		ASSERT_LE(0, readers[i]);
		if (readers[i] == 0)
			reader_loop();
	}

	for (cycle = 0; cycle < CYCLES; cycle++) {
		/* Readers hold it open now and then: retry, bounded. */
		for (tries = 0; tries < 20000; tries++) {
			if (delete_module(MODULE_NAME) == 0)
				break;
			ASSERT_EQ(EWOULDBLOCK, errno);
			usleep(200);
		}
		ASSERT_LT(tries, 20000) TH_LOG("cycle %d: never idle", cycle);
		usleep(20000);
		ASSERT_EQ(0, load_module()) TH_LOG("reload: %s", strerror(errno));
		usleep(20000);
	}

	for (i = 0; i < READERS; i++) {
		kill(readers[i], SIGKILL);
		waitpid(readers[i], NULL, 0);
	}
	EXPECT_TRUE(wait_device());
	EXPECT_TRUE(tlsview_debugfs_present());
}

TEST_HARNESS_MAIN

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
 *
 * On a busy host three readers under TCG can keep the module referenced at
 * every rmmod try (seen: 20,000 tries, never idle). So each unload is first
 * tried for UNLOAD_SECONDS with the readers at full speed; after that the
 * readers are asked to hold off after their current round, and rmmod keeps
 * trying as they finish it (the race with open() stays). The readers go on
 * again before the reload, so it too races with them. Every cycle must
 * unload and reload.
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
#define UNLOAD_SECONDS	5.0
#define HOLD_OFF_SECONDS 60.0

/* Set by the unloading test, shared with the readers it forks. */
static int *hold_off;

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
		while (__atomic_load_n(hold_off, __ATOMIC_ACQUIRE))
			usleep(1000);
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

/*
 * rmmod until it works, retrying while a reader holds the module (the only
 * failure allowed), for at most @seconds. True when the module went.
 */
static bool unload_within(double seconds, int *tries)
{
	double deadline = monotonic_seconds() + seconds;

	do {
		if (delete_module(MODULE_NAME) == 0)
			return true;
		if (errno != EWOULDBLOCK)
			return false;
		++*tries;
		usleep(200);
	} while (monotonic_seconds() < deadline);
	return false;
}

TEST_F_TIMEOUT(unload, unload_and_reload_beside_readers, 240)
{
	pid_t readers[READERS];
	int i, cycle, tries = 0, held_off = 0;
	int fd = tlsview_open();
	bool gone;

	REQUIRE_DEVICE(fd);
	close(fd);
	if (geteuid() != 0)
		SKIP(return, "needs root to unload the module");
	if (access(MODULE_FILE, R_OK))
		SKIP(return, MODULE_FILE " absent (only in the VM)");

	hold_off = mmap(NULL, sizeof(*hold_off), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hold_off);
	for (i = 0; i < READERS; i++) {
		readers[i] = fork();
		ASSERT_LE(0, readers[i]);
		if (readers[i] == 0)
			reader_loop();
	}

	for (cycle = 0; cycle < CYCLES; cycle++) {
		gone = unload_within(UNLOAD_SECONDS, &tries);
		if (!gone && errno == EWOULDBLOCK) {
			held_off++;
			__atomic_store_n(hold_off, 1, __ATOMIC_RELEASE);
			gone = unload_within(HOLD_OFF_SECONDS, &tries);
			__atomic_store_n(hold_off, 0, __ATOMIC_RELEASE);
		}
		ASSERT_TRUE(gone) TH_LOG("cycle %d: rmmod: %s", cycle, strerror(errno));
		usleep(20000);
		ASSERT_EQ(0, load_module()) TH_LOG("reload: %s", strerror(errno));
		usleep(20000);
	}
	TH_LOG("%d cycles, %d rmmod refusals, readers held off in %d", CYCLES,
	       tries, held_off);

	for (i = 0; i < READERS; i++) {
		kill(readers[i], SIGKILL);
		waitpid(readers[i], NULL, 0);
	}
	munmap(hold_off, sizeof(*hold_off));
	EXPECT_TRUE(wait_device());
	EXPECT_TRUE(tlsview_debugfs_present());
}

TEST_HARNESS_MAIN

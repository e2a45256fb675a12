// SPDX-License-Identifier: GPL-2.0
/*
 * Description: tlsview.ko's identity: /dev/tlsview is a 0666 misc device,
 * the debugfs files are 0400, and TLSVIEW_IOC_INFO agrees with debugfs
 * "info", with AT_HWCAP2 (FSGSBASE) and with the possible-CPU count.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "module_common.h"
#include "kselftest_harness.h"

FIXTURE(info) {
	int fd;
};

FIXTURE_SETUP(info)
{
	self->fd = tlsview_open();
}

FIXTURE_TEARDOWN(info)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* The highest CPU id in /sys/devices/system/cpu/possible, plus one. */
static int possible_cpu_ids(void)
{
	char buf[256], *p;
	int last = -1;
	FILE *f;

	f = fopen("/sys/devices/system/cpu/possible", "re");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	p = strrchr(buf, '-');
	if (!p)
		p = strrchr(buf, ',');
	last = atoi(p ? p + 1 : buf);
	return last + 1;
}

TEST_F(info, ioctl_fields)
{
	struct tlsview_info info;
	int cpus = possible_cpu_ids();

	REQUIRE_DEVICE(self->fd);

	memset(&info, 0xa5, sizeof(info));
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_INFO, &info));
	EXPECT_EQ(TLSVIEW_ABI_VERSION, info.abi_version);
	EXPECT_EQ(1, info.abi_version);
	EXPECT_EQ(have_fsgsbase(), !!(info.flags & TLSVIEW_INFO_FSGSBASE));
	EXPECT_EQ(TLSVIEW_INFO_STATES, info.flags & ~TLSVIEW_INFO_FSGSBASE);
	EXPECT_EQ(TLSVIEW_LIST_MAX, info.max_list);
	if (cpus > 0)
		EXPECT_EQ((unsigned int)cpus, info.nr_cpu_ids);
	EXPECT_LE((unsigned int)nr_online_cpus(), info.nr_cpu_ids);
}

TEST_F(info, debugfs_agrees)
{
	unsigned int abi = ~0U, fsgsbase = ~0U, nr = ~0U, max = ~0U;
	struct tlsview_info info;
	char line[256];
	FILE *f;

	REQUIRE_DEVICE(self->fd);

	f = fopen(TLSVIEW_DEBUGFS "/info", "re");
	if (!f)
		SKIP(return, "debugfs info unreadable: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "abi_version: %u", &abi);
		sscanf(line, "fsgsbase: %u", &fsgsbase);
		sscanf(line, "nr_cpu_ids: %u", &nr);
		sscanf(line, "max_list: %u", &max);
	}
	fclose(f);

	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_INFO, &info));
	EXPECT_EQ(info.abi_version, abi);
	EXPECT_EQ(!!(info.flags & TLSVIEW_INFO_FSGSBASE), fsgsbase);
	EXPECT_EQ(have_fsgsbase(), fsgsbase);
	EXPECT_EQ(info.nr_cpu_ids, nr);
	EXPECT_EQ(info.max_list, max);
}

TEST_F(info, device_and_file_modes)
{
	static const char *const files[] = { "tasks", "self", "cpus", "info" };
	char path[128];
	struct stat st;
	unsigned int i;

	REQUIRE_DEVICE(self->fd);

	ASSERT_EQ(0, stat(TLSVIEW_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 07777);
	/* misc devices have major 10 */
	EXPECT_EQ(10, major(st.st_rdev));

	if (!tlsview_debugfs_present())
		SKIP(return, "debugfs not mounted");
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), TLSVIEW_DEBUGFS "/%s", files[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
		EXPECT_EQ(0400, st.st_mode & 07777) TH_LOG("%s", path);
		EXPECT_EQ(0, st.st_uid) TH_LOG("%s", path);
	}
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: CPUs. For every CPU, TLSVIEW_IOC_GET_CPU and debugfs
 * "cpus" agree with each other (online, CR4 read on that CPU, FSGSBASE =
 * CR4 bit 16) and with AT_HWCAP2's FSGSBASE bit; offline CPUs print "-".
 */
#include "module_common.h"
#include "kselftest_harness.h"

#define CR4_FSGSBASE	(1ULL << 16)

FIXTURE(cpus) {
	int fd;
	struct tlsview_info info;
};

FIXTURE_SETUP(cpus)
{
	self->fd = tlsview_open();
	if (self->fd >= 0)
		ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_INFO, &self->info));
}

FIXTURE_TEARDOWN(cpus)
{
	if (self->fd >= 0)
		close(self->fd);
}

static bool cpu_online_sysfs(unsigned int cpu)
{
	char path[96];
	int c = '1';
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/online",
		 cpu);
	f = fopen(path, "re");
	if (!f)
		return access("/sys/devices/system/cpu", F_OK) == 0 && cpu == 0;
	c = fgetc(f);
	fclose(f);
	return c == '1';
}

TEST_F(cpus, get_cpu_matches_hwcap2)
{
	struct tlsview_cpu c;
	unsigned int cpu, online = 0;

	REQUIRE_DEVICE(self->fd);
	for (cpu = 0; cpu < self->info.nr_cpu_ids; cpu++) {
		memset(&c, 0xff, sizeof(c));
		c.cpu = cpu;
		ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_GET_CPU, &c));
		EXPECT_EQ(cpu, c.cpu);
		if (!(c.flags & TLSVIEW_CPU_ONLINE)) {
			EXPECT_EQ(0, c.cr4);
			EXPECT_EQ(0, c.flags);
			continue;
		}
		online++;
		EXPECT_TRUE(cpu == 0 || cpu_online_sysfs(cpu));
		EXPECT_EQ(!!(c.cr4 & CR4_FSGSBASE),
			  !!(c.flags & TLSVIEW_CPU_FSGSBASE));
		EXPECT_EQ(have_fsgsbase(), !!(c.flags & TLSVIEW_CPU_FSGSBASE))
			TH_LOG("cpu %u cr4 0x%llx", cpu,
			       (unsigned long long)c.cr4);
		/* PAE (bit 5) is always on in long mode: a real CR4. */
		EXPECT_TRUE(c.cr4 & (1ULL << 5));
	}
	EXPECT_EQ((unsigned int)nr_online_cpus(), online);
}

TEST_F(cpus, debugfs_matches_get_cpu)
{
	unsigned int cpu, online, fsgsbase, lines = 0;
	unsigned long long cr4;
	char line[256], cr4_text[32], fsgs_text[8];
	struct tlsview_cpu c;
	FILE *f;

	REQUIRE_DEVICE(self->fd);
	f = fopen(TLSVIEW_DEBUGFS "/cpus", "re");
	if (!f)
		SKIP(return, "debugfs cpus unreadable");
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	EXPECT_STREQ("# cpu online cr4 fsgsbase\n", line);
	while (fgets(line, sizeof(line), f)) {
		ASSERT_EQ(4, sscanf(line, "%u %u %31s %7s", &cpu, &online,
				    cr4_text, fsgs_text)) TH_LOG("%s", line);
		EXPECT_EQ(lines, cpu);
		lines++;
		memset(&c, 0, sizeof(c));
		c.cpu = cpu;
		ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_GET_CPU, &c));
		EXPECT_EQ(!!(c.flags & TLSVIEW_CPU_ONLINE), online);
		if (!online) {
			EXPECT_STREQ("-", cr4_text);
			EXPECT_STREQ("-", fsgs_text);
			continue;
		}
		ASSERT_EQ(18, strlen(cr4_text));
		cr4 = strtoull(cr4_text, NULL, 16);
		fsgsbase = atoi(fsgs_text);
		EXPECT_EQ(c.cr4, cr4);
		EXPECT_EQ(!!(c.flags & TLSVIEW_CPU_FSGSBASE), fsgsbase);
		EXPECT_EQ(have_fsgsbase(), fsgsbase);
	}
	fclose(f);
	EXPECT_EQ(self->info.nr_cpu_ids, lines);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: CPUs. For every CPU, TLSVIEW_IOC_GET_CPU and debugfs
 * "cpus" agree with each other (online, CR4 read on that CPU, FSGSBASE =
 * CR4 bit 16) and with AT_HWCAP2's FSGSBASE bit; offline CPUs print "-",
 * also a CPU taken offline while the module is loaded.
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

static int cpu_set_online(unsigned int cpu, bool online)
{
	char path[96];
	int fd, ok;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/online",
		 cpu);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ok = write(fd, online ? "1" : "0", 1) == 1;
	close(fd);
	return ok ? 0 : -errno;
}

/* debugfs "cpus" line of @cpu, without its newline; 0 on success. */
static int debugfs_cpu_line(unsigned int cpu, char *out, size_t len)
{
	char line[256];
	unsigned int n;
	int ret = -ESRCH;
	FILE *f = fopen(TLSVIEW_DEBUGFS "/cpus", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%u ", &n) == 1 && line[0] != '#' && n == cpu) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, len, "%s", line);
			ret = 0;
		}
	fclose(f);
	return ret;
}

TEST_F(cpus, cpu_taken_offline_reads_as_offline)
{
	struct tlsview_cpu c;
	char line[256] = "";
	int err;

	REQUIRE_DEVICE(self->fd);
	if (geteuid() != 0 || self->info.nr_cpu_ids < 2 || !cpu_online_sysfs(1) ||
	    access("/sys/devices/system/cpu/cpu1/online", W_OK))
		SKIP(return, "needs root and a CPU 1 that can go offline");
	err = cpu_set_online(1, false);
	if (err)
		SKIP(return, "CPU 1 cannot go offline: %s", strerror(-err));

	memset(&c, 0xff, sizeof(c));
	c.cpu = 1;
	err = ioctl(self->fd, TLSVIEW_IOC_GET_CPU, &c);
	debugfs_cpu_line(1, line, sizeof(line));
	/* Back online before judging, so a failure leaves no CPU offline. */
	ASSERT_EQ(0, cpu_set_online(1, true));

	EXPECT_EQ(0, err);
	EXPECT_EQ(1, c.cpu);
	EXPECT_EQ(0, c.flags);
	EXPECT_EQ(0, c.cr4);
	EXPECT_STREQ("1 0 - -", line);

	memset(&c, 0, sizeof(c));
	c.cpu = 1;
	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_GET_CPU, &c));
	EXPECT_TRUE(c.flags & TLSVIEW_CPU_ONLINE);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the ioctls, debugfs and the threads' own registers agree.
 * Threads set distinct GS bases (arch_prctl, or wrgsbase where FSGSBASE
 * exists), record what they read back from their own FS and GS, and
 * block; GET_TASK, LIST and debugfs "tasks" must each report exactly
 * those values, and the debugfs line must be byte for byte the ABI's
 * format of the ioctl view (comm escaped, "saved" flags), but for the
 * cpu, which may change while a thread sleeps (expect_same_but_cpu()).
 * The reader's
 * own view (GET_TASK tid 0 and debugfs "self") must equal its registers
 * and be "live".
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>

#include "module_common.h"
#include "kselftest_harness.h"

#define THREADS		4
#define GS_FIRST	0x7e0000001000ULL

struct agree_thread {
	bool use_wrgsbase;
	uint64_t want_gs;
	pid_t tid;
	uint64_t fsbase, gsbase;	/* what the thread read itself */
	uint16_t fsindex, gsindex;
	char name[16];
	int ready;
};

static int release;

static void *agree_thread_main(void *arg)
{
	struct agree_thread *t = arg;

	t->tid = gettid_raw();
	prctl(PR_SET_NAME, t->name);
	if (t->use_wrgsbase)
		wrgsbase(t->want_gs);
	else
		arch_prctl_set(ARCH_SET_GS, t->want_gs);
	t->fsbase = arch_prctl_get(ARCH_GET_FS);
	t->gsbase = arch_prctl_get(ARCH_GET_GS);
	t->fsindex = read_fs_selector();
	t->gsindex = read_gs_selector();
	__atomic_store_n(&t->ready, 1, __ATOMIC_RELEASE);
	futex_wake_all(&t->ready);
	futex_wait_raw(&release, 0);
	return NULL;
}

FIXTURE(agree) {
	int fd;
	struct agree_thread t[THREADS];
	pthread_t threads[THREADS];
	int started;
};

FIXTURE_VARIANT(agree) {
	bool use_wrgsbase;
};

FIXTURE_VARIANT_ADD(agree, arch_prctl) {
	.use_wrgsbase = false,
};

FIXTURE_VARIANT_ADD(agree, wrgsbase) {
	.use_wrgsbase = true,
};

FIXTURE_SETUP(agree)
{
	self->fd = tlsview_open();
	self->started = 0;
}

FIXTURE_TEARDOWN(agree)
{
	__atomic_store_n(&release, 1, __ATOMIC_RELEASE);
	futex_wake_all(&release);
	while (self->started--)
		pthread_join(self->threads[self->started], NULL);
	if (self->fd >= 0)
		close(self->fd);
}

static bool thread_sleeps(pid_t tid)
{
	char path[64], stat[256];
	bool sleeping = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "re");
	if (f && fgets(stat, sizeof(stat), f))
		sleeping = strstr(stat, ") S ") != NULL;
	if (f)
		fclose(f);
	return sleeping;
}

static int start_threads(FIXTURE_DATA(agree) *self, bool use_wrgsbase)
{
	int i, tries;

	for (i = 0; i < THREADS; i++) {
		struct agree_thread *t = &self->t[i];

		memset(t, 0, sizeof(*t));
		t->use_wrgsbase = use_wrgsbase;
		t->want_gs = GS_FIRST + i * 0x10000;
		/* Names with white space test debugfs escaping. */
		snprintf(t->name, sizeof(t->name), i % 2 ? "ag %d\\x" : "agree\t%d",
			 i);
		if (pthread_create(&self->threads[i], NULL, agree_thread_main, t))
			return -1;
		self->started++;
		while (!__atomic_load_n(&t->ready, __ATOMIC_ACQUIRE))
			syscall(SYS_futex, &t->ready, 0, 0, NULL, NULL, 0);
	}
	for (i = 0; i < THREADS; i++)
		for (tries = 0; !thread_sleeps(self->t[i].tid); tries++) {
			if (tries > 2000)
				return -1;
			usleep(1000);
		}
	return 0;
}

static void escape_comm(const char *comm, char *out, size_t len)
{
	size_t n = 0;

	for (; *comm && n + 5 < len; comm++) {
		if (strchr(" \t\n\v\f\r\\", *comm))
			n += snprintf(out + n, len - n, "\\%03o",
				      (unsigned char)*comm);
		else
			out[n++] = *comm;
	}
	out[n] = '\0';
}

/* The debugfs line the ABI prescribes for a view. */
static void format_line(const struct tlsview_task *v, const char *state,
			char *out, size_t len)
{
	char tls[3][40], comm[80];
	int i;

	for (i = 0; i < 3; i++)
		format_desc(&v->tls[i], tls[i], sizeof(tls[i]));
	escape_comm(v->comm, comm, sizeof(comm));
	snprintf(out, len,
		 "%d %d %u %s 0x%016llx 0x%016llx 0x%04x 0x%04x %s %s %s %s\n",
		 v->tgid, v->tid, v->cpu, state,
		 (unsigned long long)v->fsbase, (unsigned long long)v->gsbase,
		 v->fsindex, v->gsindex, tls[0], tls[1], tls[2], comm);
}

/* The raw line of @tid in a debugfs table, or "" when it is missing. */
static void debugfs_raw_line(const char *file, pid_t tid, char *out,
			     size_t len, char *header, size_t header_len)
{
	char path[128], prefix[32];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), TLSVIEW_DEBUGFS "/%s", file);
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(header, header_len, f))
		header[0] = '\0';
	snprintf(prefix, sizeof(prefix), "%d %d ", getpid(), tid);
	while (fgets(out, len, f))
		if (!strncmp(out, prefix, strlen(prefix))) {
			fclose(f);
			return;
		}
	out[0] = '\0';
	fclose(f);
}

#define HEADER "# tgid tid cpu flags fsbase gsbase fsindex gsindex tls12 tls13 tls14 comm\n"

static void check_thread(struct __test_metadata *_metadata,
			 const struct agree_thread *t,
			 const struct tlsview_task *v)
{
	EXPECT_EQ(t->tid, v->tid);
	EXPECT_EQ(getpid(), v->tgid);
	EXPECT_EQ(t->fsbase, v->fsbase);
	EXPECT_EQ(t->gsbase, v->gsbase);
	EXPECT_EQ(t->want_gs, v->gsbase);
	EXPECT_EQ(t->fsindex, v->fsindex);
	EXPECT_EQ(t->gsindex, v->gsindex);
	EXPECT_STREQ(t->name, v->comm);
	EXPECT_EQ(TLSVIEW_TASK_SLEEPING, v->flags);	/* blocked: saved, 64-bit, user */
}

/*
 * A blocked thread's cpu is where it last ran, and since 6.12 that can
 * change while it sleeps: with EEVDF's delayed dequeue a thread that
 * blocked may stay queued until it is picked, and the load balancer may
 * move it meanwhile (can_migrate_task() allows it when it migrates load).
 * So two reads of a blocked thread may name two CPUs, each one the machine
 * has; everything else in its view must be the same.
 */
static void expect_cpu_exists(struct __test_metadata *_metadata,
			      unsigned int cpu)
{
	EXPECT_GT((unsigned int)sysconf(_SC_NPROCESSORS_CONF), cpu);
}

static void expect_same_but_cpu(struct __test_metadata *_metadata,
				const struct tlsview_task *a,
				const struct tlsview_task *b)
{
	struct tlsview_task x = *a, y = *b;

	expect_cpu_exists(_metadata, a->cpu);
	expect_cpu_exists(_metadata, b->cpu);
	x.cpu = 0;
	y.cpu = 0;
	EXPECT_EQ(0, memcmp(&x, &y, sizeof(x)));
}

TEST_F(agree, blocked_threads_everywhere)
{
	struct tlsview_task v, line_view, e[THREADS + 1];
	struct tlsview_list l = {
		.tgid = getpid(), .capacity = THREADS + 1,
		.entry_size = sizeof(e[0]), .entries = (uintptr_t)e,
	};
	char want[512], got[512], header[256];
	unsigned int i, j, found, cpu;

	REQUIRE_DEVICE(self->fd);
	if (variant->use_wrgsbase && !have_fsgsbase())
		SKIP(return, "no FSGSBASE in AT_HWCAP2");
	ASSERT_EQ(0, start_threads(self, variant->use_wrgsbase));

	ASSERT_EQ(0, ioctl(self->fd, TLSVIEW_IOC_LIST, &l));
	ASSERT_EQ(THREADS + 1, l.count);
	for (i = 0; i < THREADS; i++) {
		const struct agree_thread *t = &self->t[i];

		ASSERT_EQ(0, get_task(self->fd, t->tid, 0, &v));
		check_thread(_metadata, t, &v);
		for (found = 0, j = 0; j < l.count; j++) {
			if (e[j].tid != t->tid)
				continue;
			found++;
			check_thread(_metadata, t, &e[j]);
			expect_same_but_cpu(_metadata, &v, &e[j]);
		}
		EXPECT_EQ(1, found);

		if (!tlsview_debugfs_present())
			continue;
		debugfs_raw_line("tasks", t->tid, got, sizeof(got), header,
				 sizeof(header));
		/* The line read later may name another CPU (above). */
		ASSERT_EQ(1, sscanf(got, "%*d %*d %u", &cpu)) TH_LOG("%s", got);
		expect_cpu_exists(_metadata, cpu);
		line_view = v;
		line_view.cpu = cpu;
		format_line(&line_view, "saved,sleeping", want, sizeof(want));
		EXPECT_STREQ(HEADER, header);
		EXPECT_STREQ(want, got);
	}
}

TEST_F(agree, reader_itself)
{
	char want[512], got[512], header[256], name[16];
	struct tlsview_task v;
	cpu_set_t set;
	uint64_t gs = GS_FIRST + 0x777000;
	int cpu;

	REQUIRE_DEVICE(self->fd);
	if (variant->use_wrgsbase && !have_fsgsbase())
		SKIP(return, "no FSGSBASE in AT_HWCAP2");
	cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	ASSERT_EQ(0, prctl(PR_SET_NAME, "me myself"));
	ASSERT_EQ(0, prctl(PR_GET_NAME, name));
	if (variant->use_wrgsbase)
		wrgsbase(gs);
	else
		ASSERT_EQ(0, arch_prctl_set(ARCH_SET_GS, gs));

	ASSERT_EQ(0, get_task(self->fd, 0, 0, &v));
	EXPECT_EQ(TLSVIEW_TASK_LIVE, v.flags);
	EXPECT_EQ(gettid_raw(), v.tid);
	EXPECT_EQ(getpid(), v.tgid);
	EXPECT_EQ(cpu, v.cpu);
	EXPECT_EQ(arch_prctl_get(ARCH_GET_FS), v.fsbase);
	EXPECT_EQ((uint64_t)(uintptr_t)pthread_self(), v.fsbase);
	EXPECT_EQ(gs, v.gsbase);
	EXPECT_EQ(read_fs_selector(), v.fsindex);
	EXPECT_EQ(read_gs_selector(), v.gsindex);
	EXPECT_STREQ(name, v.comm);
	if (have_fsgsbase()) {
		EXPECT_EQ(rdfsbase(), v.fsbase);
		EXPECT_EQ(rdgsbase(), v.gsbase);
	}

	if (!tlsview_debugfs_present())
		return;
	debugfs_raw_line("self", gettid_raw(), got, sizeof(got), header,
			 sizeof(header));
	format_line(&v, "live", want, sizeof(want));
	EXPECT_STREQ(HEADER, header);
	EXPECT_STREQ(want, got);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Description: the /dev/tlsview client. Without the module: the ENOENT
 * path and its message, a node that is not the device, bad arguments,
 * and -- through an ioctl() this program interposes on a /dev/null
 * descriptor -- the ABI check, error propagation and the LIST growth
 * protocol. With the module (SKIP otherwise): the real device's answers,
 * cross-checked with this thread's own registers.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <tlsview/tlsview.h>
#include "tap.h"

/* ---- a fake module, answering ioctls on one /dev/null descriptor ---- */

static struct {
	int fd;			/* the descriptor we answer for, -1: none */
	uint32_t abi_version;
	int fail_with;		/* errno for GET_TASK / GET_CPU / LIST, 0: succeed */
	uint32_t group;		/* threads in the listed group */
	uint32_t growth;	/* added to the group after a LIST call ... */
	uint32_t growth_calls;	/* ... for this many calls, 0: every call */
	uint32_t list_calls;
	uint32_t capacities[16];	/* capacity of each LIST call */
	uint32_t bad_entry_size;	/* LIST saw a wrong entry_size */
	struct tlsview_task last_task;
	uint32_t last_cpu;
} fake = { .fd = -1 };

/* Interposes on libc's ioctl() for this program, the library included. */
int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (fd != fake.fd || fake.fd < 0)
		return (int)syscall(SYS_ioctl, fd, request, arg);

	switch (request) {
	case TLSVIEW_IOC_INFO: {
		struct tlsview_info *info = arg;

		memset(info, 0, sizeof(*info));
		info->abi_version = fake.abi_version;
		info->nr_cpu_ids = 4;
		info->max_list = TLSVIEW_LIST_MAX;
		return 0;
	}
	case TLSVIEW_IOC_GET_TASK: {
		struct tlsview_task *task = arg;

		fake.last_task = *task;
		if (fake.fail_with)
			break;
		task->tgid = 1234;
		task->fsbase = 0xf5000;
		task->gsbase = 0x65000;
		task->flags = TLSVIEW_TASK_LIVE;
		strcpy(task->comm, "fake");
		return 0;
	}
	case TLSVIEW_IOC_GET_CPU: {
		struct tlsview_cpu *cpu = arg;

		fake.last_cpu = cpu->cpu;
		if (fake.fail_with)
			break;
		if (cpu->cpu >= 4) {
			errno = EINVAL;
			return -1;
		}
		cpu->flags = TLSVIEW_CPU_ONLINE | TLSVIEW_CPU_FSGSBASE;
		cpu->cr4 = 0x10000 | cpu->cpu;
		return 0;
	}
	case TLSVIEW_IOC_LIST: {
		struct tlsview_list *list = arg;
		struct tlsview_task *entries = (void *)(uintptr_t)list->entries;
		uint32_t i;

		if (fake.list_calls < 16)
			fake.capacities[fake.list_calls] = list->capacity;
		fake.list_calls++;
		if (fake.fail_with)
			break;
		if (list->entry_size != sizeof(struct tlsview_task))
			fake.bad_entry_size = 1;
		list->total = fake.group;
		list->count = list->capacity < fake.group ? list->capacity : fake.group;
		for (i = 0; i < list->count; i++) {
			memset(&entries[i], 0, sizeof(entries[i]));
			entries[i].tid = (int)(1000 + i);
			entries[i].tgid = list->tgid;
		}
		if (!fake.growth_calls || fake.list_calls <= fake.growth_calls)
			fake.group += fake.growth;
		return 0;
	}
	default:
		errno = ENOTTY;
		return -1;
	}
	errno = fake.fail_with;
	return -1;
}

static struct tlsview_client *open_fake(uint32_t abi)
{
	struct tlsview_client *client = NULL;
	char msg[256];

	memset(&fake, 0, sizeof(fake));
	fake.abi_version = abi;
	/* The library's open() will get the lowest free descriptor: find it. */
	fake.fd = open("/dev/null", O_RDONLY);
	ck_assert_int_ge(fake.fd, 0);
	close(fake.fd);
	ck_assert_int_eq(tlsview_client_open(&client, "/dev/null", msg, sizeof(msg)), 0);
	ck_assert_int_eq(tlsview_client_fd(client), fake.fd);
	return client;
}

START_TEST(test_enoent_names_the_module)
{
	struct tlsview_client *client = (void *)1;
	char msg[256] = "";

	errno = 0;
	ck_assert_int_eq(tlsview_client_open(&client, "/nonexistent/tlsview", msg, sizeof(msg)),
			 -ENOENT);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_null(client);
	ck_assert_ptr_nonnull(strstr(msg, "tlsview.ko"));
	ck_assert_ptr_nonnull(strstr(msg, "/nonexistent/tlsview"));
	/* A NULL message buffer is fine too. */
	ck_assert_int_eq(tlsview_client_open(&client, "/nonexistent/tlsview", NULL, 0), -ENOENT);
	/* Any other failure is named as it is, without the module hint. */
	msg[0] = 0;
	errno = 0;
	ck_assert_int_eq(tlsview_client_open(&client, "/dev/null/tlsview", msg, sizeof(msg)),
			 -ENOTDIR);
	ck_assert_int_eq(errno, ENOTDIR);
	ck_assert_ptr_null(client);
	ck_assert_str_eq(msg, "cannot open /dev/null/tlsview: Not a directory");
}
END_TEST

/* Only meaningful where the module is not loaded (SKIP otherwise). */
START_TEST(test_default_path_absent)
{
	struct tlsview_client *client = NULL;
	char msg[256] = "";

	ck_assert_int_eq(tlsview_client_open(&client, NULL, msg, sizeof(msg)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(msg, "tlsview.ko"));
	ck_assert_ptr_nonnull(strstr(msg, TLSVIEW_DEVICE_PATH));
}
END_TEST

START_TEST(test_not_the_device)
{
	struct tlsview_client *client = (void *)1;
	char msg[256] = "";

	errno = 0;
	ck_assert_int_eq(tlsview_client_open(&client, "/dev/null", msg, sizeof(msg)), -ENOTTY);
	ck_assert_int_eq(errno, ENOTTY);
	ck_assert_ptr_null(client);
	ck_assert_ptr_nonnull(strstr(msg, "not a tlsview.ko device"));
}
END_TEST

START_TEST(test_bad_arguments)
{
	struct tlsview_client *client = open_fake(TLSVIEW_ABI_VERSION);
	struct tlsview_task task, *tasks;
	struct tlsview_info info;
	struct tlsview_cpu cpu;
	size_t count;

	errno = 0;
	ck_assert_int_eq(tlsview_client_open(NULL, NULL, NULL, 0), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(tlsview_client_info(NULL, &info), -EINVAL);
	ck_assert_int_eq(tlsview_client_info(client, NULL), -EINVAL);
	ck_assert_int_eq(tlsview_client_get_task(NULL, 0, 0, &task), -EINVAL);
	ck_assert_int_eq(tlsview_client_get_task(client, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(tlsview_client_get_cpu(client, 0, NULL), -EINVAL);
	ck_assert_int_eq(tlsview_client_get_cpu(NULL, 0, &cpu), -EINVAL);
	ck_assert_int_eq(tlsview_client_list(client, 0, NULL, &count), -EINVAL);
	ck_assert_int_eq(tlsview_client_list(client, 0, &tasks, NULL), -EINVAL);
	ck_assert_int_eq(tlsview_client_list(NULL, 0, &tasks, &count), -EINVAL);
	ck_assert_int_eq(tlsview_client_fd(NULL), -EINVAL);
	tlsview_client_close(client);
	tlsview_client_close(NULL);
}
END_TEST

START_TEST(test_abi_mismatch)
{
	static const uint32_t others[] = { 0, TLSVIEW_ABI_VERSION + 1, 77 };
	size_t i;

	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		struct tlsview_client *client = (void *)1;
		char msg[256] = "", want[32];
		int fd;

		memset(&fake, 0, sizeof(fake));
		fake.abi_version = others[i];
		fd = open("/dev/null", O_RDONLY);
		close(fd);
		fake.fd = fd;
		errno = 0;
		ck_assert_int_eq(tlsview_client_open(&client, "/dev/null", msg, sizeof(msg)), -EPROTO);
		ck_assert_int_eq(errno, EPROTO);
		ck_assert_ptr_null(client);
		snprintf(want, sizeof(want), "ABI version %u", others[i]);
		ck_assert_msg(strstr(msg, want) != NULL, "message: %s", msg);
		snprintf(want, sizeof(want), "ABI version %d", TLSVIEW_ABI_VERSION);
		ck_assert_msg(strstr(msg, want) != NULL, "message: %s", msg);
		/* The descriptor was closed: the next open gets the same number. */
		fd = open("/dev/null", O_RDONLY);
		ck_assert_int_eq(fd, fake.fd);
		close(fd);
	}
}
END_TEST

START_TEST(test_get_task_and_cpu_pass_through)
{
	struct tlsview_client *client = open_fake(TLSVIEW_ABI_VERSION);
	struct tlsview_task task;
	struct tlsview_cpu cpu;
	struct tlsview_info info;

	ck_assert_int_eq(tlsview_client_info(client, &info), 0);
	ck_assert_uint_eq(info.abi_version, TLSVIEW_ABI_VERSION);
	ck_assert_uint_eq(info.nr_cpu_ids, 4);

	memset(&task, 0xff, sizeof(task));
	ck_assert_int_eq(tlsview_client_get_task(client, 321, TLSVIEW_REQ_SAVED, &task), 0);
	ck_assert_int_eq(fake.last_task.tid, 321);
	ck_assert_uint_eq(fake.last_task.request, TLSVIEW_REQ_SAVED);
	ck_assert_uint_eq(fake.last_task.__pad0, 0);	/* input zeroed beyond tid/request */
	ck_assert_uint_eq(fake.last_task.fsbase, 0);
	ck_assert_int_eq(task.tgid, 1234);
	ck_assert_uint_eq(task.fsbase, 0xf5000);
	ck_assert_uint_eq(task.gsbase, 0x65000);
	ck_assert_str_eq(task.comm, "fake");

	ck_assert_int_eq(tlsview_client_get_cpu(client, 2, &cpu), 0);
	ck_assert_uint_eq(fake.last_cpu, 2);
	ck_assert_uint_eq(cpu.cr4, 0x10002);
	errno = 0;
	ck_assert_int_eq(tlsview_client_get_cpu(client, 4, &cpu), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);

	fake.fail_with = ESRCH;
	errno = 0;
	ck_assert_int_eq(tlsview_client_get_task(client, 999999, 0, &task), -ESRCH);
	ck_assert_int_eq(errno, ESRCH);
	fake.fail_with = EACCES;
	ck_assert_int_eq(tlsview_client_get_task(client, 1, 0, &task), -EACCES);
	tlsview_client_close(client);
}
END_TEST

START_TEST(test_list_counts_then_fetches)
{
	struct tlsview_client *client = open_fake(TLSVIEW_ABI_VERSION);
	struct tlsview_task *tasks = NULL;
	size_t count = 0, i;

	fake.group = 50;
	ck_assert_int_eq(tlsview_client_list(client, 77, &tasks, &count), 0);
	ck_assert_uint_eq(fake.list_calls, 2);
	ck_assert_uint_eq(fake.capacities[0], 0);
	ck_assert_uint_ge(fake.capacities[1], 50);
	ck_assert_uint_eq(fake.bad_entry_size, 0);
	ck_assert_uint_eq(count, 50);
	for (i = 0; i < count; i++) {
		ck_assert_int_eq(tasks[i].tid, (int)(1000 + i));
		ck_assert_int_eq(tasks[i].tgid, 77);
	}
	free(tasks);
	tlsview_client_close(client);
}
END_TEST

START_TEST(test_list_retries_when_group_grows)
{
	struct tlsview_client *client = open_fake(TLSVIEW_ABI_VERSION);
	struct tlsview_task *tasks = NULL;
	size_t count = 0;

	/* Grows by 1000 after each of the first calls, then settles. */
	fake.group = 10;
	fake.growth = 1000;
	fake.growth_calls = 3;
	ck_assert_int_eq(tlsview_client_list(client, 5, &tasks, &count), 0);
	/* 10 -> 1010 -> 2010 -> 3010 seen by calls 1-4; call 5 has room. */
	ck_assert_uint_eq(fake.list_calls, 5);
	ck_assert_uint_eq(fake.capacities[0], 0);
	/* The last call had room for everything it reported. */
	ck_assert_uint_eq(count, 3010);
	ck_assert_uint_eq(fake.group, 3010);
	ck_assert_uint_ge(fake.capacities[fake.list_calls - 1], count);
	ck_assert_int_eq(tasks[count - 1].tid, (int)(1000 + count - 1));
	free(tasks);
	tlsview_client_close(client);
}
END_TEST

START_TEST(test_list_gives_up_on_endless_growth)
{
	struct tlsview_client *client = open_fake(TLSVIEW_ABI_VERSION);
	struct tlsview_task *tasks = (void *)1;
	size_t count = 1;

	fake.group = 10;
	fake.growth = 100000;	/* far more than any slack */
	errno = 0;
	ck_assert_int_eq(tlsview_client_list(client, 5, &tasks, &count), -EAGAIN);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_ptr_null(tasks);
	ck_assert_uint_eq(count, 0);
	ck_assert_uint_le(fake.list_calls, 16);
	tlsview_client_close(client);
}
END_TEST

START_TEST(test_list_empty_and_errors)
{
	struct tlsview_client *client = open_fake(TLSVIEW_ABI_VERSION);
	struct tlsview_task *tasks = (void *)1;
	size_t count = 1;

	fake.group = 0;
	ck_assert_int_eq(tlsview_client_list(client, 5, &tasks, &count), 0);
	ck_assert_ptr_null(tasks);
	ck_assert_uint_eq(count, 0);
	ck_assert_uint_eq(fake.list_calls, 1);

	fake.fail_with = ESRCH;
	errno = 0;
	ck_assert_int_eq(tlsview_client_list(client, 5, &tasks, &count), -ESRCH);
	ck_assert_int_eq(errno, ESRCH);
	tlsview_client_close(client);
}
END_TEST

START_TEST(test_list_into_reuses_the_buffer)
{
	struct tlsview_client *client = open_fake(TLSVIEW_ABI_VERSION);
	struct tlsview_task *buffer = NULL, *first;
	size_t capacity = 0, count = 0;

	fake.group = 50;
	/* No buffer yet: count, then fill. */
	ck_assert_int_eq(tlsview_client_list_into(client, 77, &buffer, &capacity, &count), 0);
	ck_assert_uint_eq(fake.list_calls, 2);
	ck_assert_ptr_nonnull(buffer);
	ck_assert_uint_ge(capacity, 50);
	ck_assert_uint_eq(count, 50);
	first = buffer;

	/* It fits: one ioctl into the same buffer, nothing allocated. */
	ck_assert_int_eq(tlsview_client_list_into(client, 77, &buffer, &capacity, &count), 0);
	ck_assert_uint_eq(fake.list_calls, 3);
	ck_assert_uint_eq(fake.capacities[2], capacity);
	ck_assert_ptr_eq(buffer, first);
	ck_assert_uint_eq(count, 50);
	ck_assert_int_eq(buffer[49].tid, 1049);

	/* The group outgrew it: grown once, then filled. */
	fake.group = 5000;
	ck_assert_int_eq(tlsview_client_list_into(client, 77, &buffer, &capacity, &count), 0);
	ck_assert_uint_eq(fake.list_calls, 5);
	ck_assert_uint_ge(capacity, 5000);
	ck_assert_uint_eq(count, 5000);
	ck_assert_int_eq(buffer[4999].tid, 5999);

	/* A failure leaves the buffer the caller's, intact. */
	fake.fail_with = ESRCH;
	first = buffer;
	ck_assert_int_eq(tlsview_client_list_into(client, 77, &buffer, &capacity, &count), -ESRCH);
	ck_assert_ptr_eq(buffer, first);
	ck_assert_uint_eq(count, 0);
	ck_assert_int_eq(tlsview_client_list_into(client, 77, NULL, &capacity, &count), -EINVAL);
	free(buffer);
	tlsview_client_close(client);
}
END_TEST

/* ---- the real module ---- */

static struct tlsview_client *open_real(void)
{
	struct tlsview_client *client = NULL;
	char msg[256];
	int ret = tlsview_client_open(&client, NULL, msg, sizeof(msg));

	ck_assert_msg(ret == 0, "open: %s", msg);
	return client;
}

START_TEST(test_real_info_and_self)
{
	struct tlsview_client *client = open_real();
	struct tlsview_info info;
	struct tlsview_task task;
	uint64_t fs = 0;

	ck_assert_int_eq(tlsview_client_info(client, &info), 0);
	ck_assert_uint_eq(info.abi_version, TLSVIEW_ABI_VERSION);
	ck_assert_uint_gt(info.nr_cpu_ids, 0);
	/* The kernel advertises HWCAP2_FSGSBASE exactly when it uses FSGSBASE. */
	ck_assert_uint_eq(!!(info.flags & TLSVIEW_INFO_FSGSBASE),
			  !!(getauxval(AT_HWCAP2) & TLSVIEW_HWCAP2_FSGSBASE));

	ck_assert_int_eq(tlsview_set_gs(0x7a5000), 0);
	ck_assert_int_eq(tlsview_client_get_task(client, 0, 0, &task), 0);
	tlsview_get_fs_syscall(&fs);
	ck_assert_int_eq(task.tid, gettid());
	ck_assert_int_eq(task.tgid, getpid());
	ck_assert_uint_eq(task.fsbase, fs);
	ck_assert_uint_eq(task.gsbase, 0x7a5000);
	ck_assert_uint_ne(task.flags & TLSVIEW_TASK_LIVE, 0);
	ck_assert_int_eq(tlsview_client_get_task(client, gettid(), TLSVIEW_REQ_SAVED, &task), 0);
	ck_assert_int_eq(task.tid, gettid());
	tlsview_set_gs(0);

	errno = 0;
	ck_assert_int_eq(tlsview_client_get_task(client, 0x3fffffff, 0, &task), -ESRCH);
	ck_assert_int_eq(errno, ESRCH);
	tlsview_client_close(client);
}
END_TEST

static pthread_barrier_t list_barrier;

static void *idle_thread(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&list_barrier);
	pthread_barrier_wait(&list_barrier);
	return NULL;
}

START_TEST(test_real_list_group)
{
	struct tlsview_client *client = open_real();
	struct tlsview_task *tasks = NULL;
	pthread_t threads[8];
	size_t count = 0, i;
	int found_self = 0;

	pthread_barrier_init(&list_barrier, NULL, 9);
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, idle_thread, NULL), 0);
	pthread_barrier_wait(&list_barrier);
	ck_assert_int_eq(tlsview_client_list(client, getpid(), &tasks, &count), 0);
	pthread_barrier_wait(&list_barrier);
	for (i = 0; i < 8; i++)
		pthread_join(threads[i], NULL);
	ck_assert_uint_eq(count, 9);
	for (i = 0; i < count; i++) {
		ck_assert_int_eq(tasks[i].tgid, getpid());
		found_self += tasks[i].tid == gettid();
	}
	ck_assert_int_eq(found_self, 1);
	free(tasks);
	tlsview_client_close(client);
}
END_TEST

START_TEST(test_real_cpus)
{
	struct tlsview_client *client = open_real();
	struct tlsview_info info;
	struct tlsview_cpu cpu;

	ck_assert_int_eq(tlsview_client_info(client, &info), 0);
	ck_assert_int_eq(tlsview_client_get_cpu(client, 0, &cpu), 0);
	ck_assert_uint_ne(cpu.flags & TLSVIEW_CPU_ONLINE, 0);
	ck_assert_uint_eq(!!(cpu.flags & TLSVIEW_CPU_FSGSBASE), !!(cpu.cr4 & (1ULL << 16)));
	ck_assert_int_eq(tlsview_client_get_cpu(client, info.nr_cpu_ids, &cpu), -EINVAL);
	tlsview_client_close(client);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("client");
	struct stat st;
	int have_device = stat(TLSVIEW_DEVICE_PATH, &st) == 0;
	const char *no_device = have_device ? NULL : "no " TLSVIEW_DEVICE_PATH " (tlsview.ko not loaded)";

	tap_add_test(s, test_enoent_names_the_module, NULL);
	tap_add_test(s, test_default_path_absent,
		     have_device ? TLSVIEW_DEVICE_PATH " exists (module loaded)" : NULL);
	tap_add_test(s, test_not_the_device, NULL);
	tap_add_test(s, test_bad_arguments, NULL);
	tap_add_test(s, test_abi_mismatch, NULL);
	tap_add_test(s, test_get_task_and_cpu_pass_through, NULL);
	tap_add_test(s, test_list_counts_then_fetches, NULL);
	tap_add_test(s, test_list_retries_when_group_grows, NULL);
	tap_add_test(s, test_list_gives_up_on_endless_growth, NULL);
	tap_add_test(s, test_list_empty_and_errors, NULL);
	tap_add_test(s, test_list_into_reuses_the_buffer, NULL);
	tap_add_test(s, test_real_info_and_self, no_device);
	tap_add_test(s, test_real_list_group, no_device);
	tap_add_test(s, test_real_cpus, no_device);
	return tap_run(s);
}

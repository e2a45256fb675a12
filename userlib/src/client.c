// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/* Client of /dev/tlsview (tlsview.ko), ABI 1 of <linux/tlsview.h>. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "internal.h"

struct tlsview_client {
	int fd;
	struct tlsview_info info;
};

/* Listing attempts before giving up on a group that keeps growing. */
#define LIST_ATTEMPTS	8

static void say(char *msg, size_t msg_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *msg, size_t msg_size, const char *fmt, ...)
{
	va_list ap;

	if (!msg || !msg_size)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msg_size, fmt, ap);
	va_end(ap);
}

/* ioctl() that retries when a signal interrupts it; returns 0 or -errno. */
static int do_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, cmd, arg);
	while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

TLSVIEW_EXPORT int tlsview_client_open(struct tlsview_client **clientp, const char *path,
				       char *msg, size_t msg_size)
{
	struct tlsview_client *client;
	int err;

	say(msg, msg_size, "ok");
	if (!clientp) {
		say(msg, msg_size, "tlsview_client_open: no place for the client");
		return tlsview_fail(EINVAL);
	}
	*clientp = NULL;
	if (!path)
		path = TLSVIEW_DEVICE_PATH;

	client = calloc(1, sizeof(*client));
	if (!client) {
		say(msg, msg_size, "out of memory");
		return tlsview_fail(ENOMEM);
	}

	client->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (client->fd < 0) {
		err = errno;
		if (err == ENOENT)
			say(msg, msg_size,
			    "%s does not exist: the tlsview.ko kernel module is not loaded "
			    "(load it with 'modprobe tlsview' or 'insmod tlsview.ko')", path);
		else
			say(msg, msg_size, "cannot open %s: %s", path, strerror(err));
		free(client);
		return tlsview_fail(err);
	}

	err = -do_ioctl(client->fd, TLSVIEW_IOC_INFO, &client->info);
	if (err) {
		if (err == ENOTTY || err == EINVAL)
			say(msg, msg_size, "%s is not a tlsview.ko device (TLSVIEW_IOC_INFO: %s)",
			    path, strerror(err));
		else
			say(msg, msg_size, "%s: TLSVIEW_IOC_INFO failed: %s", path, strerror(err));
		goto fail;
	}
	if (client->info.abi_version != TLSVIEW_ABI_VERSION) {
		say(msg, msg_size,
		    "%s: tlsview.ko speaks ABI version %u but this libtlsview speaks ABI "
		    "version %d; use a module and library from the same release",
		    path, client->info.abi_version, TLSVIEW_ABI_VERSION);
		err = EPROTO;
		goto fail;
	}

	*clientp = client;
	return 0;

fail:
	close(client->fd);
	free(client);
	return tlsview_fail(err);
}

TLSVIEW_EXPORT void tlsview_client_close(struct tlsview_client *client)
{
	if (!client)
		return;
	close(client->fd);
	free(client);
}

TLSVIEW_EXPORT int tlsview_client_fd(const struct tlsview_client *client)
{
	return client ? client->fd : tlsview_fail(EINVAL);
}

TLSVIEW_EXPORT int tlsview_client_info(const struct tlsview_client *client,
				       struct tlsview_info *info)
{
	if (!client || !info)
		return tlsview_fail(EINVAL);
	*info = client->info;
	return 0;
}

TLSVIEW_EXPORT int tlsview_client_get_task(const struct tlsview_client *client, pid_t tid,
					   uint32_t request, struct tlsview_task *task)
{
	int err;

	if (!client || !task)
		return tlsview_fail(EINVAL);
	memset(task, 0, sizeof(*task));
	task->tid = tid;
	task->request = request;
	err = do_ioctl(client->fd, TLSVIEW_IOC_GET_TASK, task);
	return err ? tlsview_fail(-err) : 0;
}

TLSVIEW_EXPORT int tlsview_client_get_cpu(const struct tlsview_client *client, uint32_t cpu,
					  struct tlsview_cpu *out)
{
	int err;

	if (!client || !out)
		return tlsview_fail(EINVAL);
	memset(out, 0, sizeof(*out));
	out->cpu = cpu;
	err = do_ioctl(client->fd, TLSVIEW_IOC_GET_CPU, out);
	return err ? tlsview_fail(-err) : 0;
}

TLSVIEW_EXPORT int tlsview_client_list_into(const struct tlsview_client *client, pid_t tgid,
					    struct tlsview_task **bufferp, size_t *capacityp,
					    size_t *countp)
{
	struct tlsview_task *buffer;
	size_t capacity;
	int attempt, err;

	if (!client || !bufferp || !capacityp || !countp)
		return tlsview_fail(EINVAL);
	buffer = *bufferp;
	capacity = buffer ? *capacityp : 0;
	if (client->info.max_list && capacity > client->info.max_list)
		capacity = client->info.max_list;
	*countp = 0;

	/* A buffer that fits takes one ioctl; a group that outgrew it, more. */
	for (attempt = 0; attempt <= LIST_ATTEMPTS; attempt++) {
		struct tlsview_list list = {
			.tgid = tgid,
			.capacity = (uint32_t)capacity,
			.entry_size = sizeof(struct tlsview_task),
			.entries = (uintptr_t)buffer,
		};
		uint64_t want;
		void *grown;

		err = do_ioctl(client->fd, TLSVIEW_IOC_LIST, &list);
		if (err)
			return tlsview_fail(-err);
		if (list.total <= capacity) {
			*countp = list.count;
			return 0;
		}
		/* Room for the group plus some growth before the next call. */
		want = (uint64_t)list.total + list.total / 8 + 4;
		if (client->info.max_list && want > client->info.max_list)
			want = client->info.max_list;
		if (want <= capacity)
			return tlsview_fail(E2BIG);
		grown = realloc(buffer, (size_t)want * sizeof(*buffer));
		if (!grown)
			return tlsview_fail(ENOMEM);
		buffer = grown;
		capacity = (size_t)want;
		*bufferp = buffer;
		*capacityp = capacity;
	}
	return tlsview_fail(EAGAIN);
}

TLSVIEW_EXPORT int tlsview_client_list(const struct tlsview_client *client, pid_t tgid,
				       struct tlsview_task **tasksp, size_t *countp)
{
	struct tlsview_task *tasks = NULL;
	size_t capacity = 0;
	int err;

	if (!client || !tasksp || !countp)
		return tlsview_fail(EINVAL);
	*tasksp = NULL;
	*countp = 0;
	/* No buffer yet: the first ioctl only counts, then one fills. */
	err = tlsview_client_list_into(client, tgid, &tasks, &capacity, countp);
	if (err || *countp == 0) {
		free(tasks);
		return err;
	}
	*tasksp = tasks;
	return 0;
}

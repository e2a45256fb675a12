/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * tlsview/client.h - a client of /dev/tlsview (the tlsview.ko module).
 *
 * The structures are those of <linux/tlsview.h> (ABI 1), returned as the
 * module fills them. Open the device once and reuse the client; a client
 * may be used by several threads at once (each call is one ioctl on a
 * shared read-only descriptor, plus malloc for listings).
 * None of these are bare-thread safe.
 */
#ifndef _TLSVIEW_CLIENT_H
#define _TLSVIEW_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/tlsview.h>
#include <tlsview/common.h>

TLSVIEW_BEGIN_DECLS

#define TLSVIEW_DEVICE_PATH	"/dev/tlsview"

/* An opaque handle on an open /dev/tlsview. */
struct tlsview_client;

/**
 * tlsview_client_open() - open the device and check its ABI version
 * @clientp:  where the new client is stored on success.
 * @path:     the device node, or NULL for TLSVIEW_DEVICE_PATH.
 * @msg:      a buffer for a sentence explaining a failure, or NULL.
 * @msg_size: its size.
 *
 * Opens the device (O_RDONLY | O_CLOEXEC) and asks TLSVIEW_IOC_INFO.
 * Returns 0, or a negative errno with errno set and @msg filled:
 * -ENOENT (no device node: the message says the tlsview.ko module is not
 * loaded), -EPROTO (the module speaks another ABI version than this
 * library's TLSVIEW_ABI_VERSION; the message gives both), -ENOTTY (the node
 * is not the tlsview device), -EINVAL (NULL @clientp), -ENOMEM, or open(2)'s
 * error (e.g. -EACCES).
 */
int tlsview_client_open(struct tlsview_client **clientp, const char *path,
			char *msg, size_t msg_size);

/**
 * tlsview_client_close() - close the device and free the client
 * @client: the client, or NULL (nothing happens). Never fails.
 */
void tlsview_client_close(struct tlsview_client *client);

/**
 * tlsview_client_fd() - the client's file descriptor (for poll or ioctls
 * the library does not wrap). Returns it; it stays owned by the client.
 */
int tlsview_client_fd(const struct tlsview_client *client);

/**
 * tlsview_client_info() - the module's TLSVIEW_IOC_INFO answer from open
 * @client: the client.
 * @info:   filled with the answer cached when the client was opened.
 * Returns 0, or -EINVAL for NULL arguments (errno set).
 */
int tlsview_client_info(const struct tlsview_client *client, struct tlsview_info *info);

/**
 * tlsview_client_get_task() - the view of one thread (TLSVIEW_IOC_GET_TASK)
 * @client:  the client.
 * @tid:     the thread id, 0 for the calling thread.
 * @request: TLSVIEW_REQ_* bits (TLSVIEW_REQ_SAVED: saved state, no IPI).
 * @task:    filled on success.
 * Returns 0, or a negative errno with errno set: -ESRCH, -EACCES, -EINVAL
 * (as the module reports them, or NULL arguments).
 */
int tlsview_client_get_task(const struct tlsview_client *client, pid_t tid, uint32_t request,
			    struct tlsview_task *task);

/**
 * tlsview_client_list() - the views of a thread group (TLSVIEW_IOC_LIST)
 * @client:  the client.
 * @tgid:    the thread group, 0 for every thread visible to the caller.
 * @tasksp:  on success, a malloc()ed array of the views (free() it); NULL
 *           when there are none.
 * @countp:  on success, the number of views in it.
 *
 * Asks for the count first (capacity 0), then for that many entries, and
 * retries with a bigger buffer when the group grew in between (up to a
 * bounded number of attempts). A caller that lists repeatedly keeps its
 * buffer with tlsview_client_list_into() instead.
 * Returns 0, or a negative errno with errno set: -ESRCH (unknown tgid),
 * -EINVAL (NULL arguments), -ENOMEM, -EAGAIN (the group kept growing faster
 * than it could be listed), or another error the module reports.
 */
int tlsview_client_list(const struct tlsview_client *client, pid_t tgid,
			struct tlsview_task **tasksp, size_t *countp);

/**
 * tlsview_client_list_into() - tlsview_client_list() into a buffer the caller keeps
 * @client:    the client.
 * @tgid:      the thread group, 0 for every thread visible to the caller.
 * @bufferp:   in/out: a malloc()ed array of *@capacityp views, or NULL;
 *             grown with realloc() (and *@bufferp updated) when the group
 *             does not fit. Keep it for the next call; free() it at the end,
 *             also after a failure.
 * @capacityp: in/out: the number of views *@bufferp holds.
 * @countp:    on success, the number of views written to *@bufferp.
 *
 * For callers that list again and again (monitors, benchmarks): once the
 * buffer fits the group, a call is one ioctl and no allocation. A buffer
 * too small is grown to the group's size plus some room, and the call
 * retried (up to a bounded number of attempts).
 * Returns 0, or a negative errno with errno set, as tlsview_client_list().
 */
int tlsview_client_list_into(const struct tlsview_client *client, pid_t tgid,
			     struct tlsview_task **bufferp, size_t *capacityp, size_t *countp);

/**
 * tlsview_client_get_cpu() - one CPU's CR4 and FSGSBASE state
 * @client: the client.
 * @cpu:    the CPU number, below info.nr_cpu_ids.
 * @out:    filled on success.
 * Returns 0, or a negative errno with errno set: -EINVAL (no such CPU, NULL
 * arguments) or another error the module reports.
 */
int tlsview_client_get_cpu(const struct tlsview_client *client, uint32_t cpu,
			   struct tlsview_cpu *out);

TLSVIEW_END_DECLS

#endif /* _TLSVIEW_CLIENT_H */

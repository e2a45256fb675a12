// SPDX-License-Identifier: GPL-2.0
/*
 * stress_reader: a /dev/tlsview client for tools/stress-modload that keeps
 * going while the module is unloaded and loaded again under it.
 *
 *   stress_reader [SECONDS [PAUSE_US]]
 *                 loop until SECONDS pass (0 or none: until SIGTERM),
 *                 pausing PAUSE_US microseconds between rounds (default 1000,
 *                 so that rmmod finds the device closed now and then)
 *
 * Each round opens /dev/tlsview, issues INFO, GET_TASK (itself), GET_CPU 0
 * and LIST (its own group) and closes it. While the device is open the
 * module cannot go, so every ioctl must succeed; an open may fail only the
 * ways a missing module fails (ENOENT: no node, ENODEV/ENXIO: no driver).
 * Prints one line "# stress: reader: ..." with its counts and exits 0, or
 * 1 after the first unexpected result. SIGUSR1 makes it hold off after the
 * current round (device closed) until SIGUSR2: how stress-modload gets an
 * rmmod through on a host too busy for the pauses alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/tlsview.h>

#include "../stress_common.h"

static volatile sig_atomic_t stop;
static volatile sig_atomic_t held_off;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_hold(int sig)
{
	held_off = sig == SIGUSR1;
}

int main(int argc, char **argv)
{
	uint64_t opens = 0, absent = 0, ioctls = 0;
	double end = argc > 1 && atof(argv[1]) > 0 ? stress_now() + atof(argv[1]) : 0;
	useconds_t pause = argc > 2 ? (useconds_t)atoi(argv[2]) : 1000;
	struct tlsview_task entries[8];
	struct tlsview_list list;
	struct tlsview_info info;
	struct tlsview_task view;
	struct tlsview_cpu cpu;
	int fd, status = 0;

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGUSR1, on_hold);
	signal(SIGUSR2, on_hold);
	while (!stop && (!end || stress_now() < end)) {
		if (held_off) {
			usleep(1000);
			continue;
		}
		fd = open("/dev/tlsview", O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno != ENOENT && errno != ENODEV && errno != ENXIO) {
				printf("# stress_reader: open /dev/tlsview: %s\n", strerror(errno));
				status = 1;
				break;
			}
			absent++;
			usleep(1000);
			continue;
		}
		opens++;
		memset(&view, 0, sizeof(view));
		memset(&cpu, 0, sizeof(cpu));
		memset(&list, 0, sizeof(list));
		list.tgid = getpid();
		list.capacity = 8;
		list.entry_size = sizeof(entries[0]);
		list.entries = (uintptr_t)entries;
		if (ioctl(fd, TLSVIEW_IOC_INFO, &info) || info.abi_version != TLSVIEW_ABI_VERSION ||
		    ioctl(fd, TLSVIEW_IOC_GET_TASK, &view) || view.tid != getpid() ||
		    ioctl(fd, TLSVIEW_IOC_GET_CPU, &cpu) ||
		    ioctl(fd, TLSVIEW_IOC_LIST, &list) || list.count != 1) {
			printf("# stress_reader: an ioctl on an open /dev/tlsview failed: %s\n",
			       strerror(errno));
			status = 1;
			close(fd);
			break;
		}
		ioctls += 4;
		close(fd);
		if (pause)
			usleep(pause);
	}
	printf("# stress: reader %d: opens: %" PRIu64 ", ioctls: %" PRIu64
	       ", device absent: %" PRIu64 "%s\n", (int)getpid(), opens, ioctls, absent,
	       status ? ", FAILED" : "");
	return status;
}

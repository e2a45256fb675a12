// SPDX-License-Identifier: GPL-2.0
/*
 * module_compat_32: a 32-bit (-m32 -static) caller of /dev/tlsview, run by
 * selftests/module_compat.c. It checks that INFO, GET_TASK and LIST work
 * through compat_ioctl with the same struct layout, that it is itself
 * reported COMPAT with the GS selector and TLS slot i386 glibc set up, and
 * that a 64-bit thread it is shown (argv[1], a tid) is not COMPAT.
 * It then prints "ready tp=0x... gs=0x..." and waits for EOF on stdin, so
 * the 64-bit test can read it from outside. Exit status 0: all held.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/tlsview.h>

static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("fail: line %d: %s\n", __LINE__, #cond);	\
		failures++;						\
	}								\
} while (0)

int main(int argc, char **argv)
{
	struct tlsview_task v, e[4];
	struct tlsview_list l;
	struct tlsview_info info;
	uint32_t tp;
	uint16_t gs;
	char c;
	int fd, slot;

	_Static_assert(sizeof(struct tlsview_task) == TLSVIEW_TASK_SIZE_TRACER,
		       "one layout for 32 and 64 bits");
	_Static_assert(sizeof(struct tlsview_list) == 32, "list layout");
	asm volatile("mov %%gs, %0" : "=r" (gs));
	asm volatile("mov %%gs:0, %0" : "=r" (tp));

	fd = open("/dev/tlsview", O_RDONLY);
	if (fd < 0) {
		printf("skip: /dev/tlsview: %s\n", strerror(errno));
		return 4;
	}

	CHECK(ioctl(fd, TLSVIEW_IOC_INFO, &info) == 0);
	CHECK(info.abi_version == TLSVIEW_ABI_VERSION);
	CHECK(info.max_list == TLSVIEW_LIST_MAX);

	memset(&v, 0, sizeof(v));
	CHECK(ioctl(fd, TLSVIEW_IOC_GET_TASK, &v) == 0);
	CHECK(v.tid == getpid() && v.tgid == getpid());
	CHECK(v.flags == (TLSVIEW_TASK_LIVE | TLSVIEW_TASK_COMPAT));
	CHECK(v.gsindex == gs && gs != 0);
	CHECK(v.gsbase == tp);
	slot = (gs >> 3) - 12;
	CHECK(slot >= 0 && slot < 3);
	if (slot >= 0 && slot < 3) {
		CHECK(v.tls[slot].entry_number == (uint32_t)(gs >> 3));
		CHECK(v.tls[slot].base_addr == tp);
		CHECK(!(v.tls[slot].flags & TLSVIEW_DESC_EMPTY));
		CHECK(v.tls[slot].flags & TLSVIEW_DESC_SEG_32BIT);
	}

	memset(&l, 0, sizeof(l));
	memset(e, 0xaa, sizeof(e));
	l.tgid = getpid();
	l.capacity = 4;
	l.entry_size = sizeof(e[0]);
	l.entries = (uintptr_t)e;
	CHECK(ioctl(fd, TLSVIEW_IOC_LIST, &l) == 0);
	CHECK(l.count == 1 && l.total == 1);
	CHECK(e[0].tid == getpid());
	CHECK(e[0].flags & TLSVIEW_TASK_COMPAT);
	CHECK(e[0].gsbase == tp);
	CHECK(e[1].tid == (int32_t)0xaaaaaaaa);

	/* Errors travel through compat_ioctl unchanged. */
	v.request = 1U << 7;
	CHECK(ioctl(fd, TLSVIEW_IOC_GET_TASK, &v) == -1 && errno == EINVAL);
	CHECK(ioctl(fd, _IOC(_IOC_READ, TLSVIEW_IOC_MAGIC, 9, 8), &v) == -1 &&
	      errno == ENOTTY);
	l.capacity = TLSVIEW_LIST_MAX + 1;
	CHECK(ioctl(fd, TLSVIEW_IOC_LIST, &l) == -1 && errno == E2BIG);

	if (argc > 1) {
		memset(&v, 0, sizeof(v));
		v.tid = atoi(argv[1]);
		CHECK(ioctl(fd, TLSVIEW_IOC_GET_TASK, &v) == 0);
		CHECK(!(v.flags & TLSVIEW_TASK_COMPAT));
		CHECK(v.fsbase != 0);	/* 64-bit glibc's thread pointer */
	}

	printf("ready tp=0x%x gs=0x%x failures=%d\n", tp, gs, failures);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return failures ? 1 : 0;
}

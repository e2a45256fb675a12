// SPDX-License-Identifier: GPL-2.0
/*
 * A -m32 static program for the selectors selftest: i386 glibc keeps its
 * TLS in a GDT TLS slot through %gs. It prints its %gs selector, the slot
 * that selector names and that slot's base (get_thread_area), checks that
 * its own __thread variable lives inside that segment, then waits for its
 * standard input to close, so that the test can look at it meanwhile.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <asm/ldt.h>

static __thread int tls_marker = 0x1386;

int main(void)
{
	struct user_desc desc;
	uint16_t gs;
	uint32_t gs0;
	char buf[16];

	__asm__ __volatile__("mov %%gs, %0" : "=r" (gs));
	/* The TCB's first word is its own address: the segment's base. */
	__asm__ __volatile__("movl %%gs:0, %0" : "=r" (gs0));
	memset(&desc, 0, sizeof(desc));
	desc.entry_number = gs >> 3;
	if (syscall(SYS_get_thread_area, &desc) != 0)
		return 2;
	if (desc.base_addr != gs0 || tls_marker != 0x1386)
		return 3;
	printf("gs=0x%x entry=%u base=0x%x\n", gs, desc.entry_number, desc.base_addr);
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	return 0;
}

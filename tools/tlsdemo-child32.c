// SPDX-License-Identifier: GPL-2.0
/*
 * tlsdemo-child32: tlsdemo's 32-bit child. i386 glibc keeps each thread's
 * TLS in a GDT TLS slot it fills with set_thread_area and selects through
 * %gs, so tlsview shows this process as COMPAT with a slot in use and a
 * nonzero gsindex. It only touches its TLS and sleeps until killed.
 */
#include <unistd.h>

static __thread volatile int alive = 1;

int main(void)
{
	while (alive)
		pause();
	return 0;
}

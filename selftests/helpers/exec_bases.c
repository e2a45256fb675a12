// SPDX-License-Identifier: GPL-2.0
/*
 * An exec target for the fork_exec selftest: prints this new image's own
 * FS base, GS base (arch_prctl) and FS/GS selectors, in hex, on one line.
 * A custom GS base set before execve must not survive into it.
 */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <asm/prctl.h>
#include <tlsview/arch-x86_64.h>

int main(void)
{
	uint64_t fsbase = 0, gsbase = 0;
	uint16_t fs, gs;

	syscall(SYS_arch_prctl, ARCH_GET_FS, &fsbase);
	syscall(SYS_arch_prctl, ARCH_GET_GS, &gsbase);
	fs = tlsview_arch_fs_selector();
	gs = tlsview_arch_gs_selector();
	printf("%llx %llx %x %x\n", (unsigned long long)fsbase, (unsigned long long)gsbase, fs, gs);
	return 0;
}

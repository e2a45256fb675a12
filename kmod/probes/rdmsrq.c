// SPDX-License-Identifier: GPL-2.0
/* Probe: rdmsrq() reads a 64-bit MSR (rdmsrl() was renamed in 6.16). */
#include <linux/types.h>
#include <asm/msr.h>

u64 tlsview_probe(void);
u64 tlsview_probe(void)
{
	u64 value;

	rdmsrq(MSR_FS_BASE, value);
	return value;
}

// SPDX-License-Identifier: GPL-2.0
/* Probe: dumpability is kept in mm->flags, read by get_dumpable() (to 7.1). */
#include <linux/mm_types.h>
#include <linux/sched/coredump.h>

int tlsview_probe(struct mm_struct *mm);
int tlsview_probe(struct mm_struct *mm)
{
	return get_dumpable(mm) == SUID_DUMP_USER;
}

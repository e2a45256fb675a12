// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The proc_service callbacks glibc's libthread_db calls back into its
 * client with (<proc_service.h>), answered from the target: memory from
 * tlsdata_memory.c, symbols from libdwfl, registers from the thread pointer
 * the caller gave (live) or from NT_PRSTATUS (core). The target is never
 * written to and never stopped: the write, set and stop callbacks refuse.
 *
 * They are exported (libthread_db finds them by name in the global scope),
 * so they are marked TLSVIEW_EXPORT and listed in libtlsview.map.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/reg.h>
#include <sys/user.h>
#include "tlsdata_internal.h"

/* The thread pointer of @lwpid: the thread being asked about, or a core's. */
static bool thread_pointer_of(struct ps_prochandle *target, lwpid_t lwpid, uint64_t *fsbase,
			      uint64_t *gsbase)
{
	size_t i;

	for (i = 0; i < target->core_thread_count; i++) {
		const struct tlsview_tlsdata_core_thread *thread = &target->core_threads[i].public;

		if (thread->tid == lwpid) {
			*fsbase = thread->fsbase;
			*gsbase = thread->gsbase;
			return true;
		}
	}
	if (target->current.tid && target->current.tid == lwpid) {
		*fsbase = target->current.thread_pointer;
		*gsbase = 0;
		return true;
	}
	return false;
}

TLSVIEW_EXPORT ps_err_e ps_pdread(struct ps_prochandle *target, psaddr_t address, void *buffer,
				  size_t size)
{
	return tlsdata_read_memory(target, (uintptr_t)address, buffer, size) ? PS_ERR : PS_OK;
}

TLSVIEW_EXPORT ps_err_e ps_pdwrite(struct ps_prochandle *target, psaddr_t address,
				   const void *buffer, size_t size)
{
	(void)target, (void)address, (void)buffer, (void)size;
	return PS_ERR;
}

TLSVIEW_EXPORT ps_err_e ps_pglobal_lookup(struct ps_prochandle *target, const char *object,
					  const char *name, psaddr_t *address)
{
	uint64_t found;

	/* Like gdb, any object will do: glibc names libpthread or libc by version. */
	(void)object;
	if (tlsdata_global_symbol(target, NULL, name, &found))
		return PS_NOSYM;
	*address = (psaddr_t)(uintptr_t)found;
	return PS_OK;
}

/*
 * A live thread's only register known here is its thread pointer; the rest
 * read as zero (libthread_db on x86-64 asks for no other).
 */
TLSVIEW_EXPORT ps_err_e ps_lgetregs(struct ps_prochandle *target, lwpid_t lwpid,
				    prgregset_t registers)
{
	struct user_regs_struct regs = { 0 };
	uint64_t fsbase, gsbase;
	size_t i;

	for (i = 0; i < target->core_thread_count; i++) {
		if (target->core_threads[i].public.tid == lwpid) {
			memcpy(registers, &target->core_threads[i].regs, sizeof(regs));
			return PS_OK;
		}
	}
	if (!thread_pointer_of(target, lwpid, &fsbase, &gsbase))
		return PS_BADLID;
	regs.fs_base = fsbase;
	regs.gs_base = gsbase;
	memcpy(registers, &regs, sizeof(regs));
	return PS_OK;
}

TLSVIEW_EXPORT ps_err_e ps_lsetregs(struct ps_prochandle *target, lwpid_t lwpid,
				    const prgregset_t registers)
{
	(void)target, (void)lwpid, (void)registers;
	return PS_ERR;
}

TLSVIEW_EXPORT ps_err_e ps_lgetfpregs(struct ps_prochandle *target, lwpid_t lwpid,
				      prfpregset_t *registers)
{
	(void)target, (void)lwpid, (void)registers;
	return PS_ERR;
}

TLSVIEW_EXPORT ps_err_e ps_lsetfpregs(struct ps_prochandle *target, lwpid_t lwpid,
				      const prfpregset_t *registers)
{
	(void)target, (void)lwpid, (void)registers;
	return PS_ERR;
}

TLSVIEW_EXPORT pid_t ps_getpid(struct ps_prochandle *target)
{
	return target->pid;
}

/*
 * How x86-64's libthread_db finds a thread's struct pthread: the FS base,
 * asked as ps_get_thread_area(FS) (its DB_THREAD_SELF is CONST_THREAD_AREA).
 */
TLSVIEW_EXPORT ps_err_e ps_get_thread_area(struct ps_prochandle *target, lwpid_t lwpid, int index,
					   psaddr_t *base)
{
	uint64_t fsbase, gsbase;

	if (!thread_pointer_of(target, lwpid, &fsbase, &gsbase))
		return PS_BADLID;
	if (index == FS)
		*base = (psaddr_t)(uintptr_t)fsbase;
	else if (index == GS)
		*base = (psaddr_t)(uintptr_t)gsbase;
	else
		return PS_BADADDR;
	return PS_OK;
}

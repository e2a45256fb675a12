// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Description: tlsdata's contract at its edges, on this very process: bad
 * arguments and a process that is gone get their errno and a sentence;
 * a running process has no core threads; and the proc_service callbacks
 * libthread_db calls back into (<proc_service.h>) answer as documented:
 * memory and symbols from the target, the asked thread's thread pointer
 * as its FS base, every write, register set and FP register read refused.
 * (tools/tests/tlsdata tests what the lookups return through tlsview.)
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reg.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <tlsview/tlsview.h>
#include "../src/tlsdata_internal.h"
#include "tap.h"

/* A symbol of this executable for ps_pglobal_lookup to find. */
volatile uint64_t tlsdata_api_marker = 0x7e57c0de5eed;

static struct tlsview_tlsdata *open_self(void)
{
	struct tlsview_tlsdata *data = NULL;
	char error[256] = "";

	ck_assert_msg(tlsview_tlsdata_open_process(&data, getpid(), error, sizeof(error)) == 0,
		      "open_process(self): %s", error);
	ck_assert_ptr_nonnull(data);
	return data;
}

START_TEST(test_bad_arguments)
{
	struct tlsview_tlsdata *data = NULL;
	struct tlsview_tlsdata_core_thread thread;
	char error[256];

	error[0] = 0;
	errno = 0;
	ck_assert_int_eq(tlsview_tlsdata_open_process(NULL, getpid(), error, sizeof(error)),
			 -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(error, "no process given");
	ck_assert_int_eq(tlsview_tlsdata_open_process(&data, 0, NULL, 0), -EINVAL);
	ck_assert_ptr_null(data);

	error[0] = 0;
	errno = 0;
	ck_assert_int_eq(tlsview_tlsdata_open_core(&data, NULL, NULL, error, sizeof(error)),
			 -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(error, "no core file given");
	ck_assert_ptr_null(data);

	ck_assert(!tlsview_tlsdata_glibc(NULL));
	ck_assert_uint_eq(tlsview_tlsdata_core_threads(NULL), 0);
	errno = 0;
	ck_assert_int_eq(tlsview_tlsdata_core_thread(NULL, 0, &thread), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	tlsview_tlsdata_close(NULL);
}
END_TEST

/* A child that has exited and been reaped: its id names no process. */
START_TEST(test_process_gone)
{
	struct tlsview_tlsdata *data = NULL;
	char error[256] = "", want[64];
	pid_t child = fork();

	ck_assert_int_ge(child, 0);
	if (child == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(child, NULL, 0), child);
	errno = 0;
	ck_assert_int_eq(tlsview_tlsdata_open_process(&data, child, error, sizeof(error)), -ESRCH);
	ck_assert_int_eq(errno, ESRCH);
	ck_assert_ptr_null(data);
	snprintf(want, sizeof(want), "process %d: no such process", child);
	ck_assert_str_eq(error, want);
}
END_TEST

/* A running process has no threads from a core. */
START_TEST(test_running_process)
{
	struct tlsview_tlsdata *data = open_self();
	struct tlsview_tlsdata_core_thread thread;

	ck_assert_uint_eq(tlsview_tlsdata_core_threads(data), 0);
	errno = 0;
	ck_assert_int_eq(tlsview_tlsdata_core_thread(data, 0, &thread), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(tlsview_tlsdata_core_thread(data, 0, NULL), -EINVAL);
	tlsview_tlsdata_close(data);
}
END_TEST

START_TEST(test_proc_service_memory_and_symbols)
{
	struct tlsview_tlsdata *data = open_self();
	struct ps_prochandle *target = &data->process;
	psaddr_t address = 0;
	uint64_t value = 0;

	ck_assert_int_eq(ps_getpid(target), getpid());
	ck_assert_int_eq(ps_pglobal_lookup(target, NULL, "tlsdata_api_marker", &address), PS_OK);
	ck_assert_ptr_eq((void *)address, (void *)&tlsdata_api_marker);
	ck_assert_int_eq(ps_pdread(target, address, &value, sizeof(value)), PS_OK);
	ck_assert_uint_eq(value, tlsdata_api_marker);
	ck_assert_int_eq(ps_pglobal_lookup(target, "libc.so.6", "tlsdata_api_no_such_symbol",
					   &address), PS_NOSYM);
	/* Page zero is never mapped. */
	ck_assert_int_eq(ps_pdread(target, (psaddr_t)8, &value, sizeof(value)), PS_ERR);
	/* The target is only read. */
	value = 0;
	ck_assert_int_eq(ps_pdwrite(target, (psaddr_t)&tlsdata_api_marker, &value, sizeof(value)),
			 PS_ERR);
	ck_assert_uint_eq(tlsdata_api_marker, 0x7e57c0de5eed);
	tlsview_tlsdata_close(data);
}
END_TEST

START_TEST(test_proc_service_registers)
{
	struct tlsview_tlsdata *data = open_self();
	struct ps_prochandle *target = &data->process;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	struct user_regs_struct regs, zero;
	prgregset_t gregs;
	prfpregset_t fpregs;
	psaddr_t base = 0;
	uint64_t fsbase = 0;

	ck_assert_int_eq(syscall(SYS_arch_prctl, ARCH_GET_FS, &fsbase), 0);
	/* No thread asked about yet: no thread is known. */
	ck_assert_int_eq(ps_get_thread_area(target, tid, FS, &base), PS_BADLID);
	ck_assert_int_eq(ps_lgetregs(target, tid, gregs), PS_BADLID);

	/* What a lookup for this thread sets before calling libthread_db. */
	target->current.tid = tid;
	target->current.thread_pointer = fsbase;
	ck_assert_int_eq(ps_get_thread_area(target, tid, FS, &base), PS_OK);
	ck_assert_ptr_eq((void *)base, (void *)(uintptr_t)fsbase);
	ck_assert_int_eq(ps_get_thread_area(target, tid, GS, &base), PS_OK);
	ck_assert_ptr_null((void *)base);
	ck_assert_int_eq(ps_get_thread_area(target, tid, 99, &base), PS_BADADDR);
	ck_assert_int_eq(ps_get_thread_area(target, tid + 1, FS, &base), PS_BADLID);

	/* Its thread pointer as the FS base, every other register zero. */
	memset(gregs, 0xa5, sizeof(gregs));
	ck_assert_int_eq(ps_lgetregs(target, tid, gregs), PS_OK);
	memcpy(&regs, gregs, sizeof(regs));
	ck_assert_uint_eq(regs.fs_base, fsbase);
	memset(&zero, 0, sizeof(zero));
	zero.fs_base = fsbase;
	ck_assert_mem_eq(&regs, &zero, sizeof(regs));

	ck_assert_int_eq(ps_lsetregs(target, tid, gregs), PS_ERR);
	ck_assert_int_eq(ps_lgetfpregs(target, tid, &fpregs), PS_ERR);
	ck_assert_int_eq(ps_lsetfpregs(target, tid, &fpregs), PS_ERR);
	tlsview_tlsdata_close(data);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tlsdata_api");

	tap_add_test(s, test_bad_arguments, NULL);
	tap_add_test(s, test_process_gone, NULL);
	tap_add_test(s, test_running_process, NULL);
	tap_add_test(s, test_proc_service_memory_and_symbols, NULL);
	tap_add_test(s, test_proc_service_registers, NULL);
	return tap_run(s);
}

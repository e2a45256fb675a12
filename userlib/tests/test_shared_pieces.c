// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Description: the pieces several layers share. The debugfs tasks parser
 * finds columns by their header names (any order, extra columns ignored),
 * decodes flags, bases, selectors and TLS slots as the ABI prints them,
 * and refuses (EPROTO) a non-header, a missing column, a short line and
 * a bad number; tlsview_tasks_find() reads a file and says ESRCH for a
 * thread it lacks. The ptrace reader returns, for a stopped child, the
 * bases the child set and its empty TLS slots; the user_desc fillers and
 * set/get_thread_area through int $0x80 fill a slot that reads back the
 * same (SKIP without ia32 emulation); tlsview_desc_from_user_desc()
 * encodes flags as the module does.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>
#include <tlsview/tlsview.h>
#include "tap.h"

#define HEADER "# tgid tid cpu flags fsbase gsbase fsindex gsindex tls12 tls13 tls14 comm\n"

START_TEST(test_tasks_line_as_printed)
{
	struct tlsview_tasks_columns columns;
	struct tlsview_task task;

	ck_assert_int_eq(tlsview_tasks_parse_header(HEADER, &columns), 0);
	ck_assert_int_eq(tlsview_tasks_parse_line(&columns,
		"412 415 1 saved,compat 0x00007f3a1c7fe6c0 0x00000000f7f00000 0x002b 0x0063 "
		"0xf7f00000:0xfffff:0x51 - - my\\040worker\n", &task), 0);
	ck_assert_int_eq(task.tgid, 412);
	ck_assert_int_eq(task.tid, 415);
	ck_assert_uint_eq(task.cpu, 1);
	ck_assert_uint_eq(task.flags, TLSVIEW_TASK_COMPAT);
	ck_assert_uint_eq(task.fsbase, 0x00007f3a1c7fe6c0ULL);
	ck_assert_uint_eq(task.gsbase, 0xf7f00000ULL);
	ck_assert_uint_eq(task.fsindex, 0x2b);
	ck_assert_uint_eq(task.gsindex, 0x63);
	ck_assert_uint_eq(task.tls[0].entry_number, 12);
	ck_assert_uint_eq(task.tls[0].base_addr, 0xf7f00000U);
	ck_assert_uint_eq(task.tls[0].limit, 0xfffff);
	ck_assert_uint_eq(task.tls[0].flags, 0x51);
	ck_assert_uint_eq(task.tls[1].entry_number, 13);
	ck_assert_uint_eq(task.tls[1].flags, TLSVIEW_DESC_EMPTY);
	ck_assert_uint_eq(task.tls[2].flags, TLSVIEW_DESC_EMPTY);
	ck_assert_str_eq(task.comm, "my\\040worker");

	ck_assert_int_eq(tlsview_tasks_parse_line(&columns,
		"2 2 0 live,kthread 0x0000000000000000 0x0000000000000000 0x0000 0x0000 - - - "
		"kthreadd", &task), 0);
	ck_assert_uint_eq(task.flags, TLSVIEW_TASK_LIVE | TLSVIEW_TASK_KTHREAD);
}
END_TEST

/* A reader finds a column by its header name (ABI.md section 3). */
START_TEST(test_tasks_columns_by_name)
{
	struct tlsview_tasks_columns columns;
	struct tlsview_task task;

	ck_assert_int_eq(tlsview_tasks_parse_header(
		"# tid tgid flags cpu gsbase fsbase gsindex fsindex tls12 tls13 tls14 comm later\n",
		&columns), 0);
	ck_assert_int_eq(tlsview_tasks_parse_line(&columns,
		"7 5 live 3 0x2 0x1 0x0004 0x0003 - - - x extra", &task), 0);
	ck_assert_int_eq(task.tid, 7);
	ck_assert_int_eq(task.tgid, 5);
	ck_assert_uint_eq(task.cpu, 3);
	ck_assert_uint_eq(task.fsbase, 1);
	ck_assert_uint_eq(task.gsbase, 2);
	ck_assert_uint_eq(task.fsindex, 3);
	ck_assert_uint_eq(task.gsindex, 4);
}
END_TEST

START_TEST(test_tasks_bad_input)
{
	struct tlsview_tasks_columns columns;
	struct tlsview_task task;
	char long_line[1100];

	errno = 0;
	ck_assert_int_eq(tlsview_tasks_parse_header("412 415 1 live", &columns), -EPROTO);
	ck_assert_int_eq(errno, EPROTO);
	ck_assert_int_eq(tlsview_tasks_parse_header("# tgid tid cpu flags fsbase", &columns),
			 -EPROTO);
	/* Longer than any line the module writes (ABI.md: about 130 characters). */
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[0] = '#';
	long_line[sizeof(long_line) - 1] = '\0';
	ck_assert_int_eq(tlsview_tasks_parse_header(long_line, &columns), -EPROTO);
	ck_assert_int_eq(tlsview_tasks_parse_header(HEADER, &columns), 0);
	ck_assert_int_eq(tlsview_tasks_parse_line(&columns, HEADER, &task), -EPROTO);
	ck_assert_int_eq(tlsview_tasks_parse_line(&columns, "412 415 1 live 0x1", &task), -EPROTO);
	ck_assert_int_eq(tlsview_tasks_parse_line(&columns,
		"412 x15 1 live 0x1 0x2 0x0 0x0 - - - c", &task), -EPROTO);
	ck_assert_int_eq(tlsview_tasks_parse_line(&columns,
		"412 415 1 running 0x1 0x2 0x0 0x0 - - - c", &task), -EPROTO);
	ck_assert_int_eq(tlsview_tasks_parse_line(&columns,
		"412 415 1 live 0x1 0x2 0x0 0x0 0x1:0x2 - - c", &task), -EPROTO);
}
END_TEST

START_TEST(test_tasks_find_in_a_file)
{
	char path[] = "/tmp/tlsview-tasks-XXXXXX";
	struct tlsview_task task;
	FILE *file;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	file = fdopen(fd, "w");
	ck_assert_ptr_nonnull(file);
	fputs(HEADER, file);
	fputs("1 1 0 saved 0x0000000000000011 0x0000000000000000 0x0000 0x0000 - - - init\n", file);
	fputs("1 9 1 saved 0x0000000000000099 0x0000000000000000 0x0000 0x0000 - - - t9\n", file);
	fclose(file);
	ck_assert_int_eq(tlsview_tasks_find(path, 9, &task), 0);
	ck_assert_uint_eq(task.fsbase, 0x99);
	ck_assert_str_eq(task.comm, "t9");
	errno = 0;
	ck_assert_int_eq(tlsview_tasks_find(path, 8, &task), -ESRCH);
	ck_assert_int_eq(errno, ESRCH);
	errno = 0;
	ck_assert_int_eq(tlsview_tasks_find(path, 9, NULL), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
	unlink(path);
	ck_assert_int_eq(tlsview_tasks_find(path, 9, &task), -ENOENT);
}
END_TEST

START_TEST(test_desc_encoding)
{
	struct user_desc user;
	struct tlsview_desc desc;

	tlsview_user_desc_fill(&user, 13, 0x1000, 0xfffff, true);
	ck_assert_uint_eq(user.seg_32bit, 1);
	ck_assert_uint_eq(user.limit_in_pages, 1);
	ck_assert_uint_eq(user.useable, 1);
	ck_assert_uint_eq(user.seg_not_present, 0);
	tlsview_desc_from_user_desc(&user, &desc);
	ck_assert_uint_eq(desc.entry_number, 13);
	ck_assert_uint_eq(desc.base_addr, 0x1000);
	ck_assert_uint_eq(desc.limit, 0xfffff);
	ck_assert_uint_eq(desc.flags, TLSVIEW_DESC_SEG_32BIT | TLSVIEW_DESC_LIMIT_IN_PAGES |
				      TLSVIEW_DESC_USEABLE);
	tlsview_user_desc_fill_empty(&user, 14);
	tlsview_desc_from_user_desc(&user, &desc);
	ck_assert_uint_eq(desc.entry_number, 14);
	ck_assert_uint_eq(desc.flags, TLSVIEW_DESC_EMPTY);

	/* The bits a TLS slot holds rarely (an LDT entry may): each maps to its flag. */
	tlsview_user_desc_fill(&user, 12, 0x2000, 0x10, false);
	user.read_exec_only = 1;
	user.contents = 1;
	tlsview_desc_from_user_desc(&user, &desc);
	ck_assert_uint_eq(desc.flags, TLSVIEW_DESC_SEG_32BIT | TLSVIEW_DESC_READ_EXEC_ONLY |
				      TLSVIEW_DESC_USEABLE | 1U << TLSVIEW_DESC_CONTENTS_SHIFT);
	tlsview_user_desc_fill(&user, 12, 0x2000, 0x10, false);
	user.seg_not_present = 1;
	user.lm = 1;
	tlsview_desc_from_user_desc(&user, &desc);
	ck_assert_uint_eq(desc.flags, TLSVIEW_DESC_SEG_32BIT | TLSVIEW_DESC_SEG_NOT_PRESENT |
				      TLSVIEW_DESC_USEABLE | TLSVIEW_DESC_LM);
}
END_TEST

/* set_thread_area fills a slot whose selector then gives its base. */
START_TEST(test_ia32_slot_round_trip)
{
	struct user_desc *desc = tlsview_map_low(4096);
	uint64_t *block = tlsview_map_low(4096);
	uint16_t selector;
	unsigned int entry;

	ck_assert_ptr_nonnull(desc);
	ck_assert_ptr_nonnull(block);
	ck_assert_uint_lt((uintptr_t)desc, 1ULL << 32);
	block[1] = 0x5e1ec7ed;
	tlsview_user_desc_fill(desc, -1, (uint32_t)(uintptr_t)block, 0xfffff, true);
	ck_assert_int_eq(tlsview_ia32_set_thread_area(desc), 0);
	entry = desc->entry_number;
	ck_assert_uint_ge(entry, TLSVIEW_TLS_ENTRY_MIN);
	ck_assert_uint_le(entry, TLSVIEW_TLS_ENTRY_MAX);
	memset(desc, 0, sizeof(*desc));
	desc->entry_number = entry;
	ck_assert_int_eq(tlsview_ia32_get_thread_area(desc), 0);
	ck_assert_uint_eq(desc->base_addr, (uint32_t)(uintptr_t)block);
	selector = TLSVIEW_TLS_SELECTOR(entry);
	tlsview_arch_load_gs_selector(selector);
	ck_assert_uint_eq(tlsview_arch_gs_selector(), selector);
	ck_assert_uint_eq(tlsview_arch_gs_read64(8), 0x5e1ec7ed);
	/* Freeing the slot zeroes the GS selector that referenced it. */
	tlsview_user_desc_fill_empty(desc, entry);
	ck_assert_int_eq(tlsview_ia32_set_thread_area(desc), 0);
	ck_assert_uint_eq(tlsview_arch_gs_selector(), 0);
	munmap(desc, 4096);
	munmap(block, 4096);
}
END_TEST

/* The child sets its bases, stops itself; the tracer must read them. */
START_TEST(test_tracee_reads_a_stopped_child)
{
	const uint64_t gs = 0x4b0000001000ULL;
	struct tlsview_task task;
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (tlsview_set_gs_syscall(gs) != 0)
			_exit(2);
		raise(SIGSTOP);
		_exit(0);
	}
	ck_assert_int_eq(ptrace(PTRACE_SEIZE, pid, NULL, NULL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSTOPPED(status));
	ck_assert_int_eq(tlsview_tracee_read(pid, &task), 0);
	ck_assert_int_eq(task.tid, pid);
	ck_assert_uint_eq(task.gsbase, gs);
	ck_assert_uint_eq(task.fsbase, (uint64_t)(uintptr_t)tlsview_thread_pointer());
	ck_assert_uint_eq(task.flags & TLSVIEW_TASK_COMPAT, 0);
	ck_assert_uint_eq(task.tls[0].entry_number, TLSVIEW_TLS_ENTRY_MIN);
	ck_assert_uint_eq(task.tls[0].flags, TLSVIEW_DESC_EMPTY);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	/* Not our tracee any more: ESRCH, as ptrace says. */
	ck_assert_int_eq(tlsview_tracee_read(pid, &task), -ESRCH);
}
END_TEST

static const char *ptrace_unavailable(void)
{
	int status;
	pid_t pid = fork();
	long ret;

	if (pid == 0) {
		pause();
		_exit(0);
	}
	ret = ptrace(PTRACE_SEIZE, pid, NULL, NULL);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return ret == 0 ? NULL : "ptrace(PTRACE_SEIZE) of a child not allowed here";
}

int main(void)
{
	Suite *s = suite_create("shared_pieces");

	tap_add_test(s, test_tasks_line_as_printed, NULL);
	tap_add_test(s, test_tasks_columns_by_name, NULL);
	tap_add_test(s, test_tasks_bad_input, NULL);
	tap_add_test(s, test_tasks_find_in_a_file, NULL);
	tap_add_test(s, test_desc_encoding, NULL);
	tap_add_test(s, test_ia32_slot_round_trip,
		     tlsview_have_ia32() ? NULL : "no ia32 emulation (int $0x80)");
	tap_add_test(s, test_tracee_reads_a_stopped_child, ptrace_unavailable());
	return tap_run(s);
}

// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Description: FSGSBASE detection and the FS/GS base on both paths
 * (rd/wr*base and arch_prctl), cross-checked with glibc's own syscall(),
 * pthread_self() and %fs:0.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <tlsview/tlsview.h>
#include "tap.h"

static const char *no_fsgsbase_reason;

/* Reference readers, independent of the library. */
static uint64_t ref_get(int code)
{
	uint64_t base = 0xdeadbeef;

	ck_assert_int_eq(syscall(SYS_arch_prctl, code, &base), 0);
	return base;
}

static void ref_set(int code, uint64_t base)
{
	ck_assert_int_eq(syscall(SYS_arch_prctl, code, base), 0);
}

START_TEST(test_probe_matches_hwcap2)
{
	int expected = (getauxval(AT_HWCAP2) & (1UL << 1)) ? TLSVIEW_PATH_INSN : TLSVIEW_PATH_SYSCALL;

	if (getenv("TLSVIEW_NO_FSGSBASE"))
		expected = TLSVIEW_PATH_SYSCALL;
	/* Decided by the constructor, before any call. */
	ck_assert_int_eq(tlsview_fsgs_path_decided, expected);
	ck_assert_int_eq(tlsview_fsgs_probe(), expected);
	ck_assert_int_eq(tlsview_fsgs_probe(), expected);
	ck_assert_int_eq(tlsview_have_fsgsbase(), expected == TLSVIEW_PATH_INSN);
	ck_assert_str_eq(tlsview_version(), TLSVIEW_VERSION_STRING);
}
END_TEST

/* Run this program again with TLSVIEW_NO_FSGSBASE=1; it prints its path. */
START_TEST(test_env_forces_syscall_path)
{
	int pipefd[2], status;
	char buf[16] = "";
	pid_t pid;

	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(pipefd[1], 1);
		setenv("TLSVIEW_NO_FSGSBASE", "1", 1);
		setenv("TLSVIEW_TEST_PRINT_PATH", "1", 1);
		execl("/proc/self/exe", "test_fsgs", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	ck_assert_int_gt(read(pipefd[0], buf, sizeof(buf) - 1), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(atoi(buf), TLSVIEW_PATH_SYSCALL);
}
END_TEST

/*
 * The dispatching calls on their arch_prctl path, on this machine too: this
 * whole program again, with TLSVIEW_NO_FSGSBASE=1; it must pass.
 */
START_TEST(test_whole_suite_on_syscall_path)
{
	int pipefd[2], status;
	static char out[16384];
	size_t used = 0;
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(pipefd[1], 1);
		setenv("TLSVIEW_NO_FSGSBASE", "1", 1);
		execl("/proc/self/exe", "test_fsgs", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], out + used, sizeof(out) - 1 - used)) > 0)
		used += (size_t)n;
	out[used] = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "sub-run failed:\n%s", out);
	ck_assert_msg(strstr(out, " 0 failed") != NULL, "sub-run output:\n%s", out);
	ck_assert_msg(strstr(out, "ok 1 - test_probe_matches_hwcap2") != NULL, "%s", out);
}
END_TEST

START_TEST(test_get_fs_all_views_agree)
{
	uint64_t ref = ref_get(ARCH_GET_FS), via_syscall = 0;

	ck_assert_uint_ne(ref, 0);
	ck_assert_int_eq(tlsview_get_fs_syscall(&via_syscall), 0);
	ck_assert_uint_eq(via_syscall, ref);
	ck_assert_uint_eq(tlsview_get_fs(), ref);
	ck_assert_uint_eq((uintptr_t)tlsview_thread_pointer(), ref);
	ck_assert_uint_eq((uintptr_t)pthread_self(), ref);
}
END_TEST

/* Byte loads and stores at an offset from the FS base reach this thread's __thread data. */
static __thread volatile uint8_t fs_bytes[4] = { 1, 2, 3, 4 };

START_TEST(test_fs_byte_access)
{
	long offset = (long)((uintptr_t)&fs_bytes[2] - (uintptr_t)tlsview_thread_pointer());

	ck_assert_uint_eq(tlsview_arch_fs_read8(offset), 3);
	tlsview_arch_fs_write8(offset, 0xa7);
	ck_assert_uint_eq(fs_bytes[2], 0xa7);
	ck_assert_uint_eq(tlsview_arch_fs_read8(offset), 0xa7);
	ck_assert_uint_eq(fs_bytes[1], 2);
	ck_assert_uint_eq(fs_bytes[3], 4);
}
END_TEST

START_TEST(test_get_fs_insn_agrees)
{
	uint64_t ref = ref_get(ARCH_GET_FS);

	ck_assert_uint_eq(tlsview_get_fs_insn(), ref);
}
END_TEST

/*
 * Switch FS to a tlsview TCB by one path, read it by every path, switch
 * back; nothing between the two switches may use libc's TLS.
 */
enum fs_setter { SET_SYSCALL, SET_INSN, SET_DISPATCH };

static void fs_roundtrip(enum fs_setter how)
{
	struct tlsview_tcb *tcb = tlsview_tcb_create(NULL);
	uint64_t old = ref_get(ARCH_GET_FS), seen_syscall = 0, seen_raw = 0;
	uint64_t seen_dispatch, seen_insn = 0, after = 0;
	void *seen_tp;
	int ret = -1, restored;

	ck_assert_ptr_nonnull(tcb);
	switch (how) {
	case SET_SYSCALL: ret = tlsview_set_fs_syscall((uintptr_t)tcb->tp); break;
	case SET_INSN: tlsview_set_fs_insn((uintptr_t)tcb->tp); ret = 0; break;
	case SET_DISPATCH: ret = tlsview_set_fs((uintptr_t)tcb->tp); break;
	}
	tlsview_get_fs_syscall(&seen_syscall);
	tlsview_sys_arch_prctl(ARCH_GET_FS, (unsigned long)&seen_raw);
	seen_dispatch = tlsview_get_fs();
	if (tlsview_have_fsgsbase())
		seen_insn = tlsview_get_fs_insn();
	seen_tp = tlsview_thread_pointer();
	restored = tlsview_set_fs_syscall(old);
	tlsview_get_fs_syscall(&after);

	ck_assert_int_eq(restored, 0);
	ck_assert_uint_eq(after, old);
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(seen_syscall, (uintptr_t)tcb->tp);
	ck_assert_uint_eq(seen_raw, (uintptr_t)tcb->tp);
	ck_assert_uint_eq(seen_dispatch, (uintptr_t)tcb->tp);
	ck_assert_ptr_eq(seen_tp, tcb->tp);
	if (tlsview_have_fsgsbase())
		ck_assert_uint_eq(seen_insn, (uintptr_t)tcb->tp);
	tlsview_tcb_destroy(tcb);
}

START_TEST(test_set_fs_syscall) { fs_roundtrip(SET_SYSCALL); } END_TEST
START_TEST(test_set_fs_dispatch) { fs_roundtrip(SET_DISPATCH); } END_TEST
START_TEST(test_set_fs_insn) { fs_roundtrip(SET_INSN); } END_TEST

static const uint64_t gs_values[] = {
	0x1000, 0x7fffdead0000, 0x123456789a, 0x7fffffffe000, 0,
};

START_TEST(test_gs_syscall_path)
{
	size_t i;

	for (i = 0; i < sizeof(gs_values) / sizeof(gs_values[0]); i++) {
		uint64_t got = 1;

		ck_assert_int_eq(tlsview_set_gs_syscall(gs_values[i]), 0);
		ck_assert_uint_eq(ref_get(ARCH_GET_GS), gs_values[i]);
		ck_assert_int_eq(tlsview_get_gs_syscall(&got), 0);
		ck_assert_uint_eq(got, gs_values[i]);
		ck_assert_uint_eq(tlsview_get_gs(), gs_values[i]);

		ref_set(ARCH_SET_GS, gs_values[i] ^ 0x5000);
		ck_assert_int_eq(tlsview_get_gs_syscall(&got), 0);
		ck_assert_uint_eq(got, gs_values[i] ^ 0x5000);
	}
	ref_set(ARCH_SET_GS, 0);
}
END_TEST

START_TEST(test_gs_dispatch)
{
	size_t i;

	for (i = 0; i < sizeof(gs_values) / sizeof(gs_values[0]); i++) {
		ck_assert_int_eq(tlsview_set_gs(gs_values[i]), 0);
		ck_assert_uint_eq(ref_get(ARCH_GET_GS), gs_values[i]);
		ck_assert_uint_eq(tlsview_get_gs(), gs_values[i]);
		ref_set(ARCH_SET_GS, gs_values[i] + 0x40);
		ck_assert_uint_eq(tlsview_get_gs(), gs_values[i] + 0x40);
	}
	ref_set(ARCH_SET_GS, 0);
}
END_TEST

/* Instruction writes seen by the kernel, syscall writes seen by rdgsbase. */
START_TEST(test_gs_insn_path)
{
	size_t i;

	for (i = 0; i < sizeof(gs_values) / sizeof(gs_values[0]); i++) {
		uint64_t got = 1;

		tlsview_set_gs_insn(gs_values[i]);
		ck_assert_uint_eq(tlsview_get_gs_insn(), gs_values[i]);
		ck_assert_uint_eq(ref_get(ARCH_GET_GS), gs_values[i]);
		ck_assert_int_eq(tlsview_get_gs_syscall(&got), 0);
		ck_assert_uint_eq(got, gs_values[i]);

		ck_assert_int_eq(tlsview_set_gs_syscall(gs_values[i] | 0x800), 0);
		ck_assert_uint_eq(tlsview_get_gs_insn(), gs_values[i] | 0x800);
	}
	tlsview_set_gs_insn(0);
	ck_assert_uint_eq(ref_get(ARCH_GET_GS), 0);
}
END_TEST

/* Bases outside user space: -EPERM on every path, base unchanged, errno untouched. */
START_TEST(test_bad_bases)
{
	static const uint64_t bad[] = {
		1ULL << 63, 0xffff800000000000ULL, 1ULL << 56, 0xffffffffffffffffULL,
	};
	uint64_t fs = ref_get(ARCH_GET_FS);
	size_t i;

	ref_set(ARCH_SET_GS, 0x4000);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 4242;
		ck_assert_int_eq(tlsview_set_gs(bad[i]), -EPERM);
		ck_assert_int_eq(tlsview_set_gs_syscall(bad[i]), -EPERM);
		ck_assert_int_eq(tlsview_set_fs(bad[i]), -EPERM);
		ck_assert_int_eq(tlsview_set_fs_syscall(bad[i]), -EPERM);
		ck_assert_int_eq(errno, 4242);
		ck_assert_uint_eq(ref_get(ARCH_GET_GS), 0x4000);
		ck_assert_uint_eq(ref_get(ARCH_GET_FS), fs);
	}
	errno = 4242;
	ck_assert_int_eq(tlsview_get_fs_syscall((uint64_t *)8), -EFAULT);
	ck_assert_int_eq(tlsview_get_gs_syscall((uint64_t *)8), -EFAULT);
	ck_assert_int_eq(errno, 4242);
	ref_set(ARCH_SET_GS, 0);
}
END_TEST

/*
 * At the bound where the dispatching set stops using wr*base, both paths
 * give the same answer and leave the same base, whatever the kernel's
 * paging mode makes of these values.
 */
START_TEST(test_paths_agree_at_the_bound)
{
	static const uint64_t values[] = {
		TLSVIEW_FAST_BASE_LIMIT - 4096, TLSVIEW_FAST_BASE_LIMIT - 1, TLSVIEW_FAST_BASE_LIMIT,
		0x7fffffffffffULL, 1ULL << 47, (1ULL << 56) - 4096,
	};
	size_t i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		int by_dispatch, by_syscall;
		uint64_t gs_dispatch, gs_syscall;

		ref_set(ARCH_SET_GS, 0x2000);
		by_dispatch = tlsview_set_gs(values[i]);
		gs_dispatch = ref_get(ARCH_GET_GS);
		ref_set(ARCH_SET_GS, 0x2000);
		by_syscall = tlsview_set_gs_syscall(values[i]);
		gs_syscall = ref_get(ARCH_GET_GS);
		ck_assert_msg(by_dispatch == by_syscall, "%#llx: dispatch %d, syscall %d",
			      (unsigned long long)values[i], by_dispatch, by_syscall);
		ck_assert_uint_eq(gs_dispatch, gs_syscall);
	}
	ck_assert_int_eq(tlsview_set_gs_syscall(TLSVIEW_FAST_BASE_LIMIT - 4096), 0);
	ref_set(ARCH_SET_GS, 0);
}
END_TEST

/* Each pthread has its own GS base; a new one starts with its creator's. */
static void *gs_in_thread(void *arg)
{
	uint64_t mine = (uintptr_t)arg;
	uint64_t start = tlsview_get_gs();

	tlsview_set_gs(mine);
	for (int i = 0; i < 1000; i++) {
		if (tlsview_get_gs() != mine)
			return (void *)1;
		if (i % 100 == 0)
			sched_yield();
	}
	return start == 0x9000 ? NULL : (void *)2;
}

START_TEST(test_gs_per_thread)
{
	pthread_t threads[16];
	void *ret;
	int i;

	tlsview_set_gs(0x9000);
	for (i = 0; i < 16; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, gs_in_thread,
						(void *)(uintptr_t)(0x10000 * (i + 1))), 0);
	for (i = 0; i < 16; i++) {
		ck_assert_int_eq(pthread_join(threads[i], &ret), 0);
		ck_assert_ptr_null(ret);
	}
	ck_assert_uint_eq(ref_get(ARCH_GET_GS), 0x9000);
	tlsview_set_gs(0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fsgs");

	if (getenv("TLSVIEW_TEST_PRINT_PATH")) {
		printf("%d\n", tlsview_fsgs_path_decided);
		return 0;
	}
	if (!tlsview_have_fsgsbase())
		no_fsgsbase_reason = "FSGSBASE not in use (no HWCAP2_FSGSBASE, or TLSVIEW_NO_FSGSBASE set)";

	tap_add_test(s, test_probe_matches_hwcap2, NULL);
	tap_add_test(s, test_fs_byte_access, NULL);
	tap_add_test(s, test_env_forces_syscall_path, NULL);
	tap_add_test(s, test_get_fs_all_views_agree, NULL);
	tap_add_test(s, test_get_fs_insn_agrees, no_fsgsbase_reason);
	tap_add_test(s, test_set_fs_syscall, NULL);
	tap_add_test(s, test_set_fs_dispatch, NULL);
	tap_add_test(s, test_set_fs_insn, no_fsgsbase_reason);
	tap_add_test(s, test_gs_syscall_path, NULL);
	tap_add_test(s, test_gs_dispatch, NULL);
	tap_add_test(s, test_gs_insn_path, no_fsgsbase_reason);
	tap_add_test(s, test_bad_bases, NULL);
	tap_add_test(s, test_paths_agree_at_the_bound, NULL);
	tap_add_test(s, test_gs_per_thread, NULL);
	tap_add_test(s, test_whole_suite_on_syscall_path,
		     getenv("TLSVIEW_NO_FSGSBASE") ? "already running on the syscall path" : NULL);
	return tap_run(s);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Description: tlsview --tcb checks each thread's TCB against the x86-64
 * TLS ABI. A child process runs glibc threads, a bare thread on an
 * ABI-conforming libtlsview TCB, and two bare threads on hand-made TCBs
 * that break the ABI: one without the self-pointer at %fs:0, one without
 * glibc's self at %fs:0x10. Exactly those two must be flagged, with the
 * reason, by every source this machine has (ptrace always, the module when
 * /dev/tlsview is there); tlsview then exits 1, and exits 0 on a process
 * whose TCBs are all fine. The stack canary's value must never be printed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tlsview/fsgs.h>
#include <tlsview/tcb.h>
#include "tlsview_test.h"
#include "kselftest_harness.h"

static const enum target_kind kinds[] = {
	TARGET_PTHREAD, TARGET_PTHREAD, TARGET_BARE_GOOD, TARGET_BARE_BAD_SELF,
	TARGET_BARE_BAD_GLIBC,
};
#define NR_KINDS ((int)(sizeof(kinds) / sizeof(kinds[0])))

static struct target target;
static char pid_text[16];

static bool process_maps_libc(pid_t pid)
{
	char path[64], line[512];
	bool found = false;
	FILE *file;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	file = fopen(path, "re");
	if (!file)
		return false;
	while (!found && fgets(line, sizeof(line), file))
		found = strstr(line, "/libc.so.6") != NULL;
	fclose(file);
	return found;
}

static const char *tcb_status(const struct json *thread)
{
	const char *status = json_str(json_get(thread, "tcb"), "status");

	return status ? status : "(none)";
}

static const char *tcb_reason(const struct json *thread)
{
	const char *reason = json_str(json_get(thread, "tcb"), "reason");

	return reason ? reason : "";
}

/* Each source this machine has must flag exactly the two broken TCBs. */
FIXTURE(source) {
};

FIXTURE_VARIANT(source) {
	const char *name;
};

FIXTURE_VARIANT_ADD(source, ptrace) { .name = "ptrace" };
FIXTURE_VARIANT_ADD(source, module) { .name = "module" };

FIXTURE_SETUP(source)
{
}

FIXTURE_TEARDOWN(source)
{
}

TEST_F_TIMEOUT(source, flags_the_tcbs_that_break_the_abi, 300)
{
	const char *source = variant->name;
	const char *json_args[] = { "--tcb", "-p", pid_text, "--json", "--source", source, NULL };
	const char *table_args[] = { "--tcb", "-p", pid_text, "--source", source, NULL };
	bool glibc = process_maps_libc(target.pid);
	int expected_broken = glibc ? 2 : 1, i;
	uint64_t canary = tlsview_arch_fs_load64(TLSVIEW_TCB_OFF_STACK_GUARD);
	const struct json *thread;
	struct json *document;
	char error[128], text[64];
	struct run run;
	bool good;

	if (!strcmp(source, "module") && !have_module())
		SKIP(return, "no /dev/tlsview");
	run_tlsview(&run, json_args);
	document = json_parse(run.out, error, sizeof(error));
	EXPECT_TRUE(document && run.status == 1)
		TH_LOG("%s: tlsview --tcb --json exits 1 when a TCB breaks the ABI (got %d%s%s)",
		       source, run.status, document ? "" : ", not JSON: ", document ? "" : error);
	EXPECT_EQ(expected_broken, json_int(document, "tcb_broken", -1))
		TH_LOG("%s: \"tcb_broken\" is %d", source, expected_broken);
	thread = json_find_thread(document, target.shared->threads[3].tid);
	EXPECT_TRUE(!strcmp(tcb_status(thread), "broken") &&
		    strstr(tcb_reason(thread), "%fs:0 is 0x0"))
		TH_LOG("%s: the bare thread without a self-pointer is flagged: %s (%s)", source,
		       tcb_status(thread), tcb_reason(thread));
	thread = json_find_thread(document, target.shared->threads[4].tid);
	/* Without glibc mapped, glibc's self at 0x10 is not checked. */
	if (glibc)
		EXPECT_TRUE(!strcmp(tcb_status(thread), "broken") &&
			    strstr(tcb_reason(thread), "%fs:0x10"))
			TH_LOG("%s: the bare thread without glibc's self at 0x10 is flagged: %s (%s)",
			       source, tcb_status(thread), tcb_reason(thread));
	good = true;
	for (i = 0; i < 3; i++) {
		thread = json_find_thread(document, target.shared->threads[i].tid);
		good &= !strcmp(tcb_status(thread), "ok") &&
			json_hex(json_get(json_get(thread, "tcb"), "word0")) ==
			target.shared->threads[i].fsbase &&
			json_bool(json_get(thread, "tcb"), "canary_set") == 1;
	}
	thread = json_find_thread(document, target.pid);
	good &= !strcmp(tcb_status(thread), "ok") &&
		json_bool(json_get(thread, "tcb"), "glibc") == glibc;
	EXPECT_TRUE(good)
		TH_LOG("%s: the glibc threads and the bare thread on a libtlsview TCB are ok", source);
	snprintf(text, sizeof(text), "%016llx", (unsigned long long)canary);
	good = !strstr(run.out, text);
	snprintf(text, sizeof(text), "%llu", (unsigned long long)canary);
	good &= !strstr(run.out, text);
	EXPECT_TRUE(good)
		TH_LOG("%s: the stack canary's value is not in the output", source);
	json_free(document);
	run_free(&run);

	run_tlsview(&run, table_args);
	snprintf(text, sizeof(text), "%d with a TCB that breaks", expected_broken);
	EXPECT_TRUE(run.status == 1 && strstr(run.out, "BROKEN") &&
		    strstr(run.out, "tcb broken: %fs:0 is 0x0, not the FS base") &&
		    strstr(run.out, text))
		TH_LOG("%s: the table marks them BROKEN, says why and counts them:\n%s",
		       source, run.out);
	run_free(&run);
}

/* The fixtures below only order the tests: the harness runs them fixture by fixture. */
FIXTURE(clean) {
};

FIXTURE_SETUP(clean)
{
}

FIXTURE_TEARDOWN(clean)
{
}

TEST_F_TIMEOUT(clean, a_process_that_follows_the_abi_exits_0, 300)
{
	char own_pid[16];
	const char *args[] = { "--tcb", "-p", own_pid, "--json", NULL };
	struct json *document;
	char error[128];
	struct run run;

	snprintf(own_pid, sizeof(own_pid), "%d", getpid());
	run_tlsview(&run, args);
	document = json_parse(run.out, error, sizeof(error));
	EXPECT_EQ(0, run.status);
	EXPECT_EQ(0, json_int(document, "tcb_broken", -1));
	EXPECT_STREQ("ok", tcb_status(json_find_thread(document, getpid())));
	json_free(document);
	run_free(&run);
}

/* Last: what the tests above did left the target as it was. */
FIXTURE(afterwards) {
};

FIXTURE_SETUP(afterwards)
{
}

FIXTURE_TEARDOWN(afterwards)
{
}

TEST_F(afterwards, the_target_still_runs_and_keeps_its_gs_bases)
{
	int i, failed = 0;

	EXPECT_TRUE(target_all_running(&target))
		TH_LOG("every thread of the target still runs");
	for (i = 0; i < NR_KINDS; i++)
		failed += target.shared->threads[i].failed;
	EXPECT_EQ(0, failed)
		TH_LOG("no thread saw its GS base change");
}

/* One target for every test (each a fork of this process), started first. */
int main(int argc, char **argv)
{
	int status;

	target_start(&target, kinds, NR_KINDS);
	snprintf(pid_text, sizeof(pid_text), "%d", target.pid);
	status = test_harness_run(argc, argv);
	target_stop(&target);
	return status;
}

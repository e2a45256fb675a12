// SPDX-License-Identifier: GPL-2.0
/*
 * Description: a 32-bit process as tlsview shows it. The selftests' -m32
 * static helper i386_tls_32 (i386 glibc keeps its TLS in a GDT slot
 * through %gs) prints its %gs selector, slot and slot base; every source
 * this machine has (ptrace, and the module when loaded) must show its
 * thread COMPAT, with that gsindex, that slot decoded (base, 32-bit, 4 GiB
 * in pages, present) and that GS base; --tcb must skip it, not flag it.
 * Each source's test starts its own helper and asserts, last, that it ran
 * on and finished normally. SKIPs when the helper was not built or 32-bit
 * programs cannot run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tlsview_test.h"
#include "kselftest_harness.h"

#define HELPER "i386_tls_32"

struct helper {
	pid_t pid;
	int stdin_fd;
	unsigned int selector, entry, base;
};

/*
 * The selftests' helper, from the kselftest runner's tree: this test runs in
 * its own folder (tools), beside the selftests' one.
 */
static bool find_helper(char *path, size_t size)
{
	snprintf(path, size, "../selftests/" HELPER);
	return access(path, X_OK) == 0;
}

static bool start_helper(const char *path, struct helper *helper)
{
	int to_child[2], from_child[2];
	char line[128] = "";
	FILE *output;

	if (pipe(to_child) || pipe(from_child))
		test_fatal("pipe: %s", strerror(errno));
	fflush(stdout);
	helper->pid = fork();
	if (helper->pid < 0)
		test_fatal("fork: %s", strerror(errno));
	if (helper->pid == 0) {
		dup2(to_child[0], 0);
		dup2(from_child[1], 1);
		close(to_child[1]);
		close(from_child[0]);
		execl(path, HELPER, (char *)NULL);
		_exit(127);
	}
	close(to_child[0]);
	close(from_child[1]);
	helper->stdin_fd = to_child[1];
	output = fdopen(from_child[0], "r");
	if (!output || !fgets(line, sizeof(line), output) ||
	    sscanf(line, "gs=0x%x entry=%u base=0x%x", &helper->selector, &helper->entry,
		   &helper->base) != 3 || helper->entry < 12 || helper->entry > 14) {
		fprintf(stderr, "# the helper said: '%s'\n", line);
		if (output)
			fclose(output);
		close(helper->stdin_fd);
		waitpid(helper->pid, NULL, 0);
		return false;
	}
	fclose(output);
	return true;
}

FIXTURE(source) {
	struct helper helper;
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

TEST_F_TIMEOUT(source, shows_the_32bit_thread_as_compat, 300)
{
	const char *source = variant->name;
	const struct helper *helper = &self->helper;
	char pid_text[16], error[128], expected[96], path[PATH_MAX + 64];
	const char *json_args[] = { "-p", pid_text, "--json", "--source", source, NULL };
	const char *table_args[] = { "-p", pid_text, "--source", source, NULL };
	const char *tcb_args[] = { "-p", pid_text, "--tcb", "--json", "--source", source, NULL };
	const struct json *thread, *tls, *slot = NULL;
	struct json *document;
	struct run run;
	const char *status;
	int wait_status;

	if (!strcmp(source, "module") && !have_module())
		SKIP(return, "no /dev/tlsview");
	if (!find_helper(path, sizeof(path)))
		SKIP(return, "the -m32 helper " HELPER " was not built (selftests)");
	if (!start_helper(path, &self->helper))
		SKIP(return, HELPER " does not run here (no ia32 emulation?)");

	snprintf(pid_text, sizeof(pid_text), "%d", helper->pid);
	run_tlsview(&run, json_args);
	document = json_parse(run.out, error, sizeof(error));
	thread = json_find_thread(document, helper->pid);
	tls = json_get(thread, "tls");
	if (tls && tls->type == JSON_ARRAY && tls->count == 3)
		slot = tls->items[helper->entry - 12];
	EXPECT_TRUE(run.status == 0 && thread && json_bool(thread, "compat") == 1 &&
		    json_int(thread, "gsindex", -1) == helper->selector &&
		    json_hex(json_get(thread, "gsbase")) == helper->base)
		TH_LOG("%s: the 32-bit thread is COMPAT with gsindex 0x%x and GS base 0x%x",
		       source, helper->selector, helper->base);
	EXPECT_TRUE(slot && json_bool(slot, "empty") == 0 &&
		    json_hex(json_get(slot, "base")) == helper->base &&
		    json_bool(slot, "seg_32bit") == 1 && json_bool(slot, "present") == 1 &&
		    json_bool(slot, "limit_in_pages") == 1 &&
		    json_hex(json_get(slot, "limit")) == 0xfffff)
		TH_LOG("%s: its slot tls%u is decoded: base, 4 GiB limit in pages, 32-bit, present",
		       source, helper->entry);
	json_free(document);
	run_free(&run);

	run_tlsview(&run, table_args);
	snprintf(expected, sizeof(expected), "tls%u (selector 0x%04x): base 0x%08x limit 0xfffff pages",
		 helper->entry, helper->selector, helper->base);
	EXPECT_TRUE(run.status == 0 && strstr(run.out, "COMPAT") && strstr(run.out, expected))
		TH_LOG("%s: the table shows COMPAT and \"%s\":\n%s", source, expected, run.out);
	run_free(&run);

	run_tlsview(&run, tcb_args);
	document = json_parse(run.out, error, sizeof(error));
	status = json_str(json_get(json_find_thread(document, helper->pid), "tcb"), "status");
	EXPECT_TRUE(run.status == 0 && status && !strcmp(status, "skipped"))
		TH_LOG("%s: --tcb skips the 32-bit thread (its TLS is %%gs-based) and exits 0",
		       source);
	json_free(document);
	run_free(&run);

	close(helper->stdin_fd);
	ASSERT_EQ(helper->pid, waitpid(helper->pid, &wait_status, 0));
	EXPECT_TRUE(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0)
		TH_LOG("the 32-bit program ran on and finished normally");
}

TEST_HARNESS_MAIN

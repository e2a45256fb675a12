// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/source_module.c - thread views and CPU state from the
 * tlsview.ko module, through libtlsview's /dev/tlsview client. The module
 * applies the access rules itself: listings leave out what the caller may
 * not see, a single thread it may not see is EACCES.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <tlsview/client.h>
#include "tlsview.h"

int tv_module_open(struct tlsview_client **client, char *msg, size_t msg_size)
{
	return tlsview_client_open(client, NULL, msg, msg_size);
}

static int collect_one(struct tlsview_client *client, pid_t tid, struct tv_threads *threads)
{
	struct tv_thread *entry;
	struct tlsview_task view;
	int ret;

	ret = tlsview_client_get_task(client, tid, 0, &view);
	if (ret == -ESRCH) {
		tv_error("no thread %d", (int)tid);
		return TV_EXIT_FAILURE;
	}
	if (ret == -EACCES) {
		tv_error_not_visible(tv_proc_tgid_of(tid), tid, false);
		return TV_EXIT_FAILURE;
	}
	if (ret) {
		tv_error("thread %d: %s", (int)tid, strerror(-ret));
		return TV_EXIT_FAILURE;
	}
	entry = tv_threads_add(threads);
	if (!entry) {
		tv_error("out of memory");
		return TV_EXIT_FAILURE;
	}
	entry->view = view;
	return TV_EXIT_OK;
}

int tv_module_collect(struct tlsview_client *client, const struct tv_options *options,
		      struct tv_threads *threads)
{
	struct tlsview_task *views;
	size_t count, i;
	int ret;

	threads->source = TV_SOURCE_MODULE;
	if (options->tid)
		return collect_one(client, options->tid, threads);
	ret = tlsview_client_list(client, options->pid, &views, &count);
	if (ret == -ESRCH) {
		threads->found = TV_NO_PROCESS;
		return TV_EXIT_OK;
	}
	if (ret) {
		tv_error("listing threads: %s", strerror(-ret));
		return TV_EXIT_FAILURE;
	}
	for (i = 0; i < count; i++) {
		struct tv_thread *entry = tv_threads_add(threads);

		if (!entry) {
			free(views);
			tv_error("out of memory");
			return TV_EXIT_FAILURE;
		}
		entry->view = views[i];
	}
	free(views);
	if (options->pid && count == 0)
		threads->found = TV_NONE_VISIBLE;
	return TV_EXIT_OK;
}

int tv_module_cpus(struct tlsview_client *client, struct tv_cpu **cpusp, size_t *countp)
{
	struct tlsview_info info;
	struct tv_cpu *cpus;
	uint32_t cpu;
	int ret;

	ret = tlsview_client_info(client, &info);
	if (ret) {
		tv_error("module information: %s", strerror(-ret));
		return TV_EXIT_FAILURE;
	}
	cpus = calloc(info.nr_cpu_ids ? info.nr_cpu_ids : 1, sizeof(*cpus));
	if (!cpus) {
		tv_error("out of memory");
		return TV_EXIT_FAILURE;
	}
	for (cpu = 0; cpu < info.nr_cpu_ids; cpu++) {
		struct tlsview_cpu state = { .cpu = cpu };

		ret = tlsview_client_get_cpu(client, cpu, &state);
		if (ret) {
			free(cpus);
			tv_error("CPU %u: %s", cpu, strerror(-ret));
			return TV_EXIT_FAILURE;
		}
		cpus[cpu].cpu = cpu;
		cpus[cpu].online = state.flags & TLSVIEW_CPU_ONLINE;
		cpus[cpu].fsgsbase = state.flags & TLSVIEW_CPU_FSGSBASE;
		cpus[cpu].cr4 = state.cr4;
	}
	*cpusp = cpus;
	*countp = info.nr_cpu_ids;
	return TV_EXIT_OK;
}

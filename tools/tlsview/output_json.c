// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/output_json.c - -j/--json: the same data as the table,
 * with the field names tlsview(8) documents. Those names are stable: new
 * fields may be added, none renamed or removed. 64-bit values that are
 * addresses are "0x..." strings (exact in every JSON parser); counts,
 * ids and selectors are numbers.
 */
#include <stdio.h>
#include <string.h>
#include "describe.h"
#include "json.h"
#include "tlsview.h"

static void write_desc(struct tv_json *json, const struct tlsview_desc *desc)
{
	uint32_t flags = desc->flags;

	tv_json_object_begin(json, NULL);
	tv_json_uint(json, "entry", desc->entry_number);
	tv_json_bool(json, "empty", tv_desc_empty(desc));
	if (!tv_desc_empty(desc)) {
		tv_json_hex(json, "base", desc->base_addr, 8);
		tv_json_hex(json, "limit", desc->limit, 5);
		tv_json_bool(json, "limit_in_pages", flags & TLSVIEW_DESC_LIMIT_IN_PAGES);
		tv_json_bool(json, "seg_32bit", flags & TLSVIEW_DESC_SEG_32BIT);
		tv_json_bool(json, "present", !(flags & TLSVIEW_DESC_SEG_NOT_PRESENT));
		tv_json_uint(json, "contents", (flags & TLSVIEW_DESC_CONTENTS_MASK) >>
			     TLSVIEW_DESC_CONTENTS_SHIFT);
		tv_json_bool(json, "read_exec_only", flags & TLSVIEW_DESC_READ_EXEC_ONLY);
		tv_json_bool(json, "useable", flags & TLSVIEW_DESC_USEABLE);
		tv_json_bool(json, "lm", flags & TLSVIEW_DESC_LM);
	}
	tv_json_hex(json, "flags", flags, 8);
	tv_json_object_end(json);
}

/* The canary's value is a secret of the process: only say whether it is set. */
static void write_tcb(struct tv_json *json, const struct tv_tcb_result *tcb)
{
	tv_json_object_begin(json, "tcb");
	tv_json_string(json, "status", tv_tcb_status_name(tcb->status));
	if (tcb->words_read) {
		tv_json_bool(json, "glibc", tcb->glibc);
		tv_json_hex(json, "word0", tcb->word0, 16);
		tv_json_hex(json, "self", tcb->self, 16);
		tv_json_bool(json, "canary_set", tcb->canary != 0);
	}
	if (tcb->reason[0])
		tv_json_string(json, "reason", tcb->reason);
	tv_json_object_end(json);
}

/* "comm" is readable (bytes that are not UTF-8 become U+FFFD); "comm_hex" is exact. */
static void write_comm(struct tv_json *json, const char *name)
{
	char comm[TLSVIEW_COMM_LEN + 1], hex[2 * TLSVIEW_COMM_LEN + 1];
	size_t i, length;

	snprintf(comm, sizeof(comm), "%.*s", TLSVIEW_COMM_LEN, name);
	length = strlen(comm);
	for (i = 0; i < length; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)comm[i]);
	hex[2 * length] = '\0';
	tv_json_string(json, "comm", comm);
	tv_json_string(json, "comm_hex", hex);
}

static void write_thread(struct tv_json *json, const struct tv_options *options,
			 const struct tv_thread *thread, bool tcb)
{
	const struct tlsview_task *view = &thread->view;
	bool bases = !thread->no_bases[0];
	int slot;

	tv_json_object_begin(json, NULL);
	tv_json_int(json, "tgid", view->tgid);
	tv_json_int(json, "tid", view->tid);
	write_comm(json, view->comm);
	tv_json_uint(json, "cpu", view->cpu);
	tv_json_string(json, "state", tv_state_name(view->flags));
	if (view->flags & TLSVIEW_TASK_TRACED)
		tv_json_int(json, "tracer", view->tracer);
	else
		tv_json_null(json, "tracer");
	tv_json_bool(json, "live", view->flags & TLSVIEW_TASK_LIVE);
	tv_json_bool(json, "compat", view->flags & TLSVIEW_TASK_COMPAT);
	tv_json_bool(json, "kthread", view->flags & TLSVIEW_TASK_KTHREAD);
	if (bases) {
		tv_json_hex(json, "fsbase", view->fsbase, 16);
		tv_json_hex(json, "gsbase", view->gsbase, 16);
		tv_json_uint(json, "fsindex", view->fsindex);
		tv_json_uint(json, "gsindex", view->gsindex);
		tv_json_array_begin(json, "tls");
		for (slot = 0; slot < TLSVIEW_TLS_SLOTS; slot++)
			write_desc(json, &view->tls[slot]);
		tv_json_array_end(json);
	} else {
		/* Nothing to show is not zero: null, and why. */
		tv_json_null(json, "fsbase");
		tv_json_null(json, "gsbase");
		tv_json_null(json, "fsindex");
		tv_json_null(json, "gsindex");
		tv_json_null(json, "tls");
		tv_json_string(json, "no_bases", thread->no_bases);
	}
	if (tcb)
		write_tcb(json, &thread->tcb);
	tv_tlsdata_json(json, options, thread);
	tv_json_object_end(json);
}

static const char *source_name(enum tv_source source)
{
	return source == TV_SOURCE_MODULE ? "module" :
	       source == TV_SOURCE_CORE ? "core" : "ptrace";
}

void tv_json_threads(const struct tv_options *options, const struct tv_threads *threads)
{
	struct tv_json json;
	size_t i;

	tv_json_init(&json, stdout, options->pretty);
	tv_json_object_begin(&json, NULL);
	tv_json_uint(&json, "schema", TV_JSON_SCHEMA);
	tv_json_string(&json, "source", source_name(threads->source));
	tv_json_bool(&json, "complete", !threads->incomplete);
	tv_json_uint(&json, "skipped", threads->skipped);
	if (options->tcb)
		tv_json_uint(&json, "tcb_broken", tv_tcb_broken_count(threads));
	tv_json_array_begin(&json, "threads");
	for (i = 0; i < threads->count; i++)
		write_thread(&json, options, &threads->items[i], options->tcb);
	tv_json_array_end(&json);
	tv_json_object_end(&json);
}

void tv_json_cpus(const struct tv_options *options, const struct tv_cpu *cpus, size_t count)
{
	struct tv_json json;
	size_t i;

	tv_json_init(&json, stdout, options->pretty);
	tv_json_object_begin(&json, NULL);
	tv_json_uint(&json, "schema", TV_JSON_SCHEMA);
	tv_json_string(&json, "source", "module");
	tv_json_array_begin(&json, "cpus");
	for (i = 0; i < count; i++) {
		tv_json_object_begin(&json, NULL);
		tv_json_uint(&json, "cpu", cpus[i].cpu);
		tv_json_bool(&json, "online", cpus[i].online);
		if (cpus[i].online) {
			tv_json_hex(&json, "cr4", cpus[i].cr4, 16);
			tv_json_bool(&json, "fsgsbase", cpus[i].fsgsbase);
		} else {
			tv_json_null(&json, "cr4");
			tv_json_null(&json, "fsgsbase");
		}
		tv_json_object_end(&json);
	}
	tv_json_array_end(&json);
	tv_json_object_end(&json);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/output_table.c - the table for people: one line per
 * thread, columns aligned to their widest cell, bases in hex, and under a
 * thread an indented line for each TLS slot in use (decoded) and for a TCB
 * that breaks the ABI.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "describe.h"
#include "tlsview.h"

enum column { COL_TGID, COL_TID, COL_CPU, COL_STATE, COL_FLAGS, COL_FSBASE, COL_GSBASE, COL_FS,
	      COL_GS, COL_TCB, COL_COMM, NR_COLUMNS };

static const char *const headers[NR_COLUMNS] = {
	"TGID", "TID", "CPU", "STATE", "FLAGS", "FSBASE", "GSBASE", "FS", "GS", "TCB", "COMM",
};

/* Numbers read best right-aligned, words left-aligned. */
static const bool right_aligned[NR_COLUMNS] = {
	[COL_TGID] = true, [COL_TID] = true, [COL_CPU] = true,
};

struct row {
	char cells[NR_COLUMNS][64];
};

/*
 * comm may hold any byte but NUL: printable ASCII as is, \n \t \\ as in C,
 * any other byte as \xNN, so every byte can be read back exactly and
 * nothing reaches the terminal that could move the cursor or end the line.
 */
static void escape_comm(const char *comm, char *out, size_t size)
{
	size_t used = 0;

	for (; *comm && used + 5 < size; comm++) {
		unsigned char c = (unsigned char)*comm;

		if (c == '\n')
			used += snprintf(out + used, size - used, "\\n");
		else if (c == '\t')
			used += snprintf(out + used, size - used, "\\t");
		else if (c == '\\')
			used += snprintf(out + used, size - used, "\\\\");
		else if (c < 0x20 || c >= 0x7f)
			used += snprintf(out + used, size - used, "\\x%02x", c);
		else
			out[used++] = (char)c;
	}
	out[used] = '\0';
}

static void fill_row(const struct tv_thread *thread, struct row *row)
{
	const struct tlsview_task *view = &thread->view;

	snprintf(row->cells[COL_TGID], 64, "%d", view->tgid);
	snprintf(row->cells[COL_TID], 64, "%d", view->tid);
	snprintf(row->cells[COL_CPU], 64, "%u", view->cpu);
	tv_describe_state(view->flags, view->tracer, row->cells[COL_STATE], 64);
	tv_describe_flags(view->flags, row->cells[COL_FLAGS], 64);
	if (thread->no_bases[0]) {
		/* Not zeros: there is nothing to show, and a line below says why. */
		snprintf(row->cells[COL_FSBASE], 64, "-");
		snprintf(row->cells[COL_GSBASE], 64, "-");
		snprintf(row->cells[COL_FS], 64, "-");
		snprintf(row->cells[COL_GS], 64, "-");
	} else {
		/* --watch: '*' after a base that changed since the previous round. */
		snprintf(row->cells[COL_FSBASE], 64, "0x%016" PRIx64 "%s", (uint64_t)view->fsbase,
			 thread->fsbase_changed ? "*" : "");
		snprintf(row->cells[COL_GSBASE], 64, "0x%016" PRIx64 "%s", (uint64_t)view->gsbase,
			 thread->gsbase_changed ? "*" : "");
		snprintf(row->cells[COL_FS], 64, "0x%04x", view->fsindex);
		snprintf(row->cells[COL_GS], 64, "0x%04x", view->gsindex);
	}
	snprintf(row->cells[COL_TCB], 64, "%s",
		 thread->tcb.status == TV_TCB_BROKEN ? "BROKEN" :
		 tv_tcb_status_name(thread->tcb.status));
	escape_comm(view->comm, row->cells[COL_COMM], 64);
}

static void print_row(const struct row *row, const int widths[NR_COLUMNS], bool tcb)
{
	int column;

	for (column = 0; column < NR_COLUMNS; column++) {
		if (column == COL_TCB && !tcb)
			continue;
		if (column == COL_COMM) {
			printf("%s\n", row->cells[column]);
			break;
		}
		printf(right_aligned[column] ? "%*s  " : "%-*s  ", widths[column],
		       row->cells[column]);
	}
}

static void print_details(const struct tv_thread *thread)
{
	char text[160];
	int slot;

	if (thread->no_bases[0])
		printf("    no bases: %s\n", thread->no_bases);
	for (slot = 0; slot < TLSVIEW_TLS_SLOTS; slot++) {
		const struct tlsview_desc *desc = &thread->view.tls[slot];

		if (tv_desc_empty(desc))
			continue;
		tv_describe_desc(desc, text, sizeof(text));
		printf("    tls%u (selector 0x%04x): %s\n", desc->entry_number,
		       desc->entry_number << 3 | 3, text);
	}
	if (thread->tcb.status == TV_TCB_BROKEN || thread->tcb.status == TV_TCB_UNREADABLE)
		printf("    tcb %s: %s\n", tv_tcb_status_name(thread->tcb.status),
		       thread->tcb.reason);
}

static void print_source(const struct tv_options *options, const struct tv_threads *threads)
{
	if (threads->source == TV_SOURCE_MODULE)
		printf("source: module (/dev/tlsview)\n");
	else if (threads->source == TV_SOURCE_CORE)
		printf("source: core dump (bases from each thread's NT_PRSTATUS)\n");
	else
		printf("source: ptrace (%s)\nnote: each thread was stopped for a moment and "
		       "detached; tlsview(8) says what that disturbs\n", threads->why_ptrace);
	if (threads->skipped)
		printf("note: %zu thread%s could not be read and %s shown without bases\n",
		       threads->skipped, threads->skipped == 1 ? "" : "s",
		       threads->skipped == 1 ? "is" : "are");
	if (threads->incomplete)
		printf("note: process %d exited while it was read: this list is incomplete\n",
		       (int)options->pid);
}

void tv_table_threads(const struct tv_options *options, const struct tv_threads *threads)
{
	int widths[NR_COLUMNS], column;
	struct row row;
	size_t i;

	for (column = 0; column < NR_COLUMNS; column++)
		widths[column] = (int)strlen(headers[column]);
	for (i = 0; i < threads->count; i++) {
		fill_row(&threads->items[i], &row);
		for (column = 0; column < NR_COLUMNS; column++) {
			int width = (int)strlen(row.cells[column]);

			if (width > widths[column])
				widths[column] = width;
		}
	}
	print_source(options, threads);
	for (column = 0; column < NR_COLUMNS; column++)
		snprintf(row.cells[column], 64, "%s", headers[column]);
	print_row(&row, widths, options->tcb);
	for (i = 0; i < threads->count; i++) {
		fill_row(&threads->items[i], &row);
		print_row(&row, widths, options->tcb);
		print_details(&threads->items[i]);
		tv_tlsdata_table(options, &threads->items[i]);
	}
	if (options->watch > 0) {
		time_t now = time(NULL);
		char when[32];

		strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
		printf("%s: every %g s; * marks a base that changed since the previous round "
		       "(Ctrl-C ends)\n", when, options->watch);
	}
	if (options->tcb) {
		size_t broken = tv_tcb_broken_count(threads);

		printf("%zu thread%s, %zu with a TCB that breaks the x86-64 TLS ABI\n",
		       threads->count, threads->count == 1 ? "" : "s", broken);
	}
}

void tv_table_cpus(const struct tv_cpu *cpus, size_t count)
{
	size_t i;

	printf("%-4s %-7s %-18s %s\n", "CPU", "ONLINE", "CR4", "FSGSBASE");
	for (i = 0; i < count; i++) {
		if (!cpus[i].online) {
			printf("%-4u %-7s %-18s %s\n", cpus[i].cpu, "no", "-", "-");
			continue;
		}
		printf("%-4u %-7s 0x%016" PRIx64 " %s\n", cpus[i].cpu, "yes", cpus[i].cr4,
		       cpus[i].fsgsbase ? "yes" : "no");
	}
}

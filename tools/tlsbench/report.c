// SPDX-License-Identifier: GPL-2.0
/*
 * tlsbench's reports of one run: the table for people, the --json document
 * for programs (schema TLSBENCH_SCHEMA, described in tlsbench(1)) and the
 * Markdown table `make bench` keeps. All three carry the same numbers: per
 * op, latency and throughput as min/median/max ns and median cycles; the
 * latency ratios to the op's baseline and to the plain load chain; the
 * criteria; and the GS context against pthread_getspecific on both metrics.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <tlsview/tlsview.h>

#include "tlsbench.h"

int close_output(FILE *f)
{
	int bad = ferror(f);

	errno = 0;
	if (fclose(f) != 0 || bad) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

static const char *group_name(enum op_group group)
{
	switch (group) {
	case GROUP_BASELINE:
		return "baseline";
	case GROUP_LIBRARY:
		return "library";
	default:
		return "tls";
	}
}

void machine_line(const struct machine *mc, char *buf, size_t size)
{
	snprintf(buf, size,
		 "%s, %.0f MHz (TSC %.0f MHz), Linux %s, FSGSBASE %s (library path: %s), "
		 "%s over clocksource %s, %d runs of ~%g ms, tlsbench %s",
		 mc->cpu_model, mc->cpu_mhz, mc->tsc_mhz, mc->kernel,
		 mc->fsgsbase ? "yes" : "no", mc->path, mc->clock, mc->clocksource, mc->runs,
		 mc->sample_ms, tlsview_version());
}

/* pthread_getspecific's median over the GS context's, per metric. */
static double gs_context_speedup(enum metric m)
{
	double r = ratio_of(find_op("pthread_getspecific"), find_op("lib_gs_context"), m);

	return r;
}

struct verdict {
	double ratio;		/* < 0: not measured */
	const char *result;	/* "met", "not met", or why it does not apply */
};

static struct verdict judge(const struct criterion *c)
{
	const struct op *op = find_op(c->op), *base = find_op(c->base);
	struct verdict v = { latency_ratio(op, base), NULL };

	if (base && base->skipped)
		v.result = "not applicable: no FSGSBASE";
	else if (v.ratio < 0)
		v.result = "not measured";
	else
		v.result = v.ratio <= c->max_ratio ? "met" : "not met";
	return v;
}

/* ---- the table ---- */

static void put_cell(FILE *out, double v, int width, int decimals)
{
	if (v < 0)
		fprintf(out, " %*s", width, "-");
	else
		fprintf(out, " %*.*f", width, decimals, v);
}

void report_table(FILE *out, const struct machine *mc)
{
	const struct op *l1 = find_op("l1_load");
	char line[512];

	machine_line(mc, line, sizeof(line));
	fprintf(out, "tlsbench: %s\n\n", line);
	fprintf(out, "%-20s %-26s %7s  %-26s %7s %7s %7s  %-8s %s\n", "", "latency ns",
		"latency", "throughput ns", "thru", "latency", "latency", "latency", "");
	fprintf(out, "%-20s %8s %8s %8s %7s  %8s %8s %8s %7s %7s %7s  %-8s %s\n", "op", "min",
		"median", "max", "cycles", "min", "median", "max", "cycles", "x base", "x l1",
		"chain", "what (x base: against the row named in the man page)");
	for (size_t i = 0; i < nops; i++) {
		const struct op *op = &ops[i];

		fprintf(out, "%-20s", op->name);
		if (op->skipped) {
			fprintf(out, " skipped: no FSGSBASE%*s%s\n", 83, "", op->what);
			continue;
		}
		for (int m = 0; m < NMETRICS; m++) {
			const struct stats *s = &op->metric[m];

			put_cell(out, s->min, 8, 3);
			put_cell(out, s->median, 8, 3);
			put_cell(out, s->max, 8, 3);
			put_cell(out, s->cycles_median, 7, 1);
			if (m == LATENCY)
				fputc(' ', out);
		}
		put_cell(out, latency_ratio(op, find_op(op->base)), 7, 3);
		put_cell(out, op->load_based ? latency_ratio(op, l1) : -1, 7, 2);
		fprintf(out, "  %-8s %s\n", chain_name(op->chain), op->what);
	}

	fprintf(out, "\n%-48s %8s %8s  %s\n", "criterion (on latency)", "ratio", "bound",
		"result");
	for (size_t i = 0; i < ncriteria; i++) {
		struct verdict v = judge(&criteria[i]);

		fprintf(out, "%-48s", criteria[i].text);
		put_cell(out, v.ratio, 8, 3);
		fprintf(out, " %8.2f  %s\n", criteria[i].max_ratio, v.result);
	}
	fprintf(out, "\nGS context (tlsview_gs_context) vs pthread_getspecific: %.1fx faster in "
		"latency, %.1fx in throughput (same run).\n", gs_context_speedup(LATENCY),
		gs_context_speedup(THROUGHPUT));
}

/* ---- JSON ---- */

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void json_number(FILE *out, double v)
{
	if (v < 0 || !isfinite(v))
		fputs("null", out);
	else
		fprintf(out, "%.4f", v);
}

void report_json(FILE *out, const struct machine *mc)
{
	const struct op *l1 = find_op("l1_load");

	fprintf(out, "{\n \"schema_version\": %d,\n \"unit\": \"ns\",\n \"machine\": {\"cpu_model\": ",
		TLSBENCH_SCHEMA);
	json_string(out, mc->cpu_model);
	fprintf(out, ", \"cpu_mhz\": %.1f, \"tsc_mhz\": %.1f, \"kernel_release\": ",
		mc->cpu_mhz, mc->tsc_mhz);
	json_string(out, mc->kernel);
	fprintf(out, ",\n  \"fsgsbase\": %s, \"fsgsbase_path\": \"%s\", \"clock\": \"%s\", "
		"\"clock_source\": ", mc->fsgsbase ? "true" : "false", mc->path, mc->clock);
	json_string(out, mc->clocksource);
	fprintf(out, ", \"cycles_source\": \"%s\",\n  \"tlsbench_version\": ", mc->cycles_source);
	json_string(out, tlsview_version());
	fprintf(out, ", \"runs\": %d, \"sample_ms\": %g, \"cpu\": %d},\n \"ops\": [",
		mc->runs, mc->sample_ms, mc->cpu);
	for (size_t i = 0; i < nops; i++) {
		const struct op *op = &ops[i];

		fprintf(out, "%s\n  {\"op\": \"%s\", \"group\": \"%s\", \"chain\": \"%s\", \"what\": ",
			i ? "," : "", op->name, group_name(op->group), chain_name(op->chain));
		json_string(out, op->what);
		if (op->skipped) {
			fputs(", \"skipped\": \"no FSGSBASE\", \"latency\": null, "
			      "\"throughput\": null}", out);
			continue;
		}
		for (int m = 0; m < NMETRICS; m++) {
			const struct stats *s = &op->metric[m];

			fprintf(out, ",\n   \"%s\": {\"min\": ", metric_name(m));
			json_number(out, s->min);
			fputs(", \"median\": ", out);
			json_number(out, s->median);
			fputs(", \"max\": ", out);
			json_number(out, s->max);
			fputs(", \"cycles_median\": ", out);
			json_number(out, s->cycles_median);
			fprintf(out, ", \"accesses_per_run\": %llu}",
				(unsigned long long)s->iterations);
		}
		fputs(",\n   \"base\": ", out);
		if (op->base)
			json_string(out, op->base);
		else
			fputs("null", out);
		fputs(", \"latency_ratio_to_base\": ", out);
		json_number(out, latency_ratio(op, find_op(op->base)));
		fputs(", \"latency_ratio_to_l1_load\": ", out);
		json_number(out, op->load_based ? latency_ratio(op, l1) : -1);
		fputc('}', out);
	}
	fputs("\n ],\n \"criteria\": [", out);
	for (size_t i = 0; i < ncriteria; i++) {
		struct verdict v = judge(&criteria[i]);

		fprintf(out, "%s\n  {\"name\": ", i ? "," : "");
		json_string(out, criteria[i].text);
		fprintf(out, ", \"op\": \"%s\", \"base\": \"%s\", \"metric\": \"latency\", "
			"\"bound\": %.2f, \"ratio\": ", criteria[i].op, criteria[i].base,
			criteria[i].max_ratio);
		json_number(out, v.ratio);
		fprintf(out, ", \"met\": %s, \"result\": \"%s\"}",
			v.ratio < 0 ? "null" : strcmp(v.result, "met") == 0 ? "true" : "false",
			v.result);
	}
	fputs("\n ],\n \"gs_context_vs_pthread_getspecific\": {\"latency\": ", out);
	json_number(out, gs_context_speedup(LATENCY));
	fputs(", \"throughput\": ", out);
	json_number(out, gs_context_speedup(THROUGHPUT));
	fputs(", \"meaning\": \"pthread_getspecific's median over tlsview_gs_context's\"}\n}\n",
	      out);
}

/* ---- Markdown ---- */

static void md_cell(FILE *out, double v, int decimals)
{
	if (v < 0)
		fputs(" - |", out);
	else
		fprintf(out, " %.*f |", decimals, v);
}

void report_markdown(FILE *out, const struct machine *mc)
{
	const struct op *l1 = find_op("l1_load");
	char line[512];

	machine_line(mc, line, sizeof(line));
	fprintf(out, "### tlsbench: TLS access paths\n\n%s\n\n", line);
	fputs("| op | latency ns min | median | max | latency cycles | throughput ns min | "
	      "median | max | throughput cycles | latency x base | latency x l1_load | "
	      "chain |\n", out);
	fputs("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n", out);
	for (size_t i = 0; i < nops; i++) {
		const struct op *op = &ops[i];

		fprintf(out, "| %s |", op->name);
		if (op->skipped) {
			fputs(" skipped (no FSGSBASE) | | | | | | | | | | |\n", out);
			continue;
		}
		for (int m = 0; m < NMETRICS; m++) {
			md_cell(out, op->metric[m].min, 3);
			md_cell(out, op->metric[m].median, 3);
			md_cell(out, op->metric[m].max, 3);
			md_cell(out, op->metric[m].cycles_median, 1);
		}
		md_cell(out, latency_ratio(op, find_op(op->base)), 3);
		md_cell(out, op->load_based ? latency_ratio(op, l1) : -1, 2);
		fprintf(out, " %s |\n", chain_name(op->chain));
	}
	fputs("\n| criterion (latency) | ratio | bound | result |\n|---|---:|---:|---|\n", out);
	for (size_t i = 0; i < ncriteria; i++) {
		struct verdict v = judge(&criteria[i]);

		fprintf(out, "| %s (%s / %s) |", criteria[i].text, criteria[i].op, criteria[i].base);
		md_cell(out, v.ratio, 3);
		fprintf(out, " %.2f | %s |\n", criteria[i].max_ratio, v.result);
	}
	fprintf(out, "\nGS context vs pthread_getspecific (same run): **%.1fx** faster in latency, "
		"**%.1fx** in throughput.\n", gs_context_speedup(LATENCY),
		gs_context_speedup(THROUGHPUT));
}

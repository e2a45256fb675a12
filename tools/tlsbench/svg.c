// SPDX-License-Identifier: GPL-2.0
/*
 * The chart of tlsbench --svg: two panels side by side, latency and
 * throughput, one row per op in each: a bar to the median, a whisker from
 * min to max, the median written at the end. The scale is logarithmic and
 * shared by both panels, because the ops span four decades (a load next to
 * a system call) and the two metrics of an op are compared by eye. The
 * machine line is under the title.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tlsbench.h"

#define LABEL_WIDTH	170	/* the op names, left of the first panel */
#define PANEL_WIDTH	420
#define PANEL_GAP	90	/* room for the median's value after a bar */
#define CHART_WIDTH	(LABEL_WIDTH + 2 * PANEL_WIDTH + 2 * PANEL_GAP)
#define TOP_MARGIN	96	/* title, machine line, panel titles, axis labels */
#define BOTTOM_MARGIN	30
#define ROW_HEIGHT	20
#define BAR_HEIGHT	12

/* Text as XML character data or attribute value. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* Decades that hold every measured min and max. */
static void axis_for(int *low, int *high)
{
	double min = INFINITY, max = 0;

	for (size_t i = 0; i < nops; i++)
		for (int m = 0; m < NMETRICS && !ops[i].skipped; m++) {
			if (ops[i].metric[m].min > 0 && ops[i].metric[m].min < min)
				min = ops[i].metric[m].min;
			if (ops[i].metric[m].max > max)
				max = ops[i].metric[m].max;
		}
	if (!(max > 0)) {
		min = 0.1;
		max = 10;
	}
	*low = (int)floor(log10(min));
	*high = (int)ceil(log10(max));
	if (*high <= *low)
		*high = *low + 1;
}

static double x_of(int panel, double v, int low, int high)
{
	double frac = (log10(v) - low) / (high - low);

	if (frac < 0)
		frac = 0;
	return LABEL_WIDTH + panel * (PANEL_WIDTH + PANEL_GAP) + frac * PANEL_WIDTH;
}

int svg_write(const char *path, const struct machine *mc)
{
	int height = TOP_MARGIN + (int)nops * ROW_HEIGHT + BOTTOM_MARGIN;
	int low, high;
	char line[512];
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	axis_for(&low, &high);
	machine_line(mc, line, sizeof(line));
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		CHART_WIDTH, height, CHART_WIDTH, height);
	fprintf(f, "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">tlsbench: "
		"ns per access, median bar, min-max whisker, %d runs</text>\n", mc->runs);
	fputs("<text class=\"machine\" x=\"10\" y=\"38\" font-size=\"10\">", f);
	put_escaped(f, line);
	fputs("</text>\n", f);

	for (int m = 0; m < NMETRICS; m++) {
		double left = LABEL_WIDTH + m * (PANEL_WIDTH + PANEL_GAP);

		fprintf(f, "<text class=\"panel\" x=\"%.1f\" y=\"62\" font-size=\"13\" "
			"font-weight=\"bold\">%s (ns per access, log scale)</text>\n", left,
			m == LATENCY ? "latency: dependent accesses" :
				       "throughput: independent accesses");
		for (int d = low; d <= high; d++) {
			double x = x_of(m, pow(10, d), low, high);

			fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
				"stroke=\"#ddd\"/>\n<text x=\"%.1f\" y=\"%d\" "
				"text-anchor=\"middle\" fill=\"#666\">%g</text>\n", x,
				TOP_MARGIN - 8, x, height - BOTTOM_MARGIN, x, TOP_MARGIN - 12,
				pow(10, d));
		}
	}
	for (size_t i = 0; i < nops; i++) {
		const struct op *op = &ops[i];
		double y = TOP_MARGIN + (double)i * ROW_HEIGHT;
		double mid = y + BAR_HEIGHT / 2.0;

		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", LABEL_WIDTH - 8,
			mid + 4);
		put_escaped(f, op->name);
		fputs("</text>\n", f);
		for (int m = 0; m < NMETRICS; m++) {
			const struct stats *s = &op->metric[m];
			double left = LABEL_WIDTH + m * (PANEL_WIDTH + PANEL_GAP);
			double xm, x0, x1;

			if (op->skipped) {
				fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#999\">skipped "
					"(no FSGSBASE)</text>\n", left + 4, mid + 4);
				continue;
			}
			xm = x_of(m, s->median, low, high);
			x0 = x_of(m, s->min, low, high);
			x1 = x_of(m, s->max, low, high);
			fprintf(f, "<rect class=\"bar %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%d\" fill=\"%s\"><title>%s %s: median %.3f ns "
				"(%.1f cycles), min %.3f, max %.3f</title></rect>\n",
				metric_name(m), left, y, xm - left > 1 ? xm - left : 1, BAR_HEIGHT,
				m == LATENCY ? "#4878a8" : "#7aa860", op->name, metric_name(m),
				s->median, s->cycles_median, s->min, s->max);
			fprintf(f, "<path class=\"whisker\" d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1f"
				"M%.1f %.1fV%.1f\" stroke=\"#222\" fill=\"none\"/>\n", x0, mid, x1,
				x0, mid - 4, mid + 4, x1, mid - 4, mid + 4);
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%.3g</text>\n", x1 + 4, mid + 4,
				s->median);
		}
	}
	fputs("</svg>\n", f);
	return close_output(f);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The bar chart of tlsbench --svg: one horizontal bar per op, labelled with
 * its name on the left and its value at the end, over a labelled axis. The
 * default scale is logarithmic because the ops span four decades (a
 * segment-prefixed load next to a syscall); on a linear scale the fast ops
 * would all be invisible slivers.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tlsbench.h"

#define CHART_WIDTH	960
#define LABEL_WIDTH	200	/* the op names, left of the bars */
#define VALUE_WIDTH	110	/* room right of the longest bar for its value */
#define TOP_MARGIN	64	/* title and axis labels */
#define BOTTOM_MARGIN	40
#define ROW_HEIGHT	22
#define BAR_HEIGHT	14
#define PLOT_WIDTH	(CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH)

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

struct axis {
	enum svg_scale scale;
	double low, high;	/* log: decade exponents; linear: values */
	double step;		/* tick spacing: 1 decade, or a linear step */
};

/* Axis bounds that hold every positive value, with round ticks. */
static struct axis axis_for(const struct svg_bar *bars, size_t count, enum svg_scale scale)
{
	struct axis a = { .scale = scale };
	double min = 0, max = 0;

	for (size_t i = 0; i < count; i++) {
		if (bars[i].value <= 0)
			continue;
		if (min == 0 || bars[i].value < min)
			min = bars[i].value;
		if (bars[i].value > max)
			max = bars[i].value;
	}
	if (max == 0)
		min = max = 1;
	if (scale == SVG_SCALE_LOG) {
		a.low = floor(log10(min));
		a.high = ceil(log10(max));
		if (a.high <= a.low)
			a.high = a.low + 1;
		a.step = 1;
	} else {
		double raw = max / 5, magnitude = pow(10, floor(log10(raw)));

		a.step = raw <= magnitude ? magnitude : raw <= 2 * magnitude ? 2 * magnitude :
			 raw <= 5 * magnitude ? 5 * magnitude : 10 * magnitude;
		a.low = 0;
		a.high = ceil(max / a.step) * a.step;
	}
	return a;
}

/* Horizontal pixel offset of @value inside the plot (0..PLOT_WIDTH). */
static double x_of(const struct axis *a, double value)
{
	double at;

	if (a->scale == SVG_SCALE_LOG)
		at = (log10(value) - a->low) / (a->high - a->low);
	else
		at = (value - a->low) / (a->high - a->low);
	if (at < 0)
		at = 0;
	return at * PLOT_WIDTH;
}

static void put_tick_label(FILE *f, double value)
{
	if (value >= 1e6)
		fprintf(f, "%.0fM", value / 1e6);
	else if (value >= 1e3)
		fprintf(f, "%.0fk", value / 1e3);
	else
		fprintf(f, "%g", value);
}

int svg_write(const char *path, const char *title, const char *unit,
	      const struct svg_bar *bars, size_t count, enum svg_scale scale)
{
	struct axis a = axis_for(bars, count, scale);
	int height = TOP_MARGIN + (int)count * ROW_HEIGHT + BOTTOM_MARGIN;
	int plot_bottom = TOP_MARGIN + (int)count * ROW_HEIGHT;
	FILE *f = fopen(path, "we");
	int failed;

	if (!f)
		return -1;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
		CHART_WIDTH, height, CHART_WIDTH, height);
	fprintf(f, "<title>");
	put_escaped(f, title);
	fprintf(f, "</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\" "
		"text-anchor=\"middle\">", CHART_WIDTH / 2);
	put_escaped(f, title);
	fprintf(f, "</text>\n");

	/* The axis: a grid line and a label per tick, the unit and scale under it. */
	fprintf(f, "<g stroke=\"#cccccc\" stroke-width=\"1\">\n");
	for (double t = a.low; t <= a.high + a.step / 2; t += a.step) {
		double x = LABEL_WIDTH + x_of(&a, a.scale == SVG_SCALE_LOG ? pow(10, t) : t);

		if (a.scale == SVG_SCALE_LINEAR && t == 0)
			x = LABEL_WIDTH;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>\n",
			x, TOP_MARGIN - 6, x, plot_bottom);
	}
	fprintf(f, "</g>\n<g text-anchor=\"middle\" fill=\"#444444\">\n");
	for (double t = a.low; t <= a.high + a.step / 2; t += a.step) {
		double v = a.scale == SVG_SCALE_LOG ? pow(10, t) : t;
		double x = LABEL_WIDTH + (a.scale == SVG_SCALE_LINEAR && t == 0 ? 0 : x_of(&a, v));

		fprintf(f, "<text x=\"%.1f\" y=\"%d\">", x, TOP_MARGIN - 10);
		put_tick_label(f, v);
		fprintf(f, "</text>\n");
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\">", LABEL_WIDTH + PLOT_WIDTH / 2, plot_bottom + 28);
	put_escaped(f, unit);
	fprintf(f, " (%s scale)</text>\n</g>\n",
		a.scale == SVG_SCALE_LOG ? "logarithmic" : "linear");

	/* The bars. */
	for (size_t i = 0; i < count; i++) {
		int y = TOP_MARGIN + (int)i * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2;
		int text_y = y + BAR_HEIGHT - 3;
		double w = bars[i].value > 0 ? x_of(&a, bars[i].value) : 0;

		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_WIDTH - 8, text_y);
		put_escaped(f, bars[i].label);
		fprintf(f, "</text>\n");
		if (bars[i].value <= 0) {
			fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#888888\">skipped</text>\n",
				LABEL_WIDTH + 4, text_y);
			continue;
		}
		if (w < 1)
			w = 1;
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#4a7ab5\">"
			"<title>", LABEL_WIDTH, y, w, BAR_HEIGHT);
		put_escaped(f, bars[i].label);
		fprintf(f, ": %.3f ", bars[i].value);
		put_escaped(f, unit);
		fprintf(f, "</title></rect>\n");
		fprintf(f, "<text x=\"%.1f\" y=\"%d\">%.3g</text>\n",
			LABEL_WIDTH + w + 4, text_y, bars[i].value);
	}
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444444\"/>\n",
		LABEL_WIDTH, TOP_MARGIN - 6, LABEL_WIDTH, plot_bottom);
	fprintf(f, "</svg>\n");

	failed = ferror(f);
	if (fclose(f) != 0 || failed) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

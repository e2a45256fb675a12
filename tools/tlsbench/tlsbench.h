/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsbench's parts: the per-op benchmark (main.c), the bar chart (svg.c)
 * and the module mode (module.c).
 */
#ifndef TLSBENCH_H
#define TLSBENCH_H

#include <stddef.h>

/* One bar of the chart; a value <= 0 is drawn as "skipped". */
struct svg_bar {
	const char *label;
	double value;
};

enum svg_scale { SVG_SCALE_LOG, SVG_SCALE_LINEAR };

/*
 * svg_write() - write a horizontal bar chart of @count bars to @path as a
 * standalone SVG document, @title on top and @unit after each value.
 * Returns 0, or -1 with errno set when the file cannot be written.
 */
int svg_write(const char *path, const char *title, const char *unit,
	      const struct svg_bar *bars, size_t count, enum svg_scale scale);

/*
 * module_bench() - the module mode: @threads threads in a child process,
 * every thread's view collected by LIST, GET_TASK, debugfs and ptrace.
 * Prints a table (or JSON with @json). Returns the exit status: 0, or 1
 * when the benchmark could not run or a check failed.
 */
int module_bench(int threads, int json);

#endif /* TLSBENCH_H */

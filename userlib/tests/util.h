/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/* Small helpers shared by the unit tests. */
#ifndef TLSVIEW_TESTS_UTIL_H
#define TLSVIEW_TESTS_UTIL_H

#include <stdio.h>

/* Lines of /proc/self/maps: a leaked mapping makes this grow. */
static inline int count_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int c, lines = 0;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		lines += c == '\n';
	fclose(f);
	return lines;
}

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/check_missing.c - `tlsview check` when libtlsview was built
 * without its check API (tlsview/check.h): say so, and fail.
 */
#include <stdio.h>
#include "tlsview.h"

int tv_check_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tlsview: check: this tlsview was built against a libtlsview without "
		"the check API; rebuild userlib, then tools\n");
	return TV_EXIT_FAILURE;
}

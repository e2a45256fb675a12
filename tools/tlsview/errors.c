// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/errors.c - how tlsview reports a failure: one line on
 * stderr for people, or, with --json, a JSON object {"error": "..."} on
 * stdout so that a program reading the output always gets JSON.
 */
#include <stdarg.h>
#include <stdio.h>
#include "json.h"
#include "tlsview.h"

static bool errors_as_json;
static bool errors_pretty;

void tv_errors_init(const struct tv_options *options)
{
	errors_as_json = options->json;
	errors_pretty = options->pretty;
}

void tv_error(const char *fmt, ...)
{
	char message[512];
	va_list args;

	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	if (errors_as_json) {
		struct tv_json json;

		fflush(stdout);
		tv_json_init(&json, stdout, errors_pretty);
		tv_json_object_begin(&json, NULL);
		tv_json_string(&json, "error", message);
		tv_json_object_end(&json);
		fflush(stdout);
	} else {
		fprintf(stderr, "tlsview: %s\n", message);
	}
}

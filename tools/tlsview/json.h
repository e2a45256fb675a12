/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tools/tlsview/json.h - a small streaming JSON writer.
 *
 * Every call takes a key, used when the current container is an object and
 * ignored (pass NULL) inside an array. Output is compact on one line, or
 * indented by two spaces per level with pretty set; either way it ends
 * with a newline when the outermost container closes.
 */
#ifndef TOOLS_TLSVIEW_JSON_H
#define TOOLS_TLSVIEW_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define TV_JSON_MAX_DEPTH 16

struct tv_json {
	FILE *out;
	bool pretty;
	int depth;
	bool has_items[TV_JSON_MAX_DEPTH];
};

void tv_json_init(struct tv_json *json, FILE *out, bool pretty);
void tv_json_object_begin(struct tv_json *json, const char *key);
void tv_json_object_end(struct tv_json *json);
void tv_json_array_begin(struct tv_json *json, const char *key);
void tv_json_array_end(struct tv_json *json);
void tv_json_string(struct tv_json *json, const char *key, const char *value);
void tv_json_int(struct tv_json *json, const char *key, int64_t value);
void tv_json_uint(struct tv_json *json, const char *key, uint64_t value);
void tv_json_bool(struct tv_json *json, const char *key, bool value);
void tv_json_null(struct tv_json *json, const char *key);
/* A number as a "0x..." string of width hex digits, exact beyond 2^53. */
void tv_json_hex(struct tv_json *json, const char *key, uint64_t value, int width);

#endif /* TOOLS_TLSVIEW_JSON_H */

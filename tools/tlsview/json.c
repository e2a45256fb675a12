// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/json.c - a small streaming JSON writer (see json.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include "json.h"

void tv_json_init(struct tv_json *json, FILE *out, bool pretty)
{
	json->out = out;
	json->pretty = pretty;
	json->depth = 0;
	json->has_items[0] = false;
}

/* The length of the well-formed UTF-8 sequence at @c (RFC 3629), or 0. */
static int utf8_length(const unsigned char *c)
{
	int length, i;

	if (c[0] < 0x80)
		return 1;
	if (c[0] >= 0xc2 && c[0] <= 0xdf)
		length = 2;
	else if (c[0] >= 0xe0 && c[0] <= 0xef)
		length = 3;
	else if (c[0] >= 0xf0 && c[0] <= 0xf4)
		length = 4;
	else
		return 0;
	for (i = 1; i < length; i++)
		if ((c[i] & 0xc0) != 0x80)
			return 0;
	/* No overlong forms, no surrogates, nothing above U+10FFFF. */
	if ((c[0] == 0xe0 && c[1] < 0xa0) || (c[0] == 0xed && c[1] >= 0xa0) ||
	    (c[0] == 0xf0 && c[1] < 0x90) || (c[0] == 0xf4 && c[1] >= 0x90))
		return 0;
	return length;
}

/*
 * Strings are written as UTF-8. A byte that is not part of well-formed
 * UTF-8 (comm is any bytes) becomes U+FFFD: readable, never a different
 * character; callers that need the bytes write them in hex beside it.
 */
static void write_escaped(FILE *out, const char *text)
{
	const unsigned char *c;
	int length;

	fputc('"', out);
	for (c = (const unsigned char *)text; *c; c++) {
		if (*c >= 0x80) {
			length = utf8_length(c);
			if (!length) {
				fputs("\xef\xbf\xbd", out);	/* U+FFFD in UTF-8 */
				continue;
			}
			fwrite(c, 1, (size_t)length, out);
			c += length - 1;
			continue;
		}
		switch (*c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		default:
			if (*c < 0x20 || *c == 0x7f)
				fprintf(out, "\\u%04x", *c);
			else
				fputc(*c, out);
		}
	}
	fputc('"', out);
}

static void newline_indent(struct tv_json *json)
{
	int level;

	if (!json->pretty)
		return;
	fputc('\n', json->out);
	for (level = 0; level < json->depth; level++)
		fputs("  ", json->out);
}

/* The separator, indentation and key before any value. */
static void value_prefix(struct tv_json *json, const char *key)
{
	if (json->depth > 0) {
		if (json->has_items[json->depth])
			fputc(',', json->out);
		json->has_items[json->depth] = true;
		newline_indent(json);
	}
	if (key && json->depth > 0) {
		write_escaped(json->out, key);
		fputs(json->pretty ? ": " : ":", json->out);
	}
}

static void container_begin(struct tv_json *json, const char *key, char open)
{
	value_prefix(json, key);
	fputc(open, json->out);
	if (json->depth + 1 < TV_JSON_MAX_DEPTH)
		json->depth++;
	json->has_items[json->depth] = false;
}

static void container_end(struct tv_json *json, char close)
{
	bool had_items = json->has_items[json->depth];

	if (json->depth > 0)
		json->depth--;
	if (had_items)
		newline_indent(json);
	fputc(close, json->out);
	if (json->depth == 0)
		fputc('\n', json->out);
}

void tv_json_object_begin(struct tv_json *json, const char *key)
{
	container_begin(json, key, '{');
}

void tv_json_object_end(struct tv_json *json)
{
	container_end(json, '}');
}

void tv_json_array_begin(struct tv_json *json, const char *key)
{
	container_begin(json, key, '[');
}

void tv_json_array_end(struct tv_json *json)
{
	container_end(json, ']');
}

void tv_json_string(struct tv_json *json, const char *key, const char *value)
{
	value_prefix(json, key);
	write_escaped(json->out, value);
}

void tv_json_int(struct tv_json *json, const char *key, int64_t value)
{
	value_prefix(json, key);
	fprintf(json->out, "%" PRId64, value);
}

void tv_json_uint(struct tv_json *json, const char *key, uint64_t value)
{
	value_prefix(json, key);
	fprintf(json->out, "%" PRIu64, value);
}

void tv_json_bool(struct tv_json *json, const char *key, bool value)
{
	value_prefix(json, key);
	fputs(value ? "true" : "false", json->out);
}

void tv_json_null(struct tv_json *json, const char *key)
{
	value_prefix(json, key);
	fputs("null", json->out);
}

void tv_json_hex(struct tv_json *json, const char *key, uint64_t value, int width)
{
	char text[24];

	snprintf(text, sizeof(text), "0x%0*" PRIx64, width, value);
	tv_json_string(json, key, text);
}

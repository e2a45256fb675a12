// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tlsview/tlsdata.c - --var, --keys, --dtv and --core: what each
 * thread's TLS holds, read through libtlsview's tlsdata API (glibc's
 * libthread_db and elfutils). The thread pointers come from the views the
 * command already has (the module, ptrace, or the core's NT_PRSTATUS).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tlsview/tlsdata.h>
#include "json.h"
#include "tlsview.h"

/* Bytes read of one variable: enough for any scalar, struct or small array. */
#define VAR_MAX_BYTES	4096
/* The table shows this many bytes of a larger variable. */
#define TABLE_MAX_BYTES	64

struct tv_var_result {
	int error;			/* 0, or the negative errno of the read */
	char message[96];
	uint64_t address;
	size_t size;			/* bytes in value */
	unsigned char *value;
};

struct tv_tlsdata_result {
	struct tv_var_result *vars;	/* one per --var name, in order */
	int keys_error;
	char keys_message[96];
	struct tlsview_tlsdata_key *keys;
	size_t key_count;
	int dtv_error;
	char dtv_message[96];
	struct tlsview_tlsdata_dtv dtv;
};

/* What every thread shares: the handle and the resolved names. */
static struct tlsview_tlsdata *data;
static struct tlsview_tlsdata_symbol *symbols;
static char **symbol_specs;
static size_t symbol_count;

bool tv_tlsdata_wanted(const struct tv_options *options)
{
	return options->vars || options->keys || options->dtv;
}

/* Splits --var's comma list (the names keep the caller's spelling for output). */
static int parse_names(const char *list)
{
	char *copy = strdup(list), *save = NULL, *name;

	if (!copy)
		return -ENOMEM;
	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		char **grown = realloc(symbol_specs, (symbol_count + 1) * sizeof(*grown));

		if (!grown) {
			free(copy);
			return -ENOMEM;
		}
		symbol_specs = grown;
		symbol_specs[symbol_count] = strdup(name);
		if (!symbol_specs[symbol_count++]) {
			free(copy);
			return -ENOMEM;
		}
	}
	free(copy);
	return 0;
}

/* Opens the target and resolves every name; any failure is the command's. */
static int open_and_resolve(const struct tv_options *options, pid_t pid)
{
	char message[256];
	size_t i;
	int ret;

	if (data)
		ret = 0;	/* --core: tv_core_collect() opened it */
	else if (options->core)
		ret = tlsview_tlsdata_open_core(&data, options->core, options->exe, message,
						sizeof(message));
	else
		ret = tlsview_tlsdata_open_process(&data, pid, message, sizeof(message));
	if (ret) {
		tv_error("%s", message);
		return TV_EXIT_FAILURE;
	}
	if (options->vars) {
		if (parse_names(options->vars) || !symbol_count) {
			tv_error("--var wants NAME[,NAME...]");
			return TV_EXIT_FAILURE;
		}
		symbols = calloc(symbol_count, sizeof(*symbols));
		if (!symbols) {
			tv_error("out of memory");
			return TV_EXIT_FAILURE;
		}
		for (i = 0; i < symbol_count; i++) {
			ret = tlsview_tlsdata_lookup(data, symbol_specs[i], &symbols[i], message,
						     sizeof(message));
			if (ret) {
				tv_error("%s", message);
				return TV_EXIT_FAILURE;
			}
		}
	}
	return TV_EXIT_OK;
}

static void read_var(const struct tlsview_tlsdata_thread *thread, size_t index,
		     struct tv_var_result *result)
{
	size_t size = symbols[index].size < VAR_MAX_BYTES ? symbols[index].size : VAR_MAX_BYTES;

	result->value = calloc(1, size ? size : 1);
	if (!result->value) {
		result->error = -ENOMEM;
		snprintf(result->message, sizeof(result->message), "out of memory");
		return;
	}
	result->size = size;
	result->error = tlsview_tlsdata_read(data, thread, &symbols[index], &result->address,
					     result->value, size, result->message,
					     sizeof(result->message));
}

static void read_thread(const struct tv_options *options, struct tv_thread *entry)
{
	struct tlsview_tlsdata_thread thread = {
		.tid = entry->view.tid,
		.thread_pointer = entry->view.fsbase,
	};
	struct tv_tlsdata_result *result = calloc(1, sizeof(*result));
	size_t i;

	entry->tlsdata = result;
	if (!result)
		return;
	if (symbol_count) {
		result->vars = calloc(symbol_count, sizeof(*result->vars));
		for (i = 0; result->vars && i < symbol_count; i++)
			read_var(&thread, i, &result->vars[i]);
	}
	if (options->keys)
		result->keys_error = tlsview_tlsdata_keys(data, &thread, &result->keys,
							  &result->key_count, result->keys_message,
							  sizeof(result->keys_message));
	if (options->dtv)
		result->dtv_error = tlsview_tlsdata_dtv(data, &thread, &result->dtv,
							result->dtv_message,
							sizeof(result->dtv_message));
}

int tv_tlsdata_collect(const struct tv_options *options, struct tv_threads *threads)
{
	pid_t pid = options->pid;
	size_t i;
	int ret;

	if (!options->core && !pid && threads->count)
		pid = threads->items[0].view.tgid;
	ret = open_and_resolve(options, pid);
	if (ret)
		return ret;
	for (i = 0; i < threads->count; i++)
		read_thread(options, &threads->items[i]);
	return TV_EXIT_OK;
}

int tv_core_collect(const struct tv_options *options, struct tv_threads *threads)
{
	struct tlsview_tlsdata_core_thread thread;
	struct tv_thread *entry;
	char message[256];
	size_t i;
	int slot;

	if (tlsview_tlsdata_open_core(&data, options->core, options->exe, message,
				      sizeof(message))) {
		tv_error("%s", message);
		return TV_EXIT_FAILURE;
	}
	threads->source = TV_SOURCE_CORE;
	for (i = 0; i < tlsview_tlsdata_core_threads(data); i++) {
		if (tlsview_tlsdata_core_thread(data, i, &thread))
			break;
		if (options->tid && thread.tid != options->tid)
			continue;
		entry = tv_threads_add(threads);
		if (!entry) {
			tv_error("out of memory");
			return TV_EXIT_FAILURE;
		}
		entry->view.tid = thread.tid;
		entry->view.tgid = thread.tgid;
		entry->view.fsbase = thread.fsbase;
		entry->view.gsbase = thread.gsbase;
		entry->view.fsindex = thread.fsindex;
		entry->view.gsindex = thread.gsindex;
		memcpy(entry->view.comm, thread.comm, sizeof(entry->view.comm));
		for (slot = 0; slot < TLSVIEW_TLS_SLOTS; slot++) {
			struct tlsview_desc *desc = &entry->view.tls[slot];

			if (slot < thread.tls_slots) {
				desc->entry_number = thread.tls[slot].entry_number;
				desc->base_addr = thread.tls[slot].base_addr;
				desc->limit = thread.tls[slot].limit;
				desc->flags = thread.tls[slot].flags;
			} else {
				desc->flags = TLSVIEW_DESC_EMPTY;
			}
		}
	}
	if (options->tid && !threads->count) {
		tv_error("thread %d is not in the core", options->tid);
		return TV_EXIT_FAILURE;
	}
	return TV_EXIT_OK;
}

void tv_tlsdata_free(struct tv_threads *threads)
{
	size_t i, j;

	for (i = 0; i < threads->count; i++) {
		struct tv_tlsdata_result *result = threads->items[i].tlsdata;

		if (!result)
			continue;
		for (j = 0; result->vars && j < symbol_count; j++)
			free(result->vars[j].value);
		free(result->vars);
		free(result->keys);
		tlsview_tlsdata_dtv_free(&result->dtv);
		free(result);
		threads->items[i].tlsdata = NULL;
	}
	for (i = 0; i < symbol_count; i++)
		free(symbol_specs[i]);
	free(symbol_specs);
	free(symbols);
	symbol_specs = NULL;
	symbols = NULL;
	symbol_count = 0;
	tlsview_tlsdata_close(data);
	data = NULL;
}

static bool is_integer(size_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* Little-endian, as x86-64 keeps it. */
static uint64_t unsigned_value(const struct tv_var_result *var)
{
	uint64_t value = 0;
	size_t i;

	for (i = var->size; i-- > 0;)
		value = value << 8 | var->value[i];
	return value;
}

static int64_t signed_value(const struct tv_var_result *var)
{
	uint64_t value = unsigned_value(var);
	int shift = (int)(64 - 8 * var->size);

	return (int64_t)(value << shift) >> shift;
}

static void hex_bytes(const struct tv_var_result *var, size_t limit, char *out, size_t out_size)
{
	size_t i, used = 0, count = var->size < limit ? var->size : limit;

	out[0] = '\0';
	for (i = 0; i < count && used + 2 < out_size; i++)
		used += (size_t)snprintf(out + used, out_size - used, "%02x", var->value[i]);
}

static void format_value(const struct tv_options *options, const struct tv_var_result *var,
			 char *out, size_t out_size)
{
	char bytes[2 * TABLE_MAX_BYTES + 1];

	if (!is_integer(var->size)) {
		hex_bytes(var, TABLE_MAX_BYTES, bytes, sizeof(bytes));
		snprintf(out, out_size, "bytes %s%s", bytes,
			 var->size > TABLE_MAX_BYTES ? "..." : "");
	} else if (options->format == TV_FORMAT_SIGNED) {
		snprintf(out, out_size, "%" PRId64, signed_value(var));
	} else if (options->format == TV_FORMAT_HEX) {
		snprintf(out, out_size, "0x%0*" PRIx64, (int)(2 * var->size), unsigned_value(var));
	} else {
		snprintf(out, out_size, "%" PRIu64, unsigned_value(var));
	}
}

void tv_tlsdata_table(const struct tv_options *options, const struct tv_thread *thread)
{
	const struct tv_tlsdata_result *result = thread->tlsdata;
	char value[2 * TABLE_MAX_BYTES + 16];
	size_t i;

	if (!result)
		return;
	for (i = 0; result->vars && i < symbol_count; i++) {
		const struct tv_var_result *var = &result->vars[i];

		if (var->error) {
			printf("    %s (%s): %s\n", symbol_specs[i], symbols[i].object, var->message);
			continue;
		}
		format_value(options, var, value, sizeof(value));
		printf("    %s (%s) @0x%016" PRIx64 " = %s\n", symbol_specs[i], symbols[i].object,
		       var->address, value);
	}
	if (options->keys) {
		if (result->keys_error)
			printf("    keys: %s\n", result->keys_message);
		else
			printf("    keys: %zu in use\n", result->key_count);
		for (i = 0; !result->keys_error && i < result->key_count; i++)
			printf("    key %u = 0x%" PRIx64 "\n", result->keys[i].key,
			       result->keys[i].value);
	}
	if (options->dtv) {
		if (result->dtv_error) {
			printf("    dtv: %s\n", result->dtv_message);
			return;
		}
		printf("    dtv generation %" PRIu64 "\n", result->dtv.generation);
		for (i = 0; i < result->dtv.count; i++) {
			const struct tlsview_tlsdata_dtv_module *module = &result->dtv.modules[i];

			printf("    module %" PRIu64 " %-11s 0x%016" PRIx64 "  %s\n", module->modid,
			       tlsview_tlsdata_block_state_name(module->state), module->block,
			       module->object);
		}
	}
}

static void json_var(struct tv_json *json, size_t index, const struct tv_var_result *var)
{
	char *bytes;

	tv_json_object_begin(json, symbol_specs[index]);
	tv_json_string(json, "object", symbols[index].object);
	if (var->error) {
		tv_json_string(json, "error", var->message);
		tv_json_object_end(json);
		return;
	}
	tv_json_hex(json, "addr", var->address, 16);
	tv_json_uint(json, "size", symbols[index].size);
	if (is_integer(var->size))
		tv_json_uint(json, "value", unsigned_value(var));
	bytes = malloc(2 * var->size + 1);
	if (bytes) {
		hex_bytes(var, var->size, bytes, 2 * var->size + 1);
		tv_json_string(json, "bytes", bytes);
		free(bytes);
	}
	tv_json_object_end(json);
}

void tv_tlsdata_json(struct tv_json *json, const struct tv_options *options,
		     const struct tv_thread *thread)
{
	const struct tv_tlsdata_result *result = thread->tlsdata;
	size_t i;

	if (!result)
		return;
	if (result->vars) {
		tv_json_object_begin(json, "vars");
		for (i = 0; i < symbol_count; i++)
			json_var(json, i, &result->vars[i]);
		tv_json_object_end(json);
	}
	if (options->keys) {
		if (result->keys_error) {
			tv_json_object_begin(json, "keys");
			tv_json_string(json, "error", result->keys_message);
			tv_json_object_end(json);
		} else {
			tv_json_array_begin(json, "keys");
			for (i = 0; i < result->key_count; i++) {
				tv_json_object_begin(json, NULL);
				tv_json_uint(json, "key", result->keys[i].key);
				tv_json_hex(json, "value", result->keys[i].value, 1);
				tv_json_object_end(json);
			}
			tv_json_array_end(json);
		}
	}
	if (options->dtv) {
		tv_json_object_begin(json, "dtv");
		if (result->dtv_error) {
			tv_json_string(json, "error", result->dtv_message);
			tv_json_object_end(json);
			return;
		}
		tv_json_uint(json, "generation", result->dtv.generation);
		tv_json_array_begin(json, "modules");
		for (i = 0; i < result->dtv.count; i++) {
			const struct tlsview_tlsdata_dtv_module *module = &result->dtv.modules[i];

			tv_json_object_begin(json, NULL);
			tv_json_uint(json, "modid", module->modid);
			tv_json_string(json, "object", module->object);
			if (module->state == TLSVIEW_TLSDATA_UNALLOCATED)
				tv_json_null(json, "block");
			else
				tv_json_hex(json, "block", module->block, 16);
			tv_json_string(json, "state",
				       tlsview_tlsdata_block_state_name(module->state));
			tv_json_object_end(json);
		}
		tv_json_array_end(json);
		tv_json_object_end(json);
	}
}

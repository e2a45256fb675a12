// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * tlsview/tlsdata.h: open a process, read its threads' TLS variables,
 * pthread keys and DTVs through glibc's libthread_db.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tlsdata_internal.h"

int tlsdata_error(char *error, size_t size, int code, const char *fmt, ...)
{
	va_list args;

	if (error && size) {
		va_start(args, fmt);
		vsnprintf(error, size, fmt, args);
		va_end(args);
	}
	return tlsview_fail(code);
}

static char *debuginfo_path;

static const Dwfl_Callbacks process_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

static const Dwfl_Callbacks core_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

/* The class byte of the process's program: refuses what is not x86-64. */
static int check_process_class(pid_t pid, char *error, size_t error_size)
{
	unsigned char ident[EI_NIDENT];
	char path[64];
	int fd, code;
	ssize_t got;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		code = errno == ENOENT ? ESRCH : errno;
		return tlsdata_error(error, error_size, code, "process %d: %s", pid,
				     code == ESRCH ? "no such process" : strerror(code));
	}
	got = read(fd, ident, sizeof(ident));
	close(fd);
	if (got != (ssize_t)sizeof(ident) || memcmp(ident, ELFMAG, SELFMAG))
		return tlsdata_error(error, error_size, ENOEXEC, "process %d: its program is not ELF",
				     pid);
	if (ident[EI_CLASS] != ELFCLASS64)
		return tlsdata_error(error, error_size, ENOTSUP,
				     "process %d: not supported for ia32 processes", pid);
	return 0;
}

/* A handle whose libdwfl session reports through @callbacks, in *@datap. */
static int new_handle(struct tlsview_tlsdata **datap, const Dwfl_Callbacks *callbacks,
		      char *error, size_t error_size)
{
	struct tlsview_tlsdata *data = calloc(1, sizeof(*data));

	if (!data)
		return tlsdata_error(error, error_size, ENOMEM, "out of memory");
	data->process.core_fd = -1;
	data->process.dwfl = dwfl_begin(callbacks);
	if (!data->process.dwfl) {
		free(data);
		return tlsdata_error(error, error_size, ENOMEM, "libdwfl: %s", dwfl_errmsg(-1));
	}
	*datap = data;
	return 0;
}

/* Once the target's objects are known: its libthread_db agent, if any. */
static int handle_ready(struct tlsview_tlsdata *data, struct tlsview_tlsdata **datap)
{
	tlsdata_thread_db_open(&data->process);
	*datap = data;
	return 0;
}

static int handle_failed(struct tlsview_tlsdata *data, int ret)
{
	tlsview_tlsdata_close(data);
	errno = -ret;
	return ret;
}

TLSVIEW_EXPORT int tlsview_tlsdata_open_process(struct tlsview_tlsdata **datap, pid_t pid,
						char *error, size_t error_size)
{
	struct tlsview_tlsdata *data;
	struct ps_prochandle *target;
	uint64_t probe;
	int ret;

	if (!datap || pid <= 0)
		return tlsdata_error(error, error_size, EINVAL, "no process given");
	ret = check_process_class(pid, error, error_size);
	if (ret)
		return ret;
	ret = new_handle(&data, &process_callbacks, error, error_size);
	if (ret)
		return ret;
	target = &data->process;
	target->pid = pid;
	ret = dwfl_linux_proc_report(target->dwfl, pid);
	if (ret) {
		ret = ret > 0 ? ret : EIO;
		ret = tlsdata_error(error, error_size, ret, "process %d: cannot list its objects: %s",
				    pid, ret == EIO ? dwfl_errmsg(-1) : strerror(ret));
		goto fail;
	}
	if (dwfl_report_end(target->dwfl, NULL, NULL)) {
		ret = tlsdata_error(error, error_size, EIO, "libdwfl: %s", dwfl_errmsg(-1));
		goto fail;
	}
	ret = tlsdata_objects_collect(target, error, error_size);
	if (ret)
		goto fail;
	/* Say plainly when the memory is out of reach, before any lookup fails. */
	if (tlsdata_read_word(target, target->objects[0].low, &probe)) {
		int code = errno == ESRCH ? ESRCH : errno ? errno : EPERM;

		ret = tlsdata_error(error, error_size, code,
				    "process %d: cannot read its memory: %s", pid, strerror(code));
		goto fail;
	}
	return handle_ready(data, datap);
fail:
	return handle_failed(data, ret);
}

TLSVIEW_EXPORT int tlsview_tlsdata_open_core(struct tlsview_tlsdata **datap, const char *core,
					     const char *executable, char *error,
					     size_t error_size)
{
	struct tlsview_tlsdata *data;
	struct ps_prochandle *target;
	int ret;

	if (!datap || !core)
		return tlsdata_error(error, error_size, EINVAL, "no core file given");
	ret = new_handle(&data, &core_callbacks, error, error_size);
	if (ret)
		return ret;
	target = &data->process;
	target->core = true;
	ret = tlsdata_core_load(target, core, executable, error, error_size);
	if (ret)
		goto fail;
	ret = tlsdata_objects_collect(target, error, error_size);
	if (ret)
		goto fail;
	return handle_ready(data, datap);
fail:
	return handle_failed(data, ret);
}

TLSVIEW_EXPORT void tlsview_tlsdata_close(struct tlsview_tlsdata *data)
{
	struct ps_prochandle *target;

	if (!data)
		return;
	target = &data->process;
	tlsdata_thread_db_close(target);
	if (target->dwfl)
		dwfl_end(target->dwfl);
	tlsdata_core_close(target);
	free(target->static_tls);
	free(target->objects);
	free(data);
}

TLSVIEW_EXPORT bool tlsview_tlsdata_glibc(const struct tlsview_tlsdata *data)
{
	return data && data->process.agent;
}

TLSVIEW_EXPORT size_t tlsview_tlsdata_core_threads(const struct tlsview_tlsdata *data)
{
	return data ? data->process.core_thread_count : 0;
}

TLSVIEW_EXPORT int tlsview_tlsdata_core_thread(const struct tlsview_tlsdata *data, size_t index,
					       struct tlsview_tlsdata_core_thread *thread)
{
	if (!data || !thread || index >= data->process.core_thread_count)
		return tlsview_fail(EINVAL);
	*thread = data->process.core_threads[index].public;
	return 0;
}

/* The executable's block where the TCB builder (and glibc) put it: below TP. */
static int executable_address(struct ps_prochandle *target,
			      const struct tlsview_tlsdata_thread *thread,
			      const struct tlsview_tlsdata_symbol *symbol, uint64_t *address,
			      char *error, size_t error_size)
{
	if (!target->have_pt_tls)
		return tlsdata_error(error, error_size, EIO, "%s: the program has no PT_TLS",
				     symbol->name);
	if (!thread->thread_pointer)
		return tlsdata_error(error, error_size, EFAULT, "the thread has no thread pointer");
	*address = thread->thread_pointer -
		   TLSVIEW_ROUND_UP(target->pt_tls_memsz, target->pt_tls_align) + symbol->offset;
	return 0;
}

/* glibc's "no static TLS offset" values (NO_TLS_OFFSET, FORCED_DYNAMIC_TLS_OFFSET). */
static bool static_tls_offset(uint64_t offset)
{
	return offset != 0 && offset != UINT64_MAX;
}

/* What is known of @link_map's static TLS; NULL when out of memory. */
static struct tlsdata_static_tls *static_tls_of(struct ps_prochandle *target, uint64_t link_map)
{
	struct tlsdata_static_tls *entry;
	uint64_t offset;
	size_t i;
	void *grown;

	for (i = 0; i < target->static_tls_count; i++)
		if (target->static_tls[i].link_map == link_map)
			return &target->static_tls[i];
	grown = realloc(target->static_tls, (i + 1) * sizeof(*target->static_tls));
	if (!grown)
		return NULL;
	target->static_tls = grown;
	entry = &target->static_tls[target->static_tls_count++];
	entry->link_map = link_map;
	entry->state = TLSDATA_STATIC_NO;
	if (!tlsdata_glibc_field(target, "link_map_l_tls_offset", link_map, 0, &offset) &&
	    static_tls_offset(offset)) {
		entry->offset = offset;
		entry->state = TLSDATA_STATIC_UNCONFIRMED;
	}
	return entry;
}

/*
 * An object's static TLS block is at the same distance below the thread
 * pointer in every thread (variant II: `&var - fs_base` is the same
 * everywhere), and td_thr_tlsbase() answers tp - l_tls_offset for it. Once
 * libthread_db has given that answer for one thread, the others are
 * computed the same way: that saves its ten or so reads of the target per
 * thread, which made --var errno over 10,000 threads cost nearly as much
 * as gdb. Dynamic TLS always goes through libthread_db.
 */
static int variable_address(struct ps_prochandle *target,
			    const struct tlsview_tlsdata_thread *thread,
			    const struct tlsview_tlsdata_symbol *symbol, uint64_t *address,
			    char *error, size_t error_size)
{
	struct tlsdata_static_tls *fast = NULL;
	td_thrhandle_t handle;
	psaddr_t found;
	td_err_e err;
	int ret;

	target->current = *thread;
	if (symbol->link_map && target->agent)
		fast = static_tls_of(target, symbol->link_map);
	if (fast && fast->state == TLSDATA_STATIC_CONFIRMED &&
	    tlsdata_is_glibc_thread(target, thread->thread_pointer)) {
		*address = thread->thread_pointer - fast->offset + symbol->offset;
		return 0;
	}
	ret = tlsdata_glibc_handle(target, thread, &handle, error, error_size);
	if (ret == -ENOTSUP && symbol->executable)
		return executable_address(target, thread, symbol, address, error, error_size);
	if (ret)
		return ret;
	if (!symbol->link_map)
		return tlsdata_error(error, error_size, EIO, "%s: the dynamic linker lists no %s",
				     symbol->name, symbol->object);
	err = target->thread_db.thr_tls_get_addr(&handle, (psaddr_t)(uintptr_t)symbol->link_map,
						 symbol->offset, &found);
	if (err == TD_TLSDEFER)
		return tlsdata_error(error, error_size, ENODATA, "not allocated");
	if (err != TD_OK)
		return tlsdata_error(error, error_size, EIO, "libthread_db: %s",
				     tlsdata_td_error_name(err));
	*address = (uintptr_t)found;
	if (fast && fast->state == TLSDATA_STATIC_UNCONFIRMED)
		fast->state = *address == (uintptr_t)handle.th_unique - fast->offset + symbol->offset ?
			      TLSDATA_STATIC_CONFIRMED : TLSDATA_STATIC_NO;
	return 0;
}

TLSVIEW_EXPORT int tlsview_tlsdata_read(struct tlsview_tlsdata *data,
					const struct tlsview_tlsdata_thread *thread,
					const struct tlsview_tlsdata_symbol *symbol,
					uint64_t *address, void *buffer, size_t size,
					char *error, size_t error_size)
{
	struct ps_prochandle *target = data ? &data->process : NULL;
	int ret;

	if (!target || !thread || !symbol || !address || (size && !buffer))
		return tlsdata_error(error, error_size, EINVAL, "missing argument");
	ret = variable_address(target, thread, symbol, address, error, error_size);
	if (ret)
		return ret;
	if (size > symbol->size)
		size = symbol->size;
	if (tlsdata_read_memory(target, *address, buffer, size))
		return tlsdata_error(error, error_size, EFAULT, "cannot read 0x%llx",
				     (unsigned long long)*address);
	return 0;
}

struct key_list {
	struct tlsview_tlsdata_key *items;
	size_t count, capacity;
};

static int add_key(struct key_list *list, uint32_t key)
{
	if (list->count == list->capacity) {
		size_t capacity = list->capacity ? list->capacity * 2 : 64;
		void *grown = realloc(list->items, capacity * sizeof(*list->items));

		if (!grown)
			return -ENOMEM;
		list->items = grown;
		list->capacity = capacity;
	}
	list->items[list->count].key = key;
	list->items[list->count++].value = 0;
	return 0;
}

/*
 * glibc's pthread keys, walked from the descriptors libc publishes for
 * libthread_db. libthread_db's own td_ta_tsd_iter() and td_thr_tsd() cannot
 * be used with bookworm's glibc (2.36): the first steps through
 * __pthread_keys by an eighth of an entry (it divides a byte size by 8
 * again) and reports key 8k for key k; the second fetches a whole 16-byte
 * __pthread_keys entry as one value and always fails with TD_DBERR (and
 * would index specific[], which libc describes as one 256-byte field, in
 * steps of 256 bytes).
 */
struct key_layout {
	uint32_t keys[3];		/* __pthread_keys[]: the key table */
	uint32_t key_seq[3];		/* its entries' seq (odd: in use) */
	uint32_t specific[3];		/* struct pthread's specific[]: first level, one field */
	uint32_t level2[3];		/* a second-level block's data[] */
	uint32_t data_seq[3];		/* struct pthread_key_data's seq */
	uint32_t data_data[3];		/* and its value */
};

static int read_key_layout(struct ps_prochandle *target, struct key_layout *layout)
{
	if (tlsdata_glibc_descriptor(target, "__pthread_keys", layout->keys) ||
	    tlsdata_glibc_descriptor(target, "pthread_key_struct_seq", layout->key_seq) ||
	    tlsdata_glibc_descriptor(target, "pthread_specific", layout->specific) ||
	    tlsdata_glibc_descriptor(target, "pthread_key_data_level2_data", layout->level2) ||
	    tlsdata_glibc_descriptor(target, "pthread_key_data_seq", layout->data_seq) ||
	    tlsdata_glibc_descriptor(target, "pthread_key_data_data", layout->data_data))
		return -EIO;
	/* Words and tables of the sizes the walk below reads. */
	if (layout->keys[0] < 64 || layout->keys[1] > 1U << 20 || layout->key_seq[0] != 64 ||
	    layout->key_seq[2] + 8 > layout->keys[0] / 8 || !layout->specific[0] ||
	    layout->specific[0] % 64 ||
	    !layout->level2[1] || layout->data_seq[0] != 64 || layout->data_data[0] != 64)
		return -EIO;
	return 0;
}

/* The keys in use: those whose __pthread_keys[key].seq is odd; seqs[] keeps each seq. */
static int keys_in_use(struct ps_prochandle *target, const struct key_layout *layout,
		       struct key_list *list, uint64_t **seqs, char *error, size_t error_size)
{
	uint64_t keys_address, entry_size = layout->keys[0] / 8, seq;
	unsigned char *entries;
	uint32_t key;
	int ret = 0;

	if (tlsdata_global_symbol(target, NULL, "__pthread_keys", &keys_address))
		return tlsdata_error(error, error_size, EIO, "cannot find glibc's key table");
	entries = malloc(entry_size * layout->keys[1]);
	*seqs = calloc(layout->keys[1], sizeof(**seqs));
	if (!entries || !*seqs) {
		free(entries);
		return tlsdata_error(error, error_size, ENOMEM, "out of memory");
	}
	if (tlsdata_read_memory(target, keys_address + layout->keys[2], entries,
				entry_size * layout->keys[1])) {
		free(entries);
		return tlsdata_error(error, error_size, EFAULT, "cannot read glibc's key table");
	}
	for (key = 0; key < layout->keys[1] && !ret; key++) {
		memcpy(&seq, entries + key * entry_size + layout->key_seq[2], sizeof(seq));
		(*seqs)[key] = seq;
		if (seq & 1)
			ret = add_key(list, key);
	}
	free(entries);
	if (ret)
		return tlsdata_error(error, error_size, ENOMEM, "out of memory");
	return 0;
}

/*
 * pthread_getspecific() as the thread would run it: specific[key / N]
 * points at a block of N { seq, data } pairs; a pair whose seq is not the
 * key's current one was set for a deleted key and reads as NULL.
 */
static int key_value(struct ps_prochandle *target, const struct key_layout *layout,
		     uint64_t pthread, uint32_t key, uint64_t key_seq, uint64_t *value)
{
	uint32_t per_block = layout->level2[1];
	uint64_t block, pair, seq;

	/* libc describes specific[] as one field of pointers, not as an array. */
	*value = 0;
	if (key / per_block >= layout->specific[0] / 64 * layout->specific[1])
		return -EIO;
	if (tlsdata_read_word(target, pthread + layout->specific[2] + 8 * (key / per_block),
			      &block))
		return -EFAULT;
	if (!block)
		return 0;
	pair = block + layout->level2[2] + (uint64_t)(key % per_block) * (layout->level2[0] / 8);
	if (tlsdata_read_word(target, pair + layout->data_seq[2], &seq))
		return -EFAULT;
	if (seq != key_seq)
		return 0;
	return tlsdata_read_word(target, pair + layout->data_data[2], value) ? -EFAULT : 0;
}

TLSVIEW_EXPORT int tlsview_tlsdata_keys(struct tlsview_tlsdata *data,
					const struct tlsview_tlsdata_thread *thread,
					struct tlsview_tlsdata_key **keys, size_t *count,
					char *error, size_t error_size)
{
	struct ps_prochandle *target = data ? &data->process : NULL;
	struct key_list list = { 0 };
	struct key_layout layout;
	td_thrhandle_t handle;
	uint64_t *seqs = NULL;
	size_t i;
	int ret;

	if (!target || !thread || !keys || !count)
		return tlsdata_error(error, error_size, EINVAL, "missing argument");
	ret = tlsdata_glibc_handle(target, thread, &handle, error, error_size);
	if (ret)
		return ret;
	if (read_key_layout(target, &layout))
		return tlsdata_error(error, error_size, EIO,
				     "glibc's key tables are not as libthread_db describes them");
	ret = keys_in_use(target, &layout, &list, &seqs, error, error_size);
	for (i = 0; !ret && i < list.count; i++) {
		uint32_t key = list.items[i].key;

		ret = key_value(target, &layout, (uintptr_t)handle.th_unique, key, seqs[key],
				&list.items[i].value);
		if (ret)
			ret = tlsdata_error(error, error_size, -ret, "cannot read key %u", key);
	}
	free(seqs);
	if (ret) {
		free(list.items);
		return ret;
	}
	*keys = list.items;
	*count = list.count;
	return 0;
}

static int dtv_module(struct ps_prochandle *target, const td_thrhandle_t *handle,
		      const struct tlsdata_object *object, uint64_t modid,
		      struct tlsview_tlsdata_dtv_module *module, char *error, size_t error_size)
{
	uint64_t tls_offset, thread_pointer = (uintptr_t)handle->th_unique;
	psaddr_t base;
	td_err_e err;

	module->modid = modid;
	module->object = object->base_name;
	err = target->thread_db.thr_tlsbase(handle, modid, &base);
	if (err == TD_TLSDEFER) {
		module->block = 0;
		module->state = TLSVIEW_TLSDATA_UNALLOCATED;
		return 0;
	}
	if (err != TD_OK)
		return tlsdata_error(error, error_size, EIO, "libthread_db: module %llu: %s",
				     (unsigned long long)modid, tlsdata_td_error_name(err));
	module->block = (uintptr_t)base;
	module->state = TLSVIEW_TLSDATA_ALLOCATED;
	/* A static block is where l_tls_offset puts it below the thread pointer. */
	if (!tlsdata_glibc_field(target, "link_map_l_tls_offset", object->link_map, 0,
				 &tls_offset) &&
	    static_tls_offset(tls_offset) && module->block == thread_pointer - tls_offset)
		module->state = TLSVIEW_TLSDATA_STATIC;
	return 0;
}

static int compare_modules(const void *a, const void *b)
{
	uint64_t x = ((const struct tlsview_tlsdata_dtv_module *)a)->modid;
	uint64_t y = ((const struct tlsview_tlsdata_dtv_module *)b)->modid;

	return x < y ? -1 : x > y;
}

TLSVIEW_EXPORT int tlsview_tlsdata_dtv(struct tlsview_tlsdata *data,
				       const struct tlsview_tlsdata_thread *thread,
				       struct tlsview_tlsdata_dtv *dtv, char *error,
				       size_t error_size)
{
	struct ps_prochandle *target = data ? &data->process : NULL;
	uint64_t dtv_pointer, generation_address, modid;
	td_thrhandle_t handle;
	size_t i;
	int ret;

	if (!target || !thread || !dtv)
		return tlsdata_error(error, error_size, EINVAL, "missing argument");
	memset(dtv, 0, sizeof(*dtv));
	ret = tlsdata_glibc_handle(target, thread, &handle, error, error_size);
	if (ret)
		return ret;
	/* dtv[0].counter is the generation (glibc's descriptors say where). */
	if (tlsdata_glibc_field(target, "pthread_dtvp", (uintptr_t)handle.th_unique, 0,
				&dtv_pointer) ||
	    tlsdata_glibc_field_address(target, "dtv_dtv", dtv_pointer, 0, &generation_address) ||
	    tlsdata_glibc_field(target, "dtv_t_counter", generation_address, 0, &dtv->generation))
		return tlsdata_error(error, error_size, EFAULT, "cannot read the thread's DTV");
	dtv->modules = calloc(target->object_count, sizeof(*dtv->modules));
	if (!dtv->modules)
		return tlsdata_error(error, error_size, ENOMEM, "out of memory");
	for (i = 0; i < target->object_count; i++) {
		const struct tlsdata_object *object = &target->objects[i];

		if (!object->link_map ||
		    tlsdata_glibc_field(target, "link_map_l_tls_modid", object->link_map, 0,
					&modid) || !modid)
			continue;
		ret = dtv_module(target, &handle, object, modid, &dtv->modules[dtv->count], error,
				 error_size);
		if (ret) {
			tlsview_tlsdata_dtv_free(dtv);
			return ret;
		}
		dtv->count++;
	}
	qsort(dtv->modules, dtv->count, sizeof(*dtv->modules), compare_modules);
	return 0;
}

TLSVIEW_EXPORT void tlsview_tlsdata_dtv_free(struct tlsview_tlsdata_dtv *dtv)
{
	if (!dtv)
		return;
	free(dtv->modules);
	dtv->modules = NULL;
	dtv->count = 0;
}

TLSVIEW_EXPORT const char *tlsview_tlsdata_block_state_name(enum tlsview_tlsdata_block_state state)
{
	switch (state) {
	case TLSVIEW_TLSDATA_STATIC: return "static";
	case TLSVIEW_TLSDATA_ALLOCATED: return "allocated";
	case TLSVIEW_TLSDATA_UNALLOCATED: return "unallocated";
	}
	return "unknown";
}

// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The target's objects and symbols: libdwfl's modules (what is mapped),
 * matched to the dynamic linker's link_map list (the r_debug interface of
 * <link.h>), so that each object with TLS can be handed to libthread_db by
 * its link_map; symbol lookups by name; glibc's field descriptors.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <link.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gelf.h>
#include "tlsdata_internal.h"

/* More link_maps than any process has: a bound against a corrupt list. */
#define LINK_MAP_LIMIT 65536

struct collect_state {
	struct ps_prochandle *target;
	size_t capacity;
	int error;
};

static int collect_module(Dwfl_Module *module, void **userdata, const char *name,
			  Dwarf_Addr low, void *arg)
{
	struct collect_state *state = arg;
	struct ps_prochandle *target = state->target;
	struct tlsdata_object *object;
	Dwarf_Addr high;
	const char *slash;

	(void)userdata;
	if (target->object_count == state->capacity) {
		size_t capacity = state->capacity ? state->capacity * 2 : 32;
		void *grown = realloc(target->objects, capacity * sizeof(*target->objects));

		if (!grown) {
			state->error = -ENOMEM;
			return DWARF_CB_ABORT;
		}
		target->objects = grown;
		state->capacity = capacity;
	}
	object = &target->objects[target->object_count++];
	memset(object, 0, sizeof(*object));
	dwfl_module_info(module, NULL, NULL, &high, NULL, NULL, NULL, NULL);
	object->module = module;
	object->path = name ? name : "";
	slash = strrchr(object->path, '/');
	object->base_name = slash ? slash + 1 : object->path;
	object->low = low;
	object->high = high;
	return DWARF_CB_OK;
}

static struct tlsdata_object *object_at(struct ps_prochandle *target, uint64_t address)
{
	size_t i;

	for (i = 0; i < target->object_count; i++)
		if (address >= target->objects[i].low && address < target->objects[i].high)
			return &target->objects[i];
	return NULL;
}

/* Walks r_debug.r_map: each link_map names its object by its dynamic section (l_ld). */
static void match_link_maps(struct ps_prochandle *target)
{
	uint64_t r_debug, map;
	int count = 0;

	if (tlsdata_global_symbol(target, NULL, "_r_debug", &r_debug) ||
	    tlsdata_read_word(target, r_debug + offsetof(struct r_debug, r_map), &map))
		return;
	while (map && count++ < LINK_MAP_LIMIT) {
		struct link_map entry;
		struct tlsdata_object *object;

		if (tlsdata_read_memory(target, map, &entry, sizeof(entry)))
			return;
		object = object_at(target, (uintptr_t)entry.l_ld);
		if (object && !object->link_map) {
			object->link_map = map;
			/* The first link_map is the main program's. */
			if (count == 1)
				object->executable = true;
		}
		map = (uintptr_t)entry.l_next;
	}
}

static bool elf_is_program(Elf *elf)
{
	GElf_Ehdr ehdr_mem, *ehdr = gelf_getehdr(elf, &ehdr_mem);
	size_t count, i;

	if (!ehdr)
		return false;
	if (ehdr->e_type == ET_EXEC)
		return true;
	if (elf_getphdrnum(elf, &count))
		return false;
	for (i = 0; i < count; i++) {
		GElf_Phdr phdr_mem, *phdr = gelf_getphdr(elf, (int)i, &phdr_mem);

		if (phdr && phdr->p_type == PT_INTERP)
			return true;
	}
	return false;
}

/* Without a link_map list (a static program): /proc/PID/exe, else the ELF kind. */
static void find_executable_without_link_maps(struct ps_prochandle *target)
{
	char link[64], path[PATH_MAX];
	ssize_t length = -1;
	size_t i;

	for (i = 0; i < target->object_count; i++)
		if (target->objects[i].executable)
			return;
	if (!target->core) {
		snprintf(link, sizeof(link), "/proc/%d/exe", target->pid);
		length = readlink(link, path, sizeof(path) - 1);
	}
	if (length > 0) {
		path[length] = '\0';
		for (i = 0; i < target->object_count; i++) {
			if (!strcmp(target->objects[i].path, path)) {
				target->objects[i].executable = true;
				return;
			}
		}
	}
	for (i = 0; i < target->object_count; i++) {
		GElf_Addr bias;
		Elf *elf = dwfl_module_getelf(target->objects[i].module, &bias);

		if (elf && elf_is_program(elf)) {
			target->objects[i].executable = true;
			return;
		}
	}
}

/* The executable's PT_TLS: what a thread libthread_db cannot serve still has. */
static void read_executable_pt_tls(struct ps_prochandle *target)
{
	size_t count, i, j;

	for (i = 0; i < target->object_count; i++) {
		GElf_Addr bias;
		Elf *elf;

		if (!target->objects[i].executable)
			continue;
		elf = dwfl_module_getelf(target->objects[i].module, &bias);
		if (!elf || elf_getphdrnum(elf, &count))
			return;
		for (j = 0; j < count; j++) {
			GElf_Phdr phdr_mem, *phdr = gelf_getphdr(elf, (int)j, &phdr_mem);

			if (phdr && phdr->p_type == PT_TLS) {
				target->have_pt_tls = true;
				target->pt_tls_memsz = phdr->p_memsz;
				target->pt_tls_align = phdr->p_align ? phdr->p_align : 1;
			}
		}
		return;
	}
}

int tlsdata_objects_collect(struct ps_prochandle *target, char *error, size_t error_size)
{
	struct collect_state state = { .target = target };
	struct tlsdata_object executable;
	size_t i;

	if (dwfl_getmodules(target->dwfl, collect_module, &state, 0) < 0 && !state.error)
		return tlsdata_error(error, error_size, EIO, "cannot list the objects: %s",
				     dwfl_errmsg(-1));
	if (state.error)
		return tlsdata_error(error, error_size, -state.error, "out of memory");
	if (!target->object_count)
		return tlsdata_error(error, error_size, EIO, "no objects are mapped");
	match_link_maps(target);
	find_executable_without_link_maps(target);
	/* The executable first: NAME finds its variables before any library's. */
	for (i = 1; i < target->object_count; i++) {
		if (target->objects[i].executable) {
			executable = target->objects[i];
			memmove(&target->objects[1], &target->objects[0], i * sizeof(executable));
			target->objects[0] = executable;
			break;
		}
	}
	read_executable_pt_tls(target);
	return 0;
}

struct tlsdata_object *tlsdata_object_of_link_map(struct ps_prochandle *target, uint64_t link_map)
{
	size_t i;

	for (i = 0; i < target->object_count; i++)
		if (target->objects[i].link_map == link_map)
			return &target->objects[i];
	return NULL;
}

static bool object_named(const struct tlsdata_object *object, const char *name)
{
	return !strcmp(object->base_name, name) || !strcmp(object->path, name);
}

/*
 * Symbol @name in @object's symbol table (.symtab when there is one, else
 * .dynsym). Returns its raw GElf_Sym and, for a non-TLS symbol, the
 * address where it is loaded.
 */
static bool find_in_object(const struct tlsdata_object *object, const char *name, GElf_Sym *found,
			   uint64_t *address)
{
	int count = dwfl_module_getsymtab(object->module), i;
	bool have = false;

	for (i = 1; i < count; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *sym_name = dwfl_module_getsym_info(object->module, i, &sym, &addr,
							       &shndx, NULL, NULL);

		if (!sym_name || strcmp(sym_name, name) || sym.st_shndx == SHN_UNDEF)
			continue;
		/* A global definition wins over a local one of the same name. */
		if (have && GELF_ST_BIND(found->st_info) != STB_LOCAL)
			continue;
		*found = sym;
		*address = addr;
		have = true;
	}
	return have;
}

int tlsdata_global_symbol(struct ps_prochandle *target, const char *object, const char *name,
			  uint64_t *address)
{
	size_t i;

	for (i = 0; i < target->object_count; i++) {
		GElf_Sym sym;

		if (object && !object_named(&target->objects[i], object))
			continue;
		if (find_in_object(&target->objects[i], name, &sym, address) &&
		    GELF_ST_TYPE(sym.st_info) != STT_TLS)
			return 0;
	}
	return -ENOENT;
}

TLSVIEW_EXPORT int tlsview_tlsdata_lookup(struct tlsview_tlsdata *data, const char *spec,
					  struct tlsview_tlsdata_symbol *symbol,
					  char *error, size_t error_size)
{
	struct ps_prochandle *target = data ? &data->process : NULL;
	const char *colon = spec ? strrchr(spec, ':') : NULL, *name = spec;
	char object_name[PATH_MAX] = "";
	bool object_seen = false, other_seen = false;
	size_t i;

	if (!target || !spec || !*spec || !symbol)
		return tlsdata_error(error, error_size, EINVAL, "no symbol name");
	if (colon) {
		snprintf(object_name, sizeof(object_name), "%.*s", (int)(colon - spec), spec);
		name = colon + 1;
		if (!*name || !object_name[0])
			return tlsdata_error(error, error_size, EINVAL,
					     "'%s': OBJECT:NAME wants both parts", spec);
	}
	for (i = 0; i < target->object_count; i++) {
		const struct tlsdata_object *object = &target->objects[i];
		uint64_t address;
		GElf_Sym sym;

		if (object_name[0] && !object_named(object, object_name))
			continue;
		object_seen = true;
		if (!find_in_object(object, name, &sym, &address))
			continue;
		if (GELF_ST_TYPE(sym.st_info) != STT_TLS) {
			other_seen = true;
			continue;
		}
		memset(symbol, 0, sizeof(*symbol));
		symbol->name = name;
		symbol->object = object->base_name;
		symbol->offset = sym.st_value;
		symbol->size = sym.st_size;
		symbol->link_map = object->link_map;
		symbol->executable = object->executable;
		return 0;
	}
	if (object_name[0] && !object_seen)
		return tlsdata_error(error, error_size, ENXIO, "%s: object not loaded in the %s",
				     object_name, target->core ? "core" : "process");
	if (other_seen)
		return tlsdata_error(error, error_size, EINVAL, "%s: not a TLS variable", spec);
	return tlsdata_error(error, error_size, ENOENT, "%s: no such symbol in the %s", spec,
			     target->core ? "core's objects" : "process's objects");
}

/*
 * libthread_db's descriptors: libc defines _thread_db_TYPE_FIELD as
 * { bits per element, elements, offset } for each field it reads, so the
 * layout of glibc's private structures is never assumed here. Cached: the
 * DTV walk asks the same few for every thread.
 */
int tlsdata_glibc_descriptor(struct ps_prochandle *target, const char *descriptor, uint32_t desc[3])
{
	struct tlsdata_field_cache *cache = target->field_cache;
	char symbol[96];
	uint64_t address;
	size_t i;

	for (i = 0; i < target->field_cache_count; i++) {
		if (!strcmp(cache[i].name, descriptor)) {
			memcpy(desc, cache[i].desc, sizeof(cache[i].desc));
			return 0;
		}
	}
	snprintf(symbol, sizeof(symbol), "_thread_db_%s", descriptor);
	if (tlsdata_global_symbol(target, NULL, symbol, &address) ||
	    tlsdata_read_memory(target, address, desc, 3 * sizeof(desc[0])))
		return -EIO;
	if (target->field_cache_count < TLSDATA_FIELD_CACHE) {
		cache = &cache[target->field_cache_count++];
		snprintf(cache->name, sizeof(cache->name), "%s", descriptor);
		memcpy(cache->desc, desc, sizeof(cache->desc));
	}
	return 0;
}

int tlsdata_glibc_field_address(struct ps_prochandle *target, const char *descriptor,
				uint64_t base, uint64_t index, uint64_t *address)
{
	uint32_t desc[3];

	if (tlsdata_glibc_descriptor(target, descriptor, desc))
		return -EIO;
	*address = base + desc[2] + index * (desc[0] / 8);
	return 0;
}

int tlsdata_glibc_field(struct ps_prochandle *target, const char *descriptor, uint64_t base,
			uint64_t index, uint64_t *value)
{
	uint32_t desc[3];
	uint64_t bytes;

	if (tlsdata_glibc_descriptor(target, descriptor, desc))
		return -EIO;
	bytes = desc[0] / 8;
	if (bytes > sizeof(*value))
		bytes = sizeof(*value);
	*value = 0;
	return tlsdata_read_memory(target, base + desc[2] + index * (desc[0] / 8), value, bytes);
}

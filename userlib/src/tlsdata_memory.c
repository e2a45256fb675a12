// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Reading the target's memory: a live process through process_vm_readv
 * (no stop, no ptrace), a core through its PT_LOAD segments and, where the
 * core kept no bytes (file-backed pages a kernel core leaves out), through
 * the file of the object mapped there.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <gelf.h>
#include "tlsdata_internal.h"

static int read_live(struct ps_prochandle *target, uint64_t address, void *buffer, size_t size)
{
	struct iovec local = { .iov_base = buffer, .iov_len = size };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)address, .iov_len = size };
	ssize_t done = process_vm_readv(target->pid, &local, 1, &remote, 1, 0);

	return done == (ssize_t)size ? 0 : -EFAULT;
}

/* Bytes at @address from the file of the object mapped there. */
static size_t read_object_file(struct ps_prochandle *target, uint64_t address, void *buffer,
			       size_t size)
{
	Dwfl_Module *module = dwfl_addrmodule(target->dwfl, address);
	GElf_Addr bias;
	size_t count, i;
	Elf *elf;

	if (!module)
		return 0;
	elf = dwfl_module_getelf(module, &bias);
	if (!elf || elf_getphdrnum(elf, &count))
		return 0;
	for (i = 0; i < count; i++) {
		GElf_Phdr phdr_mem, *phdr = gelf_getphdr(elf, (int)i, &phdr_mem);
		uint64_t start, chunk;
		Elf_Data *data;

		if (!phdr || phdr->p_type != PT_LOAD)
			continue;
		start = phdr->p_vaddr + bias;
		if (address < start || address >= start + phdr->p_filesz)
			continue;
		chunk = start + phdr->p_filesz - address;
		if (chunk > size)
			chunk = size;
		data = elf_getdata_rawchunk(elf, (int64_t)(phdr->p_offset + address - start), chunk,
					    ELF_T_BYTE);
		if (!data || !data->d_buf)
			return 0;
		memcpy(buffer, data->d_buf, chunk);
		return chunk;
	}
	return 0;
}

/* Bytes at @address from the core, else from the file mapped there; 0 when none. */
static size_t read_core_chunk(struct ps_prochandle *target, uint64_t address, void *buffer,
			      size_t size)
{
	size_t i;

	for (i = 0; i < target->core_segment_count; i++) {
		const struct tlsdata_core_segment *segment = &target->core_segments[i];
		uint64_t into = address - segment->vaddr, chunk;
		ssize_t got;

		if (address < segment->vaddr || into >= segment->mem_size)
			continue;
		if (into >= segment->file_size)
			return read_object_file(target, address, buffer, size);
		chunk = segment->file_size - into;
		if (chunk > size)
			chunk = size;
		got = pread(target->core_fd, buffer, chunk, (off_t)(segment->offset + into));
		return got > 0 ? (size_t)got : 0;
	}
	/* gcore leaves out read-only file mappings altogether. */
	return read_object_file(target, address, buffer, size);
}

static int read_core(struct ps_prochandle *target, uint64_t address, void *buffer, size_t size)
{
	char *out = buffer;

	while (size) {
		size_t got = read_core_chunk(target, address, out, size);

		if (!got)
			return -EFAULT;
		address += got;
		out += got;
		size -= got;
	}
	return 0;
}

int tlsdata_read_memory(struct ps_prochandle *target, uint64_t address, void *buffer, size_t size)
{
	if (!size)
		return 0;
	return target->core ? read_core(target, address, buffer, size)
			    : read_live(target, address, buffer, size);
}

int tlsdata_read_word(struct ps_prochandle *target, uint64_t address, uint64_t *value)
{
	return tlsdata_read_memory(target, address, value, sizeof(*value));
}

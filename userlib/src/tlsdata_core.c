// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * A core dump as a target: libelf reads its segments and notes (each
 * thread's NT_PRSTATUS, the NT_386_TLS after it, the process's
 * NT_PRPSINFO), libdwfl reports the objects it had mapped
 * (dwfl_core_file_report: NT_FILE, build ids, --exe).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/stat.h>
#include <unistd.h>
#include <asm/ldt.h>
#include <gelf.h>
#include <linux/tlsview.h>
#include "tlsdata_internal.h"

static int add_thread(struct ps_prochandle *target, const void *desc, size_t size)
{
	struct tlsdata_core_thread *thread;
	struct elf_prstatus status;
	void *grown;

	if (size < sizeof(status))
		return -EIO;
	memcpy(&status, desc, sizeof(status));
	grown = realloc(target->core_threads,
			(target->core_thread_count + 1) * sizeof(*target->core_threads));
	if (!grown)
		return -ENOMEM;
	target->core_threads = grown;
	thread = &target->core_threads[target->core_thread_count++];
	memset(thread, 0, sizeof(*thread));
	memcpy(&thread->regs, &status.pr_reg, sizeof(thread->regs));
	thread->public.tid = status.pr_pid;
	thread->public.fsbase = thread->regs.fs_base;
	thread->public.gsbase = thread->regs.gs_base;
	thread->public.fsindex = (uint16_t)thread->regs.fs;
	thread->public.gsindex = (uint16_t)thread->regs.gs;
	return 0;
}

/* NT_386_TLS follows its thread's NT_PRSTATUS. */
static void add_tls_slots(struct ps_prochandle *target, const void *desc, size_t size)
{
	struct tlsview_tlsdata_core_thread *thread;
	struct user_desc slot;
	struct tlsview_desc decoded;
	size_t i;

	if (!target->core_thread_count)
		return;
	thread = &target->core_threads[target->core_thread_count - 1].public;
	for (i = 0; i < size / sizeof(slot) && i < 3; i++) {
		memcpy(&slot, (const char *)desc + i * sizeof(slot), sizeof(slot));
		/* Flags as the module and a tracer report them. */
		tlsview_desc_from_user_desc(&slot, &decoded);
		thread->tls[i].entry_number = decoded.entry_number;
		thread->tls[i].base_addr = (uint32_t)decoded.base_addr;
		thread->tls[i].limit = decoded.limit;
		thread->tls[i].flags = decoded.flags;
	}
	thread->tls_slots = (int)i;
}

static int read_notes(struct ps_prochandle *target, const GElf_Phdr *phdr, pid_t *pid,
		      char comm[16])
{
	Elf_Data *data = elf_getdata_rawchunk(target->core_elf, (int64_t)phdr->p_offset,
					      phdr->p_filesz, ELF_T_NHDR);
	size_t offset = 0, name_offset, desc_offset;
	GElf_Nhdr note;
	int ret;

	if (!data)
		return -EIO;
	while ((offset = gelf_getnote(data, offset, &note, &name_offset, &desc_offset)) > 0) {
		const char *name = (const char *)data->d_buf + name_offset;
		const char *desc = (const char *)data->d_buf + desc_offset;

		if (note.n_namesz == 5 && !memcmp(name, "CORE", 5)) {
			if (note.n_type == NT_PRSTATUS) {
				ret = add_thread(target, desc, note.n_descsz);
				if (ret)
					return ret;
			} else if (note.n_type == NT_PRPSINFO &&
				   note.n_descsz >= sizeof(struct elf_prpsinfo)) {
				struct elf_prpsinfo info;

				memcpy(&info, desc, sizeof(info));
				*pid = info.pr_pid;
				memcpy(comm, info.pr_fname, 16);
			}
		} else if (note.n_namesz == 6 && !memcmp(name, "LINUX", 6) &&
			   note.n_type == NT_386_TLS) {
			add_tls_slots(target, desc, note.n_descsz);
		}
	}
	return 0;
}

/* The segments, checked against the file's size, and the notes. */
static int read_core_layout(struct ps_prochandle *target, off_t file_size, char *error,
			    size_t error_size)
{
	char comm[16] = "";
	pid_t pid = 0;
	size_t count, i;
	int ret;

	if (elf_getphdrnum(target->core_elf, &count))
		return tlsdata_error(error, error_size, EIO, "truncated core: %s", elf_errmsg(-1));
	target->core_segments = calloc(count ? count : 1, sizeof(*target->core_segments));
	if (!target->core_segments)
		return tlsdata_error(error, error_size, ENOMEM, "out of memory");
	for (i = 0; i < count; i++) {
		GElf_Phdr phdr_mem, *phdr = gelf_getphdr(target->core_elf, (int)i, &phdr_mem);

		if (!phdr)
			return tlsdata_error(error, error_size, EIO, "truncated core: %s",
					     elf_errmsg(-1));
		if (phdr->p_offset + phdr->p_filesz > (uint64_t)file_size)
			return tlsdata_error(error, error_size, EIO,
					     "truncated core: segment %zu ends at %llu, the file "
					     "has %lld bytes", i,
					     (unsigned long long)(phdr->p_offset + phdr->p_filesz),
					     (long long)file_size);
		if (phdr->p_type == PT_LOAD) {
			struct tlsdata_core_segment *segment =
				&target->core_segments[target->core_segment_count++];

			segment->vaddr = phdr->p_vaddr;
			segment->mem_size = phdr->p_memsz;
			segment->offset = phdr->p_offset;
			segment->file_size = phdr->p_filesz;
		} else if (phdr->p_type == PT_NOTE) {
			ret = read_notes(target, phdr, &pid, comm);
			if (ret)
				return tlsdata_error(error, error_size, -ret,
						     "cannot read the core's notes");
		}
	}
	if (!target->core_thread_count)
		return tlsdata_error(error, error_size, ENODATA,
				     "the core has no NT_PRSTATUS note: no threads in it");
	target->pid = pid ? pid : target->core_threads[0].public.tid;
	for (i = 0; i < target->core_thread_count; i++) {
		target->core_threads[i].public.tgid = target->pid;
		memcpy(target->core_threads[i].public.comm, comm, sizeof(comm));
		target->core_threads[i].public.comm[15] = '\0';
	}
	return 0;
}

int tlsdata_core_load(struct ps_prochandle *target, const char *core, const char *executable,
		      char *error, size_t error_size)
{
	GElf_Ehdr ehdr_mem, *ehdr;
	struct stat st;
	int ret;

	elf_version(EV_CURRENT);
	target->core_fd = open(core, O_RDONLY | O_CLOEXEC);
	if (target->core_fd < 0 || fstat(target->core_fd, &st))
		return tlsdata_error(error, error_size, errno, "%s: %s", core, strerror(errno));
	target->core_elf = elf_begin(target->core_fd, ELF_C_READ_MMAP, NULL);
	if (!target->core_elf || elf_kind(target->core_elf) != ELF_K_ELF)
		return tlsdata_error(error, error_size, ENOEXEC, "%s: not an ELF file", core);
	ehdr = gelf_getehdr(target->core_elf, &ehdr_mem);
	if (!ehdr)
		return tlsdata_error(error, error_size, EIO, "%s: truncated ELF header", core);
	if (ehdr->e_type != ET_CORE)
		return tlsdata_error(error, error_size, ENOEXEC, "%s: not a core file", core);
	if (ehdr->e_ident[EI_CLASS] != ELFCLASS64 || ehdr->e_machine != EM_X86_64)
		return tlsdata_error(error, error_size, ENOTSUP,
				     "%s: not supported for ia32 processes (only x86-64 cores)",
				     core);
	ret = read_core_layout(target, st.st_size, error, error_size);
	if (ret)
		return ret;
	if (dwfl_core_file_report(target->dwfl, target->core_elf, executable) < 0)
		return tlsdata_error(error, error_size, EIO, "%s: cannot find its objects: %s",
				     core, dwfl_errmsg(-1));
	if (dwfl_report_end(target->dwfl, NULL, NULL))
		return tlsdata_error(error, error_size, EIO, "libdwfl: %s", dwfl_errmsg(-1));
	return 0;
}

void tlsdata_core_close(struct ps_prochandle *target)
{
	if (target->core_elf)
		elf_end(target->core_elf);
	if (target->core_fd >= 0)
		close(target->core_fd);
	free(target->core_segments);
	free(target->core_threads);
}

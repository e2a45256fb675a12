/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * What the tlsdata sources share: the handle (which is also the
 * ps_prochandle libthread_db passes back to the proc_service callbacks),
 * target memory, symbols, and the libthread_db entry points.
 */
#ifndef _TLSVIEW_TLSDATA_INTERNAL_H
#define _TLSVIEW_TLSDATA_INTERNAL_H

#include <stdarg.h>
#include <elfutils/libdwfl.h>
#include <proc_service.h>
#include <thread_db.h>
#include <tlsview/tlsdata.h>
#include "internal.h"

/* One loaded object: a libdwfl module, and its link_map when it has one. */
struct tlsdata_object {
	Dwfl_Module *module;
	const char *path;	/* libdwfl's module name: the mapped file's path */
	const char *base_name;
	uint64_t low, high;	/* where it is mapped */
	uint64_t link_map;	/* struct link_map in the target, 0 when none was found */
	bool executable;
};

/* An object's static TLS offset (l_tls_offset), and whether it may be used alone. */
enum tlsdata_static_state {
	TLSDATA_STATIC_UNCONFIRMED,	/* static, libthread_db not yet asked */
	TLSDATA_STATIC_CONFIRMED,	/* libthread_db gave tp - offset: compute it */
	TLSDATA_STATIC_NO,		/* dynamic TLS, or libthread_db disagreed */
};

struct tlsdata_static_tls {
	uint64_t link_map;
	uint64_t offset;
	enum tlsdata_static_state state;
};

#define TLSDATA_FIELD_CACHE 8
struct tlsdata_field_cache {
	char name[64];
	uint32_t desc[3];
};

/* A thread of a core (the public record, plus all its registers). */
struct tlsdata_core_thread {
	struct tlsview_tlsdata_core_thread public;
	struct user_regs_struct regs;
};

/* A PT_LOAD of a core: memory at vaddr, file_size of it kept in the core. */
struct tlsdata_core_segment {
	uint64_t vaddr, mem_size, offset, file_size;
};

/* The libthread_db functions, from dlopen("libthread_db.so.1"). */
struct tlsdata_thread_db {
	void *handle;
	td_err_e (*ta_new)(struct ps_prochandle *, td_thragent_t **);
	td_err_e (*ta_delete)(td_thragent_t *);
	td_err_e (*ta_map_lwp2thr)(const td_thragent_t *, lwpid_t, td_thrhandle_t *);
	td_err_e (*ta_thr_iter)(const td_thragent_t *, td_thr_iter_f *, void *, td_thr_state_e,
				int, sigset_t *, unsigned int);
	td_err_e (*thr_tls_get_addr)(const td_thrhandle_t *, psaddr_t, size_t, psaddr_t *);
	td_err_e (*thr_tlsbase)(const td_thrhandle_t *, unsigned long, psaddr_t *);
};

struct ps_prochandle {
	pid_t pid;
	bool core;
	Dwfl *dwfl;
	Elf *core_elf;		/* core: the core file's ELF */
	int core_fd;
	struct tlsdata_object *objects;	/* the executable first, then by address */
	size_t object_count;
	struct tlsdata_core_segment *core_segments;	/* its PT_LOADs */
	size_t core_segment_count;
	struct tlsdata_core_thread *core_threads;
	size_t core_thread_count;
	/* The thread whose question libthread_db is answering: its pointer. */
	struct tlsview_tlsdata_thread current;
	/* libthread_db, when the target runs glibc */
	struct tlsdata_thread_db thread_db;
	td_thragent_t *agent;
	char agent_error[96];	/* why there is no agent */
	/* glibc's threads (their struct pthread = thread pointer), sorted */
	uint64_t *glibc_threads;
	size_t glibc_thread_count;
	struct tlsdata_field_cache field_cache[TLSDATA_FIELD_CACHE];
	size_t field_cache_count;
	struct tlsdata_static_tls *static_tls;	/* per object, as learnt */
	size_t static_tls_count;
	/* The executable's PT_TLS, for threads libthread_db cannot serve */
	bool have_pt_tls;
	uint64_t pt_tls_memsz, pt_tls_align;
};

/* The public handle: the process handle libthread_db passes back. */
struct tlsview_tlsdata {
	struct ps_prochandle process;
};

/* A sentence for the caller's buffer; returns -code with errno set. */
int tlsdata_error(char *error, size_t size, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* tlsdata_memory.c: reading the target. 0 or -EFAULT. */
int tlsdata_read_memory(struct ps_prochandle *target, uint64_t address, void *buffer,
			size_t size);
int tlsdata_read_word(struct ps_prochandle *target, uint64_t address, uint64_t *value);

/* tlsdata_symbols.c */
int tlsdata_objects_collect(struct ps_prochandle *target, char *error, size_t error_size);
/* An address of a global (or any) symbol by name, in any object. 0 or -ENOENT. */
int tlsdata_global_symbol(struct ps_prochandle *target, const char *object, const char *name,
			  uint64_t *address);
struct tlsdata_object *tlsdata_object_of_link_map(struct ps_prochandle *target,
						  uint64_t link_map);
/* libthread_db's descriptor _thread_db_NAME: { bits per element, elements, offset }. */
int tlsdata_glibc_descriptor(struct ps_prochandle *target, const char *name, uint32_t desc[3]);
/* A field libthread_db describes (_thread_db_TYPE_FIELD in libc): its address, its value. */
int tlsdata_glibc_field_address(struct ps_prochandle *target, const char *descriptor,
				uint64_t base, uint64_t index, uint64_t *address);
int tlsdata_glibc_field(struct ps_prochandle *target, const char *descriptor, uint64_t base,
			uint64_t index, uint64_t *value);

/* tlsdata_thread_db.c */
void tlsdata_thread_db_open(struct ps_prochandle *target);
void tlsdata_thread_db_close(struct ps_prochandle *target);
const char *tlsdata_td_error_name(td_err_e err);
/* Whether @thread_pointer is a struct pthread in glibc's list of threads. */
bool tlsdata_is_glibc_thread(struct ps_prochandle *target, uint64_t thread_pointer);
/* The handle of a glibc thread; -ENOTSUP when it is not one. */
int tlsdata_glibc_handle(struct ps_prochandle *target, const struct tlsview_tlsdata_thread *thread,
			 td_thrhandle_t *handle, char *error, size_t error_size);

/* tlsdata_core.c */
int tlsdata_core_load(struct ps_prochandle *target, const char *core, const char *executable,
		      char *error, size_t error_size);
void tlsdata_core_close(struct ps_prochandle *target);

#endif /* _TLSVIEW_TLSDATA_INTERNAL_H */

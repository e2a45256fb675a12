/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * tlsview/tlsdata.h - what a thread's TLS holds: `__thread` variables,
 * errno, pthread keys and the DTV of a running process or of a core dump.
 *
 * The lookups are glibc's own, the way gdb does them: the library loads
 * glibc's libthread_db.so.1 (dlopen) and answers its proc_service
 * callbacks (ps_pdread, ps_pglobal_lookup, ps_get_thread_area, ...) from
 * the target; symbols and the objects a process has mapped come from
 * elfutils (libdwfl, libelf). So this part of the library exports the
 * proc_service functions too (ps_*, node TLSVIEW_1.1): a program that has
 * its own proc_service for another libthread_db client cannot use it.
 *
 * The thread pointer (the FS base) of each thread is the caller's to give:
 * the tlsview command takes it from /dev/tlsview (live, stopping no one) or
 * from ptrace; in a core it comes from each thread's NT_PRSTATUS
 * (tlsview_tlsdata_core_thread()).
 *
 * A live process keeps running while it is read. Memory is read with
 * process_vm_readv(2): every value is a snapshot of memory the thread may
 * be writing at that very moment, and the thread may create or destroy
 * TLS blocks and keys between two calls. Nothing is ever written to the
 * target.
 *
 * x86-64 targets only: a 32-bit (ia32) process or core is refused with
 * -ENOTSUP ("not supported for ia32 processes").
 *
 * Where libthread_db cannot serve -- a static executable without glibc's
 * thread library, or a thread that is not in glibc's thread list (a bare
 * CLONE_SETTLS thread on a libtlsview TCB) -- the executable's own
 * variables are still read, from its PT_TLS: the block sits at
 * TP - round_up(p_memsz, p_align), as the TCB builder and glibc lay it out.
 * Keys and the DTV then fail with -ENOTSUP ("not a glibc thread").
 *
 * None of these are bare-thread safe. A handle may not be used by two
 * threads at once.
 */
#ifndef _TLSVIEW_TLSDATA_H
#define _TLSVIEW_TLSDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <tlsview/common.h>

TLSVIEW_BEGIN_DECLS

/* An opaque handle on one process or core: its objects, symbols, memory. */
struct tlsview_tlsdata;

/* A thread of the target: its id and its thread pointer (FS base). */
struct tlsview_tlsdata_thread {
	pid_t tid;
	uint64_t thread_pointer;
};

/**
 * tlsview_tlsdata_open_process() - open a running process
 * @datap:      where the new handle is stored on success.
 * @pid:        the process (any of its threads' ids names it too).
 * @error:      a buffer for a sentence explaining a failure, or NULL.
 * @error_size: its size.
 *
 * Reports the objects mapped in @pid (libdwfl, /proc/PID/maps), loads
 * libthread_db for it when the process runs glibc, and stops nothing.
 * Returns 0, or a negative errno: -ESRCH (no such process), -ENOTSUP (an
 * ia32 process), -EACCES/-EPERM (its memory may not be read), -ENOMEM,
 * -EIO (elfutils could not read its objects).
 */
int tlsview_tlsdata_open_process(struct tlsview_tlsdata **datap, pid_t pid,
				 char *error, size_t error_size);

/**
 * tlsview_tlsdata_open_core() - open a core dump
 * @datap:      where the new handle is stored on success.
 * @core:       the core file (by the kernel or by gdb's gcore).
 * @executable: the program that dumped it, or NULL to find it from the
 *              core's file notes (NT_FILE) or build ids.
 * @error:      a buffer for a sentence explaining a failure, or NULL.
 * @error_size: its size.
 *
 * Memory comes from the core's PT_LOAD segments and, for file-backed
 * pages the core did not keep (a kernel core keeps no read-only text or
 * data), from the objects' files. Returns 0, or a negative errno:
 * -ENOENT/-EACCES (cannot open a file), -ENOEXEC (not an ELF core file),
 * -EIO (truncated: a segment ends beyond the end of the file), -ENODATA
 * (no NT_PRSTATUS: a core without threads), -ENOTSUP (an ia32 core),
 * -ENOMEM.
 */
int tlsview_tlsdata_open_core(struct tlsview_tlsdata **datap, const char *core,
			      const char *executable, char *error, size_t error_size);

/**
 * tlsview_tlsdata_close() - free the handle (NULL: nothing). Never fails.
 */
void tlsview_tlsdata_close(struct tlsview_tlsdata *data);

/**
 * tlsview_tlsdata_glibc() - whether glibc's libthread_db serves the target
 * (false for a static executable without it: only the executable's own
 * variables can then be read).
 */
bool tlsview_tlsdata_glibc(const struct tlsview_tlsdata *data);

/* One thread of a core, from its NT_PRSTATUS (and NT_386_TLS, if any). */
struct tlsview_tlsdata_core_thread {
	pid_t tid;
	pid_t tgid;
	uint64_t fsbase;
	uint64_t gsbase;
	uint16_t fsindex;
	uint16_t gsindex;
	int tls_slots;		/* entries of @tls filled from NT_386_TLS (0: none) */
	struct {
		uint32_t entry_number;
		uint32_t base_addr;
		uint32_t limit;
		uint32_t flags;	/* TLSVIEW_DESC_* of <linux/tlsview.h> */
	} tls[3];
	char comm[16];		/* from NT_PRPSINFO; the same for every thread */
};

/**
 * tlsview_tlsdata_core_threads() - how many threads the core holds
 * (0 for a live process).
 */
size_t tlsview_tlsdata_core_threads(const struct tlsview_tlsdata *data);

/**
 * tlsview_tlsdata_core_thread() - thread @index (in note order) of a core.
 * Returns 0, or -EINVAL (no such index, or not a core).
 */
int tlsview_tlsdata_core_thread(const struct tlsview_tlsdata *data, size_t index,
				struct tlsview_tlsdata_core_thread *thread);

/* A resolved TLS symbol: valid while its handle is open. */
struct tlsview_tlsdata_symbol {
	const char *name;	/* as asked, without OBJECT: */
	const char *object;	/* the object defining it: basename of its path */
	uint64_t offset;	/* st_value: its offset in the object's TLS block */
	uint64_t size;		/* st_size: bytes */
	/* private to the library */
	uint64_t link_map;	/* the object's struct link_map in the target (0: none) */
	bool executable;	/* defined by the main program */
};

/**
 * tlsview_tlsdata_lookup() - find a TLS variable by name
 * @data:       the handle.
 * @spec:       NAME, or OBJECT:NAME where OBJECT is the basename (or the full
 *              path) of a loaded object, e.g. "errno", "libc.so.6:errno".
 * @symbol:     filled on success.
 * @error:      a buffer for a sentence explaining a failure, or NULL.
 * @error_size: its size.
 *
 * Searches the symbol tables of the loaded objects, the main program
 * first, then in load order, for an STT_TLS symbol; the first found wins
 * (use OBJECT:NAME for another). Returns 0, or a negative errno: -ENOENT
 * (no such symbol anywhere), -EINVAL (the symbol exists but is not a TLS
 * variable), -ENXIO (OBJECT is not loaded in the target).
 */
int tlsview_tlsdata_lookup(struct tlsview_tlsdata *data, const char *spec,
			   struct tlsview_tlsdata_symbol *symbol,
			   char *error, size_t error_size);

/**
 * tlsview_tlsdata_read() - read one thread's copy of a TLS variable
 * @data:       the handle.
 * @thread:     the thread and its thread pointer.
 * @symbol:     from tlsview_tlsdata_lookup() on the same handle.
 * @address:    filled with the variable's address in that thread.
 * @buffer:     filled with min(@size, symbol->size) bytes of its value.
 * @size:       @buffer's size.
 * @error:      a buffer for a sentence explaining a failure, or NULL.
 * @error_size: its size.
 *
 * Returns 0, or a negative errno: -ENODATA (the thread has not allocated
 * that object's block yet -- a dlopen()'d object's dynamic TLS before the
 * thread first touches it: there is no value, not even zero), -ENOTSUP
 * (not a glibc thread, and the symbol is not the executable's), -EFAULT
 * (the memory could not be read: the thread or process may have gone),
 * -EIO (libthread_db failed; the message names its error).
 */
int tlsview_tlsdata_read(struct tlsview_tlsdata *data, const struct tlsview_tlsdata_thread *thread,
			 const struct tlsview_tlsdata_symbol *symbol, uint64_t *address,
			 void *buffer, size_t size, char *error, size_t error_size);

/* One pthread key in use and a thread's value for it. */
struct tlsview_tlsdata_key {
	uint32_t key;
	uint64_t value;		/* what pthread_getspecific() returns in the thread */
};

/**
 * tlsview_tlsdata_keys() - every pthread key in use and @thread's value
 * @keys:  set to a malloc()ed array (free() it), in key order; NULL when
 *         @count is 0.
 * @count: set to its length.
 *
 * Keys >= 32 included (glibc's second-level specific[] blocks): the values
 * are libthread_db's td_thr_tsd(), so a value left from a deleted key
 * reads as 0, as pthread_getspecific() would see it. Returns 0, or -ENOTSUP
 * (not a glibc thread), -EFAULT, -EIO, -ENOMEM.
 */
int tlsview_tlsdata_keys(struct tlsview_tlsdata *data, const struct tlsview_tlsdata_thread *thread,
			 struct tlsview_tlsdata_key **keys, size_t *count,
			 char *error, size_t error_size);

enum tlsview_tlsdata_block_state {
	TLSVIEW_TLSDATA_STATIC,		/* in the thread's static TLS, below the TCB */
	TLSVIEW_TLSDATA_ALLOCATED,	/* dynamic TLS the thread has allocated */
	TLSVIEW_TLSDATA_UNALLOCATED,	/* dynamic TLS not allocated yet: no block */
};

/* One module of a thread's DTV. */
struct tlsview_tlsdata_dtv_module {
	uint64_t modid;			/* the TLS module id (dtv index) */
	const char *object;		/* basename of the object; valid while @data is open */
	uint64_t block;			/* the block's address; 0 when UNALLOCATED */
	enum tlsview_tlsdata_block_state state;
};

struct tlsview_tlsdata_dtv {
	uint64_t generation;		/* dtv[0].counter: the generation the DTV is at */
	size_t count;
	struct tlsview_tlsdata_dtv_module *modules;	/* in modid order */
};

/**
 * tlsview_tlsdata_dtv() - a thread's DTV: its generation and, for each
 * loaded object with TLS, the block the thread has for it
 * @dtv: filled; release with tlsview_tlsdata_dtv_free().
 *
 * Returns 0, or -ENOTSUP (not a glibc thread), -EFAULT, -EIO, -ENOMEM.
 */
int tlsview_tlsdata_dtv(struct tlsview_tlsdata *data, const struct tlsview_tlsdata_thread *thread,
			struct tlsview_tlsdata_dtv *dtv, char *error, size_t error_size);

/** tlsview_tlsdata_dtv_free() - free what tlsview_tlsdata_dtv() filled. */
void tlsview_tlsdata_dtv_free(struct tlsview_tlsdata_dtv *dtv);

/** tlsview_tlsdata_block_state_name() - "static", "allocated" or "unallocated". */
const char *tlsview_tlsdata_block_state_name(enum tlsview_tlsdata_block_state state);

TLSVIEW_END_DECLS

#endif /* _TLSVIEW_TLSDATA_H */

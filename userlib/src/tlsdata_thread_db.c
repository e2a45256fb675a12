// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * glibc's libthread_db, loaded the way gdb loads it (dlopen, then
 * td_ta_new on the target), and the question every lookup starts with:
 * is this thread one of glibc's, and what is its handle?
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlsdata_internal.h"

#define THREAD_DB_LIBRARY "libthread_db.so.1"

/*
 * libthread_db looks the callbacks up by name, so nothing here calls them:
 * this reference is what links them into a program that uses the static
 * library (which must also export them: -Wl,--export-dynamic-symbol='ps_*').
 */
__attribute__((used)) static const void *const proc_service_callbacks[] = {
	(const void *)ps_pdread, (const void *)ps_pdwrite, (const void *)ps_pglobal_lookup,
	(const void *)ps_lgetregs, (const void *)ps_lsetregs, (const void *)ps_lgetfpregs,
	(const void *)ps_lsetfpregs, (const void *)ps_getpid, (const void *)ps_get_thread_area,
};

const char *tlsdata_td_error_name(td_err_e err)
{
	static const char *const names[] = {
		[TD_OK] = "TD_OK", [TD_ERR] = "TD_ERR", [TD_NOTHR] = "TD_NOTHR",
		[TD_NOSV] = "TD_NOSV", [TD_NOLWP] = "TD_NOLWP", [TD_BADPH] = "TD_BADPH",
		[TD_BADTH] = "TD_BADTH", [TD_BADSH] = "TD_BADSH", [TD_BADTA] = "TD_BADTA",
		[TD_BADKEY] = "TD_BADKEY", [TD_NOMSG] = "TD_NOMSG", [TD_NOFPREGS] = "TD_NOFPREGS",
		[TD_NOLIBTHREAD] = "TD_NOLIBTHREAD", [TD_NOEVENT] = "TD_NOEVENT",
		[TD_NOCAPAB] = "TD_NOCAPAB", [TD_DBERR] = "TD_DBERR", [TD_NOAPLIC] = "TD_NOAPLIC",
		[TD_NOTSD] = "TD_NOTSD", [TD_MALLOC] = "TD_MALLOC", [TD_PARTIALREG] = "TD_PARTIALREG",
		[TD_NOXREGS] = "TD_NOXREGS", [TD_TLSDEFER] = "TD_TLSDEFER", [TD_VERSION] = "TD_VERSION",
		[TD_NOTLS] = "TD_NOTLS",
	};

	if ((unsigned int)err < sizeof(names) / sizeof(names[0]) && names[err])
		return names[err];
	return "unknown libthread_db error";
}

static bool load_functions(struct tlsdata_thread_db *db)
{
	td_err_e (*init)(void);

#define LOAD(field, name) (*(void **)&db->field = dlsym(db->handle, name))
	if (!LOAD(ta_new, "td_ta_new") || !LOAD(ta_delete, "td_ta_delete") ||
	    !LOAD(ta_map_lwp2thr, "td_ta_map_lwp2thr") || !LOAD(ta_thr_iter, "td_ta_thr_iter") ||
	    !LOAD(thr_tls_get_addr, "td_thr_tls_get_addr") ||
	    !LOAD(thr_tlsbase, "td_thr_tlsbase"))
		return false;
#undef LOAD
	*(void **)&init = dlsym(db->handle, "td_init");
	return init && init() == TD_OK;
}

/* Leaves target->agent NULL (and agent_error saying why) when glibc cannot serve. */
void tlsdata_thread_db_open(struct ps_prochandle *target)
{
	struct tlsdata_thread_db *db = &target->thread_db;
	td_err_e err;

	db->handle = dlopen(THREAD_DB_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	if (!db->handle) {
		snprintf(target->agent_error, sizeof(target->agent_error),
			 "cannot load %s", THREAD_DB_LIBRARY);
		return;
	}
	if (!load_functions(db)) {
		snprintf(target->agent_error, sizeof(target->agent_error),
			 "%s lacks a td_* function", THREAD_DB_LIBRARY);
		return;
	}
	err = db->ta_new(target, &target->agent);
	if (err != TD_OK) {
		target->agent = NULL;
		snprintf(target->agent_error, sizeof(target->agent_error),
			 "not a glibc thread (libthread_db: %s)", tlsdata_td_error_name(err));
	}
}

void tlsdata_thread_db_close(struct ps_prochandle *target)
{
	if (target->agent)
		target->thread_db.ta_delete(target->agent);
	if (target->thread_db.handle)
		dlclose(target->thread_db.handle);
	free(target->glibc_threads);
}

struct thread_list {
	uint64_t *items;
	size_t count, capacity;
	bool failed;
};

static int add_glibc_thread(const td_thrhandle_t *handle, void *arg)
{
	struct thread_list *list = arg;

	if (list->count == list->capacity) {
		size_t capacity = list->capacity ? list->capacity * 2 : 64;
		void *grown = realloc(list->items, capacity * sizeof(*list->items));

		if (!grown) {
			list->failed = true;
			return 1;
		}
		list->items = grown;
		list->capacity = capacity;
	}
	list->items[list->count++] = (uintptr_t)handle->th_unique;
	return 0;
}

static int compare_addresses(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* glibc's own list of its threads (td_ta_thr_iter), sorted for bsearch. */
static void refresh_glibc_threads(struct ps_prochandle *target)
{
	struct thread_list list = { 0 };
	sigset_t all;

	sigfillset(&all);
	if (target->thread_db.ta_thr_iter(target->agent, add_glibc_thread, &list,
					  TD_THR_ANY_STATE, TD_THR_LOWEST_PRIORITY, &all,
					  TD_THR_ANY_USER_FLAGS) != TD_OK || list.failed) {
		free(list.items);
		return;
	}
	qsort(list.items, list.count, sizeof(*list.items), compare_addresses);
	free(target->glibc_threads);
	target->glibc_threads = list.items;
	target->glibc_thread_count = list.count;
}

static bool known_glibc_thread(const struct ps_prochandle *target, uint64_t unique)
{
	return target->glibc_thread_count &&
	       bsearch(&unique, target->glibc_threads, target->glibc_thread_count,
		       sizeof(unique), compare_addresses);
}

bool tlsdata_is_glibc_thread(struct ps_prochandle *target, uint64_t thread_pointer)
{
	if (!target->agent)
		return false;
	if (known_glibc_thread(target, thread_pointer))
		return true;
	refresh_glibc_threads(target);
	return known_glibc_thread(target, thread_pointer);
}

int tlsdata_glibc_handle(struct ps_prochandle *target, const struct tlsview_tlsdata_thread *thread,
			 td_thrhandle_t *handle, char *error, size_t error_size)
{
	td_err_e err;

	target->current = *thread;
	if (!target->agent)
		return tlsdata_error(error, error_size, ENOTSUP, "%s", target->agent_error);
	err = target->thread_db.ta_map_lwp2thr(target->agent, thread->tid, handle);
	if (err != TD_OK)
		return tlsdata_error(error, error_size, ENOTSUP,
				     "not a glibc thread (libthread_db: %s)",
				     tlsdata_td_error_name(err));
	/*
	 * libthread_db takes any thread pointer for a struct pthread: a thread
	 * on a TCB of its own (a bare CLONE_SETTLS thread) is only told apart by
	 * not being in glibc's list. A live process may have started the thread
	 * since the list was read: read it again before saying no.
	 */
	if (tlsdata_is_glibc_thread(target, (uintptr_t)handle->th_unique))
		return 0;
	return tlsdata_error(error, error_size, ENOTSUP,
			     "not a glibc thread (its thread pointer is no struct pthread glibc "
			     "knows)");
}

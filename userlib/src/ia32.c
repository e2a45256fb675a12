// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include "internal.h"

TLSVIEW_EXPORT void tlsview_user_desc_fill(struct user_desc *desc, int entry, uint32_t base,
					   uint32_t limit, bool limit_in_pages)
{
	*desc = (struct user_desc){
		.entry_number = (unsigned int)entry,
		.base_addr = base,
		.limit = limit,
		.seg_32bit = 1,
		.limit_in_pages = limit_in_pages,
		.useable = 1,
	};
}

TLSVIEW_EXPORT void tlsview_user_desc_fill_empty(struct user_desc *desc, unsigned int entry)
{
	*desc = (struct user_desc){
		.entry_number = entry,
		.read_exec_only = 1,
		.seg_not_present = 1,
	};
}

TLSVIEW_EXPORT void *tlsview_map_low(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

TLSVIEW_EXPORT bool tlsview_have_ia32(void)
{
	static int have;	/* 0 unknown, 1 yes, -1 no */
	struct user_desc *desc;

	if (have)
		return have > 0;
	desc = tlsview_map_low(sizeof(*desc));
	if (!desc)
		return false;
	desc->entry_number = TLSVIEW_TLS_ENTRY_MIN;
	have = tlsview_ia32_get_thread_area(desc) == 0 ? 1 : -1;
	munmap(desc, sizeof(*desc));
	return have > 0;
}

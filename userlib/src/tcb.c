// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * TCB builder for x86-64 TLS variant II: the static TLS block sits right
 * below the thread pointer, the TCB at and above it.
 */
#define _GNU_SOURCE
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "internal.h"

TLSVIEW_EXPORT int tlsview_tls_image_from_phdrs(const void *phdr, size_t phnum,
						uintptr_t load_bias,
						struct tlsview_tls_image *image)
{
	const ElfW(Phdr) *ph = phdr;
	size_t i;

	if (!phdr || !image)
		return tlsview_fail(EINVAL);

	for (i = 0; i < phnum; i++) {
		if (ph[i].p_type != PT_TLS)
			continue;
		if (ph[i].p_filesz > ph[i].p_memsz)
			return tlsview_fail(EINVAL);
		if (ph[i].p_align > 1 && !TLSVIEW_IS_POW2(ph[i].p_align))
			return tlsview_fail(EINVAL);
		image->init = ph[i].p_filesz ? (const void *)(load_bias + ph[i].p_vaddr) : NULL;
		image->init_size = ph[i].p_filesz;
		image->mem_size = ph[i].p_memsz;
		image->align = ph[i].p_align ? ph[i].p_align : 1;
		return 0;
	}
	return tlsview_fail(ENOENT);
}

struct self_search {
	struct tlsview_tls_image *image;
	int ret;
};

/* dl_iterate_phdr() reports the main executable first. */
static int self_phdr_callback(struct dl_phdr_info *info, size_t size, void *data)
{
	struct self_search *search = data;

	(void)size;
	search->ret = tlsview_tls_image_from_phdrs(info->dlpi_phdr, info->dlpi_phnum,
						   info->dlpi_addr, search->image);
	return 1;
}

TLSVIEW_EXPORT int tlsview_tls_image_self(struct tlsview_tls_image *image)
{
	struct self_search search = { .image = image, .ret = -ENOENT };

	if (!image)
		return tlsview_fail(EINVAL);
	dl_iterate_phdr(self_phdr_callback, &search);
	if (search.ret)
		return tlsview_fail(-search.ret);
	return 0;
}

static int check_image(const struct tlsview_tls_image *image, size_t *align)
{
	size_t a = image->align ? image->align : 1;

	if (!TLSVIEW_IS_POW2(a))
		return EINVAL;
	if (image->init_size > image->mem_size)
		return EINVAL;
	if (!image->init && image->init_size)
		return EINVAL;
	if (image->mem_size > TLSVIEW_TLS_MAX_SIZE || a > TLSVIEW_TLS_MAX_ALIGN)
		return E2BIG;
	*align = a;
	return 0;
}

TLSVIEW_EXPORT struct tlsview_tcb *tlsview_tcb_create(const struct tlsview_tls_image *image)
{
	struct tlsview_tls_image self = { 0 };
	struct tlsview_tcb *tcb;
	size_t align, tp_align, tls_offset, size, page;
	uintptr_t mapping, tp;
	void *mem;
	int err;

	if (!image) {
		int saved_errno = errno;

		/* An executable without PT_TLS simply gets an empty block. */
		err = tlsview_tls_image_self(&self);
		if (err && err != -ENOENT)
			return NULL;
		errno = saved_errno;
		image = &self;
	}
	err = check_image(image, &align);
	if (err) {
		errno = err;
		return NULL;
	}

	tls_offset = TLSVIEW_ROUND_UP(image->mem_size, align);
	tp_align = align > TLSVIEW_TCB_ALIGN ? align : TLSVIEW_TCB_ALIGN;
	page = (size_t)sysconf(_SC_PAGESIZE);
	/* Slack of tp_align so that tp can be rounded up inside the mapping. */
	size = tls_offset + tp_align + TLSVIEW_TCB_SIZE + sizeof(*tcb);
	size = TLSVIEW_ROUND_UP(size, page);

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return NULL;	/* errno from mmap: ENOMEM */

	mapping = (uintptr_t)mem;
	tp = TLSVIEW_ROUND_UP(mapping + tls_offset, (uintptr_t)tp_align);
	tcb = (struct tlsview_tcb *)(tp + TLSVIEW_TCB_SIZE);

	/* The mapping is zero-filled: .tbss and every other TCB word stay 0. */
	if (image->init_size)
		memcpy((void *)(tp - tls_offset), image->init, image->init_size);

	*(uintptr_t *)(tp + TLSVIEW_TCB_OFF_TCB) = tp;
	*(uintptr_t *)(tp + TLSVIEW_TCB_OFF_SELF) = tp;
	*(uint64_t *)(tp + TLSVIEW_TCB_OFF_STACK_GUARD) =
		tlsview_arch_fs_load64(TLSVIEW_TCB_OFF_STACK_GUARD);
	*(uint64_t *)(tp + TLSVIEW_TCB_OFF_POINTER_GUARD) =
		tlsview_arch_fs_load64(TLSVIEW_TCB_OFF_POINTER_GUARD);

	tcb->tp = (void *)tp;
	tcb->tls_block = (void *)(tp - tls_offset);
	tcb->tls_offset = tls_offset;
	tcb->tcb_size = TLSVIEW_TCB_SIZE;
	tcb->image = *image;
	tcb->image.align = align;
	tcb->mapping = mem;
	tcb->mapping_size = size;
	return tcb;
}

TLSVIEW_EXPORT void tlsview_tcb_destroy(struct tlsview_tcb *tcb)
{
	void *mapping;
	size_t size;

	if (!tcb)
		return;
	/* The structure lives inside the mapping it describes. */
	mapping = tcb->mapping;
	size = tcb->mapping_size;
	munmap(mapping, size);
}

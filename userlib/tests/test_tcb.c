// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Description: the TLS variant II TCB builder: layout (self-pointers,
 * canary, pointer guard, zeroed words), .tdata copied from the image (not
 * from the current thread), .tbss zeroed, alignment for many p_align
 * values, the running executable's PT_TLS, and every bad input.
 */
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tlsview/tlsview.h>
#include "tap.h"
#include "util.h"

__thread int tdata_int = 0x11223344;
__thread char tdata_str[16] = "tlsview-tdata";
__thread int tbss_int;
__thread long tbss_array[32];

/* Offset of a __thread object from the thread pointer, as this thread sees it. */
static intptr_t tp_offset(const void *object)
{
	return (intptr_t)object - (intptr_t)tlsview_thread_pointer();
}

static uint64_t fs_word(size_t offset)
{
	return *(uint64_t *)((char *)tlsview_thread_pointer() + offset);
}

START_TEST(test_image_self_describes_pt_tls)
{
	struct tlsview_tls_image image;

	memset(&image, 0xaa, sizeof(image));
	ck_assert_int_eq(tlsview_tls_image_self(&image), 0);
	ck_assert_uint_ge(image.mem_size, sizeof(int) * 2 + 16 + sizeof(long) * 32);
	ck_assert_uint_ge(image.init_size, sizeof(int) + 16);
	ck_assert_uint_le(image.init_size, image.mem_size);
	ck_assert_uint_ge(image.align, _Alignof(long));
	ck_assert_ptr_nonnull(image.init);
	/* The image holds the initial values, whatever this thread did since. */
	tdata_int = 5;
	ck_assert_ptr_nonnull(memmem(image.init, image.init_size, "tlsview-tdata", 13));
}
END_TEST

START_TEST(test_self_tcb_layout)
{
	struct tlsview_tcb *tcb;
	char *tp;
	size_t i;

	/* Change this thread's copies: the TCB must still get the initial image. */
	tdata_int = 99;
	strcpy(tdata_str, "changed");
	tbss_int = 7;
	tbss_array[31] = 8;

	tcb = tlsview_tcb_create(NULL);
	ck_assert_ptr_nonnull(tcb);
	tp = tcb->tp;

	ck_assert_ptr_eq(*(void **)(tp + TLSVIEW_TCB_OFF_TCB), tp);
	ck_assert_ptr_eq(*(void **)(tp + TLSVIEW_TCB_OFF_SELF), tp);
	ck_assert_uint_eq(*(uint64_t *)(tp + TLSVIEW_TCB_OFF_STACK_GUARD),
			  fs_word(TLSVIEW_TCB_OFF_STACK_GUARD));
	ck_assert_uint_eq(*(uint64_t *)(tp + TLSVIEW_TCB_OFF_POINTER_GUARD),
			  fs_word(TLSVIEW_TCB_OFF_POINTER_GUARD));
	ck_assert_uint_ne(fs_word(TLSVIEW_TCB_OFF_STACK_GUARD), 0);
	ck_assert_uint_eq(*(uint64_t *)(tp + TLSVIEW_TCB_OFF_DTV), 0);
	for (i = 0x18; i < TLSVIEW_TCB_OFF_STACK_GUARD && tp[i] == 0; i++)
		;
	ck_assert_uint_eq(i, TLSVIEW_TCB_OFF_STACK_GUARD);
	for (i = TLSVIEW_TCB_OFF_POINTER_GUARD + 8; i < tcb->tcb_size && tp[i] == 0; i++)
		;
	ck_assert_uint_eq(i, tcb->tcb_size);
	ck_assert_uint_eq(tcb->tcb_size, TLSVIEW_TCB_SIZE);

	ck_assert_ptr_eq(tcb->tls_block, tp - tcb->tls_offset);
	ck_assert_uint_eq(tcb->tls_offset % tcb->image.align, 0);
	ck_assert_uint_ge(tcb->tls_offset, tcb->image.mem_size);
	ck_assert_uint_lt(tcb->tls_offset, tcb->image.mem_size + tcb->image.align);
	ck_assert_uint_eq((uintptr_t)tp % TLSVIEW_TCB_ALIGN, 0);
	ck_assert_uint_eq((uintptr_t)tp % tcb->image.align, 0);

	/* Variables sit where this executable's code expects them. */
	ck_assert_int_eq(*(int *)(tp + tp_offset(&tdata_int)), 0x11223344);
	ck_assert_str_eq(tp + tp_offset(tdata_str), "tlsview-tdata");
	ck_assert_int_eq(*(int *)(tp + tp_offset(&tbss_int)), 0);
	ck_assert_int_eq(((long *)(tp + tp_offset(tbss_array)))[31], 0);
	/* tlsview_tcb_tls_address() agrees with the layout. */
	ck_assert_ptr_eq(tlsview_tcb_tls_address(tcb, 0), tcb->tls_block);
	tlsview_tcb_destroy(tcb);
}
END_TEST

/* The whole block: .tdata bytes, then zero up to tp. */
static void check_block(const struct tlsview_tcb *tcb, const unsigned char *init,
			size_t init_size, size_t align)
{
	const unsigned char *block = tcb->tls_block;
	size_t i, effective = align ? align : 1;

	ck_assert_uint_eq((uintptr_t)tcb->tp % effective, 0);
	ck_assert_uint_eq((uintptr_t)tcb->tls_block % effective, 0);
	ck_assert_uint_eq((uintptr_t)tcb->tp % TLSVIEW_TCB_ALIGN, 0);
	ck_assert_uint_eq(tcb->tls_offset % effective, 0);
	ck_assert_ptr_eq(block + tcb->tls_offset, tcb->tp);
	/* One assertion per block, not per byte: this also runs under TCG. */
	ck_assert_msg(init_size == 0 || memcmp(block, init, init_size) == 0,
		      "align %zu: .tdata bytes differ", align);
	for (i = init_size; i < tcb->tls_offset && block[i] == 0; i++)
		;
	ck_assert_msg(i == tcb->tls_offset, "align %zu: nonzero byte at %zu of %zu", align, i,
		      tcb->tls_offset);
	ck_assert_ptr_eq(*(void **)tcb->tp, tcb->tp);
}

START_TEST(test_caller_images_all_alignments)
{
	static const size_t aligns[] = { 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 4096, 8192, 65536, 1 << 20 };
	static const size_t sizes[] = { 0, 1, 37, 64, 1000, 4097, 20000 };
	unsigned char init[20000];
	size_t a, s, i;

	for (i = 0; i < sizeof(init); i++)
		init[i] = (unsigned char)(i * 7 + 1);

	for (a = 0; a < sizeof(aligns) / sizeof(aligns[0]); a++) {
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			size_t mem = sizes[s], filled = mem / 2 + (mem & 1);
			struct tlsview_tls_image image = {
				.init = filled ? init : NULL, .init_size = filled,
				.mem_size = mem, .align = aligns[a],
			};
			struct tlsview_tcb *tcb = tlsview_tcb_create(&image);
			size_t effective = aligns[a] ? aligns[a] : 1;

			ck_assert_msg(tcb != NULL, "align %zu size %zu: %s", aligns[a], mem,
				      strerror(errno));
			ck_assert_uint_eq(tcb->tls_offset,
					  (mem + effective - 1) / effective * effective);
			ck_assert_uint_eq(tcb->image.align, effective);
			check_block(tcb, init, filled, aligns[a]);
			tlsview_tcb_destroy(tcb);
		}
	}
}
END_TEST

START_TEST(test_large_image)
{
	struct tlsview_tls_image image = {
		.init = "abc", .init_size = 3, .mem_size = 64 << 20, .align = 64,
	};
	struct tlsview_tcb *tcb = tlsview_tcb_create(&image);
	unsigned char *block;

	ck_assert_ptr_nonnull(tcb);
	block = tcb->tls_block;
	ck_assert_int_eq(memcmp(block, "abc", 3), 0);
	ck_assert_int_eq(block[3], 0);
	ck_assert_int_eq(block[(64 << 20) - 1], 0);
	tlsview_tcb_destroy(tcb);
}
END_TEST

/* Each bad image fails with its errno, returns NULL and maps nothing. */
START_TEST(test_bad_images)
{
	static const char bytes[64];
	const struct {
		struct tlsview_tls_image image;
		int err;
	} cases[] = {
		{ { bytes, 8, 16, 3 }, EINVAL },
		{ { bytes, 8, 16, 6 }, EINVAL },
		{ { bytes, 8, 16, 4097 }, EINVAL },
		{ { bytes, 8, 16, (size_t)1 << 63 | 1 }, EINVAL },
		{ { bytes, 32, 16, 8 }, EINVAL },
		{ { NULL, 8, 16, 8 }, EINVAL },
		{ { bytes, 8, TLSVIEW_TLS_MAX_SIZE + 1, 8 }, E2BIG },
		{ { bytes, 8, SIZE_MAX, 8 }, E2BIG },
		{ { bytes, 8, SIZE_MAX - 4096, 4096 }, E2BIG },
		{ { bytes, 8, 16, TLSVIEW_TLS_MAX_ALIGN * 2 }, E2BIG },
		{ { bytes, 8, 16, (size_t)1 << 63 }, E2BIG },
	};
	int before = count_mappings();
	size_t i;
	int round;

	for (round = 0; round < 100; round++) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			errno = 0;
			ck_assert_msg(tlsview_tcb_create(&cases[i].image) == NULL, "case %zu", i);
			ck_assert_msg(errno == cases[i].err, "case %zu: errno %d, want %d", i, errno,
				      cases[i].err);
		}
	}
	ck_assert_int_eq(count_mappings(), before);
	tlsview_tcb_destroy(NULL);
}
END_TEST

START_TEST(test_create_destroy_does_not_leak)
{
	int before = count_mappings(), i;
	struct tlsview_tcb *tcbs[64];

	for (i = 0; i < 64; i++) {
		struct tlsview_tls_image image = { .mem_size = 100, .align = (size_t)1 << (i % 17) };

		tcbs[i] = i % 2 ? tlsview_tcb_create(NULL) : tlsview_tcb_create(&image);
		ck_assert_ptr_nonnull(tcbs[i]);
	}
	ck_assert_int_gt(count_mappings(), before);
	for (i = 0; i < 64; i++)
		tlsview_tcb_destroy(tcbs[i]);
	ck_assert_int_eq(count_mappings(), before);
}
END_TEST

START_TEST(test_phdrs)
{
	ElfW(Phdr) ph[3];
	struct tlsview_tls_image image;

	memset(ph, 0, sizeof(ph));
	ph[0].p_type = PT_LOAD;
	ph[1].p_type = PT_DYNAMIC;
	ph[2].p_type = PT_NOTE;

	errno = 0;
	ck_assert_int_eq(tlsview_tls_image_from_phdrs(ph, 3, 0x1000, &image), -ENOENT);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(tlsview_tls_image_from_phdrs(ph, 0, 0x1000, &image), -ENOENT);

	ph[2].p_type = PT_TLS;
	ph[2].p_vaddr = 0x200;
	ph[2].p_filesz = 0x10;
	ph[2].p_memsz = 0x30;
	ph[2].p_align = 32;
	ck_assert_int_eq(tlsview_tls_image_from_phdrs(ph, 3, 0x1000, &image), 0);
	ck_assert_ptr_eq(image.init, (void *)0x1200);
	ck_assert_uint_eq(image.init_size, 0x10);
	ck_assert_uint_eq(image.mem_size, 0x30);
	ck_assert_uint_eq(image.align, 32);

	ph[2].p_align = 0;
	ck_assert_int_eq(tlsview_tls_image_from_phdrs(ph, 3, 0x1000, &image), 0);
	ck_assert_uint_eq(image.align, 1);

	ph[2].p_align = 24;
	errno = 0;
	ck_assert_int_eq(tlsview_tls_image_from_phdrs(ph, 3, 0x1000, &image), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);

	ph[2].p_align = 8;
	ph[2].p_filesz = 0x40;
	ck_assert_int_eq(tlsview_tls_image_from_phdrs(ph, 3, 0x1000, &image), -EINVAL);

	ck_assert_int_eq(tlsview_tls_image_from_phdrs(NULL, 3, 0, &image), -EINVAL);
	ck_assert_int_eq(tlsview_tls_image_from_phdrs(ph, 3, 0, NULL), -EINVAL);
	errno = 0;
	ck_assert_int_eq(tlsview_tls_image_self(NULL), -EINVAL);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* A glibc thread's TCB: the words we copy are where we say they are. */
static void *pthread_offsets(void *arg)
{
	intptr_t *out = arg;

	out[0] = tp_offset(&tdata_int);
	out[1] = (intptr_t)*(void **)((char *)tlsview_thread_pointer() + TLSVIEW_TCB_OFF_SELF) -
		 (intptr_t)tlsview_thread_pointer();
	return NULL;
}

START_TEST(test_offsets_match_glibc_threads)
{
	intptr_t out[2];
	pthread_t thread;

	ck_assert_int_eq(pthread_create(&thread, NULL, pthread_offsets, out), 0);
	ck_assert_int_eq(pthread_join(thread, NULL), 0);
	ck_assert_int_eq(out[0], tp_offset(&tdata_int));
	ck_assert_int_eq(out[1], 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tcb");

	tap_add_test(s, test_image_self_describes_pt_tls, NULL);
	tap_add_test(s, test_self_tcb_layout, NULL);
	tap_add_test(s, test_caller_images_all_alignments, NULL);
	tap_add_test(s, test_large_image, NULL);
	tap_add_test(s, test_bad_images, NULL);
	tap_add_test(s, test_create_destroy_does_not_leak, NULL);
	tap_add_test(s, test_phdrs, NULL);
	tap_add_test(s, test_offsets_match_glibc_threads, NULL);
	return tap_run(s);
}

// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Description: an executable whose own PT_TLS has p_align 4096 (a large,
 * page-aligned __thread array): the image, the TCB and a bare thread all
 * honour that alignment and the variables' offsets from the thread pointer.
 */
#include <stdint.h>
#include <string.h>
#include <tlsview/tlsview.h>
#include "tap.h"

#define BIG 8192

__thread unsigned char big[BIG] __attribute__((aligned(4096))) = { 1, 2, 3, [BIG - 1] = 0x7f };
__thread int small_bss;

struct seen {
	uintptr_t big_address;
	intptr_t big_offset;
	intptr_t small_offset;
	int first, last, small;
};

static int look(void *arg)
{
	struct seen *s = arg;
	char *tp = tlsview_thread_pointer();

	s->big_address = (uintptr_t)big;
	s->big_offset = (intptr_t)big - (intptr_t)tp;
	s->small_offset = (intptr_t)&small_bss - (intptr_t)tp;
	s->first = big[0] + big[1] + big[2];
	s->last = big[BIG - 1];
	s->small = small_bss;
	big[0] = 0;
	return 0;
}

START_TEST(test_image_has_page_alignment)
{
	struct tlsview_tls_image image;

	ck_assert_int_eq(tlsview_tls_image_self(&image), 0);
	ck_assert_uint_ge(image.align, 4096);
	ck_assert_uint_ge(image.mem_size, BIG);
	ck_assert_uint_eq((uintptr_t)big % 4096, 0);
}
END_TEST

START_TEST(test_tcb_and_bare_thread)
{
	struct tlsview_tcb *tcb = tlsview_tcb_create(NULL);
	struct tlsview_thread_attr attr = { .tcb = tcb };
	struct tlsview_thread thread;
	struct seen s = { 0 };
	intptr_t my_big = (intptr_t)big - (intptr_t)tlsview_thread_pointer();
	intptr_t my_small = (intptr_t)&small_bss - (intptr_t)tlsview_thread_pointer();

	big[1] = 100;	/* this thread's copy only */
	small_bss = 5;
	ck_assert_ptr_nonnull(tcb);
	ck_assert_uint_eq((uintptr_t)tcb->tp % 4096, 0);
	ck_assert_uint_eq((uintptr_t)tcb->tls_block % 4096, 0);
	ck_assert_uint_eq(tcb->tls_offset % 4096, 0);

	ck_assert_int_eq(tlsview_thread_create(&thread, &attr, look, &s), 0);
	ck_assert_int_eq(tlsview_thread_join(&thread, NULL), 0);
	ck_assert_uint_eq(s.big_address % 4096, 0);
	ck_assert_int_eq(s.big_offset, my_big);
	ck_assert_int_eq(s.small_offset, my_small);
	ck_assert_int_eq(s.first, 6);
	ck_assert_int_eq(s.last, 0x7f);
	ck_assert_int_eq(s.small, 0);
	ck_assert_uint_eq(s.big_address, (uintptr_t)tcb->tp + my_big);
	ck_assert_int_eq(big[0], 1);
	ck_assert_int_eq(((unsigned char *)tcb->tp)[my_big], 0);	/* its write landed in its block */
	tlsview_tcb_destroy(tcb);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tls_bigalign");

	tap_add_test(s, test_image_has_page_alignment, NULL);
	tap_add_test(s, test_tcb_and_bare_thread, NULL);
	return tap_run(s);
}

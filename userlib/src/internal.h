/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/* Private to libtlsview's sources. */
#ifndef _TLSVIEW_USERLIB_INTERNAL_H
#define _TLSVIEW_USERLIB_INTERNAL_H

#include <errno.h>
#include <tlsview/tlsview.h>

/*
 * Everything is built with -fvisibility=hidden; only definitions marked
 * with this are exported (and libtlsview.map names the same set).
 */
#define TLSVIEW_EXPORT __attribute__((visibility("default")))

/* Store -code in errno (for functions that are not bare-thread safe). */
static inline int tlsview_fail(int code)
{
	errno = code;
	return -code;
}

#define TLSVIEW_ROUND_UP(x, a)	(((x) + (a) - 1) & ~((a) - 1))
#define TLSVIEW_IS_POW2(x)	((x) != 0 && ((x) & ((x) - 1)) == 0)

#endif /* _TLSVIEW_USERLIB_INTERNAL_H */

/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * tlsview/common.h - version and conventions shared by every libtlsview header.
 *
 * Error convention, the same for every function of the library:
 *  - a function returning int returns 0 (or a documented non-negative
 *    value) on success and a negative errno value on failure;
 *  - functions marked "bare-thread safe" never read or write errno (errno
 *    lives in libc's TLS, which a bare thread does not have), so they only
 *    return the code; every other function also sets errno to the positive
 *    code before it returns a failure;
 *  - a function returning a pointer returns NULL and sets errno on failure.
 */
#ifndef _TLSVIEW_COMMON_H
#define _TLSVIEW_COMMON_H

#define TLSVIEW_VERSION_MAJOR	1
#define TLSVIEW_VERSION_MINOR	2
#define TLSVIEW_VERSION_STRING	"1.2"

#ifdef __cplusplus
#define TLSVIEW_BEGIN_DECLS	extern "C" {
#define TLSVIEW_END_DECLS	}
#else
#define TLSVIEW_BEGIN_DECLS
#define TLSVIEW_END_DECLS
#endif

TLSVIEW_BEGIN_DECLS

/**
 * tlsview_version() - the library's version string, e.g. "1.2"
 *
 * Safe anywhere, bare threads included. Never fails.
 */
const char *tlsview_version(void);

TLSVIEW_END_DECLS

#endif /* _TLSVIEW_COMMON_H */

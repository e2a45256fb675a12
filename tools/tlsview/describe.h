/* SPDX-License-Identifier: GPL-2.0 */
/* tools/tlsview/describe.h - thread flags and TLS descriptors in words. */
#ifndef TOOLS_TLSVIEW_DESCRIBE_H
#define TOOLS_TLSVIEW_DESCRIBE_H

#include <stddef.h>
#include <stdint.h>
#include "tlsview.h"

/* "LIVE" or "SAVED", then ",COMPAT" and ",KTHREAD" where they apply. */
const char *tv_state_name(uint32_t flags);
void tv_describe_state(uint32_t flags, int32_t tracer, char *text, size_t size);
void tv_describe_flags(uint32_t flags, char *text, size_t size);
/* "empty", or base, limit, granularity, 32-bit, present, kind. */
void tv_describe_desc(const struct tlsview_desc *desc, char *text, size_t size);

#endif /* TOOLS_TLSVIEW_DESCRIBE_H */

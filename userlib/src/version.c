// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include "internal.h"

TLSVIEW_EXPORT const char *tlsview_version(void)
{
	return TLSVIEW_VERSION_STRING;
}

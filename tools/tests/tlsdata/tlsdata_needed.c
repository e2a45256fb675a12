// SPDX-License-Identifier: GPL-2.0
/* libtlsdata_needed.so: a DT_NEEDED library of the target, with TLS. */
#include <stdint.h>

__thread uint64_t tlsdata_needed_value;

void tlsdata_needed_set(uint64_t value)
{
	tlsdata_needed_value = value;
}

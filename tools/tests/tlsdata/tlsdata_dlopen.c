// SPDX-License-Identifier: GPL-2.0
/*
 * libtlsdata_dlopen.so: dlopen()ed by the target; its TLS is dynamic, so a
 * thread has no block for it until it first touches the variable.
 */
#include <stdint.h>

__thread uint32_t tlsdata_dlopen_value;

void tlsdata_dlopen_set(uint32_t value)
{
	tlsdata_dlopen_value = value;
}

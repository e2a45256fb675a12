// SPDX-License-Identifier: GPL-2.0
/*
 * The shared-object half of tlsbench's tls_gd, tls_desc and tls_ie ops.
 *
 * Built twice (tools/Makefile): libtlsbench_gd.so with the traditional
 * dialect (-mtls-dialect=gnu: a call to __tls_get_addr per access) and
 * libtlsbench_desc.so with TLSDESC (-mtls-dialect=gnu2: an indirect call
 * through a descriptor the dynamic linker resolved), TLSBENCH_SUFFIX naming
 * the exported symbols of each. Both are linked into tlsbench (DT_NEEDED,
 * so their TLS blocks are in the static TLS area like any library loaded
 * at start-up).
 *
 * The array is exported and explicitly general-dynamic: in a shared
 * object the compiler may not assume it knows where the variable lives
 * (another module could interpose it), which is exactly the case the
 * dynamic models exist for. Each access is a call to a noinline reader
 * taking the index to load (always 0, and element 0 holds 0): latency
 * chains the calls through that index, throughput makes independent calls.
 * The call boundary keeps the compiler from hoisting the address
 * computation out of the loop, and the volatile asm keeps the reader from
 * being treated as pure and its calls merged: every access pays the call,
 * the address computation and one load, as in ops.c's readers.
 */
#include <stdint.h>

#define CONCAT2(a, b)	a##b
#define CONCAT(a, b)	CONCAT2(a, b)
#define EXPORTED(name)	CONCAT(name, TLSBENCH_SUFFIX)

#define UNROLL 8	/* as in tlsbench.h */

/* Also the array of tlsbench's tls_ie op (read from the executable). */
__attribute__((tls_model("global-dynamic"))) __thread long EXPORTED(tlsbench_array_)[1];

void EXPORTED(tlsbench_latency_)(uint64_t n);
void EXPORTED(tlsbench_throughput_)(uint64_t n);

static __attribute__((noinline)) long read_array(long i)
{
	long v = EXPORTED(tlsbench_array_)[i];

	__asm__ __volatile__("" : "+r" (v));
	return v;
}

#define SINK(v) __asm__ __volatile__("" : : "r" (v))
#define REPEAT8(body) do { body; body; body; body; body; body; body; body; } while (0)

/* n dependent reads (n a multiple of UNROLL): each index is the last value. */
void EXPORTED(tlsbench_latency_)(uint64_t n)
{
	long i = 0;

	for (uint64_t k = 0; k < n; k += UNROLL)
		REPEAT8(i = read_array(i));
	SINK(i);
}

/* n independent reads. */
void EXPORTED(tlsbench_throughput_)(uint64_t n)
{
	for (uint64_t k = 0; k < n; k += UNROLL)
		REPEAT8(SINK(read_array(0)));
}

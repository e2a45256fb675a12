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
 * The variable is exported and explicitly general-dynamic: in a shared
 * object the compiler may not assume it knows where the variable lives
 * (another module could interpose it), which is exactly the case the
 * dynamic models exist for. The access sits in its own noinline function
 * with a volatile asm in it, so the compiler can neither hoist the address
 * computation out of the caller's loop nor treat the function as pure and
 * merge calls: every iteration pays the call, the address computation and
 * one load, nothing else.
 */
#include <stdint.h>

#define CONCAT2(a, b)	a##b
#define CONCAT(a, b)	CONCAT2(a, b)
#define EXPORTED(name)	CONCAT(name, TLSBENCH_SUFFIX)

#define UNROLL 8	/* as in main.c */

/* Also the variable of tlsbench's tls_ie op (read from the executable). */
__attribute__((tls_model("global-dynamic"))) __thread int EXPORTED(tlsbench_var_);

void EXPORTED(tlsbench_run_)(uint64_t n);

static __attribute__((noinline)) int read_variable(void)
{
	int v = EXPORTED(tlsbench_var_);

	__asm__ __volatile__("" : "+r" (v));
	return v;
}

#define SINK(v) __asm__ __volatile__("" : : "r" (v))
#define REPEAT8(body) do { body; body; body; body; body; body; body; body; } while (0)

/*
 * n reads (n a multiple of UNROLL). The loop is here, not in tlsbench, so
 * the call to read_variable() is a direct one, as in the executable's ops.
 */
void EXPORTED(tlsbench_run_)(uint64_t n)
{
	for (uint64_t i = 0; i < n; i += UNROLL)
		REPEAT8(SINK(read_variable()));
}

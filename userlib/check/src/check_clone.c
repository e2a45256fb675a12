// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * clone(CLONE_SETTLS), both ABIs: 64-bit bare threads on tlsview TCBs, and
 * threads cloned through int $0x80, whose TLS argument is a struct
 * user_desc that lands in a GDT TLS slot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "check_internal.h"

#define MAX_THREADS	1024
#define SETTLS_RUNNERS	4	/* threads read while they run */

struct settls_thread {
	struct check_ctx *ctx;
	struct tlsview_thread thread;
	struct tlsview_tcb *tcb;
	const struct tlsview_tls_image *image;	/* NULL: no PT_TLS */
	unsigned int index;
	int tid;
	int ready;		/* futex: 1 checked and spinning, 2 sleeping */
	int *go;		/* futex: 1 stop spinning, 2 exit */
	uint64_t comparisons;
};

static uint8_t pattern(unsigned int index, size_t offset)
{
	return (uint8_t)(index * 7 + offset * 13 + 1);
}

/* Bare-thread safe: the TLS block as this thread sees it through FS. */
static bool check_block(struct settls_thread *t, bool patterned, uint64_t round)
{
	struct check_ctx *ctx = t->ctx;
	const struct tlsview_tls_image *image = t->image;
	int64_t start = -(int64_t)t->tcb->tls_offset;
	size_t o;

	if (!image)
		return true;
	for (o = 0; o < image->mem_size; o++) {
		uint8_t want = patterned ? pattern(t->index, o) :
			       o < image->init_size ? ((const uint8_t *)image->init)[o] : 0;
		uint8_t seen = tlsview_arch_fs_read8(start + (int64_t)o);

		if (seen != want) {
			check_mismatch(ctx, t->tid, TLSVIEW_VIEW_SELF_MEMORY,
				       patterned ? "tls-pattern" : o < image->init_size ?
				       "tls-tdata" : "tls-tbss", want, seen, o,
				       "TLS block read through FS (round = byte offset)");
			return false;
		}
	}
	__atomic_fetch_or(&ctx->views, TLSVIEW_VIEW_SELF_MEMORY, __ATOMIC_RELAXED);
	__atomic_fetch_add(&ctx->comparisons, 1, __ATOMIC_RELAXED);
	(void)round;
	return true;
}

static int settls_main(void *arg)
{
	struct settls_thread *t = arg;
	struct check_ctx *ctx = t->ctx;
	uint64_t tp = (uint64_t)(uintptr_t)t->tcb->tp;
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	size_t o;
	int go;

	t->tid = tlsview_sys_gettid();
	if (!check_self(ctx, t->tid, true, tp, true, 0) ||
	    !check_eq(ctx, t->tid, TLSVIEW_VIEW_FS0, "fs:0x10", tp, tlsview_arch_fs_read64(0x10), 0,
		      "TCB self-pointer at 0x10") ||
	    !check_block(t, false, 0))
		goto out;
	/* Make the block this thread's own; nobody else may change it. */
	if (t->image)
		for (o = 0; o < t->image->mem_size; o++)
			tlsview_arch_fs_write8(-(int64_t)t->tcb->tls_offset + (int64_t)o,
				      pattern(t->index, o));
	__atomic_store_n(&t->ready, 1, __ATOMIC_RELEASE);
	/*
	 * A few threads keep running while the caller reads every thread
	 * through the module; the rest wait (dozens of spinning threads would
	 * starve the reader on a small machine).
	 */
	while ((go = __atomic_load_n(t->go, __ATOMIC_ACQUIRE)) < 1 && !check_stopping(ctx)) {
		if (t->index < SETTLS_RUNNERS)
			tlsview_sys_sched_yield();
		else
			tlsview_sys_futex_wait(t->go, go, &tick);
	}
	if (!check_self(ctx, t->tid, true, tp, true, 1) || !check_block(t, true, 1))
		goto out;
	__atomic_store_n(&t->ready, 2, __ATOMIC_RELEASE);
	/* Sleeping: read again. */
	while ((go = __atomic_load_n(t->go, __ATOMIC_ACQUIRE)) < 2 && !check_stopping(ctx))
		tlsview_sys_futex_wait(t->go, go, &tick);
	if (check_self(ctx, t->tid, true, tp, true, 2))
		check_block(t, true, 2);
out:
	__atomic_store_n(&t->ready, 3, __ATOMIC_RELEASE);
	return 0;
}

static void wait_ready(struct check_ctx *ctx, struct settls_thread *threads, unsigned int count,
		       int level)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		while (__atomic_load_n(&threads[i].ready, __ATOMIC_ACQUIRE) < level &&
		       !check_stopping(ctx) && !check_past_deadline(ctx))
			tlsview_sys_sched_yield();
}

/* Returns how many threads were at this round's step (and read, with the module). */
static unsigned int module_round(struct check_ctx *ctx, struct settls_thread *threads,
				 unsigned int count, bool sleeping)
{
	unsigned int i, at_step = 0;

	for (i = 0; i < count && !check_failed(ctx); i++) {
		uint64_t tp = (uint64_t)(uintptr_t)threads[i].tcb->tp;
		struct tlsview_task task;

		/* Only threads at the step this round is for (a slow one may lag). */
		if (__atomic_load_n(&threads[i].ready, __ATOMIC_ACQUIRE) != (sleeping ? 2 : 1))
			continue;
		at_step++;
		check_module_expect(ctx, threads[i].tid, &tp, NULL, NULL, NULL, sleeping, sleeping);
		if (sleeping && check_module_task(ctx, threads[i].tid, TLSVIEW_REQ_SAVED, &task) == 0)
			check_eq(ctx, threads[i].tid, TLSVIEW_VIEW_MODULE_IOCTL, "fsbase(saved)", tp,
				 task.fsbase, 2, "saved state of a sleeping thread");
	}
	return at_step;
}

TLSVIEW_CHECK_EXPORT int tlsview_check_clone_settls(const struct tlsview_check_params *params,
					      struct tlsview_check_result *result)
{
	struct tlsview_tls_image image;
	struct settls_thread *threads;
	struct check_ctx ctx;
	unsigned int i, count, started = 0;
	int go = 0, ret;

	ret = check_begin(&ctx, params, result, 64, 1, 0);
	if (ret)
		return ret;
	count = CHECK_MIN(ctx.params.threads, MAX_THREADS);
	ctx.rounds_planned = count;
	threads = calloc(count, sizeof(*threads));
	if (!threads)
		return check_error(&ctx, ENOMEM, "threads");
	ret = tlsview_tls_image_self(&image);
	for (i = 0; i < count; i++) {
		threads[i].ctx = &ctx;
		threads[i].index = i;
		threads[i].image = ret == 0 ? &image : NULL;
		threads[i].go = &go;
		threads[i].tcb = tlsview_tcb_create(NULL);
		if (!threads[i].tcb) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = 0;
	for (i = 0; i < count; i++) {
		struct tlsview_thread_attr attr = { .tcb = threads[i].tcb, .stack_size = 32 << 10 };

		ret = tlsview_thread_create(&threads[i].thread, &attr, settls_main, &threads[i]);
		if (ret < 0)
			goto out;
		started++;
		/* Starting them is most of the work on a slow machine: the bound applies. */
		if (check_past_deadline(&ctx))
			break;
	}
	wait_ready(&ctx, threads, count, 1);
	module_round(&ctx, threads, count, false);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	tlsview_sys_futex_wake(&go, (int)count);
	wait_ready(&ctx, threads, count, 2);
	/* Give them a moment to reach the futex, then read them asleep. */
	for (i = 0; i < 4; i++)
		tlsview_sys_sched_yield();
	/* A round is a thread that got to sleep in time (the bound may cut it short). */
	__atomic_add_fetch(&ctx.rounds, module_round(&ctx, threads, count, true), __ATOMIC_RELAXED);
out:
	__atomic_store_n(&ctx.stop, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&go, 2, __ATOMIC_RELEASE);
	tlsview_sys_futex_wake(&go, (int)count);
	for (i = 0; i < started; i++)
		tlsview_thread_join(&threads[i].thread, NULL);
	for (i = 0; i < count; i++)
		tlsview_tcb_destroy(threads[i].tcb);
	free(threads);
	if (ret < 0)
		return check_error(&ctx, -ret, "starting %u bare threads", count);
	if (!check_failed(&ctx) && started < count && !ctx.bound_reached)
		return check_error(&ctx, EAGAIN, "only %u of %u threads started", started, count);
	return check_end(&ctx);
}

/*
 * The int $0x80 clone. Everything the kernel takes a 32-bit pointer to
 * (the user_desc, the tid words, the child's stack) lives in one mapping
 * below 4 GiB.
 */
#define IA32_CLONE_FLAGS	(TLSVIEW_CLONE_FLAGS)
#define IA32_STACK_SIZE		(16 << 10)
#define IA32_BLOCK_MAGIC(i)	(0x7e5700000000ULL + (uint64_t)(i))

struct ia32_child {
	struct user_desc desc;	/* the clone's TLS argument */
	int ptid;
	int ctid;			/* cleared by the kernel when it exits */
	int ready;			/* futex */
	int go;				/* futex */
	uint32_t selector;
	uint32_t entry;
	uint64_t through_gs;		/* %gs:0, read by the child */
	uint64_t gsbase_prctl;
	uint64_t gsbase_insn;
	uint32_t slot_base;		/* get_thread_area, asked by the child */
	int insn;
	uint64_t block[8];		/* the child's segment points here */
	uint8_t stack[IA32_STACK_SIZE] __attribute__((aligned(16)));
};

/*
 * Runs in the child, on its low stack, with the parent's FS: no TLS at
 * all, hence no stack protector. Exits the thread itself.
 */
__attribute__((no_stack_protector)) static int ia32_child_start(void *arg)
{
	struct ia32_child *child = arg;
	struct user_desc *desc = &child->desc;
	struct timespec tick = { 0, 50 * 1000 * 1000 };

	tlsview_arch_load_gs_selector((uint16_t)child->selector);
	child->through_gs = tlsview_arch_gs_read64(0);
	tlsview_sys_arch_prctl(TLSVIEW_ARCH_GET_GS, (unsigned long)&child->gsbase_prctl);
	if (child->insn)
		child->gsbase_insn = tlsview_arch_rdgsbase();
	desc->entry_number = child->entry;
	if (tlsview_ia32_get_thread_area(desc) == 0)
		child->slot_base = desc->base_addr;
	__atomic_store_n(&child->ready, 1, __ATOMIC_RELEASE);
	tlsview_sys_futex_wake(&child->ready, 1);
	while (!__atomic_load_n(&child->go, __ATOMIC_ACQUIRE))
		tlsview_sys_futex_wait(&child->go, 0, &tick);
	tlsview_sys_exit_thread(0);
}

/* int $0x80 clone: the child's TLS argument is its user_desc. */
static long ia32_clone(struct ia32_child *child)
{
	return tlsview_arch_ia32_clone_call(IA32_CLONE_FLAGS, child->stack + IA32_STACK_SIZE,
					    &child->ptid, &child->desc, &child->ctid,
					    ia32_child_start, child);
}

TLSVIEW_CHECK_EXPORT int tlsview_check_clone_ia32_settls(const struct tlsview_check_params *params,
						   struct tlsview_check_result *result)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	struct ia32_child *children, *parent_area;
	struct check_ctx ctx;
	unsigned int i, count, entry;
	size_t size;
	long ret;
	pid_t self_tid;

	ret = check_begin(&ctx, params, result, 4, 1, 0);
	if (ret)
		return (int)ret;
	if (!tlsview_have_ia32())
		return check_skip(&ctx, "no ia32 emulation: int $0x80 set_thread_area/clone "
				  "unavailable (CONFIG_IA32_EMULATION off or ia32_emulation=0)");
	count = CHECK_MIN(ctx.params.threads, 64U);
	ctx.rounds_planned = count;
	size = (count + 1) * sizeof(struct ia32_child);
	parent_area = tlsview_map_low(size);
	if (!parent_area)
		return check_error(&ctx, ENOMEM, "mapping below 4 GiB");
	memset(parent_area, 0, size);
	children = parent_area + 1;
	self_tid = tlsview_sys_gettid();

	/* The creator's own slot, allocated by the kernel. */
	tlsview_user_desc_fill(&parent_area->desc, -1, (uint32_t)(uintptr_t)parent_area->block,
			       0xfffff, true);
	parent_area->block[0] = IA32_BLOCK_MAGIC(0xffff);
	ret = tlsview_ia32_set_thread_area(&parent_area->desc);
	if (ret < 0) {
		munmap(parent_area, size);
		return check_error(&ctx, (int)-ret, "set_thread_area(entry -1)");
	}
	entry = parent_area->desc.entry_number;
	for (i = 0; i < count && !check_failed(&ctx); i++) {
		struct ia32_child *child = &children[i];
		uint32_t base = (uint32_t)(uintptr_t)child->block;
		uint64_t gsbase = base;
		uint16_t selector = TLSVIEW_TLS_SELECTOR(entry);
		struct tlsview_task task;
		bool ok;

		child->block[0] = IA32_BLOCK_MAGIC(i);
		child->entry = entry;
		child->selector = selector;
		child->insn = ctx.insn;
		tlsview_user_desc_fill(&child->desc, (int)entry, base, 0xfffff, true);
		child->ctid = -1;	/* the kernel clears it at the child's exit */
		ret = ia32_clone(child);
		if (ret < 0) {
			check_error(&ctx, (int)-ret, "int $0x80 clone(CLONE_SETTLS)");
			break;
		}
		while (!__atomic_load_n(&child->ready, __ATOMIC_ACQUIRE))
			tlsview_sys_futex_wait(&child->ready, 0, &tick);
		ok = check_eq(&ctx, (pid_t)ret, TLSVIEW_VIEW_SELF_MEMORY, "gs:0", IA32_BLOCK_MAGIC(i),
			 child->through_gs, i, "child reads through its TLS-slot selector") &&
		check_eq(&ctx, (pid_t)ret, TLSVIEW_VIEW_SELF_ARCH_PRCTL, "gsbase", gsbase,
			 child->gsbase_prctl, i, "child's own GS base") &&
		(!ctx.insn || check_eq(&ctx, (pid_t)ret, TLSVIEW_VIEW_SELF_INSN, "gsbase", gsbase,
				       child->gsbase_insn, i, "child's own GS base")) &&
		check_eq(&ctx, (pid_t)ret, TLSVIEW_VIEW_SELF_MEMORY, "tls-slot-base", base,
			 child->slot_base, i, "child's get_thread_area") &&
		check_module_expect(&ctx, (pid_t)ret, NULL, &gsbase, NULL, &selector, true, i);
		(void)ok;
		if (!check_failed(&ctx) && check_module_task(&ctx, (pid_t)ret, 0, &task) == 0)
			check_eq(&ctx, (pid_t)ret, TLSVIEW_VIEW_MODULE_IOCTL, "tls-slot-base", base,
				 task.tls[entry - TLSVIEW_TLS_ENTRY_MIN].base_addr, i, "child's slot in the module");
		/* The creator's slot is its own, untouched by the clone. */
		if (!check_failed(&ctx) && check_module_task(&ctx, self_tid, 0, &task) == 0)
			check_eq(&ctx, self_tid, TLSVIEW_VIEW_MODULE_IOCTL, "tls-slot-base",
				 (uint32_t)(uintptr_t)parent_area->block,
				 task.tls[entry - TLSVIEW_TLS_ENTRY_MIN].base_addr, i, "creator's slot after the clone");
		__atomic_store_n(&child->go, 1, __ATOMIC_RELEASE);
		tlsview_sys_futex_wake(&child->go, 1);
		/* CLONE_CHILD_CLEARTID: the kernel clears ctid and wakes us at exit. */
		while (__atomic_load_n(&child->ctid, __ATOMIC_ACQUIRE))
			tlsview_sys_futex_wait(&child->ctid, child->ctid, &tick);
		__atomic_add_fetch(&ctx.rounds, 1, __ATOMIC_RELAXED);
		if (check_past_deadline(&ctx))
			break;
	}
	if (!check_failed(&ctx)) {
		parent_area->desc.entry_number = entry;
		if (tlsview_ia32_get_thread_area(&parent_area->desc) == 0)
			check_eq(&ctx, self_tid, TLSVIEW_VIEW_SELF_MEMORY, "tls-slot-base",
				 (uint32_t)(uintptr_t)parent_area->block, parent_area->desc.base_addr,
				 count, "creator's get_thread_area after the clones");
	}
	/* Free the creator's slot: an empty descriptor. */
	tlsview_user_desc_fill_empty(&parent_area->desc, entry);
	tlsview_ia32_set_thread_area(&parent_area->desc);
	munmap(parent_area, size);
	if (result->status == TLSVIEW_CHECK_ERROR)
		return result->status;
	return check_end(&ctx);
}

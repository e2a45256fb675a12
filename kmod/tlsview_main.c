// SPDX-License-Identifier: GPL-2.0
/*
 * tlsview: a read-only view of every thread's x86-64 TLS registers.
 *
 * /dev/tlsview answers the ioctls of <linux/tlsview.h> (ABI 1) for any
 * user, each thread filtered by tlsview_may_view(); debugfs carries the
 * same data as text for root. Structures grow by appending: the caller's
 * size comes from _IOC_SIZE(cmd), shorter input is zero-extended, output
 * is cut to the caller's size, and a longer input must have a zero tail.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "tlsview.h"
#include "tlsview_compat.h"

/* Threads referenced at once by a listing between two RCU sections. */
#define TLSVIEW_LIST_BATCH	32

/*
 * Inside a user-access window, copy @len bytes out 8 per store. Not
 * copy_to_user(): with ERMS/FSRM that is one rep movsb, which QEMU TCG
 * (where the VM tier runs) emulates a byte per iteration, and a LIST copies
 * one 120-byte entry per thread: that alone was a third of LIST's cost per
 * thread there. On hardware both take a few cycles.
 */
static __always_inline int tlsview_put_bytes(u8 __user *dst, const u8 *src,
					     size_t len)
{
	size_t off = 0;
	u64 word;

	for (; off + sizeof(word) <= len; off += sizeof(word)) {
		memcpy(&word, src + off, sizeof(word));
		unsafe_put_user(word, (u64 __user *)(dst + off), efault);
	}
	for (; off < len; off++)
		unsafe_put_user(src[off], dst + off, efault);
	return 0;

efault:
	return -EFAULT;
}

/*
 * Copy @nr structures of @ksize bytes out to slots @usize apart, in one
 * user-access window, and zero the part of each slot this module does not
 * know. A single structure is @nr 1; a LIST batch is its entries.
 */
static int tlsview_copy_out_array(u8 __user *uptr, size_t usize,
				  const void *kptr, size_t ksize,
				  unsigned int nr)
{
	size_t len = min(usize, ksize);
	const u8 *src = kptr;
	unsigned int i;
	int err = 0;

	/* Nothing to write (a zero-sized request): any pointer will do. */
	if (len && nr) {
		if (!user_access_begin(uptr, (size_t)nr * usize))
			return -EFAULT;
		for (i = 0; i < nr && !err; i++)
			err = tlsview_put_bytes(uptr + (size_t)i * usize,
						src + (size_t)i * ksize, len);
		user_access_end();
	}

	/* Fields this module does not know read as zero. */
	for (i = 0; i < nr && !err && usize > ksize; i++)
		if (clear_user(uptr + (size_t)i * usize + ksize, usize - ksize))
			err = -EFAULT;
	return err;
}

static int tlsview_copy_out(void __user *uptr, size_t usize,
			    const void *kptr, size_t ksize)
{
	return tlsview_copy_out_array(uptr, usize, kptr, ksize, 1);
}

static long tlsview_ioctl_info(void __user *uarg, size_t usize)
{
	struct tlsview_info info = {
		.abi_version = TLSVIEW_ABI_VERSION,
		.nr_cpu_ids = nr_cpu_ids,
		.max_list = TLSVIEW_LIST_MAX,
	};

	info.flags |= TLSVIEW_INFO_STATES;
	if (tlsview_kernel_uses_fsgsbase())
		info.flags |= TLSVIEW_INFO_FSGSBASE;
	return tlsview_copy_out(uarg, usize, &info, sizeof(info));
}

/* The thread @tid names in the caller's pid namespace, referenced. */
static struct task_struct *tlsview_find_thread(pid_t tid)
{
	struct task_struct *task;
	struct pid *pid;

	if (tid == 0) {
		get_task_struct(current);
		return current;
	}
	if (tid < 0)
		return NULL;
	pid = find_get_pid(tid);
	task = get_pid_task(pid, PIDTYPE_PID);
	put_pid(pid);
	return task;
}

static long tlsview_ioctl_get_task(void __user *uarg, size_t usize)
{
	struct tlsview_reader reader;
	struct tlsview_task req, view;
	struct task_struct *task;
	int err;

	err = copy_struct_from_user(&req, sizeof(req), uarg, usize);
	if (err)
		return err;
	if (req.request & ~TLSVIEW_REQ_ALL)
		return -EINVAL;

	task = tlsview_find_thread(req.tid);
	if (!task)
		return -ESRCH;

	tlsview_reader_get(&reader);
	if (!tlsview_may_view(&reader, task)) {
		err = -EACCES;
		goto out_put;
	}

	tlsview_read_task(task, req.request & TLSVIEW_REQ_SAVED, &view);
	view.tid = task_pid_vnr(task);
	view.tgid = task_tgid_vnr(task);
	view.request = req.request;
	/* It exited meanwhile: its id is gone, and so is the thread. */
	if (!pid_alive(task) || !view.tid) {
		err = -ESRCH;
		goto out_put;
	}
	err = tlsview_copy_out(uarg, usize, &view, sizeof(view));

out_put:
	tlsview_reader_put(&reader);
	put_task_struct(task);
	return err;
}

/*
 * Read and copy out one batch of referenced threads, dropping every
 * reference even after a fault; @views has room for the batch. A thread
 * that exited since it was collected is skipped. Returns the number of
 * entries written, or a negative errno.
 */
static int tlsview_list_emit(const struct tlsview_thread_ref *refs,
			     unsigned int nr_refs, struct tlsview_task *views,
			     u8 __user *entry, u32 entry_size)
{
	struct tlsview_task *view = views;
	unsigned int i, written;
	int err;

	for (i = 0; i < nr_refs; i++) {
		tlsview_read_task(refs[i].task, false, view);
		view->tid = refs[i].nr;
		view->tgid = refs[i].tgid;
		/* It exited meanwhile: its id is gone, and so is the thread. */
		if (pid_alive(refs[i].task))
			view++;
		put_task_struct(refs[i].task);
	}
	written = view - views;
	err = tlsview_copy_out_array(entry, entry_size, views, sizeof(*views),
				     written);
	return err ? err : written;
}

/*
 * Every visible thread of the system, walked by id in batches. Fills
 * req->count and req->total.
 */
static int tlsview_list_all(struct tlsview_reader *reader,
			    struct tlsview_list *req,
			    struct tlsview_task *views)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct tlsview_thread_ref refs[TLSVIEW_LIST_BATCH];
	u8 __user *entry = u64_to_user_ptr(req->entries);
	unsigned int found;
	u32 count = 0;
	int next_nr = 0;
	int written;

	while (count < req->capacity) {
		found = tlsview_walk_collect(ns, &next_nr, reader, refs,
					     min_t(u32, req->capacity - count,
						   TLSVIEW_LIST_BATCH));
		if (!found)
			break;
		written = tlsview_list_emit(refs, found, views, entry,
					    req->entry_size);
		if (written < 0)
			return written;
		entry += (size_t)written * req->entry_size;
		count += written;
	}

	req->count = count;
	req->total = count + tlsview_walk_count(ns, next_nr, reader);
	return 0;
}

/*
 * The visible threads of @leader's group, referenced all at once and
 * sorted by id: the way that always works (tlsview_list_group()). Fills
 * req->count and req->total.
 */
static int tlsview_list_group_sorted(struct tlsview_reader *reader,
				     struct task_struct *leader,
				     struct tlsview_list *req,
				     struct tlsview_task *views)
{
	u8 __user *entry = u64_to_user_ptr(req->entries);
	struct tlsview_thread_ref *refs;
	unsigned int nr_refs, next = 0, batch;
	u32 count = 0;
	int written = 0;
	int err;

	err = tlsview_walk_group(task_active_pid_ns(current), leader, reader,
				 &refs, &nr_refs);
	if (err)
		return err;

	while (count < req->capacity && next < nr_refs) {
		batch = min3(req->capacity - count, nr_refs - next,
			     (u32)TLSVIEW_LIST_BATCH);
		written = tlsview_list_emit(refs + next, batch, views, entry,
					    req->entry_size);
		next += batch;
		if (written < 0)
			break;
		entry += (size_t)written * req->entry_size;
		count += written;
	}
	tlsview_walk_group_put(refs, next, nr_refs);
	if (written < 0)
		return written;

	req->count = count;
	req->total = count + (nr_refs - next);
	return 0;
}

/*
 * Finish a batch of the one-pass walk: read the threads that could not be
 * read inside the RCU section (@slow[i] set and referenced). A thread that
 * exits meanwhile keeps its place, as one read just before it exited would:
 * it was in the list when the walk passed it.
 */
static void tlsview_list_finish_batch(struct tlsview_task *views,
				      struct task_struct **slow,
				      unsigned int nr)
{
	unsigned int i;
	pid_t tid, tgid;

	for (i = 0; i < nr; i++) {
		if (!slow[i])
			continue;
		tid = views[i].tid;
		tgid = views[i].tgid;
		tlsview_read_task(slow[i], false, &views[i]);
		views[i].tid = tid;
		views[i].tgid = tgid;
		put_task_struct(slow[i]);
	}
}

/*
 * The visible threads of @leader's group, from its own thread list, so
 * the cost follows the group's size and not the system's. Each batch is
 * read in the RCU section that found it (tlsview_walk.c says why); a walk
 * that cannot go on in id order starts again sorted, writing the entries
 * again from the first. Fills req->count and req->total.
 */
static int tlsview_list_group(struct tlsview_reader *reader,
			      struct task_struct *leader,
			      struct tlsview_list *req,
			      struct tlsview_task *views)
{
	struct task_struct *slow[TLSVIEW_LIST_BATCH];
	u8 __user *entry = u64_to_user_ptr(req->entries);
	struct tlsview_group_walk walk;
	struct task_struct *task;
	unsigned int n;
	u32 count = 0, total = 0;
	pid_t nr;
	int err = 0;

	tlsview_group_walk_start(&walk, task_active_pid_ns(current), leader);
	do {
		n = 0;
		tlsview_group_walk_lock(&walk);
		for (;;) {
			task = tlsview_group_walk_next(&walk, &nr);
			if (IS_ERR_OR_NULL(task))
				break;
			if (!tlsview_may_view(reader, task))
				continue;
			total++;
			/* The buffer is full: only count the rest. */
			if (count + n == req->capacity)
				continue;
			slow[n] = NULL;
			if (!tlsview_read_task_atomic(task, &views[n])) {
				get_task_struct(task);
				slow[n] = task;
			}
			views[n].tid = nr;
			views[n].tgid = walk.tgid;
			if (++n == TLSVIEW_LIST_BATCH)
				break;
		}
		tlsview_group_walk_unlock(&walk);

		tlsview_list_finish_batch(views, slow, n);
		if (IS_ERR(task)) {
			err = PTR_ERR(task);
			break;
		}
		err = tlsview_copy_out_array(entry, req->entry_size, views,
					     sizeof(*views), n);
		if (err)
			break;
		entry += (size_t)n * req->entry_size;
		count += n;
	} while (task);
	tlsview_group_walk_end(&walk);

	if (err == -EAGAIN)
		return tlsview_list_group_sorted(reader, leader, req, views);
	if (err)
		return err;
	req->count = count;
	req->total = total;
	return 0;
}

static long tlsview_ioctl_list(void __user *uarg, size_t usize)
{
	struct task_struct *leader = NULL;
	struct tlsview_reader reader;
	struct tlsview_task *views;
	struct tlsview_list req;
	int err;

	err = copy_struct_from_user(&req, sizeof(req), uarg, usize);
	if (err)
		return err;
	if (req.__pad0 || req.entry_size < TLSVIEW_TASK_SIZE_VER1)
		return -EINVAL;
	if (req.capacity > TLSVIEW_LIST_MAX)
		return -E2BIG;

	if (req.tgid) {
		struct pid *pid;

		if (req.tgid < 0)
			return -ESRCH;
		pid = find_get_pid(req.tgid);
		leader = get_pid_task(pid, PIDTYPE_TGID);
		put_pid(pid);
		if (!leader)
			return -ESRCH;
	}

	/* A batch's views, copied out together. */
	views = kmalloc_array(TLSVIEW_LIST_BATCH, sizeof(*views), GFP_KERNEL);
	if (!views) {
		err = -ENOMEM;
		goto out_put;
	}

	tlsview_reader_get(&reader);
	if (leader)
		err = tlsview_list_group(&reader, leader, &req, views);
	else
		err = tlsview_list_all(&reader, &req, views);
	if (!err)
		err = tlsview_copy_out(uarg, usize, &req, sizeof(req));
	tlsview_reader_put(&reader);
	kfree(views);
out_put:
	if (leader)
		put_task_struct(leader);
	return err;
}

static long tlsview_ioctl_get_cpu(void __user *uarg, size_t usize)
{
	struct tlsview_cpu req, view;
	int err;

	err = copy_struct_from_user(&req, sizeof(req), uarg, usize);
	if (err)
		return err;
	if (req.cpu >= nr_cpu_ids)
		return -EINVAL;

	tlsview_read_cpu(array_index_nospec(req.cpu, nr_cpu_ids), &view);
	return tlsview_copy_out(uarg, usize, &view, sizeof(view));
}

static long tlsview_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	size_t usize = _IOC_SIZE(cmd);

	if (_IOC_TYPE(cmd) != TLSVIEW_IOC_MAGIC)
		return -ENOTTY;

	/*
	 * The size is the caller's; type, number and direction must match,
	 * so that a new direction can never reach an old handler.
	 */
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(TLSVIEW_IOC_INFO):
		if (_IOC_DIR(cmd) != _IOC_DIR(TLSVIEW_IOC_INFO))
			return -ENOTTY;
		return tlsview_ioctl_info(uarg, usize);
	case _IOC_NR(TLSVIEW_IOC_GET_TASK):
		if (_IOC_DIR(cmd) != _IOC_DIR(TLSVIEW_IOC_GET_TASK))
			return -ENOTTY;
		return tlsview_ioctl_get_task(uarg, usize);
	case _IOC_NR(TLSVIEW_IOC_LIST):
		if (_IOC_DIR(cmd) != _IOC_DIR(TLSVIEW_IOC_LIST))
			return -ENOTTY;
		return tlsview_ioctl_list(uarg, usize);
	case _IOC_NR(TLSVIEW_IOC_GET_CPU):
		if (_IOC_DIR(cmd) != _IOC_DIR(TLSVIEW_IOC_GET_CPU))
			return -ENOTTY;
		return tlsview_ioctl_get_cpu(uarg, usize);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations tlsview_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = tlsview_ioctl,
	/* Every structure has one layout for 32- and 64-bit callers. */
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice tlsview_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "tlsview",
	.fops = &tlsview_fops,
	/* Every request is checked per thread by tlsview_may_view(). */
	.mode = 0666,
};

static int __init tlsview_init(void)
{
	int err;

	/* Never show threads under a rule looser than ABI.md's. */
	if (!tlsview_dumpability_known()) {
		pr_err("cannot read a thread's dumpability on this kernel (see tlsview_compat.h); refusing to load\n");
		return -EOPNOTSUPP;
	}

	err = tlsview_debugfs_init();
	if (err)
		return err;

	/* Last: once the device exists, user space may call in. */
	err = misc_register(&tlsview_misc);
	if (err)
		goto err_remove_debugfs;

	pr_info("ABI %d, fsgsbase %d\n", TLSVIEW_ABI_VERSION,
		tlsview_kernel_uses_fsgsbase());
	return 0;

err_remove_debugfs:
	tlsview_debugfs_exit();
	return err;
}

/*
 * Every IPI is sent with wait set from a file operation, and an open file
 * pins the module, so none is in flight once exit runs.
 */
static void __exit tlsview_exit(void)
{
	misc_deregister(&tlsview_misc);
	tlsview_debugfs_exit();
}

module_init(tlsview_init);
module_exit(tlsview_exit);

MODULE_DESCRIPTION("Read-only view of every thread's x86-64 FS/GS bases and TLS descriptors");
MODULE_AUTHOR("tlsview developers");
MODULE_LICENSE("GPL");

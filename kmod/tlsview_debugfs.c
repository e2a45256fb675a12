// SPDX-License-Identifier: GPL-2.0
/*
 * tlsview: /sys/kernel/debug/tlsview/{tasks,self,cpus,info}, the text view.
 *
 * Columns are separated by single spaces and every table starts with a
 * "#" header naming them. The tasks file is a seq_file whose position is
 * the next thread id (plus one, 0 being the header), so a read of any
 * number of threads holds one thread at a time and resumes by id.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "tlsview.h"

#define TLSVIEW_TASKS_HEADER \
	"# tgid tid cpu flags fsbase gsbase fsindex gsindex tls12 tls13 tls14 comm\n"

/* Escaped so that comm holds no white space and stays the last column. */
#define TLSVIEW_COMM_ESCAPE	" \t\n\v\f\r\\"

static struct dentry *tlsview_debugfs_dir;

/* The flags word: live or saved, then the other bits as words. */
static void tlsview_show_flags(struct seq_file *m, struct task_struct *task,
			       const struct tlsview_task *view)
{
	static const struct {
		u32 bit;
		const char *word;
	} words[] = {
		{ TLSVIEW_TASK_COMPAT, ",compat" },
		{ TLSVIEW_TASK_KTHREAD, ",kthread" },
		{ TLSVIEW_TASK_SLEEPING, ",sleeping" },
		{ TLSVIEW_TASK_STOPPED, ",stopped" },
		{ TLSVIEW_TASK_EXITING, ",exiting" },
		{ TLSVIEW_TASK_ZOMBIE, ",zombie" },
	};
	unsigned int i;

	seq_puts(m, view->flags & TLSVIEW_TASK_LIVE ? "live" : "saved");
	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (view->flags & words[i].bit)
			seq_puts(m, words[i].word);
	/* The tracer's id, in the initial namespace like the other ids. */
	if (view->flags & TLSVIEW_TASK_TRACED)
		seq_printf(m, ",traced=%d",
			   tlsview_task_tracer(task, &init_pid_ns));
}

static void tlsview_show_view(struct seq_file *m, struct task_struct *task,
			      const struct tlsview_task *view)
{
	int i;

	seq_printf(m, "%d %d %u ", task_tgid_nr(task), task_pid_nr(task),
		   view->cpu);
	tlsview_show_flags(m, task, view);
	seq_printf(m, " 0x%016llx 0x%016llx 0x%04x 0x%04x",
		   view->fsbase, view->gsbase, view->fsindex, view->gsindex);
	for (i = 0; i < TLSVIEW_TLS_SLOTS; i++) {
		const struct tlsview_desc *desc = &view->tls[i];

		if (desc->flags & TLSVIEW_DESC_EMPTY)
			seq_puts(m, " -");
		else
			seq_printf(m, " 0x%08x:0x%05x:0x%02x", desc->base_addr,
				   desc->limit, desc->flags);
	}
	seq_putc(m, ' ');
	seq_escape(m, view->comm, TLSVIEW_COMM_ESCAPE);
	seq_putc(m, '\n');
}

/**
 * struct tlsview_tasks_iter - state of one read() of the tasks file
 * @reader: who reads, captured per read() call.
 * @view:   scratch space for one thread.
 */
struct tlsview_tasks_iter {
	struct tlsview_reader reader;
	struct tlsview_task view;
};

/* The first visible thread with id >= *pos - 1, referenced; *pos follows. */
static struct task_struct *tlsview_tasks_find(struct seq_file *m, loff_t *pos)
{
	struct tlsview_tasks_iter *iter = m->private;
	struct tlsview_thread_ref ref;
	int nr = *pos - 1;

	if (*pos > PID_MAX_LIMIT)
		return NULL;
	if (!tlsview_walk_collect(&init_pid_ns, &nr, &iter->reader, &ref, 1)) {
		*pos = PID_MAX_LIMIT + 1;
		return NULL;
	}
	/* nr is now one past the thread found, the next line's position. */
	*pos = nr;
	return ref.task;
}

static void *tlsview_tasks_start(struct seq_file *m, loff_t *pos)
{
	struct tlsview_tasks_iter *iter = m->private;

	tlsview_reader_get(&iter->reader);
	if (*pos == 0)
		return SEQ_START_TOKEN;
	return tlsview_tasks_find(m, pos);
}

static void *tlsview_tasks_next(struct seq_file *m, void *v, loff_t *pos)
{
	if (v == SEQ_START_TOKEN) {
		*pos = 1;
	} else {
		/* Past this thread: its own position is its id + 1. */
		*pos = task_pid_nr(v) + 2;
		put_task_struct(v);
	}
	return tlsview_tasks_find(m, pos);
}

static void tlsview_tasks_stop(struct seq_file *m, void *v)
{
	struct tlsview_tasks_iter *iter = m->private;

	if (v && v != SEQ_START_TOKEN)
		put_task_struct(v);
	tlsview_reader_put(&iter->reader);
}

static int tlsview_tasks_show(struct seq_file *m, void *v)
{
	struct tlsview_tasks_iter *iter = m->private;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, TLSVIEW_TASKS_HEADER);
		return 0;
	}
	tlsview_read_task(v, false, &iter->view);
	/* A thread that exited since it was found is left out. */
	if (!pid_alive(v))
		return SEQ_SKIP;
	tlsview_show_view(m, v, &iter->view);
	return 0;
}

static const struct seq_operations tlsview_tasks_seq_ops = {
	.start = tlsview_tasks_start,
	.next = tlsview_tasks_next,
	.stop = tlsview_tasks_stop,
	.show = tlsview_tasks_show,
};

static int tlsview_tasks_open(struct inode *inode, struct file *file)
{
	if (!seq_open_private(file, &tlsview_tasks_seq_ops,
			      sizeof(struct tlsview_tasks_iter)))
		return 0;
	return -ENOMEM;
}

static const struct file_operations tlsview_tasks_fops = {
	.owner = THIS_MODULE,
	.open = tlsview_tasks_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

static int tlsview_self_show(struct seq_file *m, void *v)
{
	struct tlsview_task *view;

	view = kmalloc(sizeof(*view), GFP_KERNEL);
	if (!view)
		return -ENOMEM;
	tlsview_read_task(current, false, view);
	seq_puts(m, TLSVIEW_TASKS_HEADER);
	tlsview_show_view(m, current, view);
	kfree(view);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tlsview_self);

static int tlsview_cpus_show(struct seq_file *m, void *v)
{
	struct tlsview_cpu view;
	unsigned int cpu;

	seq_puts(m, "# cpu online cr4 fsgsbase\n");
	for_each_possible_cpu(cpu) {
		tlsview_read_cpu(cpu, &view);
		if (view.flags & TLSVIEW_CPU_ONLINE)
			seq_printf(m, "%u 1 0x%016llx %d\n", cpu, view.cr4,
				   !!(view.flags & TLSVIEW_CPU_FSGSBASE));
		else
			seq_printf(m, "%u 0 - -\n", cpu);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tlsview_cpus);

static int tlsview_info_show(struct seq_file *m, void *v)
{
	seq_printf(m, "abi_version: %d\n", TLSVIEW_ABI_VERSION);
	seq_printf(m, "fsgsbase: %d\n", tlsview_kernel_uses_fsgsbase());
	seq_printf(m, "nr_cpu_ids: %u\n", nr_cpu_ids);
	seq_printf(m, "max_list: %u\n", TLSVIEW_LIST_MAX);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tlsview_info);

/**
 * tlsview_debugfs_init() - create /sys/kernel/debug/tlsview
 *
 * Return: 0, or a negative errno when the directory cannot be made.
 */
int tlsview_debugfs_init(void)
{
	struct dentry *dir;

	dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	tlsview_debugfs_dir = dir;

	debugfs_create_file("tasks", 0400, dir, NULL, &tlsview_tasks_fops);
	debugfs_create_file("self", 0400, dir, NULL, &tlsview_self_fops);
	debugfs_create_file("cpus", 0400, dir, NULL, &tlsview_cpus_fops);
	debugfs_create_file("info", 0400, dir, NULL, &tlsview_info_fops);
	return 0;
}

/**
 * tlsview_debugfs_exit() - remove /sys/kernel/debug/tlsview
 *
 * Waits for readers inside a file operation to leave it.
 */
void tlsview_debugfs_exit(void)
{
	debugfs_remove_recursive(tlsview_debugfs_dir);
	tlsview_debugfs_dir = NULL;
}

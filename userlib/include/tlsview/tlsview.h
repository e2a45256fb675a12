/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * tlsview/tlsview.h - libtlsview, everything.
 *
 *   tlsview/common.h     version, error convention
 *   tlsview/fsgs.h       FSGSBASE detection, FS/GS base get/set (both paths),
 *                        thread pointer via %fs:0
 *   tlsview/tcb.h        TLS variant II TCB + static TLS block builder
 *   tlsview/thread.h     bare CLONE_SETTLS threads, raw syscalls for them
 *   tlsview/gscontext.h  a per-thread context pointer in the GS base
 *   tlsview/client.h     client of /dev/tlsview (tlsview.ko)
 *   tlsview/debugfs.h    the module's debugfs tasks table, parsed
 *   tlsview/tracee.h     a stopped tracee's bases and TLS slots by ptrace
 *   tlsview/ia32.h       set/get_thread_area through int $0x80, user_desc
 *
 * Build with `pkg-config --cflags --libs tlsview`. The checks that every
 * base survives what the kernel does are a library of their own,
 * libtlsview-check (<tlsview/check.h>, `pkg-config tlsview-check`).
 */
#ifndef _TLSVIEW_TLSVIEW_H
#define _TLSVIEW_TLSVIEW_H

#include <tlsview/common.h>
#include <tlsview/fsgs.h>
#include <tlsview/tcb.h>
#include <tlsview/thread.h>
#include <tlsview/gscontext.h>
#include <tlsview/client.h>
#include <tlsview/debugfs.h>
#include <tlsview/tracee.h>
#include <tlsview/ia32.h>
#include <tlsview/tlsdata.h>

#endif /* _TLSVIEW_TLSVIEW_H */

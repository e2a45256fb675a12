/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tools/tests/tlsview/tlsview_test.h - what the tlsview command's tests
 * share, beside the kselftest harness that runs and reports them: running
 * the tlsview program and capturing what it says, a small JSON parser (the
 * tests check that the output IS JSON), and a target process whose threads
 * have known bases.
 */
#ifndef TOOLS_TESTS_TLSVIEW_TLSVIEW_TEST_H
#define TOOLS_TESTS_TLSVIEW_TLSVIEW_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A test that cannot go on: the reason on stderr, exit 1. */
void test_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Running tlsview: the build tree's program next to the tests, else $PATH's. */
struct run {
	int status;	/* exit status, or 128 + signal */
	char *out;	/* everything on stdout, NUL-terminated */
	char *err;	/* everything on stderr */
};
const char *tlsview_program(void);
/* Runs tlsview with the NULL-terminated @args (no argv[0]); aborts the test on failure to run. */
void run_tlsview(struct run *run, const char *const *args);
/* The same, as user and group @uid (when >= 0; the caller must be root). */
void run_tlsview_as(struct run *run, const char *const *args, int uid);
void run_free(struct run *run);

/* JSON */
enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };
struct json {
	enum json_type type;
	bool boolean;
	double number;
	char *string;
	size_t count;		/* array or object members */
	struct json **items;
	char **keys;		/* object keys */
};
/* Parses the whole of @text (trailing white space allowed); NULL with @error filled. */
struct json *json_parse(const char *text, char *error, size_t error_size);
void json_free(struct json *value);
/* Member @key of an object, or NULL (also for a non-object). */
const struct json *json_get(const struct json *object, const char *key);
/* A "0x..." string as a number; ~0 when @value is not one. */
uint64_t json_hex(const struct json *value);
/* A number member, or @fallback when absent or not a number. */
long long json_int(const struct json *object, const char *key, long long fallback);
/* A boolean member: 1, 0, or -1 when absent or not a boolean. */
int json_bool(const struct json *object, const char *key);
const char *json_str(const struct json *object, const char *key);
/* The thread of a tlsview JSON document with this tid, or NULL. */
const struct json *json_find_thread(const struct json *document, pid_t tid);

/* The target: a child process with threads whose bases the test knows. */
#define TARGET_MAX_THREADS 16

enum target_kind {
	TARGET_PTHREAD,		/* a glibc thread with its own GS base */
	TARGET_TLS_SLOT,	/* a glibc thread with GS loaded from a TLS slot selector */
	TARGET_BARE_GOOD,	/* a bare thread on a libtlsview TCB (ABI-conforming) */
	TARGET_BARE_BAD_SELF,	/* a bare thread whose TCB has no self-pointer at %fs:0 */
	TARGET_BARE_BAD_GLIBC,	/* a bare thread whose TCB has %fs:0 but not glibc's self at 0x10 */
};

struct target_thread {
	enum target_kind kind;
	pid_t tid;
	uint64_t fsbase;	/* what the thread read itself */
	uint64_t gsbase;
	uint16_t gsindex;	/* TARGET_TLS_SLOT: the selector loaded */
	int slot_entry;		/* TARGET_TLS_SLOT: the GDT entry, else 0 */
	uint32_t slot_base;
	uint32_t slot_limit;
	volatile uint64_t counter;	/* the thread's progress */
	volatile int failed;		/* the thread saw its GS base change */
};

struct target_shared {
	volatile int ready;
	volatile int stop;
	int count;
	bool tls_slot_unavailable;	/* no ia32 emulation: the slot thread has none */
	struct target_thread threads[TARGET_MAX_THREADS];
};

struct target {
	pid_t pid;
	struct target_shared *shared;
};

/* The GS base the test gives pthread @index. */
#define TARGET_GS_BASE(index) (0x00005a5a00000000ULL + ((uint64_t)(index) << 20) + 0x40)

/* Starts a child whose threads are @kinds[0..count); returns when all are ready. */
void target_start(struct target *target, const enum target_kind *kinds, int count);
/* Every thread of the target advanced its counter within a short wait. */
bool target_all_running(const struct target *target);
/* SIGKILL and reap. */
void target_stop(struct target *target);
/* The process's threads have no tracer and none is in a ptrace stop. */
bool target_untraced(const struct target *target, char *why, size_t why_size);
/* The state letter of /proc/PID/task/TID/stat ('R', 'S', 'T', 't'...). */
char thread_state(pid_t pid, pid_t tid);

/* Is /dev/tlsview there (the module loaded)? */
bool have_module(void);

/* CLOCK_MONOTONIC in seconds. */
double now_seconds(void);
/*
 * The whole text of @fd (a memfd tlsview wrote to): malloc'ed, "" when
 * unreadable, NULL without memory.
 */
char *read_fd(int fd);

/*
 * tlsview(8), for tests that hold the command to what its page says:
 * beside the test in the kselftest tree (tools_FILES puts it there), else
 * the source tree's, from the program's build folder (tools/build/tests/,
 * as `make -C tools check` runs it).
 */
const char *man_page(void);
/*
 * The text of section @name (".SH NAME") of the man page at @path: each
 * request's arguments (quotes dropped; the alternating-font ones joined
 * without spaces, as they print) and each text line, with font escapes
 * removed, \- as - and \e as \, all on one line. Malloc'ed; NULL when
 * the page or the section is missing.
 */
char *man_section(const char *path, const char *name);
/* Does @word occur in @text[0..length) as a whole word (not clock_nanosleep's)? */
bool man_has_word(const char *text, size_t length, const char *word);

#endif /* TOOLS_TESTS_TLSVIEW_HARNESS_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * tools/tests/tlsview/tlsview_test.c - what the tlsview command's tests
 * share (see tlsview_test.h): running tlsview, a JSON parser, the target
 * process.
 */
#define _GNU_SOURCE
#include <asm/ldt.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <tlsview/tlsview.h>
#include "tlsview_test.h"

/* A test that cannot go on: the reason on stderr, exit 1 (the runner counts it). */
void test_fatal(const char *fmt, ...)
{
	va_list args;

	fflush(stdout);
	fprintf(stderr, "fatal: ");
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fprintf(stderr, "\n");
	exit(1);
}

/* ---- running tlsview ------------------------------------------------- */

const char *tlsview_program(void)
{
	static char path[PATH_MAX + 32];
	char self[PATH_MAX], *slash;
	ssize_t length;

	if (path[0])
		return path;
	/* build/tests/test_x -> build/bin/tlsview, when run from the build tree. */
	length = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (length > 0) {
		self[length] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/../bin/tlsview", self);
			if (access(path, X_OK) == 0)
				return path;
		}
	}
	snprintf(path, sizeof(path), "tlsview");
	return path;
}

static char *read_all(int fd)
{
	size_t size = 0, capacity = 4096;
	char *text = malloc(capacity);
	ssize_t got;

	if (!text)
		test_fatal("out of memory");
	lseek(fd, 0, SEEK_SET);
	while ((got = read(fd, text + size, capacity - size - 1)) > 0) {
		size += (size_t)got;
		if (capacity - size < 2) {
			capacity *= 2;
			text = realloc(text, capacity);
			if (!text)
				test_fatal("out of memory");
		}
	}
	text[size] = '\0';
	close(fd);
	return text;
}

void run_tlsview(struct run *run, const char *const *args)
{
	run_tlsview_as(run, args, -1);
}

void run_tlsview_as(struct run *run, const char *const *args, int uid)
{
	const char *argv[32];
	int out_fd, err_fd, status, count = 0;
	pid_t child;

	argv[count++] = tlsview_program();
	while (*args && count < 31)
		argv[count++] = *args++;
	argv[count] = NULL;
	/* Files, not pipes: the output can be large and nobody has to drain it. */
	out_fd = memfd_create("tlsview-out", 0);
	err_fd = memfd_create("tlsview-err", 0);
	if (out_fd < 0 || err_fd < 0)
		test_fatal("memfd_create: %s", strerror(errno));
	fflush(stdout);
	child = fork();
	if (child < 0)
		test_fatal("fork: %s", strerror(errno));
	if (child == 0) {
		dup2(out_fd, 1);
		dup2(err_fd, 2);
		if (uid >= 0 && (setgroups(0, NULL) || setgid((gid_t)uid) || setuid((uid_t)uid))) {
			fprintf(stderr, "cannot become uid %d: %s\n", uid, strerror(errno));
			_exit(127);
		}
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			test_fatal("waitpid: %s", strerror(errno));
	run->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	run->out = read_all(out_fd);
	run->err = read_all(err_fd);
}

void run_free(struct run *run)
{
	free(run->out);
	free(run->err);
	run->out = run->err = NULL;
}

/* ---- JSON ---------------------------------------------------------------- */

struct parser {
	const char *cursor;
	char *error;
	size_t error_size;
	int depth;
};

static struct json *parse_value(struct parser *parser);

static void *fail(struct parser *parser, const char *what)
{
	if (!parser->error[0])
		snprintf(parser->error, parser->error_size, "%s at \"%.20s\"", what, parser->cursor);
	return NULL;
}

static void skip_space(struct parser *parser)
{
	while (*parser->cursor == ' ' || *parser->cursor == '\n' || *parser->cursor == '\t' ||
	       *parser->cursor == '\r')
		parser->cursor++;
}

static struct json *new_value(enum json_type type)
{
	struct json *value = calloc(1, sizeof(*value));

	if (!value)
		test_fatal("out of memory");
	value->type = type;
	return value;
}

static char *parse_string_text(struct parser *parser)
{
	size_t capacity = 32, size = 0;
	char *text;

	if (*parser->cursor != '"')
		return fail(parser, "expected a string");
	parser->cursor++;
	text = malloc(capacity);
	if (!text)
		test_fatal("out of memory");
	for (;;) {
		unsigned char c = (unsigned char)*parser->cursor++;
		unsigned int code;

		if (size + 4 >= capacity) {
			capacity *= 2;
			text = realloc(text, capacity);
			if (!text)
				test_fatal("out of memory");
		}
		if (c == '"')
			break;
		if (c < 0x20) {
			free(text);
			parser->cursor--;
			return fail(parser, "control character or end inside a string");
		}
		if (c != '\\') {
			text[size++] = (char)c;
			continue;
		}
		c = (unsigned char)*parser->cursor++;
		switch (c) {
		case '"': case '\\': case '/': text[size++] = (char)c; break;
		case 'b': text[size++] = '\b'; break;
		case 'f': text[size++] = '\f'; break;
		case 'n': text[size++] = '\n'; break;
		case 'r': text[size++] = '\r'; break;
		case 't': text[size++] = '\t'; break;
		case 'u':
			if (sscanf(parser->cursor, "%4x", &code) != 1 ||
			    !isxdigit((unsigned char)parser->cursor[3])) {
				free(text);
				return fail(parser, "bad \\u escape");
			}
			parser->cursor += 4;
			/* tlsview escapes single bytes only: keep them as bytes. */
			text[size++] = (char)(code & 0xff);
			break;
		default:
			free(text);
			return fail(parser, "bad escape");
		}
	}
	text[size] = '\0';
	return text;
}

static struct json *parse_number(struct parser *parser)
{
	const char *start = parser->cursor;
	struct json *value;
	char *end;

	if (*parser->cursor == '-')
		parser->cursor++;
	if (!isdigit((unsigned char)*parser->cursor))
		return fail(parser, "bad number");
	if (*parser->cursor == '0' && isdigit((unsigned char)parser->cursor[1]))
		return fail(parser, "leading zero");
	value = new_value(JSON_NUMBER);
	value->number = strtod(start, &end);
	parser->cursor = end;
	return value;
}

static struct json *parse_container(struct parser *parser, bool object)
{
	struct json *value = new_value(object ? JSON_OBJECT : JSON_ARRAY);
	char close = object ? '}' : ']';

	parser->cursor++;
	skip_space(parser);
	if (*parser->cursor == close) {
		parser->cursor++;
		return value;
	}
	for (;;) {
		char *key = NULL;
		struct json *item;

		skip_space(parser);
		if (object) {
			key = parse_string_text(parser);
			if (!key)
				goto error;
			skip_space(parser);
			if (*parser->cursor != ':') {
				free(key);
				fail(parser, "expected ':'");
				goto error;
			}
			parser->cursor++;
		}
		item = parse_value(parser);
		if (!item) {
			free(key);
			goto error;
		}
		value->items = realloc(value->items, (value->count + 1) * sizeof(*value->items));
		value->keys = realloc(value->keys, (value->count + 1) * sizeof(*value->keys));
		if (!value->items || !value->keys)
			test_fatal("out of memory");
		value->items[value->count] = item;
		value->keys[value->count] = key;
		value->count++;
		skip_space(parser);
		if (*parser->cursor == ',') {
			parser->cursor++;
			continue;
		}
		if (*parser->cursor == close) {
			parser->cursor++;
			return value;
		}
		fail(parser, object ? "expected ',' or '}'" : "expected ',' or ']'");
		goto error;
	}
error:
	json_free(value);
	return NULL;
}

static struct json *parse_value(struct parser *parser)
{
	struct json *value;

	skip_space(parser);
	if (++parser->depth > 64)
		return fail(parser, "nested too deep");
	switch (*parser->cursor) {
	case '{': value = parse_container(parser, true); break;
	case '[': value = parse_container(parser, false); break;
	case '"': {
		char *text = parse_string_text(parser);

		value = NULL;
		if (text) {
			value = new_value(JSON_STRING);
			value->string = text;
		}
		break;
	}
	default:
		if (!strncmp(parser->cursor, "true", 4) || !strncmp(parser->cursor, "false", 5)) {
			value = new_value(JSON_BOOL);
			value->boolean = *parser->cursor == 't';
			parser->cursor += value->boolean ? 4 : 5;
		} else if (!strncmp(parser->cursor, "null", 4)) {
			value = new_value(JSON_NULL);
			parser->cursor += 4;
		} else {
			value = parse_number(parser);
		}
	}
	parser->depth--;
	return value;
}

struct json *json_parse(const char *text, char *error, size_t error_size)
{
	struct parser parser = { text, error, error_size, 0 };
	struct json *value;

	error[0] = '\0';
	value = parse_value(&parser);
	if (!value)
		return NULL;
	skip_space(&parser);
	if (*parser.cursor) {
		json_free(value);
		return fail(&parser, "text after the JSON value");
	}
	return value;
}

void json_free(struct json *value)
{
	size_t i;

	if (!value)
		return;
	for (i = 0; i < value->count; i++) {
		json_free(value->items[i]);
		if (value->keys)
			free(value->keys[i]);
	}
	free(value->items);
	free(value->keys);
	free(value->string);
	free(value);
}

const struct json *json_get(const struct json *object, const char *key)
{
	size_t i;

	if (!object || object->type != JSON_OBJECT)
		return NULL;
	for (i = 0; i < object->count; i++)
		if (!strcmp(object->keys[i], key))
			return object->items[i];
	return NULL;
}

uint64_t json_hex(const struct json *value)
{
	char *end;
	uint64_t number;

	if (!value || value->type != JSON_STRING || strncmp(value->string, "0x", 2))
		return ~0ULL;
	errno = 0;
	number = strtoull(value->string + 2, &end, 16);
	return errno || *end || end == value->string + 2 ? ~0ULL : number;
}

long long json_int(const struct json *object, const char *key, long long fallback)
{
	const struct json *value = json_get(object, key);

	return value && value->type == JSON_NUMBER ? (long long)value->number : fallback;
}

int json_bool(const struct json *object, const char *key)
{
	const struct json *value = json_get(object, key);

	return value && value->type == JSON_BOOL ? value->boolean : -1;
}

const char *json_str(const struct json *object, const char *key)
{
	const struct json *value = json_get(object, key);

	return value && value->type == JSON_STRING ? value->string : NULL;
}

const struct json *json_find_thread(const struct json *document, pid_t tid)
{
	const struct json *threads = json_get(document, "threads");
	size_t i;

	if (!threads || threads->type != JSON_ARRAY)
		return NULL;
	for (i = 0; i < threads->count; i++)
		if (json_int(threads->items[i], "tid", -1) == tid)
			return threads->items[i];
	return NULL;
}

/* ---- the target process ------------------------------------------------ */

static struct target_shared *child_shared;

static void sleep_ms(long ms)
{
	struct timespec duration = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&duration, NULL);
}

/* A bare thread: raw syscalls and inline library functions only. */
static int bare_main(void *arg)
{
	struct target_thread *thread = arg;
	const struct timespec pause = { 0, 1000000 };

	thread->tid = tlsview_sys_gettid();
	thread->fsbase = tlsview_get_fs();
	thread->gsbase = tlsview_get_gs();
	__atomic_add_fetch(&child_shared->ready, 1, __ATOMIC_SEQ_CST);
	while (!child_shared->stop) {
		thread->counter++;
		tlsview_sys_nanosleep(&pause);
	}
	return 0;
}

static void load_tls_slot(struct target_thread *thread)
{
	struct user_desc *desc;
	void *segment;
	uint16_t selector;

	desc = tlsview_map_low(sizeof(*desc));
	segment = tlsview_map_low(4096);
	if (!desc || !segment) {
		child_shared->tls_slot_unavailable = true;
		return;
	}
	tlsview_user_desc_fill(desc, -1, (uint32_t)(uintptr_t)segment, 0xfffff, true);
	if (tlsview_ia32_set_thread_area(desc) != 0) {
		child_shared->tls_slot_unavailable = true;
		return;
	}
	selector = TLSVIEW_TLS_SELECTOR(desc->entry_number);
	tlsview_arch_load_gs_selector(selector);
	thread->gsindex = selector;
	thread->slot_entry = (int)desc->entry_number;
	thread->slot_base = desc->base_addr;
	thread->slot_limit = desc->limit;
}

static void *pthread_main(void *arg)
{
	struct target_thread *thread = arg;
	int index = (int)(thread - child_shared->threads);

	thread->tid = gettid();
	if (thread->kind == TARGET_TLS_SLOT)
		load_tls_slot(thread);
	else if (tlsview_set_gs(TARGET_GS_BASE(index)) != 0)
		thread->failed = 1;
	thread->fsbase = tlsview_get_fs();
	thread->gsbase = tlsview_get_gs();
	__atomic_add_fetch(&child_shared->ready, 1, __ATOMIC_SEQ_CST);
	while (!child_shared->stop) {
		thread->counter++;
		if (tlsview_get_gs() != thread->gsbase)
			thread->failed = 1;
		/* The first thread keeps a CPU busy, so that it is read while it runs. */
		if (index != 0)
			sleep_ms(1);
	}
	return NULL;
}

static struct tlsview_tcb *bad_tcb(enum target_kind kind)
{
	struct tlsview_tcb *tcb = tlsview_tcb_create(NULL);

	if (!tcb)
		return NULL;
	if (kind == TARGET_BARE_BAD_SELF)
		*(uint64_t *)((char *)tcb->tp + TLSVIEW_TCB_OFF_TCB) = 0;
	else
		*(uint64_t *)((char *)tcb->tp + TLSVIEW_TCB_OFF_SELF) = 0x1000;
	return tcb;
}

static __attribute__((noreturn)) void target_main(struct target_shared *shared)
{
	static struct tlsview_thread bare[TARGET_MAX_THREADS];
	pthread_t thread;
	int i;

	child_shared = shared;
	/* Under Yama's ptrace_scope=1 only a declared tracer may attach. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (i = 0; i < shared->count; i++) {
		struct target_thread *target = &shared->threads[i];
		struct tlsview_thread_attr attr = { 0 };

		switch (target->kind) {
		case TARGET_PTHREAD:
		case TARGET_TLS_SLOT:
			if (pthread_create(&thread, NULL, pthread_main, target))
				_exit(3);
			break;
		case TARGET_BARE_BAD_SELF:
		case TARGET_BARE_BAD_GLIBC:
			attr.tcb = bad_tcb(target->kind);
			if (!attr.tcb)
				_exit(3);
			/* fall through */
		case TARGET_BARE_GOOD:
			if (tlsview_thread_create(&bare[i], &attr, bare_main, target))
				_exit(3);
			break;
		}
	}
	for (;;)
		pause();
}

void target_start(struct target *target, const enum target_kind *kinds, int count)
{
	int i, waited;

	if (count > TARGET_MAX_THREADS)
		test_fatal("too many target threads");
	target->shared = mmap(NULL, sizeof(*target->shared), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (target->shared == MAP_FAILED)
		test_fatal("mmap: %s", strerror(errno));
	memset(target->shared, 0, sizeof(*target->shared));
	target->shared->count = count;
	for (i = 0; i < count; i++)
		target->shared->threads[i].kind = kinds[i];
	fflush(stdout);
	target->pid = fork();
	if (target->pid < 0)
		test_fatal("fork: %s", strerror(errno));
	if (target->pid == 0)
		target_main(target->shared);
	for (waited = 0; target->shared->ready < count; waited++) {
		if (waited > 10000)
			test_fatal("the target's threads did not start within 10 s");
		sleep_ms(1);
	}
}

bool target_all_running(const struct target *target)
{
	uint64_t before[TARGET_MAX_THREADS];
	int i, tries;

	for (i = 0; i < target->shared->count; i++)
		before[i] = target->shared->threads[i].counter;
	/* Each thread counts about every millisecond; give a loaded machine 5 s. */
	for (tries = 0; tries < 500; tries++) {
		bool all = true;

		sleep_ms(10);
		for (i = 0; i < target->shared->count; i++)
			all &= target->shared->threads[i].counter > before[i] + 2;
		if (all)
			return true;
	}
	return false;
}

void target_stop(struct target *target)
{
	int status;

	if (target->pid <= 0)
		return;
	kill(target->pid, SIGKILL);
	waitpid(target->pid, &status, 0);
	munmap(target->shared, sizeof(*target->shared));
	target->pid = 0;
}

char thread_state(pid_t pid, pid_t tid)
{
	char path[96], text[512], *paren;
	FILE *file;
	size_t length;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	file = fopen(path, "re");
	if (!file)
		return '?';
	length = fread(text, 1, sizeof(text) - 1, file);
	fclose(file);
	text[length] = '\0';
	paren = strrchr(text, ')');
	return paren && paren[1] == ' ' ? paren[2] : '?';
}

bool target_untraced(const struct target *target, char *why, size_t why_size)
{
	int i;

	for (i = 0; i < target->shared->count; i++) {
		pid_t tid = target->shared->threads[i].tid;
		char path[96], line[256];
		int tracer = -1;
		FILE *file;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)target->pid, (int)tid);
		file = fopen(path, "re");
		if (!file) {
			snprintf(why, why_size, "thread %d is gone", (int)tid);
			return false;
		}
		while (fgets(line, sizeof(line), file))
			if (sscanf(line, "TracerPid: %d", &tracer) == 1)
				break;
		fclose(file);
		if (tracer != 0) {
			snprintf(why, why_size, "thread %d has tracer %d", (int)tid, tracer);
			return false;
		}
		if (thread_state(target->pid, tid) == 't') {
			snprintf(why, why_size, "thread %d is in a ptrace stop", (int)tid);
			return false;
		}
	}
	return true;
}

bool have_module(void)
{
	return access("/dev/tlsview", F_OK) == 0;
}

#define MAN_PAGE "tlsview.8"

const char *man_page(void)
{
	static char path[PATH_MAX + 32];
	char self[PATH_MAX];
	ssize_t length;

	if (access(MAN_PAGE, R_OK) == 0)
		return MAN_PAGE;
	length = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (length <= 0)
		return MAN_PAGE;
	self[length] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(path, sizeof(path), "%s/../../" MAN_PAGE, self);
	return path;
}

char *man_section(const char *path, const char *name)
{
	char line[1024], *text;
	size_t size = 1 << 16, used = 0;
	bool inside = false;
	FILE *file = fopen(path, "re");

	if (!file)
		return NULL;
	text = calloc(1, size);
	while (text && fgets(line, sizeof(line), file)) {
		char *p = line, *end = line + strcspn(line, "\n");
		bool alternating = false;

		*end = '\0';
		if (!strncmp(line, ".SH ", 4)) {
			if (inside)
				break;
			inside = !strcmp(line + 4, name);
			continue;
		}
		if (!inside)
			continue;
		if (*p == '.') {
			size_t macro = strcspn(p, " ");

			/* .BR, .IR, .BI...: fonts alternate, words touch. */
			alternating = macro == 3 && strchr("BIR", p[1]) && strchr("BIR", p[2]);
			if (!strchr("BIR", p[1]) || (macro != 2 && !alternating))
				p = end;	/* .PP, .TP, .br...: no text */
			else
				p += macro + (p[macro] == ' ');
		}
		for (; *p && used + 2 < size; p++) {
			if (*p == '"')
				continue;
			if (alternating && *p == ' ')
				continue;
			if (*p == '\\' && p[1] == 'f' && p[2]) {
				p += 2;
				continue;
			}
			if (*p == '\\' && p[1] == '-') {
				text[used++] = '-';
				p++;
				continue;
			}
			if (*p == '\\' && p[1] == 'e') {
				text[used++] = '\\';
				p++;
				continue;
			}
			text[used++] = *p;
		}
		if (used + 1 < size)
			text[used++] = ' ';
	}
	fclose(file);
	if (!inside || !text) {
		free(text);
		return NULL;
	}
	text[used] = '\0';
	return text;
}

bool man_has_word(const char *text, size_t length, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = text; p + n <= text + length; p++) {
		if (strncmp(p, word, n))
			continue;
		if ((p == text || (!isalnum((unsigned char)p[-1]) && p[-1] != '_')) &&
		    (p + n == text + length || (!isalnum((unsigned char)p[n]) && p[n] != '_')))
			return true;
	}
	return false;
}

double now_seconds(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + now.tv_nsec / 1e9;
}

char *read_fd(int fd)
{
	off_t size = lseek(fd, 0, SEEK_END);
	char *text = calloc(1, (size_t)(size > 0 ? size : 0) + 1);

	if (text && size > 0 && pread(fd, text, (size_t)size, 0) != size)
		text[0] = '\0';
	return text;
}

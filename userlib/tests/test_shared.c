// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Description: the shared library as built: soname, only tlsview_*
 * symbols exported, every one of them versioned (the core API at
 * TLSVIEW_1.0), no TLS of its own, and the API working through it (this
 * program links libtlsview.so).
 */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <tlsview/tlsview.h>
#include "tap.h"

/*
 * The symbols of node TLSVIEW_1.0 of libtlsview.map. Later nodes may add
 * more; every export must still be a versioned tlsview_* name. The check
 * API is libtlsview-check's, never this library's.
 */
static const char *const exported[] = {
	"tlsview_version", "tlsview_fsgs_path_decided", "tlsview_fsgs_probe",
	"tlsview_tls_image_self",
	"tlsview_tls_image_from_phdrs", "tlsview_tcb_create", "tlsview_tcb_destroy",
	"tlsview_thread_create", "tlsview_thread_join", "tlsview_thread_timedjoin",
	"tlsview_client_open", "tlsview_client_close", "tlsview_client_fd",
	"tlsview_client_info", "tlsview_client_get_task", "tlsview_client_list",
	"tlsview_client_get_cpu",
};
#define NEXPORTED (sizeof(exported) / sizeof(exported[0]))

/* Node TLSVIEW_1.1: the pieces several layers share. */
static const char *const exported_1_1[] = {
	"tlsview_tasks_parse_header", "tlsview_tasks_parse_line", "tlsview_tasks_find",
	"tlsview_tracee_read", "tlsview_desc_from_user_desc", "tlsview_user_desc_fill",
	"tlsview_user_desc_fill_empty", "tlsview_map_low", "tlsview_have_ia32",
};

static char library_path[4096];

static int find_library(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	if (info->dlpi_name && strstr(info->dlpi_name, "libtlsview.so.1")) {
		snprintf(library_path, sizeof(library_path), "%s", info->dlpi_name);
		return 1;
	}
	return 0;
}

static unsigned char *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data;
	long n;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = malloc((size_t)n);
	ck_assert_ptr_nonnull(data);
	ck_assert_uint_eq(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return data;
}

START_TEST(test_elf_exports_soname_no_tls)
{
	unsigned char *file;
	size_t size, i, j, seen = 0, exports = 0;
	const Elf64_Half *versym = NULL;
	size_t nversym = 0;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	const Elf64_Phdr *ph;
	const char *soname = NULL;

	dl_iterate_phdr(find_library, NULL);
	ck_assert_msg(library_path[0], "libtlsview.so.1 is not loaded");
	file = read_file(library_path, &size);
	eh = (const Elf64_Ehdr *)file;
	ck_assert_int_eq(memcmp(eh->e_ident, ELFMAG, SELFMAG), 0);
	sh = (const Elf64_Shdr *)(file + eh->e_shoff);
	ph = (const Elf64_Phdr *)(file + eh->e_phoff);

	for (i = 0; i < eh->e_phnum; i++)
		ck_assert_msg(ph[i].p_type != PT_TLS, "the library has TLS of its own");

	for (i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type == SHT_GNU_versym) {
			versym = (const Elf64_Half *)(file + sh[i].sh_offset);
			nversym = sh[i].sh_size / sizeof(*versym);
		}
	}
	ck_assert_ptr_nonnull(versym);

	for (i = 0; i < eh->e_shnum; i++) {
		const char *strtab = (const char *)file + sh[sh[i].sh_link].sh_offset;

		if (sh[i].sh_type == SHT_DYNSYM) {
			const Elf64_Sym *sym = (const Elf64_Sym *)(file + sh[i].sh_offset);
			size_t n = sh[i].sh_size / sizeof(*sym);

			for (j = 1; j < n; j++) {
				const char *name = strtab + sym[j].st_name;
				int bind = ELF64_ST_BIND(sym[j].st_info);
				size_t k;
				int known = 0;

				if (sym[j].st_shndx == SHN_UNDEF || bind == STB_LOCAL)
					continue;
				if (strncmp(name, "TLSVIEW_", 8) == 0)
					continue;	/* a version node itself */
				/* ps_*: the proc_service callbacks libthread_db looks up (tlsdata.h) */
				ck_assert_msg(strncmp(name, "tlsview_", 8) == 0 ||
					      strncmp(name, "ps_", 3) == 0, "unexpected export %s",
					      name);
				ck_assert_msg(j < nversym && (versym[j] & 0x7fff) > 1,
					      "%s is not versioned", name);
				for (k = 0; k < NEXPORTED; k++)
					known |= strcmp(name, exported[k]) == 0;
				seen += known;
				exports++;
			}
		}
		if (sh[i].sh_type == SHT_DYNAMIC) {
			const Elf64_Dyn *dyn = (const Elf64_Dyn *)(file + sh[i].sh_offset);

			for (j = 0; dyn[j].d_tag != DT_NULL; j++)
				if (dyn[j].d_tag == DT_SONAME)
					soname = strtab + dyn[j].d_un.d_val;
		}
	}
	ck_assert_uint_eq(seen, NEXPORTED);
	ck_assert_uint_ge(exports, NEXPORTED);
	ck_assert_ptr_nonnull(soname);
	ck_assert_str_eq(soname, "libtlsview.so.1");
	free(file);
}
END_TEST

START_TEST(test_versioned_symbols)
{
	size_t i;

	for (i = 0; i < NEXPORTED; i++)
		ck_assert_msg(dlvsym(RTLD_DEFAULT, exported[i], "TLSVIEW_1.0") != NULL,
			      "%s@TLSVIEW_1.0 missing", exported[i]);
	for (i = 0; i < sizeof(exported_1_1) / sizeof(exported_1_1[0]); i++)
		ck_assert_msg(dlvsym(RTLD_DEFAULT, exported_1_1[i], "TLSVIEW_1.1") != NULL,
			      "%s@TLSVIEW_1.1 missing", exported_1_1[i]);
	/* Internal helpers are not reachable. */
	ck_assert_ptr_null(dlsym(RTLD_DEFAULT, "bare_thread_start"));
	ck_assert_ptr_null(dlsym(RTLD_DEFAULT, "check_image"));
	/* The check API lives in libtlsview-check, which this program does not link. */
	ck_assert_ptr_null(dlsym(RTLD_DEFAULT, "tlsview_check_params_init"));
	ck_assert_ptr_null(dlsym(RTLD_DEFAULT, "tlsview_check_scenarios"));
}
END_TEST

static int child(void *arg)
{
	*(void **)arg = tlsview_thread_pointer();
	return 5;
}

START_TEST(test_api_through_shared_library)
{
	struct tlsview_thread thread;
	uint64_t fs = 0;
	void *tp = NULL, *expected;
	int result = 0;

	ck_assert_str_eq(tlsview_version(), TLSVIEW_VERSION_STRING);
	ck_assert_str_eq(tlsview_version(), "1.2");
	ck_assert_int_eq(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs), 0);
	ck_assert_uint_eq(tlsview_get_fs(), fs);
	ck_assert_int_eq(tlsview_set_gs(0x3000), 0);
	ck_assert_uint_eq(tlsview_get_gs(), 0x3000);
	tlsview_set_gs(0);
	ck_assert_int_eq(tlsview_thread_create(&thread, NULL, child, &tp), 0);
	expected = thread.tcb->tp;
	ck_assert_int_eq(tlsview_thread_join(&thread, &result), 0);
	ck_assert_int_eq(result, 5);
	ck_assert_ptr_eq(tp, expected);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shared");

	tap_add_test(s, test_elf_exports_soname_no_tls, NULL);
	tap_add_test(s, test_versioned_symbols, NULL);
	tap_add_test(s, test_api_through_shared_library, NULL);
	return tap_run(s);
}

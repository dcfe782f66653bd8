/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "image_libarchive.h"
#include "util.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#ifndef LR_LIBARCHIVE_SONAME
#define LR_LIBARCHIVE_SONAME "libarchive.so.13"
#endif

struct sym {
	const char *name;
	size_t offset;
};
#define SYM(field, fn) ((struct sym){#fn, offsetof(struct lr_libarchive, field)})
static const struct sym symbols[] = {
    SYM(read_new, archive_read_new),
    SYM(read_free, archive_read_free),
    SYM(read_support_format_tar, archive_read_support_format_tar),
    SYM(read_support_format_empty, archive_read_support_format_empty),
    SYM(read_support_format_raw, archive_read_support_format_raw),
    SYM(read_append_filter, archive_read_append_filter),
    SYM(read_open, archive_read_open),
    SYM(read_next_header, archive_read_next_header),
    SYM(read_data, archive_read_data),
    SYM(read_data_block, archive_read_data_block),
    SYM(error_string, archive_error_string),
    SYM(set_error, archive_set_error),
    SYM(entry_pathname, archive_entry_pathname),
    SYM(entry_filetype, archive_entry_filetype),
    SYM(entry_hardlink, archive_entry_hardlink),
    SYM(entry_symlink, archive_entry_symlink),
    SYM(entry_perm, archive_entry_perm),
    SYM(entry_size, archive_entry_size),
    SYM(entry_size_is_set, archive_entry_size_is_set),
    SYM(entry_mtime, archive_entry_mtime),
    SYM(entry_mtime_nsec, archive_entry_mtime_nsec),
#undef SYM
};

const struct lr_libarchive *lr_libarchive_load(rci_error_t *err)
{
	static struct lr_libarchive table;
	static bool loaded;
	if (loaded)
		return &table;
	/* Never closed: the table lives as long as the process. */
	void *h = dlopen(LR_LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		rci_make_error(err, 0, "load libarchive (`%s`): %s", LR_LIBARCHIVE_SONAME,
			       why ? why : "?");
		return NULL;
	}
	struct lr_libarchive t;
	for (size_t i = 0; i < RCI_ARRAY_SIZE(symbols); i++) {
		void *fn = dlsym(h, symbols[i].name);
		if (!fn) {
			rci_make_error(err, 0, "libarchive (`%s`) has no `%s`",
				       LR_LIBARCHIVE_SONAME, symbols[i].name);
			return NULL;
		}
		/* POSIX guarantees a function pointer survives a trip through void *. */
		memcpy((char *)&t + symbols[i].offset, &fn, sizeof(fn));
	}
	table = t;
	loaded = true;
	return &table;
}

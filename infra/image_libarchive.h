/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_IMAGE_LIBARCHIVE_H
#define LR_IMAGE_LIBARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

#include "error.h"

/*
 * DOC: libarchive, loaded when an image is read (issue 12). Linked, it made every launcher
 * command load 13 more libraries (libxml2, ICU, libstdc++...) for the --image path only: 5 ms
 * of each alloc and dealloc on a 2-CPU VM. The launcher dlopen()s it instead, the first time a
 * layer is read, and calls it through this table; the rest of the launcher never loads it.
 */
struct lr_libarchive {
	__typeof__(archive_read_new) *read_new;
	__typeof__(archive_read_free) *read_free;
	__typeof__(archive_read_support_format_tar) *read_support_format_tar;
	__typeof__(archive_read_support_format_empty) *read_support_format_empty;
	__typeof__(archive_read_support_format_raw) *read_support_format_raw;
	__typeof__(archive_read_append_filter) *read_append_filter;
	__typeof__(archive_read_open) *read_open;
	__typeof__(archive_read_next_header) *read_next_header;
	__typeof__(archive_read_data) *read_data;
	__typeof__(archive_read_data_block) *read_data_block;
	__typeof__(archive_error_string) *error_string;
	__typeof__(archive_set_error) *set_error;
	__typeof__(archive_entry_pathname) *entry_pathname;
	__typeof__(archive_entry_filetype) *entry_filetype;
	__typeof__(archive_entry_hardlink) *entry_hardlink;
	__typeof__(archive_entry_symlink) *entry_symlink;
	__typeof__(archive_entry_perm) *entry_perm;
	__typeof__(archive_entry_size) *entry_size;
	__typeof__(archive_entry_size_is_set) *entry_size_is_set;
	__typeof__(archive_entry_mtime) *entry_mtime;
	__typeof__(archive_entry_mtime_nsec) *entry_mtime_nsec;
};

/*
 * lr_libarchive_load() - loads libarchive (LR_LIBARCHIVE_SONAME) once per process and returns
 * its table; later calls return the same. NULL with *err when the library or one of its
 * functions is missing.
 */
const struct lr_libarchive *lr_libarchive_load(rci_error_t *err);

#endif

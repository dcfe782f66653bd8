/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_FS_H
#define RCI_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Writes all of @buf, retrying EINTR and short writes. Returns 0 or -1 with errno set. */
int rci_write_all(int fd, const void *buf, size_t len);

/*
 * Reads the whole of @fd, at most @max bytes (more is an EFBIG error). *out is NUL-terminated
 * and owned by the caller.
 */
int rci_read_all_fd(int fd, size_t max, char **out, size_t *len, rci_error_t *err);

/*
 * Creates @path and its missing parents with @mode; the last component is then checked: a real
 * directory (not a symlink), owned by the effective user, no group/other access when @private.
 */
int rci_mkdir_p(const char *path, mode_t mode, bool private_dir, rci_error_t *err);

struct dirent;
/*
 * rci_list_dir() - the entries of @path sorted by @cmp (scandirat(3)), for *at() calls through
 * *dfd (the open directory: close it). Config dirs are admin-made, so a symlinked @path is
 * followed. Return: the count and *names (free with rci_free_dirents), or -1 with errno when
 * @path cannot be opened or read (*dfd -1, *names NULL): to a caller looking for files, none.
 */
int rci_list_dir(const char *path, int (*cmp)(const struct dirent **, const struct dirent **),
		 int *dfd, struct dirent ***names);
void rci_free_dirents(struct dirent **names, int n);

/* Opens a directory without following a final symlink (O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC). */
int rci_open_dir(const char *path, rci_error_t *err);

/*
 * Opens @dirfd/@name for reading without following symlinks: returns the fd, -1 with *err,
 * or -2 (no error set) when it does not exist.
 */
int rci_open_file_at(int dirfd, const char *name, rci_error_t *err);

/* Reads @dirfd/@name (O_NOFOLLOW) into *out; returns 0, -1 with *err, or -2 when missing. */
int rci_read_file_at(int dirfd, const char *name, size_t max, char **out, size_t *len,
		     rci_error_t *err);

/*
 * Replaces @dirfd/@name atomically: writes ".<name>.tmp-<pid>", fsyncs, renames over @name.
 * A crash leaves either the old or the new content, never an empty file (CNI #1055). The
 * temporary name is hidden: readers of a directory that skip dot files (dnsmasq's --hostsdir,
 * rootless-cni-dns) never see a half-written file.
 */
int rci_write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			     rci_error_t *err);

/*
 * rci_read_tail() - the last @max bytes of the file at @path (a log), opened without following a
 * final symlink, trailing whitespace trimmed. Returns a new string, "" when it cannot be read.
 */
char *rci_read_tail(const char *path, size_t max);

/* Unlinks @dirfd/@name; a missing file is success. */
int rci_unlink_at(int dirfd, const char *name, int flags, rci_error_t *err);

/* Creates @dirfd/@name as a directory (mode 0700) if missing, then opens it with O_NOFOLLOW. */
int rci_open_subdir(int dirfd, const char *name, bool create, rci_error_t *err);

#endif

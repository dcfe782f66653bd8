/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The leases file is replaced, never rewritten in place: the new text goes to a hidden
 * temporary file (fsynced) that is renamed over it (fs.h: rci_write_file_atomic_at). A crash
 * at any point leaves the old file or the new one, whole, so no other container's lease is
 * lost and the next call parses what it finds; pwrite+ftruncate in place could leave half a
 * file. Because the file's inode changes with every update, the lock is not on the file but
 * on the network's directory (flock works on a directory fd), which never changes: one lock,
 * held from the read to the rename, microseconds for a thousand leases.
 */
#include "ipam_store.h"
#include "fs.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>

/* A thousand leases are ~100 KB: this is room, not a tight bound. */
#define MAX_FILE (16 << 20)

static int lock_dir(int fd, const char *network, rci_error_t *err)
{
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return rci_make_error(err, errno, "lock the leases of network `%s`",
					      network);
	return 0;
}

/* The network's directory, locked: fd, -2 when missing and !@create, or -1 with *err. */
static int open_locked(const char *data_dir, const char *network, bool create, rci_error_t *err)
{
	if (create && rci_mkdir_p(data_dir, 0700, true, err) < 0)
		return -1;
	cleanup_close int base = open(data_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (base < 0) {
		if (errno == ENOENT && !create)
			return -2;
		if (errno == ELOOP || errno == ENOTDIR)
			return rci_make_error(err, errno,
					      "dataDir `%s` is not a directory (symlinks are "
					      "refused)",
					      data_dir);
		return rci_make_error(err, errno, "open dataDir `%s`", data_dir);
	}
	int dir = rci_open_subdir(base, network, create, err);
	if (dir < 0)
		return dir;
	if (lock_dir(dir, network, err) < 0) {
		close(dir);
		return -1;
	}
	return dir;
}

int rci_ipam_store_update(const char *data_dir, const char *network, bool create,
			  int (*fn)(struct rci_ipam_leases *l, void *arg, rci_error_t *err),
			  void *arg, rci_error_t *err)
{
	struct rci_ipam_leases l = {0};
	cleanup_close int dir = open_locked(data_dir, network, create, err);
	if (dir == -1)
		return -1;
	if (dir == -2) /* nothing stored, nothing to store: DEL and CHECK see no lease */
		return fn(&l, arg, err) < 0 ? -1 : 0;
	cleanup_free char *text = NULL;
	size_t len = 0;
	int r = rci_read_file_at(dir, RCI_IPAM_LEASES, MAX_FILE, &text, &len, err);
	if (r == -1)
		return rci_error_wrap(err, "network `%s`", network);
	if (r == 0 && rci_ipam_leases_parse(text, len, &l, err) < 0)
		return rci_error_wrap(err, "network `%s`", network);
	int ret = fn(&l, arg, err);
	if (ret == 1) {
		cleanup_free char *out = rci_ipam_leases_text(&l);
		if (rci_write_file_atomic_at(dir, RCI_IPAM_LEASES, out, strlen(out), 0600, err) < 0)
			ret = rci_error_wrap(err, "network `%s`", network);
	}
	rci_ipam_leases_clear(&l);
	/* The lock goes with the last fd of the directory (cleanup_close). */
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netns.h"
#include "log.h"
#include "util.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <linux/nsfs.h>

static int loopback_up(void)
{
	cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

int rci_netns_create(const char *path, rci_error_t *err)
{
	long long t0 = rci_now_ms();
	cleanup_close int target =
	    open(path, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (target < 0)
		return rci_make_error(err, errno, "create netns file `%s`", path);
	cleanup_close int orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0) {
		rci_make_error(err, errno, "open /proc/self/ns/net");
		goto remove_file;
	}
	/* We are single-threaded: unsharing here and switching back is cheaper than a fork. */
	if (unshare(CLONE_NEWNET) < 0) {
		rci_make_error(err, errno, "unshare network namespace");
		goto remove_file;
	}
	int ok = 1;
	if (loopback_up() < 0) {
		rci_make_error(err, errno, "bring up loopback");
		ok = 0;
	}
	if (ok && mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0) {
		rci_make_error(err, errno, "bind-mount network namespace on `%s`", path);
		ok = 0;
	}
	if (setns(orig, CLONE_NEWNET) < 0) {
		/* Staying in the container's netns would run plugins in the wrong place. */
		int saved = errno;
		if (ok)
			umount2(path, MNT_DETACH);
		rci_error_release(err);
		rci_make_error(err, saved, "return to the original network namespace");
		goto remove_file;
	}
	if (ok) {
		rci_debug_step("netns", t0, "created `%s` (loopback up, pinned by a bind mount)",
			       path);
		return 0;
	}
remove_file:
	unlink(path);
	return -1;
}

/* Opens @src as a network namespace: an O_CLOEXEC fd, or -1 with *err. */
static int open_netns(const char *src, rci_error_t *err)
{
	int fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rci_make_error_kind(err,
					   errno == ENOENT ? RCI_ERR_NOT_FOUND : RCI_ERR_FAILED,
					   errno, "open network namespace `%s`", src);
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC ||
	    ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "`%s` is not a network namespace",
					   src);
	}
	return fd;
}

int rci_netns_pin(const char *path, const char *src, rci_error_t *err)
{
	cleanup_close int ns = open_netns(src, err);
	if (ns < 0)
		return -1;
	cleanup_close int target =
	    open(path, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (target < 0)
		return rci_make_error(err, errno, "create netns file `%s`", path);
	/* Through our own fd: the namespace checked above is the one mounted, whatever @src
	 * names by now. */
	char fdpath[64];
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", ns);
	if (mount(fdpath, path, NULL, MS_BIND, NULL) < 0) {
		rci_make_error(err, errno, "bind-mount network namespace `%s` on `%s`", src, path);
		unlink(path);
		return -1;
	}
	return 0;
}

bool rci_netns_same(const char *path, const char *src)
{
	struct stat a, b;
	rci_error_t tmp = NULL;
	cleanup_close int ns = open_netns(src, &tmp);
	rci_error_release(&tmp);
	return ns >= 0 && rci_netns_is_pinned(path) && fstat(ns, &a) == 0 && stat(path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

bool rci_netns_is_pinned(const char *path)
{
	/* Our pins are bind mounts, never symlinks: statfs would follow a planted link to
	 * another pinned netns, and plugins would configure that one. */
	struct stat st;
	struct statfs sfs;
	return lstat(path, &st) == 0 && !S_ISLNK(st.st_mode) && statfs(path, &sfs) == 0 &&
	       sfs.f_type == NSFS_MAGIC;
}

int rci_netns_remove(const char *path, rci_error_t *err)
{
	long long t0 = rci_now_ms();
	/* Repeat: a path can carry stacked mounts after an interrupted create. */
	for (int i = 0; i < 8 && umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0; i++)
		;
	if (unlink(path) < 0) {
		if (errno != ENOENT)
			return rci_make_error(err, errno, "remove netns `%s`", path);
		return 0;
	}
	rci_debug_step("netns", t0, "removed `%s`", path);
	return 0;
}

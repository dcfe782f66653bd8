/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "hook_netns.h"
#include "proctable.h"
#include "userns.h"
#include "util.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <linux/nsfs.h>

int lr_hook_netns_open(const char *path, pid_t pid, rci_error_t *err)
{
	char proc[64];
	if (!path) {
		snprintf(proc, sizeof(proc), "/proc/%d/ns/net", (int)pid);
		path = proc;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && path == proc && (errno == EACCES || errno == EPERM))
		return rci_make_error(err, errno,
				      "open the container's network namespace `%s` (runc makes its "
				      "init unreadable when a container joins a user namespace by "
				      "path: run the runtime inside the infra's user namespace "
				      "instead, `nsenter --user=USERNS --preserve-credentials runc "
				      "...` with `userns` of `rootless-cni-launcher status`)",
				      path);
	if (fd < 0)
		return rci_make_error_kind(
		    err, errno == ENOENT ? RCI_ERR_NOT_FOUND : RCI_ERR_FAILED, errno,
		    "open the container's network namespace `%s`", path);
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC ||
	    ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		cleanup_free char *shown = rci_printable(path, 128);
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "`%s` is not a network namespace",
					   shown);
	}
	return fd;
}

static const char join_hint[] =
    "make the container join the infra's user namespace (config.json: a `user` namespace with "
    "the `path` `userns`, and `uidMappings` and `gidMappings`, as `rootless-cni-launcher "
    "status` reports them)";

int lr_hook_netns_check_owner(int netns, int userns, const char *key, const char *id,
			      rci_error_t *err)
{
	int owner = ioctl(netns, NS_GET_USERNS);
	if (owner < 0)
		return rci_make_error_kind(err, RCI_ERR_USAGE, errno,
					   "the network namespace of `%s` belongs to a user "
					   "namespace outside ours, which no infra of ours can "
					   "administer: %s",
					   id, join_hint);
	struct stat st;
	if (fstat(owner, &st) < 0) {
		close(owner);
		return rci_make_error(err, errno, "the owner of the network namespace of `%s`", id);
	}
	unsigned long long owner_ino = (unsigned long long)st.st_ino;
	if (userns < 0) {
		close(owner);
		return rci_make_error_kind(
		    err, RCI_ERR_USAGE, 0,
		    "the network namespace of `%s` belongs to user namespace "
		    "%llu, and the infra `%s` is not running: start it "
		    "(`rootless-cni-launcher start`), then %s",
		    id, owner_ino, key, join_hint);
	}
	struct lr_ns_id want;
	if (fstat(userns, &st) < 0) {
		close(owner);
		return rci_make_error(err, errno, "the user namespace of the infra `%s`", key);
	}
	want = (struct lr_ns_id){(unsigned long long)st.st_dev, (unsigned long long)st.st_ino};
	if (lr_userns_within(owner, &want))
		return 0;
	return rci_make_error_kind(
	    err, RCI_ERR_USAGE, 0,
	    "the network namespace of `%s` belongs to user namespace %llu, "
	    "which the infra `%s` (user namespace %llu) cannot administer: %s",
	    id, owner_ino, key, want.ino, join_hint);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "rootfs.h"
#include "beneath.h"
#include "context.h"
#include "fs.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

/* Top-level system dirs: merged-/usr hosts have symlinks, others real directories. */
static const char *const top_dirs[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};

/*
 * The /etc entries the helper, the plugins and iptables read: account and name-service files,
 * the alternatives that pick iptables-nft or -legacy, the dynamic linker's cache, protocol
 * tables. Not all of /etc: its read-only bind would hide /etc/cni/net.d's mount point.
 */
static const char *const etc_entries[] = {
    "passwd",	    "group",	    "nsswitch.conf", "hosts",	      "resolv.conf",
    "host.conf",    "protocols",    "services",	     "ethertypes",    "rpc",
    "alternatives", "ld.so.cache",  "ld.so.conf",    "ld.so.conf.d",  "localtime",
    "iproute2",	    "xtables.conf", "gai.conf",	     "nftables.conf",
};

void lr_rootfs_add_mount(json_object *mounts, const char *dest, const char *type,
			 const char *source, const char *opts)
{
	json_object *m = json_object_new_object();
	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(source));
	json_object *o = json_object_new_array();
	cleanup_strv char **v = rci_strv_split(opts, ',');
	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(o, json_object_new_string(v[i]));
	json_object_object_add(m, "options", o);
	json_object_array_add(mounts, m);
}

/* The directory @rel (and its missing parents) below @root; a symlink on the way is refused. */
static int mkdirs(int root, const char *rel, rci_error_t *err)
{
	int fd = lr_beneath_open_dir(root, rel, true, err);
	if (fd < 0)
		return rci_error_wrap(err, "mount point `/%s`", rel);
	close(fd);
	return 0;
}

/*
 * A mount point of the type of @host (followed: a symlinked resolv.conf binds its target), made
 * below @root without following any symlink: an image's `etc -> /home/u/x` must not make us
 * write there (issue 13, bug 4). An existing entry of the right type is kept.
 */
static int mountpoint_for(int root, const char *rel, const char *host, rci_error_t *err)
{
	struct stat st;
	if (stat(host, &st) < 0)
		return rci_make_error(err, errno, "stat `%s`", host);
	if (S_ISDIR(st.st_mode))
		return mkdirs(root, rel, err);
	const char *base;
	cleanup_close int dir = lr_beneath_open_parent(root, rel, true, &base, err);
	if (dir < 0)
		return rci_error_wrap(err, "mount point `/%s`", rel);
	struct stat cur;
	if (fstatat(dir, base, &cur, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISREG(cur.st_mode))
			return 0;
		return rci_make_error(err, 0, "mount point `/%s` exists and is no regular file%s",
				      rel, S_ISLNK(cur.st_mode) ? " (a symlink is refused)" : "");
	}
	cleanup_close int fd =
	    openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return rci_make_error(err, errno, "create mount point `/%s`", rel);
	return 0;
}

static int bind_ro(int root, json_object *mounts, const char *dest, const char *host,
		   rci_error_t *err)
{
	if (mountpoint_for(root, dest + 1, host, err) < 0)
		return -1;
	lr_rootfs_add_mount(mounts, dest, "bind", host, "rbind,ro,nosuid,nodev");
	return 0;
}

/* Replicates a host symlink (/bin -> usr/bin) or binds the directory it is on this host. */
static int mirror(int root, json_object *mounts, const char *rel, rci_error_t *err)
{
	cleanup_free char *host = xasprintf("/%s", rel);
	struct stat st;
	if (lstat(host, &st) < 0)
		return 0;
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(host, target, sizeof(target) - 1);
		if (n < 0)
			return rci_make_error(err, errno, "readlink `%s`", host);
		target[n] = '\0';
		const char *base;
		cleanup_close int dir = lr_beneath_open_parent(root, rel, true, &base, err);
		if (dir < 0)
			return -1;
		if (symlinkat(target, dir, base) < 0)
			return rci_make_error(err, errno, "symlink `/%s`", rel);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	return bind_ro(root, mounts, host, host, err);
}

/*
 * The shipped networks first: with an image their source is the image's own /etc/cni/net.d,
 * which the user's dir mounted next covers (runtimes mount in order). A dir that is missing is
 * left out: the helper takes a missing dir for an empty one.
 */
static int cni_mounts(int root, const struct lr_rootfs_opts *o, json_object *mounts,
		      rci_error_t *err)
{
	struct stat st;
	if (o->cni_shipped_dir && stat(o->cni_shipped_dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    bind_ro(root, mounts, LR_IN_SHIPPED_CONF, o->cni_shipped_dir, err) < 0)
		return -1;
	if (o->cni_config_dir && stat(o->cni_config_dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    bind_ro(root, mounts, LR_IN_CNI_CONF, o->cni_config_dir, err) < 0)
		return -1;
	return 0;
}

/* Host /proc, not a new one: the host PID namespace makes its /proc the right one. */
static void system_mounts(json_object *mounts)
{
	lr_rootfs_add_mount(mounts, "/proc", "bind", "/proc", "rbind,nosuid,noexec,nodev");
	lr_rootfs_add_mount(mounts, "/dev", "tmpfs", "tmpfs",
			    "nosuid,strictatime,mode=755,size=65536k");
	lr_rootfs_add_mount(mounts, "/dev/pts", "devpts", "devpts",
			    "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620");
	lr_rootfs_add_mount(mounts, "/dev/shm", "tmpfs", "shm",
			    "nosuid,noexec,nodev,mode=1777,size=65536k");
	lr_rootfs_add_mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev");
	lr_rootfs_add_mount(mounts, "/sys", "bind", "/sys", "rbind,nosuid,noexec,nodev,ro");
}

/* tmpfs state: a restart leaves no stale IP reservations. */
static void state_mounts(json_object *mounts)
{
	lr_rootfs_add_mount(mounts, "/run", "tmpfs", "tmpfs", "nosuid,nodev,mode=755");
	lr_rootfs_add_mount(mounts, "/var/lib/cni", "tmpfs", "tmpfs", "nosuid,nodev,mode=700");
	lr_rootfs_add_mount(mounts, "/tmp", "tmpfs", "tmpfs", "nosuid,nodev,mode=1777");
}

/*
 * The host plugin dirs at /usr/local/lib/cni, /usr/local/lib/cni1..., then ours at
 * LR_IN_OWN_PLUGINS; their paths in *path. Nothing when there are no host plugin dirs (an
 * image's own plugins, ours among them, are its CNI_PATH then).
 */
static int plugin_mounts(int root, const struct lr_rootfs_opts *o, json_object *mounts,
			 char ***path, rci_error_t *err)
{
	for (size_t i = 0; o->plugin_dirs && o->plugin_dirs[i]; i++) {
		struct stat st;
		if (stat(o->plugin_dirs[i], &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		cleanup_free char *dest =
		    i == 0 ? xstrdup(LR_IN_PLUGIN_BASE) : xasprintf("%s%zu", LR_IN_PLUGIN_BASE, i);
		if (bind_ro(root, mounts, dest, o->plugin_dirs[i], err) < 0)
			return -1;
		rci_strv_push(path, dest);
	}
	if (*path && o->own_plugin_dir) {
		if (bind_ro(root, mounts, LR_IN_OWN_PLUGINS, o->own_plugin_dir, err) < 0)
			return -1;
		rci_strv_push(path, LR_IN_OWN_PLUGINS);
	}
	return 0;
}

int lr_rootfs_imageless(const char *rootfs, const struct lr_rootfs_opts *o, json_object *mounts,
			char **cni_path, rci_error_t *err)
{
	static const char *const dirs[] = {"proc", "sys",	    "dev",
					   "run",  "tmp",	    "var/lib/cni",
					   "root", "usr/local/bin", "etc/cni/net.d"};
	cleanup_close int root = rci_open_dir(rootfs, err);
	if (root < 0)
		return -1;
	for (size_t i = 0; i < RCI_ARRAY_SIZE(dirs); i++)
		if (mkdirs(root, dirs[i], err) < 0)
			return -1;
	cleanup_close int var = lr_beneath_open_dir(root, "var", false, err);
	if (var < 0)
		return -1;
	if (symlinkat("../run", var, "run") < 0)
		return rci_make_error(err, errno, "symlink `/var/run`");

	system_mounts(mounts);

	for (size_t i = 0; i < RCI_ARRAY_SIZE(top_dirs); i++)
		if (mirror(root, mounts, top_dirs[i], err) < 0)
			return -1;
	cleanup_dir DIR *usr = opendir("/usr");
	if (!usr)
		return rci_make_error(err, errno, "open `/usr`");
	struct dirent *de;
	while ((de = readdir(usr))) {
		/* /usr/local is ours: the helper, the init, the plugins, the shipped networks. */
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "local"))
			continue;
		cleanup_free char *rel = xasprintf("usr/%s", de->d_name);
		if (mirror(root, mounts, rel, err) < 0)
			return -1;
	}
	if (bind_ro(root, mounts, LR_IN_HELPER, o->helper, err) < 0 ||
	    bind_ro(root, mounts, LR_IN_INIT, o->init, err) < 0)
		return -1;

	cleanup_strv char **path = NULL;
	if (plugin_mounts(root, o, mounts, &path, err) < 0)
		return -1;

	for (size_t i = 0; i < RCI_ARRAY_SIZE(etc_entries); i++) {
		cleanup_free char *host = xasprintf("/etc/%s", etc_entries[i]);
		struct stat st;
		if (stat(host, &st) < 0)
			continue;
		if (bind_ro(root, mounts, host, host, err) < 0)
			return -1;
	}
	if (cni_mounts(root, o, mounts, err) < 0)
		return -1;
	state_mounts(mounts);
	*cni_path = rci_strv_join(path, ":", NULL);
	return 0;
}

int lr_rootfs_image(const char *rootfs, const struct lr_rootfs_opts *o, const char *image_cni_path,
		    json_object *mounts, char **cni_path, rci_error_t *err)
{
	/*
	 * Our image has every mount point; another one may lack some, made here in its cache
	 * entry (ours: the root is read-only once the runtime has set it up). The image's own
	 * symlinks are never followed on the way there (beneath.h).
	 */
	cleanup_close int root = rci_open_dir(rootfs, err);
	if (root < 0)
		return -1;
	system_mounts(mounts);
	cleanup_strv char **path = NULL;
	if (plugin_mounts(root, o, mounts, &path, err) < 0 || cni_mounts(root, o, mounts, err) < 0)
		return -1;
	state_mounts(mounts);
	*cni_path = path ? rci_strv_join(path, ":", NULL) : xstrdup(image_cni_path);
	return 0;
}

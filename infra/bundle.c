/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bundle.h"
#include "fs.h"
#include "json.h"
#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* Every capability libcap and the kernel know, by OCI name ("CAP_NET_ADMIN"). */
static json_object *all_caps(void)
{
	json_object *a = json_object_new_array();
	cap_value_t max = (cap_value_t)cap_max_bits();
	for (cap_value_t c = 0; c < max; c++) {
		char *name = cap_to_name(c);
		/* Unnamed (numeric) capabilities are unknown to runtimes: they would refuse them.
		 */
		if (name && !isdigit((unsigned char)name[0])) {
			char up[64];
			size_t i;
			for (i = 0; name[i] && i < sizeof(up) - 1; i++)
				up[i] = (char)toupper((unsigned char)name[i]);
			up[i] = '\0';
			json_object_array_add(a, json_object_new_string(up));
		}
		cap_free(name);
	}
	return a;
}

static json_object *ns(const char *type)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string(type));
	return o;
}

json_object *lr_bundle_config(const struct lr_bundle_opts *o)
{
	json_object *cfg = json_object_new_object();
	json_object_object_add(cfg, "ociVersion", json_object_new_string("1.0.2"));

	json_object *root = json_object_new_object();
	json_object_object_add(root, "path", json_object_new_string("rootfs"));
	json_object_object_add(root, "readonly", json_object_new_boolean(1));
	json_object_object_add(cfg, "root", root);
	json_object_object_add(cfg, "hostname", json_object_new_string(o->hostname));

	json_object *proc = json_object_new_object();
	json_object_object_add(proc, "terminal", json_object_new_boolean(0));
	json_object *user = json_object_new_object();
	json_object_object_add(user, "uid", json_object_new_int(0));
	json_object_object_add(user, "gid", json_object_new_int(0));
	json_object_object_add(proc, "user", user);
	json_object_object_add(proc, "args", strv_json(o->args));
	json_object_object_add(proc, "env", strv_json(o->env));
	json_object_object_add(proc, "cwd", json_object_new_string("/"));
	json_object *caps = json_object_new_object();
	static const char *const sets[] = {"bounding", "effective", "inheritable", "permitted",
					   "ambient"};
	json_object *list = all_caps();
	for (size_t i = 0; i < RCI_ARRAY_SIZE(sets); i++)
		json_object_object_add(caps, sets[i], rci_json_copy(list));
	json_object_put(list);
	json_object_object_add(proc, "capabilities", caps);
	json_object_object_add(proc, "noNewPrivileges", json_object_new_boolean(0));
	json_object_object_add(cfg, "process", proc);

	json_object_object_add(cfg, "mounts", rci_json_copy(o->mounts));

	json_object *linux_ = json_object_new_object();
	json_object *nss = json_object_new_array();
	/* No "pid": the host PID namespace. No "user": see userns.h. */
	json_object_array_add(nss, ns("mount"));
	json_object_array_add(nss, ns("network"));
	json_object_array_add(nss, ns("ipc"));
	json_object_array_add(nss, ns("uts"));
	json_object_object_add(linux_, "namespaces", nss);
	json_object_object_add(linux_, "maskedPaths", json_object_new_array());
	json_object_object_add(linux_, "readonlyPaths", json_object_new_array());
	json_object_object_add(cfg, "linux", linux_);
	return cfg;
}

static int remove_at(int parent, const char *name, dev_t dev, int depth, rci_error_t *err)
{
	struct stat st;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : rci_make_error(err, errno, "stat `%s`", name);
	if (S_ISDIR(st.st_mode)) {
		if (st.st_dev != dev || depth > 64)
			return rci_make_error(err, EXDEV, "refusing to descend into `%s`", name);
		int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return rci_make_error(err, errno, "open `%s`", name);
		cleanup_dir DIR *d = fdopendir(fd);
		if (!d) {
			close(fd);
			return rci_make_error(err, errno, "open `%s`", name);
		}
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (remove_at(dirfd(d), de->d_name, dev, depth + 1, err) < 0)
				return rci_error_wrap(err, "%s", name);
		}
		if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return rci_make_error(err, errno, "remove `%s`", name);
		return 0;
	}
	if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
		return rci_make_error(err, errno, "remove `%s`", name);
	return 0;
}

int lr_remove_tree(const char *path, rci_error_t *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : rci_make_error(err, errno, "stat `%s`", path);
	cleanup_free char *copy = xstrdup(path);
	cleanup_free char *copy2 = xstrdup(path);
	cleanup_close int parent = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0)
		return rci_make_error(err, errno, "open `%s`", path);
	if (remove_at(parent, basename(copy2), st.st_dev, 0, err) < 0)
		return rci_error_wrap(err, "remove `%s`", path);
	return 0;
}

char *lr_bundle_begin(const char *dir, const char *name, rci_error_t *err)
{
	char *tmp = xasprintf("%s/.%s.tmp-%d", dir, name, (int)getpid());
	cleanup_free char *rootfs = xasprintf("%s/rootfs", tmp);
	rci_error_t tmp_err = NULL;
	/* A launcher killed mid-build leaves its temp dir behind: a pid reused later removes it. */
	if (lr_remove_tree(tmp, &tmp_err) < 0)
		rci_error_release(&tmp_err);
	if (mkdir(tmp, 0700) < 0) {
		rci_make_error(err, errno, "create bundle `%s`", tmp);
		free(tmp);
		return NULL;
	}
	if (mkdir(rootfs, 0755) < 0) {
		rci_make_error(err, errno, "create `%s`", rootfs);
		lr_remove_tree(tmp, &tmp_err);
		rci_error_release(&tmp_err);
		free(tmp);
		return NULL;
	}
	return tmp;
}

int lr_bundle_commit(const char *tmp, const char *dir, const char *name, json_object *config,
		     rci_error_t *err)
{
	cleanup_close int fd = rci_open_dir(tmp, err);
	if (fd < 0)
		return -1;
	const char *text = json_object_to_json_string_ext(
	    config, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (rci_write_file_atomic_at(fd, "config.json", text, strlen(text), 0600, err) < 0)
		return rci_error_wrap(err, "write config.json");
	cleanup_free char *final = xasprintf("%s/%s", dir, name);
	if (rename(tmp, final) < 0)
		return rci_make_error(err, errno, "rename bundle to `%s`", final);
	return 0;
}

int lr_bundle_remove(const char *path, rci_error_t *err)
{
	static unsigned counter;
	cleanup_free char *copy = xstrdup(path);
	cleanup_free char *copy2 = xstrdup(path);
	const char *base = basename(copy2);
	cleanup_free char *hidden =
	    xasprintf("%s/.%s.del-%d-%u", dirname(copy), base[0] == '.' ? base + 1 : base,
		      (int)getpid(), counter++);
	if (rename(path, hidden) < 0) {
		if (errno == ENOENT)
			return 0;
		return rci_make_error(err, errno, "rename `%s`", path);
	}
	return lr_remove_tree(hidden, err);
}

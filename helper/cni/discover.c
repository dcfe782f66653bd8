/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "discover.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

static bool has_suffix(const char *s, const char *suffix)
{
	size_t l = strlen(s), m = strlen(suffix);
	return l > m && strcmp(s + l - m, suffix) == 0;
}

static int sort_bytewise(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static bool strv_has(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* What one directory offered, for the not-found error and the listing. */
struct dir_scan {
	char **names;	/* networks seen, each once, in discovery order */
	char **paths;	/* the file of each name that a lookup would load (the first) */
	char **invalid; /* "file: reason" of files skipped */
	int files;	/* config files seen at all */
};

static void dir_scan_fini(struct dir_scan *st)
{
	rci_strv_free(st->names);
	rci_strv_free(st->paths);
	rci_strv_free(st->invalid);
	memset(st, 0, sizeof(*st));
}

/*
 * One kind of file of @dir (@lists: .conflist, else .conf and .json), in @names' order. A file
 * whose network is @name (NULL: none is) is loaded into *out: 1; 0 when none matched, every
 * network seen being recorded in @st; -1 with *err when the matching file is invalid.
 */
static int scan(const char *dir, int dfd, struct dirent **names, int n, bool lists,
		const char *name, struct dir_scan *st, struct cni_netconf **out, rci_error_t *err)
{
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		bool match = lists ? has_suffix(nm, ".conflist")
				   : has_suffix(nm, ".conf") || has_suffix(nm, ".json");
		if (!match)
			continue;
		struct stat sb;
		if (fstatat(dfd, nm, &sb, 0) < 0 || !S_ISREG(sb.st_mode))
			continue;
		st->files++;
		cleanup_free char *path = xasprintf("%s/%s", dir, nm);
		cleanup_free char *buf = NULL;
		size_t len = 0;
		rci_error_t tmp = NULL;
		/* Config files are admin-provided and commonly symlinks: follow them here. */
		cleanup_close int fd = openat(dfd, nm, O_RDONLY | O_CLOEXEC);
		json_object *obj = NULL;
		if (fd < 0)
			rci_make_error(&tmp, errno, "open `%s`", path);
		else if (rci_read_all_fd(fd, CNI_CONF_MAX_BYTES, &buf, &len, &tmp) == 0)
			obj = rci_json_parse(buf, len, path, &tmp);
		else
			rci_error_wrap(&tmp, "read `%s`", path);
		if (!obj) {
			cleanup_free char *txt = rci_error_text(tmp);
			/* Debug only: the reason is in the "not found" error if it matters, and
			 * a broken file must not add lines to another network's output. */
			rci_debug("skipping `%s`: %s", path, txt);
			rci_strv_push(&st->invalid, txt);
			rci_error_release(&tmp);
			continue;
		}
		const char *nname = rci_json_get_string(obj, "name");
		if (!name || !nname || strcmp(nname, name) != 0) {
			/* A name in several files is listed once: the first file wins anyway. */
			if (nname && !strv_has(st->names, nname)) {
				rci_strv_push(&st->names, nname);
				rci_strv_push(&st->paths, path);
			}
			json_object_put(obj);
			continue;
		}
		if (cni_conf_from_json(obj, buf, len, path, dir, lists, out, err) < 0)
			return rci_error_wrap(err, "invalid network configuration");
		return 1;
	}
	return 0;
}

/* Both passes over @dir (CFG-1: lists first). A directory that cannot be read has no files. */
static int scan_dir(const char *dir, const char *name, struct dir_scan *st,
		    struct cni_netconf **out, rci_error_t *err)
{
	cleanup_close int dfd = -1;
	struct dirent **names = NULL;
	int n = rci_list_dir(dir, sort_bytewise, &dfd, &names);
	int r = 0;
	if (n > 0) {
		r = scan(dir, dfd, names, n, true, name, st, out, err);
		if (r == 0)
			r = scan(dir, dfd, names, n, false, name, st, out, err);
	}
	rci_free_dirents(names, n);
	return r;
}

/* "`DIR` (networks found: a, b; skipped invalid files: ...)", or "(no configurations)". */
static char *describe_dir(const char *dir, const struct dir_scan *st)
{
	if (st->files == 0)
		return xasprintf("`%s` (no configurations)", dir);
	cleanup_free char *found = rci_strv_join(st->names, ", ", NULL);
	cleanup_free char *invalid = rci_strv_join(st->invalid, "; ", NULL);
	return xasprintf("`%s` (networks found: %s%s%s)", dir, st->names ? found : "none",
			 st->invalid ? "; skipped invalid files: " : "",
			 st->invalid ? invalid : "");
}

static int not_found(char *const *dirs, const char *name, const struct dir_scan *scans,
		     rci_error_t *err)
{
	size_t n = rci_strv_len(dirs);
	if (n == 0)
		return rci_make_error_kind(err, RCI_ERR_NOT_FOUND, 0,
					   "network `%s` not found: no CNI configuration "
					   "directory is configured",
					   name);
	if (n == 1 && scans[0].files == 0)
		return rci_make_error_kind(
		    err, RCI_ERR_NOT_FOUND, 0,
		    "network `%s` not found: no configurations found in `%s`", name, dirs[0]);
	cleanup_strv char **parts = NULL;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *p = describe_dir(dirs[i], &scans[i]);
		rci_strv_push(&parts, p);
	}
	cleanup_free char *where = rci_strv_join(parts, " or ", NULL);
	return rci_make_error_kind(err, RCI_ERR_NOT_FOUND, 0,
				   "network `%s` not found: no configuration named `%s` in %s",
				   name, name, where);
}

int cni_conf_find_dirs(char *const *dirs, const char *name, struct cni_netconf **out,
		       rci_error_t *err)
{
	size_t n = rci_strv_len(dirs);
	struct dir_scan *scans = xmalloc0(sizeof(*scans) * (n + 1));
	int r = 0;
	*out = NULL;
	for (size_t i = 0; i < n && r == 0; i++)
		r = scan_dir(dirs[i], name, &scans[i], out, err);
	if (r == 0)
		r = not_found(dirs, name, scans, err);
	for (size_t i = 0; i < n; i++)
		dir_scan_fini(&scans[i]);
	free(scans);
	return r < 0 ? -1 : 0;
}

int cni_conf_find(const char *dir, const char *name, struct cni_netconf **out, rci_error_t *err)
{
	char *dirs[] = {(char *)dir, NULL};
	return cni_conf_find_dirs(dirs, name, out, err);
}

json_object *cni_conf_list(char *const *dirs)
{
	json_object *list = json_object_new_array();
	cleanup_strv char **seen = NULL;
	for (size_t i = 0; dirs && dirs[i]; i++) {
		struct dir_scan st = {0};
		/* No name to match: nothing is loaded, so nothing can fail. */
		scan_dir(dirs[i], NULL, &st, NULL, NULL);
		for (size_t k = 0; st.names && st.names[k]; k++) {
			if (strv_has(seen, st.names[k]))
				continue;
			rci_strv_push(&seen, st.names[k]);
			json_object *e = json_object_new_object();
			json_object_object_add(e, "name", json_object_new_string(st.names[k]));
			json_object_object_add(e, "file", json_object_new_string(st.paths[k]));
			json_object_array_add(list, e);
		}
		dir_scan_fini(&st);
	}
	return list;
}

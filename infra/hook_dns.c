/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "hook_dns.h"
#include "beneath.h"
#include "fs.h"
#include "dnstext.h"
#include "json.h"
#include "log.h"
#include "util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_CONFIG (8 << 20)
#define MAX_FILE (1 << 20)

/* The source of the last bind mount of @cfg at @dest, or NULL. */
static const char *bind_source(json_object *cfg, const char *dest)
{
	json_object *mounts = rci_json_get_type(cfg, "mounts", json_type_array);
	const char *found = NULL;
	for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++) {
		json_object *m = json_object_array_get_idx(mounts, i);
		const char *d = rci_json_get_string(m, "destination");
		const char *src = rci_json_get_string(m, "source");
		const char *type = rci_json_get_string(m, "type");
		if (!d || !src || strcmp(d, dest) != 0)
			continue;
		bool bind = type && !strcmp(type, "bind");
		json_object *opts = rci_json_get_type(m, "options", json_type_array);
		for (size_t k = 0; opts && k < json_object_array_length(opts); k++) {
			const char *o = json_object_get_string(json_object_array_get_idx(opts, k));
			bind = bind || (o && (!strcmp(o, "bind") || !strcmp(o, "rbind")));
		}
		if (bind)
			found = src;
	}
	return found;
}

/* An open file of the container's rootfs for @dest, created when missing. 1, 0 (skip), -1. */
static int rootfs_file(int bundle, json_object *cfg, const char *dest, struct lr_hook_dns_change *c)
{
	json_object *root = rci_json_get_type(cfg, "root", json_type_object);
	const char *path = root ? rci_json_get_string(root, "path") : NULL;
	json_object *ro = NULL;
	if (!path) {
		rci_warning("config.json has no root path: `%s` not written", dest);
		return 0;
	}
	if (json_object_object_get_ex(root, "readonly", &ro) && json_object_get_boolean(ro)) {
		rci_warning("the container's root is read-only and no file is mounted at `%s`: "
			    "not written",
			    dest);
		return 0;
	}
	cleanup_close int rootfd = openat(bundle, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	rci_error_t tmp = NULL;
	const char *base = NULL;
	int dir = rootfd < 0 ? -1 : lr_beneath_open_parent(rootfd, dest + 1, false, &base, &tmp);
	if (dir < 0) {
		rci_warning("`%s` of the container's rootfs: %s: not written", dest,
			    tmp ? tmp->msg : strerror(errno));
		rci_error_release(&tmp);
		return 0;
	}
	c->fd = openat(dir, base, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (c->fd < 0 && errno == ENOENT) {
		c->fd = openat(dir, base, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (c->fd >= 0) {
			c->dirfd = dir;
			c->name = xstrdup(base);
			return 1;
		}
	}
	close(dir);
	if (c->fd < 0) {
		rci_warning("`%s` of the container's rootfs: %s (a symlink is not followed): "
			    "not written",
			    dest, strerror(errno));
		return 0;
	}
	return 1;
}

/* Opens the file to write for @dest (see the DOC): 1 and @c set, or 0 (skipped, warned). */
static int open_target(int bundle, json_object *cfg, const char *dest, struct lr_hook_dns_change *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = c->dirfd = -1;
	const char *src = bind_source(cfg, dest);
	if (!src)
		return rootfs_file(bundle, cfg, dest, c);
	/* A relative source is the bundle's. */
	c->fd = openat(bundle, src, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (c->fd < 0 || fstat(c->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rci_warning("`%s` mounted at `%s`: %s: not written", src, dest,
			    c->fd < 0 ? strerror(errno) : "not a regular file");
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		return 0;
	}
	return 1;
}

/* Replaces the content of @fd by @len bytes of @text, in place. -1 with errno. */
static int rewrite(int fd, const char *text, size_t len)
{
	if (lseek(fd, 0, SEEK_SET) < 0 || ftruncate(fd, 0) < 0 || rci_write_all(fd, text, len) < 0)
		return -1;
	return 0;
}

/* Writes one file: the text from its old content (hosts) or from the results alone. */
static int write_one(int bundle, json_object *cfg, const char *dest, const char *pod_name,
		     json_object *const *results, size_t n, struct lr_hook_dns *undo,
		     rci_error_t *err)
{
	bool hosts = !strcmp(dest, "/etc/hosts");
	cleanup_free char *resolv = hosts ? NULL : lr_dnstext_resolv(results, n, NULL);
	if (!hosts && !resolv) {
		rci_debug("no network has DNS: `%s` left as it is", dest);
		return 0;
	}
	struct lr_hook_dns_change *c = &undo->c[undo->n];
	if (!open_target(bundle, cfg, dest, c))
		return 0;
	undo->n++;
	if (!c->name && rci_read_all_fd(c->fd, MAX_FILE, &c->old, &c->old_len, err) < 0)
		return rci_error_wrap(err, "read `%s` of the container", dest);
	const char *hostname = rci_json_get_string(cfg, "hostname");
	const char *names[] = {pod_name, hostname ? hostname : "", NULL};
	cleanup_free char *text =
	    hosts ? lr_dnstext_hosts(c->old, results, n, names) : xstrdup(resolv);
	if (rewrite(c->fd, text, strlen(text)) < 0)
		return rci_make_error(err, errno, "write `%s` of the container", dest);
	rci_debug("wrote the container's `%s`", dest);
	return 0;
}

int lr_hook_dns_write(const char *bundle, const char *pod_name, json_object *const *results,
		      size_t n, struct lr_hook_dns *undo, rci_error_t *err)
{
	memset(undo, 0, sizeof(*undo));
	if (!bundle) {
		rci_warning("the OCI state names no bundle: the container's DNS files are not "
			    "written");
		return 0;
	}
	cleanup_close int bfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0)
		return rci_make_error(err, errno, "open the bundle `%s`", bundle);
	cleanup_free char *text = NULL;
	size_t len = 0;
	int r = rci_read_file_at(bfd, "config.json", MAX_CONFIG, &text, &len, err);
	if (r == -2)
		return rci_make_error(err, ENOENT, "`%s/config.json`", bundle);
	if (r < 0)
		return -1;
	cleanup_free char *what = xasprintf("`%s/config.json`", bundle);
	cleanup_json json_object *cfg = rci_json_parse(text, len, what, err);
	if (!cfg)
		return -1;
	if (write_one(bfd, cfg, "/etc/resolv.conf", pod_name, results, n, undo, err) < 0 ||
	    write_one(bfd, cfg, "/etc/hosts", pod_name, results, n, undo, err) < 0) {
		lr_hook_dns_restore(undo);
		return -1;
	}
	return 0;
}

static void change_free(struct lr_hook_dns_change *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->dirfd >= 0)
		close(c->dirfd);
	free(c->old);
	free(c->name);
	memset(c, 0, sizeof(*c));
	c->fd = c->dirfd = -1;
}

void lr_hook_dns_restore(struct lr_hook_dns *undo)
{
	for (size_t i = undo->n; i-- > 0;) {
		struct lr_hook_dns_change *c = &undo->c[i];
		if (c->name) {
			if (unlinkat(c->dirfd, c->name, 0) < 0)
				rci_warning("remove `%s` of the container: %s", c->name,
					    strerror(errno));
		} else if (rewrite(c->fd, c->old ? c->old : "", c->old_len) < 0) {
			rci_warning("restore a DNS file of the container: %s", strerror(errno));
		}
		change_free(c);
	}
	undo->n = 0;
}

void lr_hook_dns_done(struct lr_hook_dns *undo)
{
	for (size_t i = 0; i < undo->n; i++)
		change_free(&undo->c[i]);
	undo->n = 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "state.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "util.h"

#include <fcntl.h>
#include <string.h>

int rci_state_open(struct rci_state *st, const char *dir, rci_error_t *err)
{
	memset(st, 0, sizeof(*st));
	st->dirfd = st->containers_fd = st->netns_fd = st->locks_fd = -1;
	st->dir = xstrdup(dir);
	if (rci_mkdir_p(dir, 0700, true, err) < 0)
		goto fail;
	st->dirfd = rci_open_dir(dir, err);
	if (st->dirfd < 0)
		goto fail;
	st->containers_fd = rci_open_subdir(st->dirfd, "containers", true, err);
	if (st->containers_fd < 0)
		goto fail;
	st->netns_fd = rci_open_subdir(st->dirfd, "netns", true, err);
	if (st->netns_fd < 0)
		goto fail;
	st->locks_fd = rci_open_subdir(st->dirfd, "locks", true, err);
	if (st->locks_fd < 0)
		goto fail;
	return 0;
fail:
	rci_state_close(st);
	return rci_error_wrap(err, "state directory `%s`", dir);
}

void rci_state_close(struct rci_state *st)
{
	int *fds[] = {&st->dirfd, &st->containers_fd, &st->netns_fd, &st->locks_fd};
	for (size_t i = 0; i < RCI_ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	free(st->dir);
	st->dir = NULL;
}

struct rci_container_rec *rci_container_rec_new(const char *id)
{
	struct rci_container_rec *r = xmalloc0(sizeof(*r));
	r->id = xstrdup(id);
	return r;
}

static void att_free(struct rci_attachment_rec *a)
{
	free(a->network);
	free(a->ifname);
	free(a->pod_name);
	free(a->ip);
	free(a->mac);
	free(a->phase);
	free(a->config);
}

void rci_container_rec_free(struct rci_container_rec *rec)
{
	if (!rec)
		return;
	for (size_t i = 0; i < rec->n; i++)
		att_free(&rec->att[i]);
	free(rec->att);
	free(rec->id);
	free(rec);
}

int rci_container_rec_find(const struct rci_container_rec *rec, const char *network)
{
	for (size_t i = 0; rec && i < rec->n; i++)
		if (strcmp(rec->att[i].network, network) == 0)
			return (int)i;
	return -1;
}

struct rci_attachment_rec *rci_container_rec_add(struct rci_container_rec *rec)
{
	rec->att = xrealloc(rec->att, (rec->n + 1) * sizeof(*rec->att));
	memset(&rec->att[rec->n], 0, sizeof(rec->att[0]));
	return &rec->att[rec->n++];
}

void rci_container_rec_remove(struct rci_container_rec *rec, size_t idx)
{
	att_free(&rec->att[idx]);
	memmove(&rec->att[idx], &rec->att[idx + 1], (rec->n - idx - 1) * sizeof(rec->att[0]));
	rec->n--;
}

char *rci_container_rec_next_ifname(const struct rci_container_rec *rec)
{
	size_t n = rec ? rec->n : 0;
	for (size_t k = n;; k = (k == n ? 0 : k + 1)) {
		char *name = xasprintf("eth%zu", k);
		bool taken = false;
		for (size_t i = 0; i < n && !taken; i++)
			taken = strcmp(rec->att[i].ifname, name) == 0;
		if (!taken)
			return name;
		free(name);
	}
}

static char *rec_file(const char *id)
{
	return xasprintf("%s.json", id);
}

static char *dup_field(json_object *o, const char *key)
{
	const char *v = rci_json_get_string(o, key);
	return xstrdup(v ? v : "");
}

int rci_state_load(struct rci_state *st, const char *id, struct rci_container_rec **out,
		   rci_error_t *err)
{
	cleanup_free char *name = rec_file(id);
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int r = rci_read_file_at(st->containers_fd, name, 1024 * 1024, &buf, &len, err);
	if (r < 0)
		return r == -2 ? -2 : rci_error_wrap(err, "state of `%s`", id);
	cleanup_json json_object *o = rci_json_parse(buf, len, name, err);
	json_object *atts = rci_json_get_type(o, "attachments", json_type_array);
	if (!o || !atts)
		return o ? rci_make_error(err, 0, "state `%s`: no attachments array", name)
			 : rci_error_wrap(err, "state");
	struct rci_container_rec *rec = rci_container_rec_new(id);
	for (size_t i = 0; i < json_object_array_length(atts); i++) {
		json_object *a = json_object_array_get_idx(atts, i);
		if (!rci_json_get_string(a, "network") || !rci_json_get_string(a, "ifname")) {
			rci_container_rec_free(rec);
			return rci_make_error(err, 0, "state `%s`: attachment %zu is malformed",
					      name, i);
		}
		struct rci_attachment_rec *ar = rci_container_rec_add(rec);
		ar->network = dup_field(a, "network");
		ar->ifname = dup_field(a, "ifname");
		ar->pod_name = dup_field(a, "podName");
		ar->ip = dup_field(a, "ip");
		ar->mac = dup_field(a, "mac");
		ar->phase = dup_field(a, "phase");
		ar->config = dup_field(a, "config");
	}
	*out = rec;
	return 0;
}

int rci_state_save(struct rci_state *st, const struct rci_container_rec *rec, rci_error_t *err)
{
	cleanup_free char *name = rec_file(rec->id);
	long long t0 = rci_now_ms();
	if (rec->n == 0) {
		if (rci_unlink_at(st->containers_fd, name, 0, err) < 0)
			return -1;
		rci_debug_step("state", t0, "removed `%s/containers/%s`", st->dir, name);
		return 0;
	}
	cleanup_json json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(rec->id));
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < rec->n; i++) {
		const struct rci_attachment_rec *a = &rec->att[i];
		json_object *e = json_object_new_object();
		json_object_object_add(e, "network", json_object_new_string(a->network));
		json_object_object_add(e, "ifname", json_object_new_string(a->ifname));
		json_object_object_add(e, "podName",
				       json_object_new_string(a->pod_name ? a->pod_name : ""));
		json_object_object_add(e, "ip", json_object_new_string(a->ip ? a->ip : ""));
		json_object_object_add(e, "mac", json_object_new_string(a->mac ? a->mac : ""));
		json_object_object_add(e, "phase",
				       json_object_new_string(a->phase ? a->phase : ""));
		if (a->config && *a->config)
			json_object_object_add(e, "config", json_object_new_string(a->config));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "attachments", arr);
	const char *s = rci_json_str(o);
	if (rci_write_file_atomic_at(st->containers_fd, name, s, strlen(s), 0600, err) < 0)
		return -1;
	rci_debug_step("state", t0, "wrote `%s/containers/%s`", st->dir, name);
	return 0;
}

/*
 * Calls @fn with the ID of every record until it returns false. The directory is read through
 * a dup of the state's fd, rewound, so every scan sees it whole.
 */
static int each_record(struct rci_state *st, bool (*fn)(const char *id, size_t len, void *data),
		       void *data, rci_error_t *err)
{
	int fd = fcntl(st->containers_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return rci_make_error(err, errno, "dup");
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return rci_make_error(err, errno, "read state directory");
	}
	rewinddir(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0 &&
		    !fn(de->d_name, l - 5, data))
			break;
	}
	return 0;
}

static bool found_one(const char *id, size_t len, void *data)
{
	(void)id;
	(void)len;
	*(bool *)data = true;
	return false;
}

int rci_state_any(struct rci_state *st, bool *any, rci_error_t *err)
{
	*any = false;
	return each_record(st, found_one, any, err);
}

static bool collect(const char *id, size_t len, void *data)
{
	cleanup_free char *copy = xstrndup(id, len);
	rci_strv_push(data, copy);
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int rci_state_list_ids(struct rci_state *st, char ***ids, rci_error_t *err)
{
	char **v = xmalloc0(sizeof(char *));
	if (each_record(st, collect, &v, err) < 0) {
		rci_strv_free(v);
		return -1;
	}
	qsort(v, rci_strv_len(v), sizeof(char *), cmp_str);
	*ids = v;
	return 0;
}

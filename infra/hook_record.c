/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "hook_record.h"
#include "fs.h"
#include "json.h"
#include "util.h"

#include <fcntl.h>
#include <string.h>

int lr_hook_dir_open(const struct lr_ctx *ctx, struct lr_state *hooks, rci_error_t *err)
{
	cleanup_free char *base =
	    ctx->root_given ? xstrdup(ctx->state_base) : lr_ctx_uid_state_dir();
	hooks->dfd = -1;
	/* The base is a state dir: private, ours (lr_state_open's rules). */
	if (rci_mkdir_p(base, 0700, true, err) < 0)
		return rci_error_wrap(err, "state directory");
	hooks->dir = xasprintf("%s/%s", base, LR_HOOKS_DIR);
	return lr_state_open(hooks, err);
}

int lr_hook_log_open(const struct lr_state *hooks, const char *id, rci_error_t *err)
{
	cleanup_free char *name = xasprintf("%s.log", id);
	int fd =
	    openat(hooks->dfd, name, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return rci_make_error(err, errno, "open `%s/%s`", hooks->dir, name);
	return fd;
}

int lr_hook_record_save(const struct lr_state *hooks, const char *id,
			const struct lr_hook_record *rec, rci_error_t *err)
{
	cleanup_free char *name = xasprintf("%s.json", id);
	cleanup_json json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "stateDir", json_object_new_string(rec->state_base));
	json_object_object_add(o, "key", json_object_new_string(rec->key));
	json_object *nets = json_object_new_array();
	for (size_t i = 0; rec->networks && rec->networks[i]; i++)
		json_object_array_add(nets, json_object_new_string(rec->networks[i]));
	json_object_object_add(o, "networks", nets);
	const char *text = rci_json_str(o);
	return rci_write_file_atomic_at(hooks->dfd, name, text, strlen(text), 0600, err);
}

int lr_hook_record_load(const struct lr_state *hooks, const char *id, struct lr_hook_record *rec,
			rci_error_t *err)
{
	memset(rec, 0, sizeof(*rec));
	cleanup_free char *name = xasprintf("%s.json", id);
	cleanup_free char *text = NULL;
	size_t len = 0;
	int r = rci_read_file_at(hooks->dfd, name, 1 << 20, &text, &len, err);
	if (r < 0)
		return r;
	cleanup_free char *what = xasprintf("`%s/%s`", hooks->dir, name);
	cleanup_json json_object *o = rci_json_parse(text, len, what, err);
	if (!o)
		return -1;
	const char *base = rci_json_get_string(o, "stateDir");
	const char *key = rci_json_get_string(o, "key");
	if (!base || base[0] != '/' || !key)
		return rci_make_error(err, 0, "%s: no `stateDir` or `key`", what);
	rec->state_base = xstrdup(base);
	rec->key = xstrdup(key);
	json_object *nets = rci_json_get_type(o, "networks", json_type_array);
	for (size_t i = 0; nets && i < json_object_array_length(nets); i++) {
		json_object *n = json_object_array_get_idx(nets, i);
		if (json_object_is_type(n, json_type_string))
			rci_strv_push(&rec->networks, json_object_get_string(n));
	}
	return 0;
}

void lr_hook_record_clear(struct lr_hook_record *rec)
{
	free(rec->state_base);
	free(rec->key);
	rci_strv_free(rec->networks);
	memset(rec, 0, sizeof(*rec));
}

void lr_hook_record_remove(const struct lr_state *hooks, const char *id, bool log)
{
	cleanup_free char *name = xasprintf("%s.json", id);
	lr_state_unlink(hooks, name);
	if (log) {
		cleanup_free char *logname = xasprintf("%s.log", id);
		lr_state_unlink(hooks, logname);
	}
}

void lr_hook_log_remove(const struct lr_state *hooks, const char *id)
{
	cleanup_free char *name = xasprintf("%s.json", id);
	if (lr_state_exists(hooks, name))
		return;
	cleanup_free char *logname = xasprintf("%s.log", id);
	lr_state_unlink(hooks, logname);
}

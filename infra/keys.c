/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "keys.h"
#include "infra.h"
#include "launcher_lock.h"
#include "log.h"
#include "orphan.h"
#include "statekey.h"
#include "util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/file.h>

/* The keys under the state dir: `host` (the dir itself) first, then each `userns-` dir. */
static char **list_keys(const struct lr_ctx *ctx)
{
	char **keys = NULL;
	rci_strv_push(&keys, LR_KEY_HOST);
	int fd = open(ctx->state_base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_dir DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return keys;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (lr_statekey_is_userns(de->d_name) && de->d_type == DT_DIR)
			rci_strv_push(&keys, de->d_name);
	return keys;
}

/* Opens @key's state and takes its lock in @mode without waiting: the lock fd, -1 otherwise. */
static int take_key(const struct lr_ctx *ctx, const char *key, struct lr_ctx *kctx, int mode)
{
	rci_error_t tmp = NULL;
	int r = lr_ctx_for_key(ctx, key, kctx, &tmp);
	if (r == -1)
		rci_debug("%s", tmp->msg);
	rci_error_release(&tmp);
	if (r < 0)
		return -1;
	/* Opened, never created: a key dir without a lock file has had no launcher. */
	int fd = openat(kctx->state.dfd, LR_STATE_LOCK, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && flock(fd, mode | LOCK_NB) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void sweep_key(const struct lr_ctx *ctx, const char *key)
{
	struct lr_ctx kctx;
	cleanup_close int lock = take_key(ctx, key, &kctx, LOCK_EX);
	struct lr_infra *inf = NULL;
	rci_error_t tmp = NULL;
	if (lock < 0)
		goto out;
	if (lr_infra_load(&kctx, &inf, &tmp) < 0)
		goto out;
	if (lr_infra_alive(inf)) {
		if (inf->own_userns || !lr_infra_orphaned(inf))
			goto out;
		rci_warning("the infra `%s` (pid %d) serves a user namespace nothing else uses any "
			    "more; stopping it",
			    key, (int)inf->pid);
	} else if (inf || lr_infra_leftovers(&kctx)) {
		rci_debug("the infra `%s` is gone; cleaning up what is left of it", key);
	} else {
		goto out;
	}
	if (lr_infra_stop(&kctx, inf, &tmp) < 0)
		goto out;
out:
	if (tmp) {
		rci_warning("infra `%s`: %s", key, tmp->msg);
		rci_error_release(&tmp);
	}
	lr_infra_free(inf);
	lr_ctx_free(&kctx);
}

void lr_keys_sweep(const struct lr_ctx *ctx)
{
	cleanup_strv char **keys = list_keys(ctx);
	for (size_t i = 0; keys[i]; i++)
		if (lr_statekey_is_userns(keys[i]) && strcmp(keys[i], ctx->key) != 0)
			sweep_key(ctx, keys[i]);
}

static json_object *key_status(const struct lr_ctx *ctx, const char *key)
{
	struct lr_ctx kctx;
	cleanup_close int lock = take_key(ctx, key, &kctx, LOCK_SH);
	json_object *o = NULL;
	struct lr_infra *inf = NULL;
	rci_error_t tmp = NULL;
	cleanup_free char *userns = NULL;
	if (kctx.state.dfd < 0)
		goto out;
	o = json_object_new_object();
	json_object_object_add(o, "key", json_object_new_string(key));
	json_object_object_add(o, "stateDir", json_object_new_string(kctx.state.dir));
	if (lock < 0 && lr_state_exists(&kctx.state, LR_STATE_LOCK)) {
		json_object_object_add(o, "busy", json_object_new_boolean(true));
		goto out;
	}
	if (lr_infra_load(&kctx, &inf, &tmp) < 0 || !lr_infra_alive(inf)) {
		if (!inf && !lr_infra_leftovers(&kctx)) {
			json_object_put(o);
			o = NULL;
			goto out;
		}
		json_object_object_add(o, "running", json_object_new_boolean(false));
		json_object_object_add(o, "leftovers", json_object_new_boolean(true));
		goto out;
	}
	userns = lr_infra_userns_path(inf);
	json_object_object_add(o, "running", json_object_new_boolean(true));
	json_object_object_add(o, "pid", json_object_new_int(inf->pid));
	json_object_object_add(o, "userns", json_object_new_string(userns));
	json_object_object_add(o, "ownUserns", json_object_new_boolean(inf->own_userns));
	if (!inf->own_userns)
		json_object_object_add(o, "orphaned",
				       json_object_new_boolean(lr_infra_orphaned(inf)));
out:
	rci_error_release(&tmp);
	lr_infra_free(inf);
	lr_ctx_free(&kctx);
	return o;
}

json_object *lr_keys_status(const struct lr_ctx *ctx)
{
	json_object *arr = json_object_new_array();
	cleanup_strv char **keys = list_keys(ctx);
	for (size_t i = 0; keys[i]; i++) {
		json_object *o = key_status(ctx, keys[i]);
		if (o)
			json_object_array_add(arr, o);
	}
	return arr;
}

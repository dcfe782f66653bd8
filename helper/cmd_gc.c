/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cache.h"
#include "commands.h"
#include "fs.h"
#include "json.h"
#include "lock.h"
#include "log.h"
#include "netns.h"
#include "util.h"
#include "validate.h"

#include <fcntl.h>
#include <string.h>
#include <sys/file.h>

static bool is_live(char **live, const char *id)
{
	for (size_t i = 0; live[i]; i++)
		if (strcmp(live[i], id) == 0)
			return true;
	return false;
}

/* Releases every attachment of @id; the first failure is reported, the others still run. */
static int release_all(struct rci_ctx *ctx, const char *id, json_object *released, rci_error_t *err)
{
	int lk = rci_lock_id(ctx, id, err);
	if (lk < 0)
		return -1;
	struct rci_container_rec *rec = NULL;
	int r = rci_state_load(&ctx->st, id, &rec, err);
	int ret = r == -1 ? -1 : 0;
	for (size_t i = 0; r == 0 && i < rec->n;) {
		cleanup_free char *what = xasprintf("%s/%s", id, rec->att[i].network);
		rci_error_t e = NULL;
		if (rci_release_attachment(ctx, rec, i, &e) == 0) {
			json_object_array_add(released, json_object_new_string(what));
			continue; /* the entry at i was removed */
		}
		if (ret == 0)
			*err = e;
		else
			rci_error_release(&e);
		ret = -1;
		i++;
	}
	bool gone = r == -2 || (rec && rec->n == 0);
	if (gone) {
		/* A netns without a record is a leftover of an interrupted alloc. */
		cleanup_free char *netns = rci_ctx_netns_path(ctx, id);
		rci_netns_remove(netns, NULL);
	}
	rci_container_rec_free(rec);
	rci_unlock_id(ctx, id, lk, gone);
	return ret;
}

static bool has_record(struct rci_ctx *ctx, const char *id)
{
	struct rci_container_rec *rec = NULL;
	rci_error_t tmp = NULL;
	bool has = rci_state_load(&ctx->st, id, &rec, &tmp) != -2;
	rci_error_release(&tmp);
	rci_container_rec_free(rec);
	return has;
}

/*
 * DELs the cached attachment @listed if its ID still has no record, deciding under the ID's lock:
 * an alloc holds that lock from before its record exists until it is done, so an engine that
 * deallocs and allocs the ID again (a container restart) meanwhile cannot have its new
 * attachment DELed (issue 13, bug 2). The entry is read again under the lock for the same reason.
 */
static int release_orphan(struct rci_ctx *ctx, const struct cni_cache_entry *listed,
			  json_object *released, rci_error_t *err)
{
	const char *id = listed->container_id;
	int lk = rci_lock_id(ctx, id, err);
	if (lk < 0)
		return -1;
	bool orphan = !has_record(ctx, id);
	struct cni_cache_entry *e = NULL;
	rci_error_t tmp = NULL;
	int ret = 0;
	if (orphan &&
	    cni_cache_read(ctx->rt.cache_dir, listed->network, id, listed->ifname, &e, &tmp) == 0) {
		struct cni_attachment att = {
		    .container_id = id,
		    .netns = e->netns && rci_netns_is_pinned(e->netns) ? e->netns : "",
		    .ifname = e->ifname,
		    .args = &e->args,
		};
		ret = cni_del_network_list(&ctx->rt, e->network, NULL, &att, err);
		if (ret == 0) {
			cleanup_free char *what = xasprintf("%s/%s", id, e->network);
			json_object_array_add(released, json_object_new_string(what));
		}
	}
	rci_error_release(&tmp);
	cni_cache_entry_free(e);
	rci_unlock_id(ctx, id, lk, orphan);
	return ret;
}

/*
 * GC-1: cached attachments with no record (an alloc killed after its ADD but before its record
 * was saved, or state lost) are DELeted with their cached config and arguments.
 */
static int release_cached_orphans(struct rci_ctx *ctx, char **live, json_object *released,
				  rci_error_t *err)
{
	struct cni_cache_entry **entries = NULL;
	if (cni_cache_list(ctx->rt.cache_dir, &entries, err) < 0)
		return -1;
	int ret = 0;
	for (size_t i = 0; entries[i]; i++) {
		struct cni_cache_entry *e = entries[i];
		rci_error_t tmp = NULL;
		/* The ID names a lock file: only a valid one gets that far. */
		if (!is_live(live, e->container_id) &&
		    rci_validate_id(e->container_id, NULL) == 0 &&
		    !has_record(ctx, e->container_id) &&
		    release_orphan(ctx, e, released, &tmp) < 0) {
			if (ret == 0)
				*err = tmp;
			else
				rci_error_release(&tmp);
			ret = -1;
		}
		cni_cache_entry_free(e);
	}
	free(entries);
	return ret;
}

/* gc [LIVE_ID...]: CNI GC semantics: release everything whose ID is not listed. */
int cmd_gc(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	cleanup_strv char **live = xmalloc0(sizeof(char *));
	for (int i = 0; i < argc; i++) {
		if (rci_validate_id(argv[i], err) < 0)
			return -1;
		rci_strv_push(&live, argv[i]);
	}
	if (rci_ctx_open_state(ctx, err) < 0)
		return -1;
	cleanup_strv char **ids = NULL;
	if (rci_state_list_ids(&ctx->st, &ids, err) < 0)
		return -1;
	/* Netns files without a record, too (an alloc killed between the two steps). */
	int nfd = fcntl(ctx->st.netns_fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = nfd >= 0 ? fdopendir(nfd) : NULL;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || rci_validate_id(de->d_name, NULL) < 0)
			continue;
		bool known = false;
		for (size_t i = 0; ids[i] && !known; i++)
			known = strcmp(ids[i], de->d_name) == 0;
		if (!known)
			rci_strv_push(&ids, de->d_name);
	}
	if (d)
		closedir(d);
	cleanup_json json_object *released = json_object_new_array();
	int ret = 0;
	for (size_t i = 0; ids[i]; i++) {
		if (is_live(live, ids[i]))
			continue;
		rci_error_t e = NULL;
		if (release_all(ctx, ids[i], released, &e) < 0) {
			if (ret == 0)
				*err = e;
			else
				rci_error_release(&e);
			ret = -1;
		}
	}
	rci_error_t e = NULL;
	if (release_cached_orphans(ctx, live, released, &e) < 0) {
		if (ret == 0)
			*err = e;
		else
			rci_error_release(&e);
		ret = -1;
	}
	if (ret < 0)
		return rci_error_wrap(err, "gc");
	cleanup_json json_object *o = json_object_new_object();
	json_object_object_add(o, "released", json_object_get(released));
	return rci_json_print(o, err);
}

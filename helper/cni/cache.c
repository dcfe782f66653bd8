/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cache.h"
#include "fs.h"
#include "json.h"
#include "util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *cni_base64_encode(const char *data, size_t len)
{
	const unsigned char *d = (const unsigned char *)data;
	char *out = xmalloc0(4 * ((len + 2) / 3) + 1), *p = out;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)d[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)d[i + 1] << 8;
		if (i + 2 < len)
			v |= d[i + 2];
		*p++ = b64[(v >> 18) & 63];
		*p++ = b64[(v >> 12) & 63];
		*p++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*p++ = i + 2 < len ? b64[v & 63] : '=';
	}
	return out;
}

char *cni_base64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s);
	if (n % 4)
		return NULL;
	char *out = xmalloc0(n / 4 * 3 + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		unsigned v = 0;
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			char c = s[i + k];
			const char *pos = c ? strchr(b64, c) : NULL;
			if (c == '=' && i + 4 == n && k >= 2) {
				pad++;
				v <<= 6;
				continue;
			}
			if (!pos || pad) {
				free(out);
				return NULL;
			}
			v = (v << 6) | (unsigned)(pos - b64);
		}
		out[o++] = (char)((v >> 16) & 255);
		if (pad < 2)
			out[o++] = (char)((v >> 8) & 255);
		if (pad < 1)
			out[o++] = (char)(v & 255);
	}
	out[o] = '\0';
	*len = o;
	return out;
}

void cni_cache_entry_free(struct cni_cache_entry *e)
{
	if (!e)
		return;
	free(e->container_id);
	free(e->ifname);
	free(e->network);
	free(e->netns);
	free(e->config);
	cni_args_clear(&e->args);
	if (e->capability_args)
		json_object_put(e->capability_args);
	if (e->result)
		json_object_put(e->result);
	free(e);
}

static char *entry_name(const char *network, const char *id, const char *ifname)
{
	return xasprintf("%s-%s-%s", network, id, ifname);
}

static int open_results_dir(const char *cache_dir, bool create, rci_error_t *err)
{
	if (create && rci_mkdir_p(cache_dir, 0700, false, err) < 0)
		return -1;
	cleanup_close int dfd = rci_open_dir(cache_dir, err);
	if (dfd < 0) {
		if (!create && err && *err && (*err)->status == ENOENT) {
			rci_error_release(err);
			return -2;
		}
		return -1;
	}
	return rci_open_subdir(dfd, "results", create, err);
}

static void add_str(json_object *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_object_add(o, k, json_object_new_string(v));
}

static int parse_entry(json_object *o, struct cni_cache_entry *e, rci_error_t *err)
{
	const char *cfg = rci_json_get_string(o, "config");
	if (cfg) {
		e->config = cni_base64_decode(cfg, &e->config_len);
		if (!e->config)
			return rci_make_error(err, 0, "`config` is not valid base64");
	}
	const char *netns = rci_json_get_string(o, "netns");
	if (netns)
		e->netns = xstrdup(netns);
	json_object *v;
	if (json_object_object_get_ex(o, "cniArgs", &v) && cni_args_from_json(v, &e->args, err) < 0)
		return -1;
	if ((v = rci_json_get_type(o, "capabilityArgs", json_type_object)))
		e->capability_args = rci_json_copy(v);
	if ((v = rci_json_get_type(o, "result", json_type_object)))
		e->result = rci_json_copy(v);
	return 0;
}

/* The entry's own fields name its attachment. One that names none (a legacy bare result, a
 * corrupt file) says nothing against the caller, who found it at its name (libcni's view). */
static bool names_other(json_object *o, const char *network, const char *id, const char *ifname)
{
	const struct {
		const char *key, *want;
	} fields[] = {{"networkName", network}, {"containerId", id}, {"ifName", ifname}};
	json_object *v;
	for (size_t i = 0; i < RCI_ARRAY_SIZE(fields); i++)
		if (json_object_object_get_ex(o, fields[i].key, &v) &&
		    (!json_object_is_type(v, json_type_string) ||
		     strcmp(json_object_get_string(v), fields[i].want) != 0))
			return true;
	return false;
}

static int foreign_error(rci_error_t *err, const char *name, json_object *o, const char *network,
			 const char *id, const char *ifname)
{
	const char *onet = rci_json_get_string(o, "networkName");
	const char *oid = rci_json_get_string(o, "containerId");
	const char *oif = rci_json_get_string(o, "ifName");
	return rci_make_error_kind(err, RCI_ERR_CONFLICT, 0,
				   "CNI cache entry `%s` of container `%s` on network `%s` (%s) is "
				   "held by container `%s` on network `%s` (%s): the names collide",
				   name, id, network, ifname, oid ? oid : "?", onet ? onet : "?",
				   oif ? oif : "?");
}

/*
 * Reads @rfd/<network>-<id>-<ifname>: 0 and *out, -2 when missing, -1 when unusable,
 * CNI_CACHE_FOREIGN when its fields name another attachment (*err then says whose).
 */
static int read_entry_at(int rfd, const char *network, const char *container_id, const char *ifname,
			 struct cni_cache_entry **out, rci_error_t *err)
{
	cleanup_free char *name = entry_name(network, container_id, ifname);
	cleanup_free char *buf = NULL;
	size_t len = 0;
	*out = NULL;
	int r = rci_read_file_at(rfd, name, 4 * 1024 * 1024, &buf, &len, err);
	if (r < 0)
		return r;
	cleanup_json json_object *o = rci_json_parse(buf, len, name, err);
	if (!o || !json_object_is_type(o, json_type_object)) {
		if (o)
			return rci_make_error(err, 0, "CNI cache `%s`: not a JSON object", name);
		return rci_error_wrap(err, "CNI cache");
	}
	const char *kind = rci_json_get_string(o, "kind");
	bool v1 = kind && strcmp(kind, "cniCacheV1") == 0;
	if (v1 && names_other(o, network, container_id, ifname)) {
		foreign_error(err, name, o, network, container_id, ifname);
		return CNI_CACHE_FOREIGN;
	}
	struct cni_cache_entry *e = xmalloc0(sizeof(*e));
	e->container_id = xstrdup(container_id);
	e->ifname = xstrdup(ifname);
	e->network = xstrdup(network);
	if (!v1) {
		/* Pre-0.7 libcni stored the bare result. */
		e->result = rci_json_copy(o);
	} else if (parse_entry(o, e, err) < 0) {
		cni_cache_entry_free(e);
		return rci_error_wrap(err, "CNI cache `%s`", name);
	}
	*out = e;
	return 0;
}

/*
 * Two attachments whose names collide hold different ID locks: the check of an entry's owner
 * and the write or unlink that follows happen under an exclusive flock of results/, released
 * when the caller closes @rfd. No plugin runs meanwhile.
 */
static int lock_results(int rfd, rci_error_t *err)
{
	int r;
	do
		r = flock(rfd, LOCK_EX);
	while (r < 0 && errno == EINTR);
	return r < 0 ? rci_make_error(err, errno, "lock the CNI cache") : 0;
}

/*
 * The owner check after reading an entry (@read: read_entry_at's return): -1 with *err kept
 * when another attachment holds the name; 0 when it is free, ours, or unusable (then it is ours
 * to replace or drop, CNI #1055).
 */
static int owner_verdict(int read, struct cni_cache_entry *e, rci_error_t *err)
{
	cni_cache_entry_free(e);
	if (read == CNI_CACHE_FOREIGN)
		return -1;
	if (read == -1)
		rci_error_release(err);
	return 0;
}

static int check_owner_at(int rfd, const char *network, const char *id, const char *ifname,
			  rci_error_t *err)
{
	struct cni_cache_entry *e = NULL;
	int r = read_entry_at(rfd, network, id, ifname, &e, err);
	return owner_verdict(r, e, err);
}

int cni_cache_write(const char *cache_dir, const struct cni_cache_entry *e, rci_error_t *err)
{
	cleanup_close int rfd = open_results_dir(cache_dir, true, err);
	if (rfd < 0)
		return rci_error_wrap(err, "CNI cache `%s`", cache_dir);
	cleanup_json json_object *o = json_object_new_object();
	json_object_object_add(o, "kind", json_object_new_string("cniCacheV1"));
	add_str(o, "containerId", e->container_id);
	if (e->config_len) {
		cleanup_free char *enc = cni_base64_encode(e->config, e->config_len);
		add_str(o, "config", enc);
	}
	add_str(o, "ifName", e->ifname);
	add_str(o, "networkName", e->network);
	add_str(o, "netns", e->netns);
	if (e->args.n)
		json_object_object_add(o, "cniArgs", cni_args_to_json(&e->args));
	if (e->capability_args && json_object_object_length(e->capability_args))
		json_object_object_add(o, "capabilityArgs", rci_json_copy(e->capability_args));
	if (e->result)
		json_object_object_add(o, "result", rci_json_copy(e->result));
	const char *s = rci_json_str(o);
	cleanup_free char *name = entry_name(e->network, e->container_id, e->ifname);
	if (lock_results(rfd, err) < 0 ||
	    check_owner_at(rfd, e->network, e->container_id, e->ifname, err) < 0)
		return -1;
	/* 0600: capability args can carry secrets (CCH-6). */
	if (rci_write_file_atomic_at(rfd, name, s, strlen(s), 0600, err) < 0)
		return rci_error_wrap(err, "CNI cache");
	return 0;
}

int cni_cache_read(const char *cache_dir, const char *network, const char *container_id,
		   const char *ifname, struct cni_cache_entry **out, rci_error_t *err)
{
	cleanup_close int rfd = open_results_dir(cache_dir, false, err);
	if (rfd == -2)
		return -2;
	if (rfd < 0)
		return -1;
	return read_entry_at(rfd, network, container_id, ifname, out, err);
}

int cni_cache_check_owner(const char *cache_dir, const char *network, const char *container_id,
			  const char *ifname, rci_error_t *err)
{
	struct cni_cache_entry *e = NULL;
	int r = cni_cache_read(cache_dir, network, container_id, ifname, &e, err);
	return owner_verdict(r, e, err);
}

int cni_cache_delete(const char *cache_dir, const char *network, const char *container_id,
		     const char *ifname, rci_error_t *err)
{
	cleanup_close int rfd = open_results_dir(cache_dir, false, err);
	if (rfd == -2)
		return 0;
	if (rfd < 0)
		return -1;
	if (lock_results(rfd, err) < 0)
		return -1;
	/* Another attachment's entry is not ours to delete: we have none. */
	rci_error_t tmp = NULL;
	if (check_owner_at(rfd, network, container_id, ifname, &tmp) < 0) {
		rci_error_release(&tmp);
		return 0;
	}
	cleanup_free char *name = entry_name(network, container_id, ifname);
	return rci_unlink_at(rfd, name, 0, err);
}

static int cmp_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int cni_cache_list(const char *cache_dir, struct cni_cache_entry ***out, rci_error_t *err)
{
	*out = xmalloc0(sizeof(**out));
	cleanup_close int rfd = open_results_dir(cache_dir, false, err);
	if (rfd == -2)
		return 0;
	if (rfd < 0)
		return -1;
	struct dirent **names = NULL;
	int n = scandirat(rfd, ".", &names, NULL, cmp_names);
	size_t count = 0;
	for (int i = 0; i < n; i++) {
		cleanup_free char *buf = NULL;
		size_t len = 0;
		rci_error_t tmp = NULL;
		json_object *o = NULL;
		if (names[i]->d_name[0] != '.' &&
		    rci_read_file_at(rfd, names[i]->d_name, 4 * 1024 * 1024, &buf, &len, &tmp) == 0)
			o = rci_json_parse(buf, len, names[i]->d_name, &tmp);
		rci_error_release(&tmp);
		const char *kind = rci_json_get_string(o, "kind");
		const char *id = rci_json_get_string(o, "containerId");
		const char *ifn = rci_json_get_string(o, "ifName");
		const char *net = rci_json_get_string(o, "networkName");
		if (kind && strcmp(kind, "cniCacheV1") == 0 && id && ifn && *ifn && net && *net) {
			struct cni_cache_entry *e = xmalloc0(sizeof(*e));
			e->container_id = xstrdup(id);
			e->ifname = xstrdup(ifn);
			e->network = xstrdup(net);
			if (parse_entry(o, e, &tmp) == 0) {
				*out = xrealloc(*out, (count + 2) * sizeof(**out));
				(*out)[count++] = e;
				(*out)[count] = NULL;
			} else {
				rci_error_release(&tmp);
				cni_cache_entry_free(e);
			}
		}
		if (o)
			json_object_put(o);
		free(names[i]);
	}
	free(names);
	return 0;
}

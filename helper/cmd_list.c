/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "commands.h"
#include "json.h"
#include "lock.h"
#include "util.h"

#include <string.h>
#include <sys/file.h>

static int list_ids_shared(struct rci_ctx *ctx, char ***ids, rci_error_t *err)
{
	if (rci_ctx_open_state(ctx, err) < 0)
		return -1;
	/* Shared: an alloc adding a new ID holds it exclusively while its record appears. */
	int g = rci_lock_at(ctx->st.dirfd, "lock", LOCK_SH, err);
	if (g < 0)
		return -1;
	int r = rci_state_list_ids(&ctx->st, ids, err);
	rci_unlock_at(ctx->st.dirfd, "lock", g, false);
	return r;
}

static json_object *ips_of(struct rci_ctx *ctx, const char *id, const struct rci_attachment_rec *a)
{
	json_object *ips = json_object_new_array();
	struct cni_attachment att = {.container_id = id, .ifname = a->ifname};
	cleanup_json json_object *result = NULL;
	rci_error_t tmp = NULL;
	if (cni_get_cached_result(&ctx->rt, a->network, &att, &result, &tmp) == 0) {
		json_object *arr = rci_json_get_type(result, "ips", json_type_array);
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
			const char *addr =
			    rci_json_get_string(json_object_array_get_idx(arr, i), "address");
			if (addr)
				json_object_array_add(ips, json_object_new_string(addr));
		}
	}
	rci_error_release(&tmp);
	return ips;
}

/* list: every attachment, with its interface, addresses, netns path and phase. */
int cmd_list(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	(void)argv;
	if (rci_check_argc("list", "", argc, 0, 0, err) < 0)
		return -1;
	cleanup_strv char **ids = NULL;
	if (list_ids_shared(ctx, &ids, err) < 0)
		return -1;
	cleanup_json json_object *out = json_object_new_array();
	for (size_t i = 0; ids[i]; i++) {
		struct rci_container_rec *rec = NULL;
		rci_error_t tmp = NULL;
		if (rci_state_load(&ctx->st, ids[i], &rec, &tmp) < 0) {
			/* Removed meanwhile (or unreadable): list what is there. */
			rci_error_release(&tmp);
			continue;
		}
		cleanup_free char *netns = NULL, *userns = NULL;
		rci_ctx_host_paths(ctx, ids[i], &netns, &userns);
		for (size_t k = 0; k < rec->n; k++) {
			const struct rci_attachment_rec *a = &rec->att[k];
			json_object *e = json_object_new_object();
			json_object_object_add(e, "id", json_object_new_string(rec->id));
			json_object_object_add(e, "network", json_object_new_string(a->network));
			json_object_object_add(e, "ifname", json_object_new_string(a->ifname));
			json_object_object_add(e, "ips", ips_of(ctx, rec->id, a));
			json_object_object_add(e, "netns", json_object_new_string(netns));
			json_object_object_add(e, "podName", json_object_new_string(a->pod_name));
			json_object_object_add(e, "phase", json_object_new_string(a->phase));
			/* Which config dir the network came from: the user's or the shipped one. */
			if (*a->config)
				json_object_object_add(e, "config",
						       json_object_new_string(a->config));
			json_object_array_add(out, e);
		}
		rci_container_rec_free(rec);
	}
	return rci_json_print(out, err);
}

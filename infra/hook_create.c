/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OCI hook's createRuntime (hook.h). */
#include "attach.h"
#include "call.h"
#include "hook.h"
#include "hook_dns.h"
#include "hook_netns.h"
#include "hook_record.h"
#include "json.h"
#include "log.h"
#include "netconf.h"
#include "proctable.h"
#include "session.h"
#include "statekey.h"
#include "util.h"

#include <fcntl.h>
#include <string.h>

/* What createRuntime did so far, undone in reverse on failure. */
struct progress {
	struct lr_session s;
	bool recorded;
	size_t attached;       /* networks attached, in order */
	json_object **results; /* their CNI results */
	struct lr_hook_dns dns;
};

/* The user namespace our netns must belong to: the infra's, or ours when it will share ours. */
static int target_userns(const struct lr_ctx *ctx, const struct lr_infra *inf)
{
	if (inf)
		return lr_proc_open_ns(inf->pid, inf->pid_start, "user");
	if (lr_statekey_is_userns(ctx->key))
		return open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	return -1;
}

/*
 * Network @i (attach.h: reserve the ports, CNI ADD, publish; rolled back on failure), into the
 * netns given as the helper's fd 3; the ports and the IP and MAC go with the first network.
 * Returns its CNI result.
 */
static json_object *attach(struct lr_ctx *ctx, const struct lr_hook_state *st,
			   const struct lr_hook_req *req, struct lr_session *s, size_t i,
			   rci_error_t *err)
{
	char *netns_opts[] = {"--netns", "/proc/self/fd/3", NULL};
	struct lr_attach a = {.id = st->id,
			      .net = req->networks[i],
			      .pod = req->pod_name,
			      .ip = i == 0 ? req->ip : "",
			      .mac = i == 0 ? req->mac : "",
			      .helper_opts = netns_opts,
			      .ports = i == 0 ? req->ports : NULL,
			      .nports = i == 0 ? req->nports : 0};
	cleanup_json json_object *r = lr_attach(ctx, s, &a, err);
	if (!r)
		return NULL;
	rci_debug("`%s` attached to `%s` as eth%zu", st->id, req->networks[i], i);
	return json_object_get(rci_json_get_type(r, "result", json_type_object));
}

static void undo(struct lr_ctx *ctx, const struct lr_hook_state *st, const struct lr_hook_req *req,
		 const struct lr_state *hooks, struct progress *p)
{
	lr_hook_dns_restore(&p->dns);
	for (size_t i = p->attached; i-- > 0;)
		lr_attach_undo(ctx, p->s.inf, st->id, req->networks[i]);
	if (p->recorded)
		lr_hook_record_remove(hooks, st->id, false);
	if (p->s.inf) {
		/* A failed first container must not leave an idle infra running. */
		bool stopped;
		rci_error_t tmp = NULL;
		if (lr_session_exclusive(ctx, &p->s, &tmp) < 0 ||
		    lr_session_reap(ctx, &p->s, &stopped, &tmp) < 0)
			rci_warning("reap after a failed createRuntime: %s", tmp->msg);
		rci_error_release(&tmp);
	}
}

/* Steps 1 and 2 of hook.h: the netns checked, the infra running (p->s.inf). */
static int prepare(struct lr_ctx *ctx, const struct lr_hook_state *st,
		   const struct lr_hook_req *req, int netns, struct progress *p, rci_error_t *err)
{
	if (lr_session_open(ctx, &p->s, err) < 0 || lr_session_shared(ctx, &p->s, false, err) < 0)
		return -1;
	cleanup_close int userns = target_userns(ctx, p->s.inf);
	if (lr_hook_netns_check_owner(netns, userns, ctx->key, st->id, err) < 0)
		return -1;
	if (p->s.inf)
		return 0;
	for (size_t i = 0; req->networks[i]; i++)
		if (lr_netconf_check(ctx, req->networks[i], err) < 0)
			return -1;
	return lr_session_shared(ctx, &p->s, true, err);
}

int lr_hook_create(struct lr_ctx *ctx, const struct lr_hook_state *st,
		   const struct lr_hook_req *req, const struct lr_state *hooks, rci_error_t *err)
{
	struct lr_hook_record rec = {0};
	if (lr_hook_record_load(hooks, st->id, &rec, err) != -2) {
		lr_hook_record_clear(&rec);
		if (*err)
			return -1;
		return rci_make_error_kind(
		    err, RCI_ERR_CONFLICT, 0,
		    "container `%s` has networks already (its poststop did "
		    "not run): run `rootless-cni-launcher oci-hook poststop` "
		    "with its state first",
		    st->id);
	}
	cleanup_close int netns = lr_hook_netns_open(req->netns, st->pid, err);
	if (netns < 0)
		return -1;
	size_t nnets = rci_strv_len(req->networks);
	struct progress p = {.s = {.lock_fd = -1}};
	p.results = xmalloc0(nnets * sizeof(*p.results));
	int ret = -1;
	if (prepare(ctx, st, req, netns, &p, err) < 0)
		goto fail;
	rec.state_base = ctx->state_base;
	rec.key = ctx->key;
	rec.networks = req->networks;
	if (lr_hook_record_save(hooks, st->id, &rec, err) < 0)
		goto fail;
	p.recorded = true;
	ctx->helper_fd = netns;
	for (; p.attached < nnets; p.attached++) {
		p.results[p.attached] = attach(ctx, st, req, &p.s, p.attached, err);
		if (!p.results[p.attached])
			break;
	}
	ctx->helper_fd = -1;
	if (p.attached < nnets)
		goto fail;
	if (lr_hook_dns_write(st->bundle, req->pod_name, p.results, nnets, &p.dns, err) < 0)
		goto fail;
	lr_hook_dns_done(&p.dns);
	rci_debug("createRuntime of `%s` done: %zu network(s) in the infra `%s`", st->id, nnets,
		  ctx->key);
	ret = 0;
	goto out;
fail:
	rci_error_wrap(err, "container `%s`", st->id);
	undo(ctx, st, req, hooks, &p);
out:
	for (size_t i = 0; i < nnets; i++)
		json_object_put(p.results[i]);
	free(p.results);
	lr_session_close(&p.s);
	return ret;
}

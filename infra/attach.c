/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "attach.h"
#include "call.h"
#include "json.h"
#include "log.h"
#include "util.h"

void lr_attach_undo(struct lr_ctx *ctx, const struct lr_infra *inf, const char *id, const char *net)
{
	lr_ports_unpublish(ctx, inf, id, net);
	char *args[] = {"dealloc", (char *)id, (char *)net, NULL};
	rci_error_t tmp = NULL;
	json_object *r = lr_call_json(ctx, inf, args, &tmp);
	if (!r)
		rci_warning("roll back `%s` on `%s`: %s", id, net, tmp ? tmp->msg : "?");
	json_object_put(r);
	rci_error_release(&tmp);
}

/* Steps 1 and 2: the reservation, for the driver of the infra that runs in the end. */
static int reserve(struct lr_ctx *ctx, struct lr_session *s, const struct lr_attach *a,
		   struct lr_ports_rsv **rsv, rci_error_t *err)
{
	if (lr_ports_reserve(ctx, s->inf, a->ports, a->nports, rsv, err) < 0)
		return -1;
	if (s->inf)
		return 0;
	if (lr_session_shared(ctx, s, true, err) < 0)
		return -1;
	/* Another launcher started it meanwhile, with the other driver (no --port-driver here).
	 */
	if (*rsv && lr_ports_rsv_driver(*rsv) != s->inf->port_driver) {
		lr_ports_rsv_free(*rsv);
		*rsv = NULL;
		return lr_ports_reserve(ctx, s->inf, a->ports, a->nports, rsv, err);
	}
	return 0;
}

/* Step 3: the helper's alloc, with the driver's environment for this one call. */
static json_object *add(struct lr_ctx *ctx, const struct lr_infra *inf, const struct lr_attach *a,
			const struct lr_ports_rsv *rsv, rci_error_t *err)
{
	cleanup_strv char **args = NULL;
	rci_strv_push(&args, "alloc");
	for (size_t i = 0; a->helper_opts && a->helper_opts[i]; i++)
		rci_strv_push(&args, a->helper_opts[i]);
	const char *rest[] = {a->id, a->net, a->pod, a->ip ? a->ip : "", a->mac ? a->mac : ""};
	for (size_t i = 0; i < RCI_ARRAY_SIZE(rest); i++)
		rci_strv_push(&args, rest[i]);
	char **saved = ctx->extra_env;
	cleanup_free char *env = lr_ports_rsv_env(rsv);
	ctx->extra_env = NULL;
	for (size_t i = 0; saved && saved[i]; i++)
		rci_strv_push(&ctx->extra_env, saved[i]);
	if (env)
		rci_strv_push(&ctx->extra_env, env);
	json_object *r = lr_call_json(ctx, inf, args, err);
	rci_strv_free(ctx->extra_env);
	ctx->extra_env = saved;
	return r;
}

json_object *lr_attach(struct lr_ctx *ctx, struct lr_session *s, const struct lr_attach *a,
		       rci_error_t *err)
{
	struct lr_ports_rsv *rsv = NULL;
	json_object *alloc = NULL;
	if (lr_ports_check_dups(a->ports, a->nports, err) < 0 || reserve(ctx, s, a, &rsv, err) < 0)
		goto out;
	alloc = add(ctx, s->inf, a, rsv, err);
	/* The helper rolled its own failure back; an existing attachment (conflict) stays. */
	if (!alloc)
		goto out;
	/* This helper prints the result with alloc (an extra field); an older one (an older
	 * image) is asked with the contract's print-cni-result. */
	if (!rci_json_get_type(alloc, "result", json_type_object)) {
		char *rargs[] = {"print-cni-result", (char *)a->id, (char *)a->net, NULL};
		json_object *result = lr_call_json(ctx, s->inf, rargs, err);
		if (!result)
			goto undo;
		json_object_object_add(alloc, "result", result);
	}
	if (lr_ports_publish(ctx, s->inf, rsv, a->id, a->net,
			     rci_json_get_type(alloc, "result", json_type_object), err) < 0)
		goto undo;
	goto out;
undo:
	lr_attach_undo(ctx, s->inf, a->id, a->net);
	json_object_put(alloc);
	alloc = NULL;
out:
	lr_ports_rsv_free(rsv);
	return alloc;
}

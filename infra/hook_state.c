/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "hook_state.h"
#include "json.h"
#include "proctable.h"
#include "util.h"
#include "validate.h"

#include <string.h>
#include <strings.h>

static int usage(rci_error_t *err, const char *fmt, const char *what)
{
	cleanup_free char *shown = rci_printable(what ? what : "", 64);
	return rci_make_error_kind(err, RCI_ERR_USAGE, 0, fmt, shown);
}

int lr_hook_stage_parse(const char *arg, const char *status, enum lr_hook_stage *out,
			rci_error_t *err)
{
	if (arg) {
		if (!strcasecmp(arg, "createRuntime") || !strcasecmp(arg, "prestart"))
			*out = LR_HOOK_CREATE;
		else if (!strcasecmp(arg, "poststop"))
			*out = LR_HOOK_POSTSTOP;
		else
			return usage(err,
				     "unknown hook stage `%s` (want createRuntime, prestart or "
				     "poststop)",
				     arg);
		return 0;
	}
	if (status && (!strcmp(status, "creating") || !strcmp(status, "created")))
		*out = LR_HOOK_CREATE;
	else if (status && !strcmp(status, "stopped"))
		*out = LR_HOOK_POSTSTOP;
	else
		return usage(err,
			     "no hook stage given and the state's status `%s` does not tell one "
			     "(pass createRuntime or poststop)",
			     status);
	return 0;
}

int lr_hook_state_parse(const char *text, size_t len, struct lr_hook_state *st, rci_error_t *err)
{
	memset(st, 0, sizeof(*st));
	cleanup_json json_object *o = rci_json_parse(text, len, "the OCI state on stdin", err);
	if (!o) {
		(*err)->kind = RCI_ERR_USAGE;
		return -1;
	}
	if (!json_object_is_type(o, json_type_object))
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "the OCI state on stdin is not a JSON object");
	const char *id = rci_json_get_string(o, "id");
	if (!id)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "the OCI state on stdin has no `id` string");
	if (rci_validate_id(id, err) < 0)
		return rci_error_wrap(err, "the OCI state's `id`");
	json_object *pid = NULL;
	uint64_t v = 0;
	if (json_object_object_get_ex(o, "pid", &pid) &&
	    (rci_json_get_uint(o, "pid", LR_PID_MAX, &v) < 0 || v == 0))
		return usage(err, "the OCI state's `pid` `%s` is not a process id",
			     json_object_get_string(pid));
	json_object *ann = NULL;
	if (json_object_object_get_ex(o, "annotations", &ann) &&
	    !json_object_is_type(ann, json_type_object) &&
	    !json_object_is_type(ann, json_type_null))
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "the OCI state's `annotations` is not an object");
	const char *status = rci_json_get_string(o, "status");
	const char *bundle = rci_json_get_string(o, "bundle");
	if (bundle && bundle[0] != '/')
		return usage(err, "the OCI state's `bundle` `%s` is not an absolute path", bundle);
	st->id = xstrdup(id);
	st->status = status ? xstrdup(status) : NULL;
	st->bundle = bundle ? xstrdup(bundle) : NULL;
	st->pid = (pid_t)v;
	st->annotations = json_object_is_type(ann, json_type_object) ? json_object_get(ann) : NULL;
	return 0;
}

void lr_hook_state_clear(struct lr_hook_state *st)
{
	free(st->id);
	free(st->status);
	free(st->bundle);
	json_object_put(st->annotations);
	memset(st, 0, sizeof(*st));
}

/* Annotation @key of @st: 0 and *out (NULL when absent), -1 when not a string. */
static int annotation(const struct lr_hook_state *st, const char *key, const char **out,
		      rci_error_t *err)
{
	json_object *v = NULL;
	*out = NULL;
	if (!st->annotations || !json_object_object_get_ex(st->annotations, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "annotation `%s` is not a string",
					   key);
	*out = json_object_get_string(v);
	return 0;
}

bool lr_hook_wanted(const struct lr_hook_state *st)
{
	json_object *v;
	return st->annotations && json_object_object_get_ex(st->annotations, LR_ANN_NETWORKS, &v);
}

/* The comma-separated list @text, each item trimmed of blanks; empty items are kept (as ""). */
static char **split_list(const char *text)
{
	char **v = NULL;
	const char *p = text;
	for (;;) {
		size_t n = strcspn(p, ",");
		const char *s = p, *e = p + n;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		char *item = xstrndup(s, (size_t)(e - s));
		rci_strv_push(&v, item);
		free(item);
		if (!p[n])
			break;
		p += n + 1;
	}
	return v;
}

static int parse_networks(const char *text, struct lr_hook_req *req, rci_error_t *err)
{
	cleanup_strv char **nets = split_list(text);
	if (rci_strv_len(nets) > LR_HOOK_MAX_NETWORKS)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "annotation `%s`: more than %d networks",
					   LR_ANN_NETWORKS, LR_HOOK_MAX_NETWORKS);
	for (size_t i = 0; nets[i]; i++) {
		if (!*nets[i])
			return usage(err,
				     "annotation `" LR_ANN_NETWORKS "`: empty network name in `%s`",
				     text);
		if (rci_validate_network(nets[i], err) < 0)
			return rci_error_wrap(err, "annotation `%s`", LR_ANN_NETWORKS);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(nets[k], nets[i]))
				return usage(err,
					     "annotation `" LR_ANN_NETWORKS "`: network `%s` given "
					     "twice",
					     nets[i]);
	}
	req->networks = nets;
	nets = NULL;
	return 0;
}

static int parse_ports(const char *text, struct lr_hook_req *req, rci_error_t *err)
{
	cleanup_strv char **specs = split_list(text);
	size_t n = rci_strv_len(specs);
	/* An empty annotation publishes nothing. */
	if (n == 1 && !*specs[0])
		return 0;
	req->ports = xmalloc0(n * sizeof(*req->ports));
	for (size_t i = 0; i < n; i++) {
		if (lr_port_parse(specs[i], &req->ports[i], err) < 0)
			return rci_error_wrap(err, "annotation `%s`", LR_ANN_PORTS);
		req->nports++;
	}
	if (lr_ports_check_dups(req->ports, req->nports, err) < 0)
		return rci_error_wrap(err, "annotation `%s`", LR_ANN_PORTS);
	req->ports_text = xstrdup(text);
	return 0;
}

/* The DNS name: the annotation, else the name an engine gave (CRI, nerdctl), else the ID. */
static int pod_name(const struct lr_hook_state *st, struct lr_hook_req *req, rci_error_t *err)
{
	static const char *const keys[] = {LR_ANN_POD_NAME, "io.kubernetes.cri.container-name",
					   "nerdctl/name"};
	for (size_t i = 0; i < RCI_ARRAY_SIZE(keys); i++) {
		const char *v;
		if (annotation(st, keys[i], &v, err) < 0)
			return -1;
		if (v && *v) {
			if (rci_validate_pod_name(v, err) < 0)
				return rci_error_wrap(err, "annotation `%s`", keys[i]);
			req->pod_name = xstrdup(v);
			return 0;
		}
	}
	req->pod_name = xstrdup(st->id);
	return 0;
}

int lr_hook_req_parse(const struct lr_hook_state *st, struct lr_hook_req *req, rci_error_t *err)
{
	memset(req, 0, sizeof(*req));
	const char *nets, *ports, *ip, *mac, *netns;
	if (annotation(st, LR_ANN_NETWORKS, &nets, err) < 0 ||
	    annotation(st, LR_ANN_PORTS, &ports, err) < 0 ||
	    annotation(st, LR_ANN_IP, &ip, err) < 0 || annotation(st, LR_ANN_MAC, &mac, err) < 0 ||
	    annotation(st, LR_ANN_NETNS, &netns, err) < 0)
		goto fail;
	if (!nets) {
		rci_make_error_kind(err, RCI_ERR_USAGE, 0, "no annotation `%s`", LR_ANN_NETWORKS);
		goto fail;
	}
	if (parse_networks(nets, req, err) < 0 || (ports && parse_ports(ports, req, err) < 0))
		goto fail;
	if (ip && rci_validate_ip(ip, err) < 0) {
		rci_error_wrap(err, "annotation `%s`", LR_ANN_IP);
		goto fail;
	}
	if (mac && rci_validate_mac(mac, err) < 0) {
		rci_error_wrap(err, "annotation `%s`", LR_ANN_MAC);
		goto fail;
	}
	if (netns && netns[0] != '/') {
		usage(err, "annotation `" LR_ANN_NETNS "`: `%s` is not an absolute path", netns);
		goto fail;
	}
	if (!netns && !st->pid) {
		rci_make_error_kind(err, RCI_ERR_USAGE, 0,
				    "the OCI state has no `pid` and there is no annotation `%s`: "
				    "no network namespace to attach",
				    LR_ANN_NETNS);
		goto fail;
	}
	if (pod_name(st, req, err) < 0)
		goto fail;
	req->ip = xstrdup(ip ? ip : "");
	req->mac = xstrdup(mac ? mac : "");
	req->netns = netns ? xstrdup(netns) : NULL;
	return 0;
fail:
	lr_hook_req_clear(req);
	return -1;
}

void lr_hook_req_clear(struct lr_hook_req *req)
{
	rci_strv_free(req->networks);
	free(req->ports);
	free(req->ports_text);
	free(req->ip);
	free(req->mac);
	free(req->pod_name);
	free(req->netns);
	memset(req, 0, sizeof(*req));
}

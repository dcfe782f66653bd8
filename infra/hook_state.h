/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_HOOK_STATE_H
#define LR_HOOK_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "error.h"
#include "ports.h"

/*
 * DOC: what an OCI hook is given (DESIGN.md Contract 3): the stage, from its arguments or from
 * the state's status, and the OCI state JSON on stdin, whose annotations say what to do. Every
 * field is checked here, before anything is done: the state's `id` becomes a container ID (and a
 * file name), so it is validated as one; bad input is RCI_ERR_USAGE (exit 2), one line naming
 * the annotation.
 */
#define LR_ANN_NETWORKS "io.rootless-cni-infra.networks"
#define LR_ANN_PORTS "io.rootless-cni-infra.ports"
#define LR_ANN_IP "io.rootless-cni-infra.ip"
#define LR_ANN_MAC "io.rootless-cni-infra.mac"
#define LR_ANN_POD_NAME "io.rootless-cni-infra.pod-name"
#define LR_ANN_NETNS "io.rootless-cni-infra.netns"
/* Networks one container may ask for (interfaces eth0 to eth31). */
#define LR_HOOK_MAX_NETWORKS 32
/* Largest OCI state read from stdin. */
#define LR_HOOK_MAX_STATE (1 << 20)

enum lr_hook_stage {
	LR_HOOK_CREATE = 1, /* createRuntime, or prestart: in the runtime's namespaces */
	LR_HOOK_POSTSTOP,
};

struct lr_hook_state {
	char *id;
	char *status;		  /* NULL when absent */
	pid_t pid;		  /* 0 when absent (podman's poststop) */
	char *bundle;		  /* NULL when absent */
	json_object *annotations; /* NULL when absent */
};

/* What the annotations ask of createRuntime. */
struct lr_hook_req {
	char **networks;       /* interface order: eth0, eth1... */
	struct lr_port *ports; /* published on the first network */
	size_t nports;
	char *ports_text; /* the annotation as given, for the record */
	char *ip, *mac;	  /* first network; "" when not given */
	char *pod_name;	  /* the DNS name */
	char *netns;	  /* the .netns annotation, NULL: /proc/<pid>/ns/net */
};

/*
 * lr_hook_stage_parse() - @arg (createRuntime, prestart or poststop, any case) as a stage; NULL
 * takes it from @status: "creating" or "created" is createRuntime, "stopped" poststop. -1 with a
 * usage error otherwise.
 */
int lr_hook_stage_parse(const char *arg, const char *status, enum lr_hook_stage *out,
			rci_error_t *err);

/* Parses and checks the OCI state @text. -1 with *err (usage); lr_hook_state_clear() after. */
int lr_hook_state_parse(const char *text, size_t len, struct lr_hook_state *st, rci_error_t *err);
void lr_hook_state_clear(struct lr_hook_state *st);

/* True when the state carries the networks annotation: without it the hook does nothing. */
bool lr_hook_wanted(const struct lr_hook_state *st);

/*
 * lr_hook_req_parse() - the annotations of @st as a request (above), each checked as the
 * launcher's `alloc` checks its arguments. -1 with a usage error naming the annotation.
 */
int lr_hook_req_parse(const struct lr_hook_state *st, struct lr_hook_req *req, rci_error_t *err);
void lr_hook_req_clear(struct lr_hook_req *req);

#endif

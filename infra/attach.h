/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_ATTACH_H
#define LR_ATTACH_H

#include <stddef.h>
#include <json-c/json.h>

#include "context.h"
#include "error.h"
#include "ports.h"
#include "session.h"

/*
 * DOC: one attachment and its published ports, the sequence every caller needs (`alloc`, the
 * OCI hook's createRuntime):
 *
 *   1. reserve the host ports (ports.h: lr_ports_reserve): a mapping the driver refuses, a
 *      port another attachment published, a port in use on the host all fail here, before
 *      anything changes (nothing to roll back; no infra is started for it);
 *   2. start the infra when the session holds none (lr_session_shared); a reservation made
 *      for another port driver than the one that then runs is made again;
 *   3. the CNI ADD: the helper's alloc, with what the driver needs (the portMappings
 *      capability for slirp4netns, nothing for the forwarder);
 *   4. publish the ports to the container's addresses in the CNI result;
 *   5. on a failure after 3: unpublish and the helper's dealloc (lr_attach_undo).
 *
 * The caller owns the session: on failure it reaps an infra left idle (lr_session_reap).
 */
struct lr_attach {
	const char *id, *net, *pod, *ip, *mac; /* the helper's alloc arguments ("": none) */
	char *const *helper_opts;    /* before them, e.g. {"--netns", "/proc/self/fd/3", NULL} */
	const struct lr_port *ports; /* published for this attachment (checked for duplicates) */
	size_t nports;
};

/*
 * lr_attach() - runs the sequence above. Returns the helper's alloc output with "result"
 * always set (asked with print-cni-result from a helper that did not print it), or NULL with
 * *err, everything rolled back: bad mappings RCI_ERR_USAGE, taken ports RCI_ERR_CONFLICT, the
 * helper's own errors with its kind.
 */
json_object *lr_attach(struct lr_ctx *ctx, struct lr_session *s, const struct lr_attach *a,
		       rci_error_t *err);

/* Undoes a successful lr_attach (its caller failed later): unpublish, dealloc. Best effort. */
void lr_attach_undo(struct lr_ctx *ctx, const struct lr_infra *inf, const char *id,
		    const char *net);

#endif

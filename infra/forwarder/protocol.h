/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_PROTOCOL_H
#define FWD_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "addr.h"
#include "error.h"

/*
 * DOC: the forwarder's control protocol (infra/forwarder/README.md has the user's version).
 *
 * A unix stream socket (mode 0600, --control PATH). A client sends one request, a JSON object
 * on one line ended by '\n', waits for the one-line JSON reply, and may send the next. Requests:
 *
 *   {"op":"add","proto":"tcp"|"udp","target":{"ip":IP,"port":N},
 *    "owner":{"id":CONTAINER_ID,"network":NET}}
 *       with exactly one fd in SCM_RIGHTS, sent with the request's bytes: a host socket the
 *       caller bound (TCP: listening; UDP: bound). The forwarder takes it over; the caller
 *       closes its copy. Reply {"ok":true,"host":{"ip":IP,"port":N}} (its bound address).
 *   {"op":"remove","owner":{"id":ID,"network":NET}}         every forward of that owner
 *   {"op":"remove","proto":P,"host":{"ip":IP,"port":N}}     the forward on that host socket
 *       Reply {"ok":true,"removed":N}; removing nothing is success (N = 0). Open connections
 *       and flows of a removed forward are closed; nothing listens on its port any more.
 *   {"op":"list"}  {"ok":true,"forwards":[{"proto","host","target","owner","connections",
 *                  "total"}...]}
 *   {"op":"ping"}  {"ok":true,"pid":N,"infraPid":N,"sourceAddress":BOOL,"forwards":N,
 *                  "version":S}
 *
 * A failure replies {"ok":false,"error":ONE_LINE,"code":K}, K an rci_error_kind: 2 bad request,
 * 3 not found, 4 conflict (that host socket is already forwarded), 1 anything else. Unknown
 * fields are refused, so a typo never passes for a default.
 */

#define FWD_PROTO_MAX_LINE 65536

enum fwd_op { FWD_OP_ADD = 1, FWD_OP_REMOVE, FWD_OP_LIST, FWD_OP_PING };

struct fwd_request {
	enum fwd_op op;
	int proto;	       /* IPPROTO_TCP or IPPROTO_UDP (add; remove by host) */
	union fwd_addr target; /* add */
	union fwd_addr host;   /* remove by host (has_host) */
	bool has_host;
	char *owner_id; /* add (required); remove by owner; else NULL */
	char *owner_net;
};

/* "tcp" or "udp" for IPPROTO_TCP or IPPROTO_UDP. */
const char *fwd_proto_name(int proto);

/*
 * fwd_request_parse() - parses and checks one request line (without its '\n'). Returns 0, or -1
 * with *err (RCI_ERR_USAGE, one line). fwd_request_free() releases *req either way.
 */
int fwd_request_parse(const char *text, size_t len, struct fwd_request *req, rci_error_t *err);
void fwd_request_free(struct fwd_request *req);

/* The request as the wire's JSON object (the client's side); caller puts it. */
json_object *fwd_request_json(const struct fwd_request *req);

/* {"ip":IP,"port":N}. */
json_object *fwd_addr_json(const union fwd_addr *a);

/* {"ok":true}, for the caller to add fields to. */
json_object *fwd_reply_ok(void);

/* {"ok":false,"error":TEXT,"code":KIND} for @e (NULL: "unknown error"). */
json_object *fwd_reply_error(rci_error_t e);

/*
 * fwd_reply_parse() - parses one reply line. Returns the object when "ok" is true (caller
 * puts it), else NULL with *err carrying the forwarder's message and code as its kind.
 */
json_object *fwd_reply_parse(const char *text, size_t len, rci_error_t *err);

#endif

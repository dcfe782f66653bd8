/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_PORT_RECORDS_H
#define LR_PORT_RECORDS_H

#include <stdbool.h>
#include <json-c/json.h>

#include "context.h"
#include "error.h"

/*
 * DOC: the records of published ports, one file per attachment in the bundle
 * (<state>/bundle/ports/<ID>@<NET>.json; state.h), so they vanish with the infra. Each is a JSON
 * array of forwards: {"proto", "hostIP", "hostPort", "containerPort"} plus the driver's own
 * fields ("id": slirp4netns' rule; "containerIP": the forwarder's target). The directory is
 * locked (flock) by whoever reads and changes them together: a publish (check, add, record),
 * an unpublish, the forwarder's restart (which replays them all).
 */

/*
 * lr_port_records_lock() - opens and locks the records' directory. Returns its fd (the lock
 * goes with it), -2 when it does not exist and !@create, or -1 with *err.
 */
int lr_port_records_lock(const struct lr_ctx *ctx, bool create, rci_error_t *err);

/* "<ID>@<NET>.json"; caller frees. */
char *lr_port_record_name(const char *id, const char *net);

/* The record @name in @dfd as a JSON array; NULL when missing or unreadable (warned). */
json_object *lr_port_record_read(int dfd, const char *name);

/* Writes @rec as @name, atomically. -1 with *err. */
int lr_port_record_write(int dfd, const char *name, json_object *rec, rci_error_t *err);

/* Removes @name (best effort). */
void lr_port_record_remove(int dfd, const char *name);

/*
 * lr_port_records_each() - calls @fn for every record of @dfd but @skip (a record name, or
 * NULL), with its ID and NET; stops at the first non-zero return, which it returns.
 */
int lr_port_records_each(int dfd, const char *skip,
			 int (*fn)(const char *id, const char *net, json_object *rec, void *data),
			 void *data);

#endif

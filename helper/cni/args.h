/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CNI_ARGS_H
#define CNI_ARGS_H

#include <stddef.h>
#include <json-c/json.h>

#include "error.h"

/* CNI_ARGS: ordered K=V pairs joined by ';' with no escaping (CNI-RUNTIME.md EXE-3). */
struct cni_args {
	char **keys;
	char **vals;
	size_t n;
};

/* Appends K=V; rejects an empty key and any ';' or '=' (no escaping exists) with RCI_ERR_USAGE. */
int cni_args_add(struct cni_args *a, const char *key, const char *val, rci_error_t *err);
/* "K1=V1;K2=V2" (never a trailing ';'); "" when empty. Caller frees. */
char *cni_args_to_string(const struct cni_args *a);
/* [[k,v],...] as libcni's cache stores it. */
json_object *cni_args_to_json(const struct cni_args *a);
int cni_args_from_json(json_object *arr, struct cni_args *a, rci_error_t *err);
void cni_args_clear(struct cni_args *a);

#endif

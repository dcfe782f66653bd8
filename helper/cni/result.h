/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CNI_RESULT_H
#define CNI_RESULT_H

#include <json-c/json.h>

#include "error.h"

/*
 * Converts a CNI result to @to_version (CNI-RUNTIME.md EXE-12): 0.3.x/0.4.0 <-> 1.x drops or
 * derives `ips[].version`; to 0.1/0.2 keeps the first IPv4 and IPv6 address; from 0.1/0.2 builds
 * `ips` and `routes`. A result without cniVersion is taken as @default_version (CNI #895).
 * Returns a new object, or NULL with *err for an unknown version or a malformed result.
 */
json_object *cni_result_convert(json_object *result, const char *default_version,
				const char *to_version, rci_error_t *err);

/* Checks the shape of a result (ips is an array of objects with a string address...). */
int cni_result_validate(json_object *result, rci_error_t *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_JSON_H
#define RCI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "error.h"

/*
 * Parses exactly one JSON value from @buf (UTF-8 validated; trailing whitespace allowed, other
 * trailing data rejected). @what names the input in errors ("`file`: ... at offset N").
 */
json_object *rci_json_parse(const char *buf, size_t len, const char *what, rci_error_t *err);

/* Compact serialisation without escaping '/', owned by @obj. */
const char *rci_json_str(json_object *obj);
/* Writes rci_json_str(@obj) and a newline to stdout; returns 0 or -1 with *err. */
int rci_json_print(json_object *obj, rci_error_t *err);

/* The string at @key, or NULL when absent or not a string. */
const char *rci_json_get_string(json_object *obj, const char *key);
/* The object/array at @key with the given type, or NULL. */
json_object *rci_json_get_type(json_object *obj, const char *key, json_type type);

/*
 * rci_json_get_uint() - the integer at @key when it is a JSON integer from 0 to @max: returns 0
 * with *out set, -1 when absent, of another type, negative or above @max (*out untouched).
 */
int rci_json_get_uint(json_object *obj, const char *key, uint64_t max, uint64_t *out);

/* Deep copy (json_object_deep_copy, aborting on allocation failure). */
json_object *rci_json_copy(json_object *obj);

#endif

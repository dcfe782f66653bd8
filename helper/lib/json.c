/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "json.h"
#include "fs.h"
#include "util.h"

#include <ctype.h>
#include <string.h>

json_object *rci_json_parse(const char *buf, size_t len, const char *what, rci_error_t *err)
{
	if (len > (size_t)INT32_MAX) {
		rci_make_error(err, 0, "%s: too large to parse", what);
		return NULL;
	}
	json_tokener *tok = json_tokener_new();
	if (!tok) {
		rci_make_error(err, ENOMEM, "%s: json_tokener_new", what);
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object *obj = json_tokener_parse_ex(tok, buf, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t off = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_continue || (jerr == json_tokener_success && !obj && len == 0)) {
		rci_make_error(err, 0, "%s: unexpected end of JSON input", what);
		return NULL;
	}
	if (jerr != json_tokener_success) {
		rci_make_error(err, 0, "%s: invalid JSON at offset %zu: %s", what, off,
			       json_tokener_error_desc(jerr));
		return NULL;
	}
	for (size_t i = off; i < len; i++) {
		if (!isspace((unsigned char)buf[i])) {
			json_object_put(obj);
			rci_make_error(err, 0, "%s: invalid JSON at offset %zu: trailing data",
				       what, i);
			return NULL;
		}
	}
	return obj;
}

const char *rci_json_str(json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
}

int rci_json_print(json_object *obj, rci_error_t *err)
{
	const char *s = rci_json_str(obj);
	if (rci_write_all(STDOUT_FILENO, s, strlen(s)) < 0 ||
	    rci_write_all(STDOUT_FILENO, "\n", 1) < 0)
		return rci_make_error(err, errno, "write to stdout");
	return 0;
}

const char *rci_json_get_string(json_object *obj, const char *key)
{
	json_object *v;
	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

json_object *rci_json_get_type(json_object *obj, const char *key, json_type type)
{
	json_object *v;
	if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

int rci_json_get_uint(json_object *obj, const char *key, uint64_t max, uint64_t *out)
{
	json_object *v;
	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	/* json-c keeps integers as int64 or, above INT64_MAX, uint64: each getter clamps. */
	if (json_object_get_int64(v) < 0 || json_object_get_uint64(v) > max)
		return -1;
	*out = json_object_get_uint64(v);
	return 0;
}

json_object *rci_json_copy(json_object *obj)
{
	json_object *copy = NULL;
	if (!obj)
		return NULL;
	if (json_object_deep_copy(obj, &copy, NULL) < 0)
		abort();
	return copy;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "args.h"
#include "util.h"

#include <string.h>

int cni_args_add(struct cni_args *a, const char *key, const char *val, rci_error_t *err)
{
	if (!key || !*key)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "CNI_ARGS key must not be empty");
	if (strpbrk(key, ";=") || strpbrk(val ? val : "", ";="))
		return rci_make_error_kind(
		    err, RCI_ERR_USAGE, 0,
		    "CNI_ARGS `%s`: keys and values must not contain `;` or `=`", key);
	a->keys = xrealloc(a->keys, (a->n + 1) * sizeof(char *));
	a->vals = xrealloc(a->vals, (a->n + 1) * sizeof(char *));
	a->keys[a->n] = xstrdup(key);
	a->vals[a->n] = xstrdup(val ? val : "");
	a->n++;
	return 0;
}

char *cni_args_to_string(const struct cni_args *a)
{
	size_t len = 1;
	for (size_t i = 0; i < a->n; i++)
		len += strlen(a->keys[i]) + strlen(a->vals[i]) + 2;
	char *s = xmalloc0(len);
	char *p = s;
	for (size_t i = 0; i < a->n; i++)
		p += sprintf(p, "%s%s=%s", i ? ";" : "", a->keys[i], a->vals[i]);
	return s;
}

json_object *cni_args_to_json(const struct cni_args *a)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < a->n; i++) {
		json_object *pair = json_object_new_array();
		json_object_array_add(pair, json_object_new_string(a->keys[i]));
		json_object_array_add(pair, json_object_new_string(a->vals[i]));
		json_object_array_add(arr, pair);
	}
	return arr;
}

int cni_args_from_json(json_object *arr, struct cni_args *a, rci_error_t *err)
{
	if (!json_object_is_type(arr, json_type_array))
		return rci_make_error(err, 0, "cniArgs is not an array");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *pair = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(pair, json_type_array) ||
		    json_object_array_length(pair) != 2)
			return rci_make_error(err, 0,
					      "cniArgs entry %zu is not a [key, value] pair", i);
		json_object *k = json_object_array_get_idx(pair, 0);
		json_object *v = json_object_array_get_idx(pair, 1);
		if (!json_object_is_type(k, json_type_string) ||
		    !json_object_is_type(v, json_type_string))
			return rci_make_error(err, 0, "cniArgs entry %zu is not two strings", i);
		if (cni_args_add(a, json_object_get_string(k), json_object_get_string(v), err) < 0)
			return -1;
	}
	return 0;
}

void cni_args_clear(struct cni_args *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->keys[i]);
		free(a->vals[i]);
	}
	free(a->keys);
	free(a->vals);
	memset(a, 0, sizeof(*a));
}

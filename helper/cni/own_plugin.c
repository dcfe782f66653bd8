/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "own_plugin.h"
#include "fs.h"
#include "json.h"
#include "util.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STDIN (1 << 20)

static const char *const versions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0"};

int cni_own_fail(const char *version, int code, const char *msg, const char *details)
{
	cleanup_json json_object *o = json_object_new_object();
	json_object_object_add(o, "cniVersion",
			       json_object_new_string(version ? version : "1.0.0"));
	json_object_object_add(o, "code", json_object_new_int(code));
	json_object_object_add(o, "msg", json_object_new_string(msg));
	if (details && *details)
		json_object_object_add(o, "details", json_object_new_string(details));
	printf("%s\n", rci_json_str(o));
	return 1;
}

int cni_own_fail_err(const char *version, int code, const char *msg, rci_error_t *err)
{
	cleanup_free char *text = rci_error_text(*err);
	rci_error_release(err);
	return cni_own_fail(version, code, msg, text);
}

static bool supported(const char *v)
{
	for (size_t i = 0; v && i < RCI_ARRAY_SIZE(versions); i++)
		if (strcmp(v, versions[i]) == 0)
			return true;
	return false;
}

static int answer_version(void)
{
	cleanup_json json_object *o = json_object_new_object();
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < RCI_ARRAY_SIZE(versions); i++)
		json_object_array_add(list, json_object_new_string(versions[i]));
	json_object_object_add(o, "cniVersion", json_object_new_string("1.0.0"));
	json_object_object_add(o, "supportedVersions", list);
	printf("%s\n", rci_json_str(o));
	return 0;
}

bool cni_own_command(const char **command, int *status)
{
	const char *c = getenv("CNI_COMMAND");
	*command = c;
	if (c && !strcmp(c, "VERSION")) {
		*status = answer_version();
		return true;
	}
	if (!c || (strcmp(c, "ADD") && strcmp(c, "DEL") && strcmp(c, "CHECK"))) {
		*status = cni_own_fail(NULL, CNI_E_ENV, "unknown CNI_COMMAND", c ? c : "(unset)");
		return true;
	}
	return false;
}

int cni_own_read_conf(const char *plugin, json_object **conf, const char **version)
{
	cleanup_free char *in = NULL;
	size_t len = 0;
	rci_error_t err = NULL;
	if (rci_read_all_fd(0, MAX_STDIN, &in, &len, &err) < 0)
		return cni_own_fail_err(NULL, CNI_E_DECODE, "cannot read the network configuration",
					&err);
	*conf = rci_json_parse(in, len, "stdin", &err);
	if (!*conf || !json_object_is_type(*conf, json_type_object)) {
		if (!err)
			rci_make_error(&err, 0, "not a JSON object");
		return cni_own_fail_err(NULL, CNI_E_DECODE, "decoding the network configuration",
					&err);
	}
	*version = rci_json_get_string(*conf, "cniVersion");
	if (!supported(*version)) {
		cleanup_free char *which =
		    xasprintf("%s supports 0.3.0, 0.3.1, 0.4.0 and 1.0.0", plugin);
		return cni_own_fail(NULL, CNI_E_VERSION, "incompatible CNI versions", which);
	}
	return 0;
}

bool cni_own_valid_name(const char *name)
{
	rci_error_t err = NULL;
	int r = rci_validate_name("name", name, RCI_ID_MAX, &err);
	rci_error_release(&err);
	return r == 0;
}

bool cni_own_valid_ifname(const char *s)
{
	return s && *s && strlen(s) <= 15 && !strpbrk(s, "/: \t\n\r") && strcmp(s, ".") &&
	       strcmp(s, "..");
}

char *cni_own_arg(const char *key)
{
	const char *args = getenv("CNI_ARGS");
	cleanup_strv char **pairs = rci_strv_split(args ? args : "", ';');
	size_t klen = strlen(key);
	for (size_t i = 0; pairs && pairs[i]; i++)
		if (!strncmp(pairs[i], key, klen) && pairs[i][klen] == '=')
			return xstrdup(pairs[i] + klen + 1);
	return NULL;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CNI_OWN_PLUGIN_H
#define CNI_OWN_PLUGIN_H

#include <stdbool.h>
#include <json-c/json.h>

#include "error.h"

/*
 * DOC: the plugin side of the CNI protocol, shared by our own plugins (rootless-cni-dns,
 * rootless-cni-ipam): VERSION, the command, the network configuration on stdin, the checks of
 * CNI_CONTAINERID and CNI_IFNAME, and errors as CNI error objects on stdout with exit status 1.
 * Spec versions 0.3.0 to 1.0.0. Each plugin adds its own codes from 100 up.
 */
enum {
	CNI_E_VERSION = 1, /* incompatible CNI version */
	CNI_E_ENV = 4,	   /* invalid necessary environment variables */
	CNI_E_DECODE = 6,  /* failed to decode content */
	CNI_E_CONFIG = 7,  /* invalid network config */
};

/* Prints the CNI error object (cniVersion @version, or 1.0.0 when NULL); returns 1. */
int cni_own_fail(const char *version, int code, const char *msg, const char *details);
/* The same with *err's text as details; releases *err. */
int cni_own_fail_err(const char *version, int code, const char *msg, rci_error_t *err);

/*
 * cni_own_command() - CNI_COMMAND. Returns true when the plugin is done with *status its exit
 * status: VERSION answered, or an unknown command refused. Else *command is ADD, DEL or CHECK.
 */
bool cni_own_command(const char **command, int *status);

/*
 * cni_own_read_conf() - the network configuration on stdin: a JSON object with a supported
 * cniVersion. Returns 0 with *conf (caller puts it) and *version (in *conf), or the exit status
 * of the error printed (@plugin names us in it).
 */
int cni_own_read_conf(const char *plugin, json_object **conf, const char **version);

/*
 * A network's name or a container's ID, which our plugins use as file names: the helper's rule
 * for both (validate.h: letters, digits, `_`, `.`, `-`, a letter or digit first), up to 128.
 */
bool cni_own_valid_name(const char *name);
/* CNI_IFNAME as the kernel takes it: 1 to 15 bytes, no `/`, `:` or blank, not `.` or `..`. */
bool cni_own_valid_ifname(const char *ifname);

/* The value of KEY in CNI_ARGS ("K=V;K=V"), or NULL. Caller frees. */
char *cni_own_arg(const char *key);

#endif

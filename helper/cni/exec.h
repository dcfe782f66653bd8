/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CNI_EXEC_H
#define CNI_EXEC_H

#include <stddef.h>
#include <json-c/json.h>

#include "error.h"

/* Defaults; both are configurable (RCI_PLUGIN_TIMEOUT, cni_runtime fields). */
#define CNI_DEFAULT_TIMEOUT_MS (60 * 1000) /* CRI-O's hard-coded value (cri-o#6984) */
#define CNI_DEFAULT_MAX_OUTPUT (4 * 1024 * 1024)

/*
 * cni_timeout_from_env() - the per-exec deadline from RCI_PLUGIN_TIMEOUT: seconds (a decimal
 * number, fractions allowed) from 0.001 to 86400; unset or empty means CNI_DEFAULT_TIMEOUT_MS.
 * The helper reads it, and the launcher, which forwards it into the infra, checks it the same way.
 * Return: 0 and *@timeout_ms, or -1 with an RCI_ERR_USAGE *err naming the variable and value.
 */
int cni_timeout_from_env(long *timeout_ms, rci_error_t *err);

/* What every plugin exec shares: where plugins live, limits, and the child's privilege drop. */
struct cni_runtime {
	char **plugin_dirs; /* CNI_PATH, in order */
	char *cache_dir;    /* result cache root (libcni's /var/lib/cni) */
	long timeout_ms;    /* per exec; the whole process group is killed at the deadline */
	size_t max_output;  /* per stream */
	int (*child_setup)(void *data); /* e.g. capability drop; runs just before execve */
	void *child_data;
};

/* The per-call CNI parameters (CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS). */
struct cni_call {
	const char *container_id;
	const char *netns;
	const char *ifname;
	const char *args; /* CNI_ARGS string */
};

/* EXE-1: the first CNI_PATH dir holding a regular file named @type. RCI_ERR_FAILED naming the dirs.
 */
int cni_find_plugin(const struct cni_runtime *rt, const char *type, char **path, rci_error_t *err);

/*
 * Runs plugin @type with CNI_COMMAND=@command and @stdin_conf. For ADD, *result receives the
 * parsed stdout (NULL for other verbs or when @result is NULL). Failure (non-zero exit, signal,
 * timeout, output cap, unparsable ADD output) returns -1 with a message naming the plugin and
 * carrying the plugin's CNI error (code, msg, details) verbatim (EXE-7, EXE-8).
 */
int cni_exec_plugin(const struct cni_runtime *rt, const char *type, const char *command,
		    const struct cni_call *call, json_object *stdin_conf, json_object **result,
		    rci_error_t *err);

struct rci_spawn_result;
/*
 * EXE-8: turns a failed exec into an error: the CNI error object on stdout (code, msg, details kept
 * verbatim), else stdout quoted, else stderr, else "no error message" with the exit status or
 * signal. Always returns -1. Exposed for fuzzing.
 */
int cni_plugin_error(const char *type, const char *command, const struct rci_spawn_result *res,
		     long timeout_ms, rci_error_t *err);

/* EXE-10: the versions plugin @type supports (strings, NULL-terminated). */
int cni_plugin_versions(const struct cni_runtime *rt, const char *type, char ***versions,
			rci_error_t *err);

/*
 * The variables plugins inherit from the helper, besides the CNI_* it sets and PATH (NULL-
 * terminated; see exec.c for who reads which). Nothing else of its environment reaches them.
 */
extern const char *const cni_plugin_env_keep[];

/*
 * cni_plugin_base_env() - what plugins get of the environment besides the CNI_* variables:
 * PATH (with the sbin dirs iptables lives in) and cni_plugin_env_keep's variables when set. Also
 * the environment of the tools the helper runs itself (iptables, masq.h). Free with
 * rci_strv_free.
 */
char **cni_plugin_base_env(void);

/* CNI_PATH joined with ':' for the child environment. */
char *cni_runtime_path_env(const struct cni_runtime *rt);

#endif

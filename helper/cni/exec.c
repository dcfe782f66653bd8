/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "exec.h"
#include "json.h"
#include "log.h"
#include "spawn.h"
#include "number.h"
#include "util.h"
#include "version.h"

#include <string.h>
#include <sys/stat.h>

extern char **environ;

char *cni_runtime_path_env(const struct cni_runtime *rt)
{
	return rci_strv_join(rt->plugin_dirs, ":", NULL);
}

int cni_timeout_from_env(long *timeout_ms, rci_error_t *err)
{
	const char *t = getenv("RCI_PLUGIN_TIMEOUT");
	double secs;
	*timeout_ms = CNI_DEFAULT_TIMEOUT_MS;
	if (!t || !*t)
		return 0;
	if (rci_parse_double(t, 0.001, 86400, &secs) < 0) {
		cleanup_free char *shown = rci_printable(t, 64);
		return rci_make_error_kind(
		    err, RCI_ERR_USAGE, 0,
		    "invalid RCI_PLUGIN_TIMEOUT `%s`: want seconds from 0.001 to 86400", shown);
	}
	*timeout_ms = (long)(secs * 1000);
	return 0;
}

int cni_find_plugin(const struct cni_runtime *rt, const char *type, char **path, rci_error_t *err)
{
	if (!type || !*type || strchr(type, '/'))
		return rci_make_error(err, 0, "invalid plugin type `%s`", type ? type : "");
	if (!rt->plugin_dirs || !rt->plugin_dirs[0])
		return rci_make_error(err, 0, "no CNI plugin directories configured (CNI_PATH)");
	cleanup_free char *noexec = NULL;
	for (size_t i = 0; rt->plugin_dirs[i]; i++) {
		cleanup_free char *p = xasprintf("%s/%s", rt->plugin_dirs[i], type);
		struct stat st;
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		/* Like execvp's PATH search: an entry we cannot exec is skipped. Found here, it
		 * fails EXE-1's check before any plugin ran, instead of failing the rollback DEL.
		 */
		if (access(p, X_OK) < 0) {
			if (!noexec)
				noexec = xstrdup(p);
			continue;
		}
		*path = p;
		p = NULL;
		return 0;
	}
	if (noexec)
		return rci_make_error(err, EACCES, "plugin `%s` at `%s` is not executable", type,
				      noexec);
	cleanup_free char *dirs = cni_runtime_path_env(rt);
	return rci_make_error(err, 0, "failed to find plugin `%s` in path [%s]", type, dirs);
}

/*
 * What plugins read of the environment besides CNI_* and PATH, found in Debian 12's plugins,
 * iptables and dnsmasq (strings of the binaries, then runs of the suites without the rest):
 * dnsname keeps its dnsmasq files under XDG_RUNTIME_DIR when set; bridge's Go runtime makes
 * temporary files in TMPDIR; firewall's firewalld backend talks to DBUS_SYSTEM_BUS_ADDRESS and
 * authenticates with files under HOME; the iptables that portmap, firewall and bridge's ipMasq
 * run takes its lock file and extension directories from XTABLES_LOCKFILE, XTABLES_LIBDIR,
 * IPTABLES_LIB_DIR and IP6TABLES_LIB_DIR. Everything else of the helper's environment (the
 * engine's, secrets included) stays with it, unlike libcni, which passes it all.
 */
const char *const cni_plugin_env_keep[] = {
    "HOME",
    "TMPDIR",
    "XDG_RUNTIME_DIR",
    "XTABLES_LOCKFILE",
    "XTABLES_LIBDIR",
    "IPTABLES_LIB_DIR",
    "IP6TABLES_LIB_DIR",
    "DBUS_SYSTEM_BUS_ADDRESS",
    NULL,
};

static bool env_kept(const char *kv)
{
	size_t klen = strcspn(kv, "=");
	for (size_t i = 0; cni_plugin_env_keep[i]; i++)
		if (strlen(cni_plugin_env_keep[i]) == klen &&
		    strncmp(kv, cni_plugin_env_keep[i], klen) == 0)
			return true;
	return false;
}

char **cni_plugin_base_env(void)
{
	char **env = NULL;
	const char *path = getenv("PATH");
	/* portmap, firewall and bridge's ipMasq exec iptables through PATH. */
	if (!path || !*path) {
		rci_strv_push(&env,
			      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	} else if (!strstr(path, "/usr/sbin")) {
		cleanup_free char *p = xasprintf("PATH=%s:/usr/local/sbin:/usr/sbin:/sbin", path);
		rci_strv_push(&env, p);
	} else {
		cleanup_free char *p = xasprintf("PATH=%s", path);
		rci_strv_push(&env, p);
	}
	for (char **e = environ; e && *e; e++)
		if (env_kept(*e))
			rci_strv_push(&env, *e);
	return env;
}

/* EXE-2: the six CNI_* (ours, never inherited), PATH, and cni_plugin_env_keep when set. */
static char **build_env(const char *command, const struct cni_call *call, const char *path_env)
{
	char **env = cni_plugin_base_env();
	const struct {
		const char *k, *v;
	} vars[] = {
	    {"CNI_COMMAND", command},
	    {"CNI_CONTAINERID", call ? call->container_id : NULL},
	    {"CNI_NETNS", call ? call->netns : NULL},
	    {"CNI_IFNAME", call ? call->ifname : NULL},
	    {"CNI_ARGS", call ? call->args : NULL},
	    {"CNI_PATH", path_env},
	};
	for (size_t i = 0; i < RCI_ARRAY_SIZE(vars); i++) {
		cleanup_free char *kv = xasprintf("%s=%s", vars[i].k, vars[i].v ? vars[i].v : "");
		rci_strv_push(&env, kv);
	}
	return env;
}

/* EXE-8: the error object comes on stdout; else quote stdout; else stderr; else the status. */
int cni_plugin_error(const char *type, const char *command, const struct rci_spawn_result *res,
		     long timeout_ms, rci_error_t *err)
{
	cleanup_free char *status = rci_spawn_describe_status(res, timeout_ms);
	if (res->timed_out || res->overflow)
		return rci_make_error(err, 0, "plugin `%s` (%s) %s", type, command, status);
	if (res->out_len) {
		rci_error_t perr = NULL;
		cleanup_json json_object *o =
		    rci_json_parse(res->out, res->out_len, "stdout", &perr);
		rci_error_release(&perr);
		json_object *code;
		if (o && json_object_is_type(o, json_type_object) &&
		    json_object_object_get_ex(o, "code", &code) &&
		    json_object_is_type(code, json_type_int)) {
			const char *msg = rci_json_get_string(o, "msg");
			const char *details = rci_json_get_string(o, "details");
			cleanup_free char *m = rci_one_line_head(msg ? msg : "", 2048);
			cleanup_free char *d = rci_one_line_head(details ? details : "", 2048);
			return rci_make_error(err, 0, "plugin `%s` (%s) failed: code %d: %s%s%s",
					      type, command, json_object_get_int(code), m,
					      *d ? ": " : "", d);
		}
		cleanup_free char *q = rci_one_line_head(res->out, 512);
		return rci_make_error(err, 0,
				      "plugin `%s` (%s) %s with output that is not a CNI error: %s",
				      type, command, status, q);
	}
	if (res->err_len) {
		cleanup_free char *q = rci_one_line_head(res->err, 1024);
		return rci_make_error(err, 0, "plugin `%s` (%s) %s: %s", type, command, status, q);
	}
	return rci_make_error(err, 0, "plugin `%s` (%s) %s and gave no error message", type,
			      command, status);
}

static int run_plugin(const struct cni_runtime *rt, const char *type, const char *command,
		      const struct cni_call *call, const char *input, struct rci_spawn_result *res,
		      rci_error_t *err)
{
	cleanup_free char *path = NULL;
	if (cni_find_plugin(rt, type, &path, err) < 0)
		return -1;
	cleanup_free char *path_env = cni_runtime_path_env(rt);
	cleanup_strv char **env = build_env(command, call, path_env);
	char *argv[] = {path, NULL};
	struct rci_spawn sp;
	rci_spawn_init(&sp);
	sp.path = path;
	sp.argv = argv;
	sp.envp = env;
	sp.input = input;
	sp.input_len = strlen(input);
	sp.max_output = rt->max_output ? rt->max_output : CNI_DEFAULT_MAX_OUTPUT;
	sp.timeout_ms = rt->timeout_ms;
	sp.child_setup = rt->child_setup;
	sp.child_data = rt->child_data;
	long long t0 = rci_now_ms();
	if (rci_spawn_run(&sp, res, err) < 0)
		return rci_error_wrap(err, "plugin `%s` (%s)", type, command);
	if (rci_log_debug_enabled()) {
		cleanup_free char *how = rci_spawn_describe_status(res, rt->timeout_ms);
		/* One line: the launcher forwards the helper's debug lines one by one (call.h). */
		cleanup_free char *said = res->err_len ? rci_one_line_head(res->err, 1024) : NULL;
		rci_debug_step("plugin", t0, "%s %s %s%s%s", type, command, how,
			       said ? ", stderr: " : "", said ? said : "");
	}
	return 0;
}

/* The CNI error code on a failed plugin's stdout, or -1. */
static int error_code(const struct rci_spawn_result *res)
{
	rci_error_t perr = NULL;
	cleanup_json json_object *o = rci_json_parse(res->out, res->out_len, "stdout", &perr);
	rci_error_release(&perr);
	json_object *code;
	if (o && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, "code", &code) && json_object_is_type(code, json_type_int))
		return json_object_get_int(code);
	return -1;
}

/* EXE-9: code 11 means "try again later": retried this many times, backing off. */
#define CNI_TRY_AGAIN_RETRIES 3
#define CNI_TRY_AGAIN_FIRST_DELAY_MS 100

int cni_exec_plugin(const struct cni_runtime *rt, const char *type, const char *command,
		    const struct cni_call *call, json_object *stdin_conf, json_object **result,
		    rci_error_t *err)
{
	struct rci_spawn_result res;
	if (result)
		*result = NULL;
	const char *input = rci_json_str(stdin_conf);
	if (run_plugin(rt, type, command, call, input, &res, err) < 0)
		return -1;
	long delay = CNI_TRY_AGAIN_FIRST_DELAY_MS;
	for (int retry = 0; retry < CNI_TRY_AGAIN_RETRIES && !res.timed_out && !res.overflow &&
			    (res.term_signal || res.exit_code != 0) && error_code(&res) == 11;
	     retry++) {
		rci_debug("plugin %s %s: code 11 (try again later), retrying in %ld ms", type,
			  command, delay);
		rci_spawn_result_free(&res);
		usleep((useconds_t)delay * 1000);
		delay *= 2;
		if (run_plugin(rt, type, command, call, input, &res, err) < 0)
			return -1;
	}
	int ret = 0;
	if (res.timed_out || res.overflow || res.term_signal || res.exit_code != 0) {
		ret = cni_plugin_error(type, command, &res, rt->timeout_ms, err);
	} else if (result && strcmp(command, "ADD") == 0) {
		json_object *o = rci_json_parse(res.out, res.out_len, "result", err);
		if (!o && !*err) {
			/* JSON `null` counts as an empty result (EXE-7). */
			*result = NULL;
		} else if (!o && res.out_len == 0) {
			rci_error_release(err);
			rci_make_error(err, 0, "plugin `%s` (ADD) succeeded but printed no result",
				       type);
			ret = -1;
		} else if (!o) {
			ret = rci_error_wrap(err, "plugin `%s` (ADD) printed an invalid result",
					     type);
		} else if (!json_object_is_type(o, json_type_object) &&
			   !json_object_is_type(o, json_type_null)) {
			json_object_put(o);
			ret = rci_make_error(err, 0,
					     "plugin `%s` (ADD) result is not a JSON object", type);
		} else {
			*result = o;
		}
	}
	rci_spawn_result_free(&res);
	return ret;
}

int cni_plugin_versions(const struct cni_runtime *rt, const char *type, char ***versions,
			rci_error_t *err)
{
	struct cni_call call = {.container_id = "dummy", .netns = "dummy", .ifname = "dummy"};
	struct rci_spawn_result res;
	cleanup_json json_object *in = json_object_new_object();
	json_object_object_add(in, "cniVersion", json_object_new_string(CNI_RUNTIME_MAX_VERSION));
	*versions = NULL;
	if (run_plugin(rt, type, "VERSION", &call, rci_json_str(in), &res, err) < 0)
		return -1;
	int ret = 0;
	if (res.timed_out || res.overflow || res.term_signal || res.exit_code != 0) {
		/* "unknown CNI_COMMAND: VERSION" means a 0.1.0-only plugin (EXE-10). */
		if (strstr(res.out, "unknown CNI_COMMAND: VERSION"))
			rci_strv_push(versions, "0.1.0");
		else
			ret = cni_plugin_error(type, "VERSION", &res, rt->timeout_ms, err);
		rci_spawn_result_free(&res);
		return ret;
	}
	cleanup_json json_object *o = rci_json_parse(res.out, res.out_len, "VERSION reply", err);
	rci_spawn_result_free(&res);
	if (!o)
		return rci_error_wrap(err, "plugin `%s`", type);
	json_object *sv = rci_json_get_type(o, "supportedVersions", json_type_array);
	const char *cv = rci_json_get_string(o, "cniVersion");
	if (!sv) {
		if (cv && strcmp(cv, "0.2.0") == 0) {
			rci_strv_push(versions, "0.1.0");
			rci_strv_push(versions, "0.2.0");
			return 0;
		}
		return rci_make_error(err, 0, "plugin `%s` VERSION reply has no supportedVersions",
				      type);
	}
	*versions = xmalloc0(sizeof(char *));
	for (size_t i = 0; i < json_object_array_length(sv); i++) {
		json_object *e = json_object_array_get_idx(sv, i);
		if (json_object_is_type(e, json_type_string))
			rci_strv_push(versions, json_object_get_string(e));
	}
	return 0;
}

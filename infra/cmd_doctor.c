/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * doctor: every prerequisite, each checked for real where that is cheap (a user namespace is
 * created, /dev/net/tun opened, each runtime runs a throwaway rootless container from the same
 * kind of bundle as the infra). A table on stdout, then the fix for each failure; exit 1 when
 * something needed is missing, warnings do not count.
 */
#include "bundle.h"
#include "state.h"
#include "tree.h"
#include "program.h"
#include "launcher_commands.h"
#include "discover.h"
#include "netconf.h"
#include "number.h"
#include "pasta.h"
#include "portfwd.h"
#include "proctable.h"
#include "rootfs.h"
#include "runtime.h"
#include "spawn.h"
#include "userns.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>

enum verdict { OK, WARN, FAIL };

static bool getxattr_present(const char *path)
{
	return getxattr(path, "security.capability", NULL, 0) > 0;
}

struct report {
	char **fixes;
	int failed;
};

static void row(struct report *r, enum verdict v, const char *check, const char *fix,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void row(struct report *r, enum verdict v, const char *check, const char *fix,
		const char *fmt, ...)
{
	static const char *const tag[] = {"ok", "warn", "FAIL"};
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *detail = NULL;
	if (vasprintf(&detail, fmt, ap) < 0)
		detail = NULL;
	va_end(ap);
	/* One line per row: multi-line runtime messages are folded. */
	cleanup_free char *line = rci_one_line(detail, 0);
	printf("%-24s %-5s %s\n", check, tag[v], line);
	if (v != OK && fix) {
		char *f = xasprintf("%s: %s", check, fix);
		rci_strv_push(&r->fixes, f);
		free(f);
	}
	if (v == FAIL)
		r->failed++;
}

/* The first line `@prog --version` prints, NULL when it fails (newuidmap has no --version). */
static char *version_of(const char *prog)
{
	char *argv[] = {(char *)prog, "--version", NULL};
	extern char **environ;
	struct rci_spawn sp;
	rci_spawn_init(&sp);
	sp.path = prog;
	sp.argv = argv;
	sp.envp = environ;
	sp.timeout_ms = 10000;
	sp.max_output = 65536;
	cleanup_free char *out = NULL;
	rci_error_t err = NULL;
	if (rci_run_checked(&sp, prog, &out, &err) < 0) {
		rci_error_release(&err);
		return NULL;
	}
	out[strcspn(out, "\n")] = '\0';
	return *out ? xstrdup(out) : NULL;
}

/* A /proc/sys value, -1 when unreadable or not a number up to INT_MAX. */
static int read_int(const char *path)
{
	uint64_t v;
	return rci_read_u64_file(path, INT_MAX, &v) < 0 ? -1 : (int)v;
}

static bool check_userns(struct report *r, const struct lr_userns_plan *plan)
{
	if (plan->shared) {
		row(r, OK, "user namespace", NULL, "root here (uid 0): the infra shares this one");
		return true;
	}
	if (read_int("/proc/sys/kernel/unprivileged_userns_clone") == 0) {
		row(r, FAIL, "user namespace",
		    "sysctl -w kernel.unprivileged_userns_clone=1 (as root)",
		    "kernel.unprivileged_userns_clone is 0");
		return false;
	}
	if (read_int("/proc/sys/user/max_user_namespaces") == 0) {
		row(r, FAIL, "user namespace", "sysctl -w user.max_user_namespaces=15000 (as root)",
		    "user.max_user_namespaces is 0");
		return false;
	}
	rci_error_t err = NULL;
	int fd = lr_userns_create(plan, &err);
	if (fd < 0) {
		cleanup_free char *text = rci_error_text(err);
		rci_error_release(&err);
		row(r, FAIL, "user namespace",
		    "allow unprivileged user namespaces (AppArmor: "
		    "kernel.apparmor_restrict_unprivileged_userns=0) and check newuidmap",
		    "%s", text);
		return false;
	}
	close(fd);
	row(r, OK, "user namespace", NULL, "created and mapped (%s)",
	    plan->single ? "single ID" : "newuidmap/newgidmap");
	return true;
}

static void check_idmap(struct report *r, const struct lr_userns_plan *plan)
{
	if (plan->shared)
		return;
	if (plan->single && !plan->has_ranges)
		row(r, WARN, "subuid/subgid",
		    "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER",
		    "%s: only your own ID is mapped", plan->reason);
	else if (plan->single)
		/* Ranges exist but cannot be used: the missing helper is named below. */
		row(r, WARN, "subuid/subgid", "install the uidmap package (newuidmap, newgidmap)",
		    "uid %lu+%lu, gid %lu+%lu unused (%s): only your own ID is mapped",
		    plan->uid[1].host_id, plan->uid[1].size, plan->gid[1].host_id,
		    plan->gid[1].size, plan->reason);
	else
		row(r, OK, "subuid/subgid", NULL, "uid %lu+%lu, gid %lu+%lu", plan->uid[1].host_id,
		    plan->uid[1].size, plan->gid[1].host_id, plan->gid[1].size);
	const char *progs[] = {plan->newuidmap, plan->newgidmap};
	const char *names[] = {"newuidmap", "newgidmap"};
	for (int i = 0; i < 2; i++) {
		struct stat st;
		if (!progs[i]) {
			row(r, WARN, names[i], "install the uidmap package", "not found");
			continue;
		}
		/* setuid root, or file capabilities (Fedora): either lets it write the maps. */
		bool caps = getxattr_present(progs[i]);
		if (stat(progs[i], &st) == 0 && ((st.st_mode & S_ISUID) || caps))
			row(r, OK, names[i], NULL, "%s", progs[i]);
		else
			row(r, WARN, names[i], "chmod u+s (or setcap cap_setuid+ep) on it",
			    "%s is neither setuid nor has file capabilities", progs[i]);
	}
}

static void check_tun(struct report *r)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		row(r, FAIL, "/dev/net/tun", "modprobe tun; chmod 0666 /dev/net/tun (as root)",
		    "open: %s", strerror(errno));
		return;
	}
	close(fd);
	row(r, OK, "/dev/net/tun", NULL, "read-write");
}

static void check_program(struct report *r, const char *name, const char *fix, bool needed)
{
	cleanup_free char *path = lr_find_program(name);
	if (!path) {
		row(r, needed ? FAIL : WARN, name, fix, "not found in PATH");
		return;
	}
	cleanup_free char *v = version_of(path);
	row(r, OK, name, NULL, "%s (%s)", path, v ? v : "?");
}

/* The pid in a name ending "-<pid>" (or "-<pid>-<n>" for @twice), 0 when there is none. */
static long name_pid(const char *name, bool twice)
{
	const char *end = name + strlen(name);
	const char *dash = strrchr(name, '-');
	if (twice && dash) {
		end = dash;
		while (dash > name && *--dash != '-')
			;
	}
	uint64_t v;
	if (!dash || *dash != '-' ||
	    rci_parse_u64_n(dash + 1, (size_t)(end - dash - 1), LR_PID_MAX, &v) < 0)
		return 0;
	return (long)v;
}

/*
 * What killed doctors left: bundles "doctor-<rt>-<pid>" (and their ".doctor-<rt>-<pid>.tmp-"
 * and ".del-" forms) and runtime roots ".doctor-runtime-<pid>", whose <pid> is gone.
 */
static void sweep_stale(const struct lr_ctx *ctx)
{
	int fd = ctx->state.dfd >= 0
		     ? openat(ctx->state.dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
		     : -1;
	cleanup_dir DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d && fd >= 0)
		close(fd);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		const char *n = de->d_name;
		long pid = 0;
		if (!strncmp(n, "doctor-", 7) || !strncmp(n, ".doctor-runtime-", 16))
			pid = name_pid(n, false);
		else if (!strncmp(n, ".doctor-", 8) && strstr(n, ".tmp-"))
			pid = name_pid(n, false);
		else if (!strncmp(n, ".doctor-", 8) && strstr(n, ".del-"))
			pid = name_pid(n, true);
		if (pid <= 0 || pid == getpid() || lr_proc_alive((pid_t)pid, 0))
			continue;
		rci_error_t tmp = NULL;
		if (lr_remove_tree_at(ctx->state.dfd, n, &tmp) < 0)
			rci_error_release(&tmp);
	}
}

/* Runs /bin/true in a throwaway container built like the infra, with @rt. */
static int probe_runtime(struct lr_ctx *ctx, const struct lr_runtime *rt,
			 const struct lr_userns_plan *plan, char **msg)
{
	rci_error_t err = NULL;
	int ret = -1;
	int userns_fd = -1;
	bool committed = false;
	/* Per process: concurrent doctors must not share (or remove) each other's bundle. */
	cleanup_free char *name = xasprintf(LR_STATE_DOCTOR_BUNDLE_FMT, rt->name, (int)getpid());
	cleanup_free char *root_name = xasprintf(LR_STATE_DOCTOR_RUNTIME_FMT, (int)getpid());
	cleanup_free char *root = lr_state_path(&ctx->state, root_name);
	cleanup_free char *bundle = lr_state_path(&ctx->state, name);
	cleanup_free char *tmp = lr_bundle_begin(&ctx->state, name, &err);
	cleanup_json json_object *mounts = json_object_new_array();
	cleanup_free char *cni_path = NULL;
	cleanup_json json_object *config = NULL;
	cleanup_free char *rootfs = NULL;
	cleanup_free char *id = xasprintf("rci-doctor-%d", (int)getpid());
	if (!tmp)
		goto out;
	rootfs = xasprintf("%s/rootfs", tmp);
	struct lr_rootfs_opts ro = {.helper = "/usr/bin/true",
				    .init = "/usr/bin/true",
				    .cni_config_dir = "/usr/share",
				    .plugin_dirs = ctx->plugin_dirs};
	if (lr_rootfs_imageless(rootfs, &ro, mounts, &cni_path, &err) < 0)
		goto out;
	char *args[] = {"/usr/local/bin/rootless-cni-infra-init", NULL};
	char *env[] = {"PATH=/usr/bin:/bin", NULL};
	struct lr_bundle_opts bo = {args, env, mounts, "doctor"};
	config = lr_bundle_config(&bo);
	if (lr_bundle_commit(&ctx->state, name, config, &err) < 0)
		goto out;
	committed = true;
	if (!plan->shared && (userns_fd = lr_userns_create(plan, &err)) < 0)
		goto out;
	char *rargs[] = {"run", "--bundle", bundle, id, NULL};
	if (lr_runtime_run(rt, root, userns_fd, 30000, rargs, NULL, &err) == 0)
		ret = 0;
out:
	if (err) {
		*msg = rci_error_text(err);
		rci_error_release(&err);
	}
	if (userns_fd >= 0)
		close(userns_fd);
	rci_error_t tmp_err = NULL;
	lr_remove_tree_at(ctx->state.dfd, root_name, &tmp_err);
	rci_error_release(&tmp_err);
	if (committed)
		lr_bundle_remove(&ctx->state, name, &tmp_err);
	else if (tmp)
		lr_bundle_abort(&ctx->state, name);
	rci_error_release(&tmp_err);
	return ret;
}

static void check_runtimes(struct lr_ctx *ctx, struct report *r, const struct lr_userns_plan *plan,
			   bool userns_ok)
{
	static const char *const names[] = {"runc", "crun"};
	int working = 0;
	for (size_t i = 0; i < RCI_ARRAY_SIZE(names); i++) {
		cleanup_free char *path = lr_find_program(names[i]);
		if (!path) {
			row(r, WARN, names[i], NULL, "not installed");
			continue;
		}
		cleanup_free char *v = version_of(path);
		struct lr_runtime rt = {(char *)names[i], path, !strcmp(names[i], "crun")};
		cleanup_free char *msg = NULL;
		if (!userns_ok) {
			row(r, WARN, names[i], NULL, "%s; not probed (no user namespace)", v);
		} else if (probe_runtime(ctx, &rt, plan, &msg) == 0) {
			row(r, OK, names[i], NULL, "%s; runs a rootless container here", v);
			working++;
		} else {
			row(r, WARN, names[i], NULL, "%s; cannot run a rootless container here: %s",
			    v, msg ? msg : "?");
		}
	}
	if (!working)
		row(r, FAIL, "OCI runtime",
		    "install runc (apt install runc) or make crun work (cgroup v2 unified mode)",
		    "no runtime runs a rootless container here");
}

static void check_plugins(struct lr_ctx *ctx, struct report *r)
{
	/* The shipped networks' (the rest, rootless-cni-dns and -ipam, is ours: check_shipped). */
	static const char *const needed[] = {"bridge", "portmap"};
	cleanup_free char *missing = xstrdup("");
	for (size_t i = 0; i < RCI_ARRAY_SIZE(needed); i++) {
		bool found = false;
		for (size_t k = 0; ctx->plugin_dirs && ctx->plugin_dirs[k] && !found; k++) {
			cleanup_free char *p = xasprintf("%s/%s", ctx->plugin_dirs[k], needed[i]);
			found = access(p, X_OK) == 0;
		}
		if (!found) {
			char *m = xasprintf("%s%s%s", missing, *missing ? ", " : "", needed[i]);
			free(missing);
			missing = m;
		}
	}
	cleanup_free char *dirs = rci_strv_join(ctx->plugin_dirs, ":", NULL);
	if (*missing)
		row(r, FAIL, "CNI plugins",
		    "apt install containernetworking-plugins, or pass --cni-plugin-dir",
		    "missing %s in %s", missing, dirs);
	else
		row(r, OK, "CNI plugins", NULL, "%s", dirs);
}

static void check_cni_config(struct lr_ctx *ctx, struct report *r)
{
	rci_error_t err = NULL;
	if (lr_ctx_resolve_cni(ctx, &err) < 0) {
		cleanup_free char *text = rci_error_text(err);
		rci_error_release(&err);
		row(r, FAIL, "CNI config", "make install, or pass --cni-config-dir", "%s", text);
		return;
	}
	/* The shipped network's name, looked up by the helper's own rules (discover.h). */
	struct cni_netconf *conf = NULL;
	cleanup_free char *dirs = rci_strv_join(ctx->cni_dirs, ", ", "`");
	if (cni_conf_find_dirs(ctx->cni_dirs, "default", &conf, &err) == 0) {
		row(r, OK, "CNI config", NULL, "%s (network `default`: %zu plugins, `%s`)", dirs,
		    cni_conf_plugin_count(conf), conf->path);
		cni_conf_free(conf);
		return;
	}
	cleanup_free char *text = rci_error_text(err);
	row(r, err->kind == RCI_ERR_NOT_FOUND ? WARN : FAIL, "CNI config",
	    "make install (it ships `default`), or add a .conflist to your dir", "%s", text);
	rci_error_release(&err);
}

static void check_shipped(struct lr_ctx *ctx, struct report *r, const char *env, const char *name,
			  bool needed)
{
	rci_error_t err = NULL;
	cleanup_free char *p = lr_ctx_find_shipped(ctx, env, name, &err);
	if (!p) {
		cleanup_free char *text = rci_error_text(err);
		rci_error_release(&err);
		row(r, needed ? FAIL : WARN, name, "run `make` (or `make install`)", "%s", text);
		return;
	}
	row(r, OK, name, NULL, "%s", p);
}

/*
 * Our other plugins are found in the DNS plugin's directory (context.c: own_plugin_dir), not on
 * their own: the shipped networks name rootless-cni-ipam, so it must be there too.
 */
static void check_own_plugin(struct lr_ctx *ctx, struct report *r, const char *name)
{
	/* @name as check_shipped's rows say it: "cni/NAME", beside cni/rootless-cni-dns. */
	cleanup_free char *p =
	    ctx->own_plugin_dir ? xasprintf("%s/%s", ctx->own_plugin_dir, name + 4) : NULL;
	if (!p)
		row(r, FAIL, name, "run `make` (or `make install`)",
		    "no directory of our plugins (rootless-cni-dns not found)");
	else if (access(p, X_OK) != 0)
		row(r, FAIL, name, "run `make` (or `make install`)", "`%s`: %s", p,
		    strerror(errno));
	else
		row(r, OK, name, NULL, "%s", p);
}

/* pasta (--net-driver pasta): found, its version line, and every option we use (pasta.h). */
static void check_pasta(struct lr_ctx *ctx, struct report *r)
{
	bool needed = ctx->net_driver == LR_NET_PASTA;
	cleanup_free char *path = lr_find_program("pasta");
	if (!path) {
		row(r, needed ? FAIL : WARN, "pasta", "apt install passt",
		    "not found in PATH (needed for --net-driver pasta only)");
		return;
	}
	cleanup_free char *v = version_of(path);
	cleanup_free char *missing = lr_pasta_missing_option(path);
	if (!missing || *missing)
		row(r, needed ? FAIL : WARN, "pasta", "install Debian 12's passt or newer",
		    "%s (%s): lacks option %s", path, v ? v : "?",
		    missing ? missing : "(no --help)");
	else
		row(r, OK, "pasta", NULL, "%s (%s); has every option --net-driver pasta uses", path,
		    v ? v : "?");
}

/* The drivers a new infra gets, and those of the running one (its forwarder's state). */
static void check_drivers(struct lr_ctx *ctx, struct report *r)
{
	struct lr_infra *inf = NULL;
	rci_error_t err = NULL;
	if (ctx->state.dfd < 0 || lr_infra_load(ctx, &inf, &err) < 0)
		rci_error_release(&err);
	bool running = lr_infra_alive(inf);
	cleanup_free char *fwd = xstrdup("");
	bool fwd_alive = true;
	if (running && inf->port_driver == LR_PORT_FORWARDER) {
		cleanup_json json_object *st = lr_portfwd_status(ctx, inf);
		json_object *alive = NULL, *src = NULL, *list = NULL;
		json_object_object_get_ex(st, "alive", &alive);
		json_object_object_get_ex(st, "sourceAddress", &src);
		json_object_object_get_ex(st, "forwards", &list);
		fwd_alive = json_object_get_boolean(alive);
		free(fwd);
		fwd = xasprintf(" (forwarder pid %d, %s, sourceAddress %s, %zu forward(s))",
				(int)inf->fwd_pid, fwd_alive ? "alive" : "not running",
				src ? json_object_get_string(src) : "?",
				list ? json_object_array_length(list) : 0);
	}
	row(r, fwd_alive ? OK : WARN, "port driver",
	    "run any launcher command: it restarts the forwarder", "%s%s for a new infra%s%s%s",
	    lr_port_driver_name(ctx->port_driver), ctx->port_driver_given ? "" : " (default)",
	    running ? "; the running infra: " : "",
	    running ? lr_port_driver_name(inf->port_driver) : "", fwd);
	cleanup_free char *net =
	    running ? xasprintf("; the running infra: %s (pid %d)",
				lr_net_driver_name(inf->net_driver), (int)inf->net_pid)
		    : xstrdup("");
	row(r, OK, "net driver", NULL, "%s%s for a new infra%s",
	    lr_net_driver_name(ctx->net_driver), ctx->net_driver_given ? "" : " (default)", net);
	lr_infra_free(inf);
}

int lr_cmd_doctor(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	(void)argv;
	if (argc != 1)
		return lr_usage_error(err, "doctor", "no arguments expected");
	struct report r = {0};
	struct lr_userns_plan plan;
	sweep_stale(ctx);
	if (lr_userns_plan(&plan, err) < 0)
		return -1;
	printf("%-24s %-5s %s\n", "CHECK", "STATE", "DETAIL");
	/* Opened means made or found ours and 0700 (state.h). */
	bool state_ok = ctx->state.dfd >= 0 && faccessat(ctx->state.dfd, ".", W_OK, 0) == 0;
	row(&r, state_ok ? OK : FAIL, "state dir", "pass a writable --root DIR", "%s",
	    ctx->state.dir ? ctx->state.dir : "?");
	bool userns_ok = check_userns(&r, &plan);
	check_idmap(&r, &plan);
	check_tun(&r);
	check_program(&r, "slirp4netns", "apt install slirp4netns",
		      ctx->net_driver == LR_NET_SLIRP);
	check_pasta(ctx, &r);
	if (state_ok)
		check_runtimes(ctx, &r, &plan, userns_ok);
	check_plugins(ctx, &r);
	check_program(&r, "iptables", "apt install iptables", true);
	check_cni_config(ctx, &r);
	check_shipped(ctx, &r, "RCI_HELPER", "rootless-cni-infra", true);
	check_shipped(ctx, &r, "RCI_INIT", "rootless-cni-infra-init", true);
	check_shipped(ctx, &r, "RCI_FORWARDER", "rootless-cni-forwarder",
		      ctx->port_driver == LR_PORT_FORWARDER);
	/* The shipped networks name our DNS plugin, which runs dnsmasq. */
	check_shipped(ctx, &r, "RCI_DNS_PLUGIN", "cni/rootless-cni-dns", true);
	check_own_plugin(ctx, &r, "cni/rootless-cni-ipam");
	check_program(&r, "dnsmasq", "apt install dnsmasq-base", true);
	check_drivers(ctx, &r);
	if (r.fixes) {
		printf("\nTo fix:\n");
		for (size_t i = 0; r.fixes[i]; i++)
			printf("  %s\n", r.fixes[i]);
	}
	printf("\n%s\n", r.failed ? "Something needed is missing." : "Everything needed is here.");
	rci_strv_free(r.fixes);
	lr_userns_plan_free(&plan);
	return r.failed ? 1 : 0;
}

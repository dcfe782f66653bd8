/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "slirp.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "logfile.h"
#include "rootfs.h"
#include "spawn.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

bool lr_slirp_ipv6(void)
{
	/* A kernel booted with ipv6.disable=1 has no /proc/sys/net/ipv6: slirp4netns would fail. */
	return access("/proc/sys/net/ipv6", F_OK) == 0;
}

void lr_slirp_sysctls(json_object *config)
{
	if (!lr_slirp_ipv6())
		return;
	json_object *linux_ = rci_json_get_type(config, "linux", json_type_object);
	if (!linux_)
		return;
	json_object *sysctl = rci_json_get_type(linux_, "sysctl", json_type_object);
	if (!sysctl) {
		sysctl = json_object_new_object();
		json_object_object_add(linux_, "sysctl", sysctl);
	}
	json_object_object_add(sysctl, "net.ipv6.conf.default.accept_ra",
			       json_object_new_string("2"));
	json_object_object_add(sysctl, "net.ipv6.conf.default.accept_dad",
			       json_object_new_string("0"));
}

/* slirp4netns (@pid, our child) died or is dying before it was ready: reaps it, says how. */
static int not_ready(pid_t pid, const struct lr_slirp_opts *o, rci_error_t *err)
{
	int ws = 0;
	rci_error_t tmp = NULL;
	if (rci_spawn_wait(pid, 1000, &ws, &tmp) != 0) {
		rci_error_release(&tmp);
		rci_spawn_kill_reap(pid);
		ws = SIGKILL; /* a raw status: killed by SIGKILL */
	}
	cleanup_free char *how = rci_describe_wstatus(ws);
	cleanup_free char *tail = lr_logfile_excerpt(o->log_path);
	return rci_make_error(err, 0, "slirp4netns %s before it was ready%s%s", how,
			      *tail ? ": " : "", tail);
}

pid_t lr_slirp_start(const struct lr_slirp_opts *o, rci_error_t *err)
{
	struct sockaddr_un sa;
	if (strlen(o->api_socket) >= sizeof(sa.sun_path))
		return rci_make_error(err, ENAMETOOLONG,
				      "API socket path `%s` (use a shorter --root)", o->api_socket);
	unlink(o->api_socket);
	cleanup_close int logfd =
	    open(o->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (logfd < 0)
		return rci_make_error(err, errno, "open `%s`", o->log_path);
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return rci_make_error(err, errno, "pipe");
	cleanup_close int ready_r = ready[0];
	cleanup_close int ready_w = ready[1];

	char target[32], sock[4200];
	snprintf(target, sizeof(target), "%d", (int)o->target);
	snprintf(sock, sizeof(sock), "--api-socket=%s", o->api_socket);
	bool ipv6 = lr_slirp_ipv6();
	char *argv[11];
	size_t n = 0;
	argv[n++] = (char *)o->path;
	argv[n++] = "--configure";
	argv[n++] = "--mtu=65520";
	if (!o->allow_host_loopback)
		argv[n++] = "--disable-host-loopback";
	if (ipv6)
		argv[n++] = "--enable-ipv6";
	argv[n++] = "--exit-fd=3";
	argv[n++] = "--ready-fd=4";
	argv[n++] = sock;
	argv[n++] = target;
	argv[n++] = "tap0";
	argv[n] = NULL;
	int extra[2] = {o->exit_fd, ready_w};
	struct rci_spawn sp;
	rci_spawn_init_daemon(&sp, o->path, argv, logfd, extra, 2);
	rci_debug("starting %s --configure --mtu=65520%s%s %s %s tap0", o->path,
		  o->allow_host_loopback ? "" : " --disable-host-loopback",
		  ipv6 ? " --enable-ipv6" : "", sock, target);
	pid_t pid = rci_spawn_start(&sp, err);
	if (pid < 0)
		return -1;
	close(ready_w);
	ready_w = -1;

	/* buildah polls the ready pipe with a deadline and checks the process in between. */
	long long deadline = rci_now_ms() + o->timeout_ms;
	for (;;) {
		struct pollfd pfd = {.fd = ready_r, .events = POLLIN};
		int r = poll(&pfd, 1, 100);
		if (r > 0) {
			char c;
			ssize_t n = read(ready_r, &c, 1);
			if (n == 1 && c == '1')
				return pid;
			/* EOF without "1": it closed the pipe while dying. */
			return not_ready(pid, o, err);
		}
		siginfo_t si = {0};
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == pid)
			return not_ready(pid, o, err);
		if (rci_now_ms() >= deadline) {
			rci_spawn_kill_reap(pid);
			cleanup_free char *tail = lr_logfile_excerpt(o->log_path);
			return rci_make_error(err, ETIMEDOUT,
					      "slirp4netns not ready after %ld ms%s%s",
					      o->timeout_ms, *tail ? ": " : "", tail);
		}
	}
}

static json_object *api_call(const char *path, json_object *req, rci_error_t *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		rci_make_error(err, ENAMETOOLONG, "API socket `%s`", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rci_make_error(err, errno, "connect to slirp4netns API socket `%s`", path);
		return NULL;
	}
	const char *text = rci_json_str(req);
	if (rci_write_all(fd, text, strlen(text)) < 0) {
		rci_make_error(err, errno, "write to `%s`", path);
		return NULL;
	}
	/* slirp4netns answers once the request is complete, signalled by our shutdown. */
	shutdown(fd, SHUT_WR);
	cleanup_free char *reply = NULL;
	size_t len = 0;
	if (rci_read_all_fd(fd, 1 << 20, &reply, &len, err) < 0)
		return NULL;
	json_object *obj = rci_json_parse(reply, len, "slirp4netns API reply", err);
	if (!obj)
		return NULL;
	json_object *e = rci_json_get_type(obj, "error", json_type_object);
	if (e) {
		const char *desc = rci_json_get_string(e, "desc");
		rci_make_error(err, 0, "slirp4netns API: %s", desc ? desc : rci_json_str(e));
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

int lr_slirp_hostfwd_add(const char *api_socket, const char *proto, const char *host_addr,
			 int host_port, const char *guest_addr, int guest_port, int *id,
			 rci_error_t *err)
{
	cleanup_json json_object *req = json_object_new_object();
	json_object *args = json_object_new_object();
	json_object_object_add(req, "execute", json_object_new_string("add_hostfwd"));
	json_object_object_add(args, "proto", json_object_new_string(proto));
	json_object_object_add(args, "host_addr", json_object_new_string(host_addr));
	json_object_object_add(args, "host_port", json_object_new_int(host_port));
	json_object_object_add(args, "guest_addr", json_object_new_string(guest_addr));
	json_object_object_add(args, "guest_port", json_object_new_int(guest_port));
	json_object_object_add(req, "arguments", args);
	cleanup_json json_object *reply = api_call(api_socket, req, err);
	if (!reply)
		return rci_error_wrap(err, "forward host port %s:%d/%s", host_addr, host_port,
				      proto);
	json_object *ret = rci_json_get_type(reply, "return", json_type_object);
	uint64_t v;
	if (rci_json_get_uint(ret, "id", INT_MAX, &v) < 0)
		return rci_make_error(err, 0, "slirp4netns API: no rule id in reply `%s`",
				      rci_json_str(reply));
	*id = (int)v;
	return 0;
}

int lr_slirp_hostfwd_remove(const char *api_socket, int id, rci_error_t *err)
{
	cleanup_json json_object *req = json_object_new_object();
	json_object *args = json_object_new_object();
	json_object_object_add(req, "execute", json_object_new_string("remove_hostfwd"));
	json_object_object_add(args, "id", json_object_new_int(id));
	json_object_object_add(req, "arguments", args);
	cleanup_json json_object *reply = api_call(api_socket, req, err);
	return reply ? 0 : -1;
}

int lr_slirp_resolv_conf(const char *bundle_tmp, const char *bundle, json_object *mounts,
			 rci_error_t *err)
{
	static const char text[] = "# rootless-cni-infra: slirp4netns' DNS forwarder\n"
				   "nameserver " LR_SLIRP_DNS "\n";
	cleanup_close int dfd = rci_open_dir(bundle_tmp, err);
	if (dfd < 0 ||
	    rci_write_file_atomic_at(dfd, "resolv.conf", text, sizeof(text) - 1, 0644, err) < 0)
		return rci_error_wrap(err, "write the infra's resolv.conf");
	cleanup_free char *source = xasprintf("%s/resolv.conf", bundle);
	bool found = false;
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		json_object *m = json_object_array_get_idx(mounts, i);
		const char *dest = rci_json_get_string(m, "destination");
		if (dest && !strcmp(dest, "/etc/resolv.conf")) {
			json_object_object_add(m, "source", json_object_new_string(source));
			found = true;
		}
	}
	if (!found)
		lr_rootfs_add_mount(mounts, "/etc/resolv.conf", "bind", source,
				    "rbind,ro,nosuid,nodev");
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "portfwd.h"
#include "forwarder_client.h"
#include "json.h"
#include "log.h"
#include "port_records.h"
#include "ports.h"
#include "proctable.h"
#include "state.h"
#include "util.h"

#include <signal.h>
#include <string.h>

int lr_portfwd_start(const struct lr_ctx *ctx, struct lr_infra *inf, rci_error_t *err)
{
	cleanup_free char *bin =
	    lr_ctx_find_shipped(ctx, "RCI_FORWARDER", "rootless-cni-forwarder", err);
	if (!bin)
		return -1;
	cleanup_free char *control = lr_ctx_path(ctx, LR_STATE_FWD_SOCKET);
	cleanup_free char *log = xasprintf("%s/%s", inf->bundle, LR_BUNDLE_FWD_LOG);
	long long t0 = rci_now_ms();
	struct lr_fwd_start s = {.path = bin,
				 .control = control,
				 .infra_pid = inf->pid,
				 .infra_start = inf->pid_start,
				 .log = log,
				 .debug = ctx->debug};
	pid_t pid = lr_fwd_start(&s, err);
	if (pid < 0)
		return rci_error_wrap(err, "start the port forwarder");
	inf->fwd_pid = pid;
	inf->fwd_start = lr_proc_start_time(pid);
	rci_debug_step("ports", t0, "forwarder started: pid %d, control socket `%s`", (int)pid,
		       control);
	return 0;
}

/* It lives and its control socket accepts. */
static bool answers(const struct lr_ctx *ctx, const struct lr_infra *inf)
{
	if (!lr_proc_alive(inf->fwd_pid, inf->fwd_start))
		return false;
	cleanup_free char *control = lr_ctx_path(ctx, LR_STATE_FWD_SOCKET);
	rci_error_t tmp = NULL;
	int ctl = lr_fwd_connect(control, &tmp);
	if (ctl < 0) {
		rci_debug("%s", tmp->msg);
		rci_error_release(&tmp);
		return false;
	}
	close(ctl);
	return true;
}

/* A forwarder that lives but does not answer is ended first: it may still hold host ports. */
static int end_old(const struct lr_infra *inf, rci_error_t *err)
{
	if (!lr_proc_alive(inf->fwd_pid, inf->fwd_start))
		return 0;
	lr_proc_signal(inf->fwd_pid, inf->fwd_start, SIGTERM);
	if (lr_proc_wait_gone(inf->fwd_pid, inf->fwd_start, 2000))
		return 0;
	lr_proc_signal(inf->fwd_pid, inf->fwd_start, SIGKILL);
	if (lr_proc_wait_gone(inf->fwd_pid, inf->fwd_start, 2000))
		return 0;
	return rci_make_error(err, 0,
			      "the port forwarder (pid %d) does not answer and survives "
			      "SIGKILL",
			      (int)inf->fwd_pid);
}

static int restart(const struct lr_ctx *ctx, struct lr_infra *inf, rci_error_t *err)
{
	cleanup_close int dfd = lr_port_records_lock(ctx, true, err);
	if (dfd < 0)
		return -1;
	/* Another command may have restarted it while we waited for the lock. */
	struct lr_infra *now = NULL;
	if (lr_infra_load(ctx, &now, err) < 0)
		return -1;
	if (now && now->pid == inf->pid && now->pid_start == inf->pid_start) {
		inf->fwd_pid = now->fwd_pid;
		inf->fwd_start = now->fwd_start;
		inf->fwd_restarts = now->fwd_restarts;
	}
	lr_infra_free(now);
	if (answers(ctx, inf))
		return 0;
	pid_t old = inf->fwd_pid;
	if (end_old(inf, err) < 0 || lr_portfwd_start(ctx, inf, err) < 0)
		return -1;
	/* Recorded at once: a new forwarder nobody knows of would hold the control socket. */
	inf->fwd_restarts++;
	if (lr_infra_save(ctx, inf, err) < 0)
		return -1;
	cleanup_free char *control = lr_ctx_path(ctx, LR_STATE_FWD_SOCKET);
	cleanup_close int ctl = lr_fwd_connect(control, err);
	if (ctl < 0)
		return rci_error_wrap(err, "restart the port forwarder");
	size_t restored = lr_ports_replay(dfd, ctl);
	rci_warning("the port forwarder (pid %d) was gone: started it again (pid %d) with %zu "
		    "forward(s)",
		    (int)old, (int)inf->fwd_pid, restored);
	return 0;
}

int lr_portfwd_check(const struct lr_ctx *ctx, struct lr_infra *inf, rci_error_t *err)
{
	if (inf->port_driver != LR_PORT_FORWARDER || answers(ctx, inf))
		return 0;
	return restart(ctx, inf, err);
}

json_object *lr_portfwd_status(const struct lr_ctx *ctx, const struct lr_infra *inf)
{
	json_object *o = json_object_new_object();
	cleanup_free char *control = lr_ctx_path(ctx, LR_STATE_FWD_SOCKET);
	bool alive = lr_proc_alive(inf->fwd_pid, inf->fwd_start);
	json_object_object_add(o, "pid", json_object_new_int(inf->fwd_pid));
	json_object_object_add(o, "alive", json_object_new_boolean(alive));
	json_object_object_add(o, "restarts", json_object_new_int64(inf->fwd_restarts));
	json_object_object_add(o, "control", json_object_new_string(control));
	rci_error_t tmp = NULL;
	cleanup_close int ctl = alive ? lr_fwd_connect(control, &tmp) : -1;
	cleanup_json json_object *ping = ctl >= 0 ? lr_fwd_ping(ctl, &tmp) : NULL;
	json_object *list = ping ? lr_fwd_list(ctl, &tmp) : NULL;
	static const char *const keys[] = {"sourceAddress", "sourceAddressIPv6", "version"};
	for (size_t i = 0; ping && i < RCI_ARRAY_SIZE(keys); i++) {
		json_object *v;
		if (json_object_object_get_ex(ping, keys[i], &v))
			json_object_object_add(o, keys[i], json_object_get(v));
	}
	if (list)
		json_object_object_add(o, "forwards", list);
	if (tmp)
		json_object_object_add(o, "error", json_object_new_string(tmp->msg));
	rci_error_release(&tmp);
	return o;
}

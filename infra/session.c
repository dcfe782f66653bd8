/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "session.h"
#include "call.h"
#include "json.h"
#include "launcher_lock.h"
#include "log.h"
#include "portfwd.h"
#include "util.h"

int lr_session_open(struct lr_ctx *ctx, struct lr_session *s, rci_error_t *err)
{
	s->inf = NULL;
	s->lock_fd = lr_lock_open(&ctx->state, err);
	return s->lock_fd < 0 ? -1 : 0;
}

void lr_session_release(struct lr_session *s)
{
	lr_lock_release(s->lock_fd);
	lr_infra_free(s->inf);
	s->inf = NULL;
}

void lr_session_close(struct lr_session *s)
{
	lr_session_release(s);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
}

int lr_session_exclusive(struct lr_ctx *ctx, struct lr_session *s, rci_error_t *err)
{
	lr_session_release(s);
	if (lr_lock_take(s->lock_fd, true, err) < 0)
		return -1;
	return lr_infra_load(ctx, &s->inf, err);
}

/*
 * A live infra: this command's options must be its, and its config dirs become ours; a port
 * forwarder that died is restarted by whichever command comes next (portfwd.h).
 */
static int use_infra(struct lr_ctx *ctx, struct lr_infra *inf, long long t0, rci_error_t *err)
{
	if (lr_infra_check_options(ctx, inf, err) < 0)
		return -1;
	lr_ctx_adopt_cni(ctx, inf->cni_config_dir, inf->cni_shipped_dir);
	rci_debug_step("infra", t0, "found running: pid %d, runtime %s (%s)", (int)inf->pid,
		       inf->rt.name, inf->rt.path);
	return lr_portfwd_check(ctx, inf, err);
}

int lr_session_shared(struct lr_ctx *ctx, struct lr_session *s, bool start, rci_error_t *err)
{
	for (int attempt = 0; attempt < 10; attempt++) {
		long long t0 = rci_now_ms();
		lr_session_release(s);
		if (lr_lock_take(s->lock_fd, false, err) < 0)
			return -1;
		if (lr_infra_load(ctx, &s->inf, err) < 0)
			return -1;
		if (lr_infra_alive(s->inf))
			return use_infra(ctx, s->inf, t0, err);
		lr_infra_free(s->inf);
		s->inf = NULL;
		if (!start)
			return 0;
		lr_lock_release(s->lock_fd);
		if (lr_lock_take(s->lock_fd, true, err) < 0)
			return -1;
		struct lr_infra *inf = NULL;
		t0 = rci_now_ms();
		if (lr_infra_ensure(ctx, &inf, err) < 0) {
			lr_lock_release(s->lock_fd);
			return -1;
		}
		rci_debug_step("infra", t0, "started: pid %d, runtime %s (%s), %s pid %d",
			       (int)inf->pid, inf->rt.name, inf->rt.path,
			       lr_net_driver_name(inf->net_driver), (int)inf->net_pid);
		lr_infra_free(inf);
	}
	return rci_make_error(err, EAGAIN, "the infra keeps disappearing while starting it");
}

int lr_session_reap(struct lr_ctx *ctx, struct lr_session *s, bool *stopped, rci_error_t *err)
{
	*stopped = false;
	if (!lr_infra_alive(s->inf)) {
		if ((s->inf || lr_infra_leftovers(ctx)) && lr_infra_stop(ctx, s->inf, err) < 0)
			return -1;
		*stopped = true;
		return 0;
	}
	char *args[] = {"is-idle", NULL};
	rci_error_t tmp = NULL;
	cleanup_json json_object *r = lr_call_json(ctx, s->inf, args, &tmp);
	json_object *idle = NULL;
	if (!r || !json_object_object_get_ex(r, "idle", &idle) ||
	    !json_object_is_type(idle, json_type_boolean)) {
		/* An infra whose helper cannot answer is kept: it may still hold attachments. */
		if (tmp) {
			*err = tmp;
			return rci_error_wrap(err, "ask the infra whether it is idle");
		}
		return rci_make_error(err, 0, "helper `is-idle`: unexpected output `%s`",
				      r ? rci_json_str(r) : "");
	}
	if (!json_object_get_boolean(idle))
		return 0;
	long long t0 = rci_now_ms();
	if (lr_infra_stop(ctx, s->inf, err) < 0)
		return -1;
	rci_debug_step("infra", t0, "idle, stopped: pid %d", (int)s->inf->pid);
	*stopped = true;
	return 0;
}

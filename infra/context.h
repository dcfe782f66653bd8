/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_CONTEXT_H
#define LR_CONTEXT_H

#include <stdbool.h>

#include "error.h"
#include "state.h"

struct lr_image;

/* Paths inside the infra container, imageless or from an image (image/build.sh lays it out so). */
#define LR_IN_HELPER "/usr/local/bin/rootless-cni-infra"
#define LR_IN_INIT "/usr/local/bin/rootless-cni-infra-init"
#define LR_IN_CNI_CONF "/etc/cni/net.d"				       /* the user's networks */
#define LR_IN_SHIPPED_CONF "/usr/local/share/rootless-cni-infra/net.d" /* the shipped ones */
#define LR_IN_PLUGIN_BASE "/usr/local/lib/cni"
/*
 * Our own CNI plugins (rootless-cni-dns, rootless-cni-ipam), last in CNI_PATH: a plugin dir of
 * the user's wins.
 */
#define LR_IN_OWN_PLUGINS "/usr/local/libexec/rootless-cni-infra/cni"
#define LR_IN_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define LR_CONTAINER_ID "rootless-cni-infra"

/* How helper calls reach the infra ($RCI_EXEC, call.h). */
enum lr_exec_mode {
	LR_EXEC_AUTO,	 /* unset: the helper service, else join, else the runtime's exec */
	LR_EXEC_SERVICE, /* "service": the infra's helper service only */
	LR_EXEC_DIRECT,	 /* "direct": join only */
	LR_EXEC_RUNTIME, /* "runtime": the runtime's exec only */
};

/*
 * The infra's data path (README "Published ports", "The infra's network"): what publishes
 * ports (--port-driver) and what connects the infra to the host (--net-driver). Fixed when the
 * infra starts and recorded with it (record.h).
 */
enum lr_port_driver {
	LR_PORT_FORWARDER, /* default: rootless-cni-forwarder (forwarder.h) */
	LR_PORT_SLIRP,	   /* slirp4netns' API + the portmap plugin (ports_slirp.c) */
};
enum lr_net_driver {
	LR_NET_SLIRP, /* default, the design card's: slirp4netns (slirp.h) */
	LR_NET_PASTA, /* Debian's passt: pasta (pasta.h); ports need the forwarder */
};

/* "forwarder", "slirp4netns"; "slirp4netns", "pasta". */
const char *lr_port_driver_name(enum lr_port_driver d);
const char *lr_net_driver_name(enum lr_net_driver d);
/* The driver named @name; -1 with a usage error when there is none. */
int lr_port_driver_parse(const char *name, enum lr_port_driver *out, rci_error_t *err);
int lr_net_driver_parse(const char *name, enum lr_net_driver *out, rci_error_t *err);

/* Everything a command needs, passed down (no globals): options and resolved paths. */
struct lr_ctx {
	struct lr_state state; /* this user namespace's: <state_base>[/<key>] (statekey.h) */
	char *state_base;      /* --root, or $XDG_RUNTIME_DIR/rootless-cni-infra */
	char *key;	       /* the caller's user namespace (statekey.h): `host`, `userns-N` */
	bool root_given;       /* the base came from --root */
	char *cni_config_dir;  /* the user's networks: --cni-config-dir, the running infra's,
				  or $XDG_CONFIG_HOME/cni/net.d (lr_ctx_resolve_cni) */
	bool cni_config_dir_given; /* it came from --cni-config-dir (lr_ctx_setup) */
	char *cni_shipped_dir;	   /* the shipped networks (lr_ctx_resolve_cni) */
	char **cni_dirs;	   /* lookup order, the user's dir first (lr_ctx_resolve_cni) */
	char **plugin_dirs;	   /* --cni-plugin-dir (colon-separated) or the distribution's */
	char *own_plugin_dir;	   /* our plugins' dir (lr_ctx_setup), NULL when not found */
	char *runtime;		   /* --runtime NAME|PATH, NULL: the one that works */
	char *image;		   /* --image OCI layout, NULL: imageless */
	struct lr_image *img;	   /* --image, once lr_image_setup prepared it (image.h) */
	bool plugin_dirs_default;  /* no --cni-plugin-dir: the distribution's or the image's */
	bool allow_host_loopback;  /* --allow-host-loopback: 10.0.2.2 is the host's 127.0.0.1 */
	enum lr_port_driver port_driver;	  /* --port-driver; for a new infra only */
	enum lr_net_driver net_driver;		  /* --net-driver; for a new infra only */
	bool port_driver_given, net_driver_given; /* checked against a running infra */
	bool debug;
	enum lr_exec_mode exec_mode; /* $RCI_EXEC, checked by lr_ctx_setup */
	char *self_dir;		     /* directory of the launcher binary */
	char **extra_env;	     /* added to the helper's environment for one call */
	int helper_fd;		     /* >= 0: the helper's fd 3 (an engine's netns, oci-hook) */
};

void lr_ctx_init(struct lr_ctx *ctx);

/*
 * Drivers that cannot work together (a usage error): pasta has no run-time port API, so its
 * published ports go through the forwarder, never --port-driver slirp4netns.
 */
int lr_ctx_check_drivers(const struct lr_ctx *ctx, rci_error_t *err);
void lr_ctx_free(struct lr_ctx *ctx);

/*
 * Fills the defaults of DESIGN.md's Contract 2, reads the environment the launcher honours
 * ($RCI_EXEC: anything but unset, "service", "direct" or "runtime" is a usage error) and opens the
 * state dir of the caller's user namespace (statekey.h; state.h, created 0700). The state dir given
 * as ctx->state.dir (--root) is the base the keys live under.
 */
int lr_ctx_setup(struct lr_ctx *ctx, rci_error_t *err);

/*
 * The user's state dir as found from the UID alone, whatever the environment: /run/user/UID/
 * rootless-cni-infra when that runtime dir is the user's, else /tmp/rootless-cni-infra-UID. UID
 * is the user's on the host, also inside an engine's user namespace (lr_userns_host_uid). It is
 * what a hook finds at every stage (engines pass hooks little or no environment). Caller frees.
 */
char *lr_ctx_uid_state_dir(void);

/*
 * lr_ctx_set_base() - moves @ctx to the state dir @base (absolute), its key unchanged: the
 * poststop hook goes where createRuntime went (hook_record.h). -1 with *err.
 */
int lr_ctx_set_base(struct lr_ctx *ctx, const char *base, rci_error_t *err);

/*
 * lr_ctx_for_key() - a context for the infra of another user namespace, @key, under the same
 * base (status, the sweep of keys.h): @src's options, the state dir <base>[/<key>] opened but
 * not created. Return: 0, -2 when that dir does not exist, -1 with *err. lr_ctx_free @dst.
 */
int lr_ctx_for_key(const struct lr_ctx *src, const char *key, struct lr_ctx *dst, rci_error_t *err);

/*
 * lr_ctx_resolve_cni() - the CNI config dirs on the host, in lookup order (ctx->cni_dirs): the
 * user's (ctx->cni_config_dir: --cni-config-dir, else the running infra's, else
 * $XDG_CONFIG_HOME/cni/net.d, or ~/.config/cni/net.d), then the shipped networks
 * (ctx->cni_shipped_dir: the running infra's, else with --image the image's /etc/cni/net.d, so
 * call lr_image_setup first, else $RCI_DEFAULT_NET_DIR, the build tree's image/net.d, or
 * DATADIR/net.d). A user network shadows a shipped one of the same name (DESIGN.md). The infra
 * mounts them at LR_IN_CNI_CONF and LR_IN_SHIPPED_CONF. Recomputed on every call. Return: 0, or
 * -1 with *err when --cni-config-dir names no directory (exit 3).
 */
int lr_ctx_resolve_cni(struct lr_ctx *ctx, rci_error_t *err);

/*
 * lr_ctx_adopt_cni() - the config dirs a running infra was started with (record.h), for the
 * commands that name none: the host-side checks then look where the infra looks. A NULL
 * @user or @shipped (an older record) keeps ours; --cni-config-dir keeps the user's dir (a
 * different one is lr_infra_check_options' conflict).
 */
void lr_ctx_adopt_cni(struct lr_ctx *ctx, const char *user, const char *shipped);

/*
 * lr_ctx_make_user_cni_dir() - creates the default user config dir (mode 0700, as XDG asks; the
 * missing parents as rci_mkdir_p makes them) so that the infra can mount it and see the networks
 * an engine writes there later (`podman network create`). A given --cni-config-dir is never
 * created. False when there is no such dir after all (no $HOME, a read-only home): the infra
 * then runs without it.
 */
bool lr_ctx_make_user_cni_dir(const struct lr_ctx *ctx);

/* Finds a program the launcher ships: $ENV, next to the launcher, RCI_LIBEXECDIR, PATH. */
char *lr_ctx_find_shipped(const struct lr_ctx *ctx, const char *env, const char *name,
			  rci_error_t *err);

/* The helper and the init on the host, bind-mounted into the imageless rootfs. */
char *lr_ctx_helper(const struct lr_ctx *ctx, rci_error_t *err);
char *lr_ctx_init_bin(const struct lr_ctx *ctx, rci_error_t *err);

/* `<state>/<name>` (lr_state_path; @name one of state.h's), caller frees. */
char *lr_ctx_path(const struct lr_ctx *ctx, const char *name);

#endif

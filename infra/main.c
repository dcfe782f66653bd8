/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rootless-cni-launcher: creates, execs into and reaps the rootless CNI infra container. */
#include "launcher_commands.h"
#include "context.h"
#include "json.h"
#include "log.h"
#include "stdfds.h"
#include "userns.h"
#include "util.h"
#include "validate.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>

static const struct {
	const char *name;
	lr_command_fn fn;
	bool needs_state; /* doctor runs even when the state dir cannot be made */
} commands[] = {
    {"alloc", lr_cmd_alloc, true},	 {"dealloc", lr_cmd_dealloc, true},
    {"exec", lr_cmd_exec, true},	 {"enter", lr_cmd_enter, true},
    {"start", lr_cmd_start, true},	 {"stop", lr_cmd_stop, true},
    {"status", lr_cmd_status, true},	 {"reap", lr_cmd_reap, true},
    {"doctor", lr_cmd_doctor, false},	 {"gc", lr_cmd_gc, true},
    {"networks", lr_cmd_networks, true}, {"oci-hook", lr_cmd_hook, true},
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: rootless-cni-launcher [OPTION]... COMMAND [ARG]...\n"
	    "Gives rootless containers real CNI networks through an infra container.\n"
	    "\n"
	    "Commands:\n"
	    "  alloc ID NET [POD_NAME [IP [MAC]]] [-p [HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp]]...\n"
	    "                       attach ID to network NET; prints netns, userns, mappings, "
	    "result\n"
	    "  dealloc ID NET       detach; stops the infra once nothing is attached\n"
	    "  exec -- ARGS...      run the helper rootless-cni-infra ARGS... in the infra\n"
	    "  enter ID -- CMD...   run CMD in the user and network namespaces of ID, with the\n"
	    "                       resolv.conf of its CNI results\n"
	    "  start, stop          start or stop the infra container\n"
	    "  status               print the infra's state as JSON\n"
	    "  networks             list the networks NET can name, and their files, as JSON\n"
	    "  reap                 stop the infra when it is idle\n"
	    "  gc [LIVE_ID]...      release every attachment whose ID is not listed\n"
	    "  doctor               check every prerequisite and say what to fix\n"
	    "  oci-hook [STAGE]     OCI hook (createRuntime, prestart, poststop; default: from\n"
	    "                       the state's status): networks the container of the OCI\n"
	    "                       state on stdin as its io.rootless-cni-infra.* annotations ask\n"
	    "\n"
	    "Options:\n"
	    "  --root DIR              state dir (default $XDG_RUNTIME_DIR/rootless-cni-infra)\n"
	    "  --cni-config-dir DIR    your CNI networks (default $XDG_CONFIG_HOME/cni/net.d);\n"
	    "                          the shipped default and dualstack are there too, yours win\n"
	    "  --cni-plugin-dir DIR    CNI plugins, colon-separated (default /usr/lib/cni,\n"
	    "                          /usr/libexec/cni, /opt/cni/bin)\n"
	    "  --runtime NAME|PATH     OCI runtime (default: runc or crun, whichever works)\n"
	    "  --image OCI_LAYOUT      run the infra from this OCI image layout (make image);\n"
	    "                          default: imageless, from the host's files\n"
	    "  --allow-host-loopback   let containers reach the host's 127.0.0.1 at 10.0.2.2\n"
	    "                          (default: refused, as podman does)\n"
	    "  --port-driver DRIVER    publishes ports: forwarder (default) or slirp4netns\n"
	    "  --net-driver DRIVER     connects the infra: slirp4netns (default) or pasta\n"
	    "  --debug                 log each step, the helper's too, on stderr with its time\n"
	    "  -h, --help              show this help;  -v, --version  print the version\n"
	    "\n"
	    "Exit status: 0 ok, 1 failure, 2 bad input, 3 not found, 4 conflict; exec passes the\n"
	    "helper's status through.\n");
}

int lr_usage_error(rci_error_t *err, const char *synopsis, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "%s (usage: rootless-cni-launcher %s)",
				   msg ? msg : "bad arguments", synopsis);
}

static void set_dirs(char ***v, const char *arg)
{
	rci_strv_free(*v);
	*v = rci_strv_split(arg, ':');
}

int main(int argc, char **argv)
{
	enum {
		OPT_ROOT = 256,
		OPT_CONF,
		OPT_PLUGIN,
		OPT_RUNTIME,
		OPT_IMAGE,
		OPT_HOST_LOOPBACK,
		OPT_PORT_DRIVER,
		OPT_NET_DRIVER,
		OPT_DEBUG
	};
	static const struct option opts[] = {
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"cni-config-dir", required_argument, NULL, OPT_CONF},
	    {"cni-plugin-dir", required_argument, NULL, OPT_PLUGIN},
	    {"runtime", required_argument, NULL, OPT_RUNTIME},
	    {"image", required_argument, NULL, OPT_IMAGE},
	    {"allow-host-loopback", no_argument, NULL, OPT_HOST_LOOPBACK},
	    {"port-driver", required_argument, NULL, OPT_PORT_DRIVER},
	    {"net-driver", required_argument, NULL, OPT_NET_DRIVER},
	    {"debug", no_argument, NULL, OPT_DEBUG},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	struct lr_ctx ctx;
	rci_error_t err = NULL;
	int ret = 0;

	/* Before anything opens a file: it would become a closed stdout (issue 13). */
	if (rci_stdfds_ensure() < 0)
		return RCI_ERR_FAILED;
	rci_log_init("rootless-cni-launcher", RCI_LOG_WARNING);
	/* A reader that goes away must not kill us halfway through a teardown. */
	signal(SIGPIPE, SIG_IGN);
	lr_ctx_init(&ctx);
	int c;
	/* getopt's own message plus the usage would be a stack of lines: one line of ours. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hv", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			free(ctx.state.dir);
			ctx.state.dir = xstrdup(optarg);
			break;
		case OPT_CONF:
			free(ctx.cni_config_dir);
			ctx.cni_config_dir = xstrdup(optarg);
			break;
		case OPT_PLUGIN:
			set_dirs(&ctx.plugin_dirs, optarg);
			break;
		case OPT_RUNTIME:
			free(ctx.runtime);
			ctx.runtime = xstrdup(optarg);
			break;
		case OPT_IMAGE:
			free(ctx.image);
			ctx.image = xstrdup(optarg);
			break;
		case OPT_HOST_LOOPBACK:
			ctx.allow_host_loopback = true;
			break;
		case OPT_PORT_DRIVER:
			if (lr_port_driver_parse(optarg, &ctx.port_driver, &err) < 0)
				goto bad_option;
			ctx.port_driver_given = true;
			break;
		case OPT_NET_DRIVER:
			if (lr_net_driver_parse(optarg, &ctx.net_driver, &err) < 0)
				goto bad_option;
			ctx.net_driver_given = true;
			break;
		case OPT_DEBUG:
			ctx.debug = true;
			rci_log_set_level(RCI_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			goto out;
		case 'v': {
			cleanup_json json_object *v = json_object_new_object();
			json_object_object_add(v, "version", json_object_new_string(RCI_VERSION));
			json_object_object_add(v, "commit", json_object_new_string(RCI_COMMIT));
			if (rci_json_print(v, &err) < 0)
				ret = -1;
			goto fail;
		}
		default: {
			char shortopt[3] = {'-', (char)optopt, '\0'};
			/* optopt is a short option's letter; for a long one, its value (or 0). */
			bool is_short = optopt > 0 && optopt < 128 && optopt != ':';
			cleanup_free char *shown =
			    rci_printable(is_short ? shortopt : argv[optind - 1], 64);
			rci_error_log(c == ':' ? "option `%s` requires an argument (see --help)"
					       : "unknown option `%s` (see --help)",
				      shown);
			ret = RCI_ERR_USAGE;
			goto out;
		}
		}
	}
	if (lr_ctx_check_drivers(&ctx, &err) < 0)
		goto bad_option;
	if (optind >= argc) {
		rci_error_log("no command given (see --help)");
		ret = RCI_ERR_USAGE;
		goto out;
	}
	const char *name = argv[optind];
	size_t i;
	for (i = 0; i < RCI_ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			break;
	if (i == RCI_ARRAY_SIZE(commands)) {
		rci_error_log("unknown command `%s` (see --help)", name);
		ret = RCI_ERR_USAGE;
		goto out;
	}
	/* Real root of the host would get an infra privileged on the host: not ours to run. */
	if (lr_userns_check_caller(geteuid(), lr_userns_in_child_ns(), &err) < 0)
		ret = -1;
	else if (lr_ctx_setup(&ctx, &err) < 0 && commands[i].needs_state) {
		ret = -1;
	} else {
		rci_error_release(&err);
		ret = commands[i].fn(&ctx, argc - optind, argv + optind, &err);
	}
	goto fail;
bad_option:
	rci_error_log("%s (see --help)", err->msg);
	rci_error_release(&err);
	ret = RCI_ERR_USAGE;
	goto out;
fail:
	if (ret < 0) {
		cleanup_free char *text = rci_error_text(err);
		rci_error_log("%s", text);
		ret = err ? err->kind : RCI_ERR_FAILED;
		rci_error_release(&err);
	}
out:
	lr_ctx_free(&ctx);
	fflush(stdout);
	return ret;
}

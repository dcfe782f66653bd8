/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The data-path drivers' names (context.h): --port-driver, --net-driver, the infra record. */
#include "context.h"
#include "util.h"

#include <string.h>

static const char *const port_names[] = {
    [LR_PORT_FORWARDER] = "forwarder", [LR_PORT_SLIRP] = "slirp4netns"};
static const char *const net_names[] = {[LR_NET_SLIRP] = "slirp4netns", [LR_NET_PASTA] = "pasta"};

const char *lr_port_driver_name(enum lr_port_driver d)
{
	return (size_t)d < RCI_ARRAY_SIZE(port_names) ? port_names[d] : "?";
}

const char *lr_net_driver_name(enum lr_net_driver d)
{
	return (size_t)d < RCI_ARRAY_SIZE(net_names) ? net_names[d] : "?";
}

/* The index of @name in @names (@n of them), -1 when absent. */
static int lookup(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(names[i], name))
			return (int)i;
	return -1;
}

static int unknown(const char *option, const char *name, const char *want, rci_error_t *err)
{
	cleanup_free char *shown = rci_printable(name ? name : "", 64);
	return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "%s `%s`: must be %s", option, shown,
				   want);
}

int lr_port_driver_parse(const char *name, enum lr_port_driver *out, rci_error_t *err)
{
	int i = lookup(port_names, RCI_ARRAY_SIZE(port_names), name);
	if (i < 0)
		return unknown("--port-driver", name, "`forwarder` or `slirp4netns`", err);
	*out = (enum lr_port_driver)i;
	return 0;
}

int lr_net_driver_parse(const char *name, enum lr_net_driver *out, rci_error_t *err)
{
	int i = lookup(net_names, RCI_ARRAY_SIZE(net_names), name);
	if (i < 0)
		return unknown("--net-driver", name, "`slirp4netns` or `pasta`", err);
	*out = (enum lr_net_driver)i;
	return 0;
}

int lr_ctx_check_drivers(const struct lr_ctx *ctx, rci_error_t *err)
{
	if (ctx->net_driver == LR_NET_PASTA && ctx->port_driver == LR_PORT_SLIRP)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "--net-driver pasta publishes ports through the "
					   "forwarder: --port-driver slirp4netns needs "
					   "--net-driver slirp4netns");
	return 0;
}

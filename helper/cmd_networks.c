/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "commands.h"
#include "discover.h"
#include "json.h"
#include "util.h"

/*
 * networks: every network the config dirs offer, in lookup order, each name once with the file
 * alloc would load: [{"name", "file"}]. Shows which dir a name comes from (a user network
 * shadows a shipped one) and feeds the bash completion.
 */
int cmd_networks(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	(void)argv;
	if (rci_check_argc("networks", "", argc, 0, 0, err) < 0)
		return -1;
	cleanup_json json_object *list = cni_conf_list(ctx->config_dirs);
	return rci_json_print(list, err);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "commands.h"
#include "json.h"
#include "util.h"
#include "version.h"

/* version (and --version): what this build is, and the newest CNI version it speaks. */
int cmd_version(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	(void)ctx;
	(void)argv;
	if (rci_check_argc("version", "", argc, 0, 0, err) < 0)
		return -1;
	cleanup_json json_object *o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_string(RCI_VERSION));
	json_object_object_add(o, "commit", json_object_new_string(RCI_COMMIT));
	json_object_object_add(o, "cniVersion", json_object_new_string(CNI_RUNTIME_MAX_VERSION));
	return rci_json_print(o, err);
}

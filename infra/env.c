/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The infra's environment: the init's (config.json), and what each helper call adds to it. */
#include "infra.h"
#include "util.h"

char **lr_infra_base_env(const struct lr_infra *inf)
{
	char **env = NULL;
	char *s;
	rci_strv_push(&env, "PATH=" LR_IN_PATH);
	rci_strv_push(&env, "HOME=/root");
	rci_strv_push(&env, "container=rootless-cni-infra");
	/* The helper's lookup order (discover.h): the user's networks shadow the shipped ones. */
	rci_strv_push(&env, "RCI_CNI_CONFIG_DIR=" LR_IN_CNI_CONF ":" LR_IN_SHIPPED_CONF);
	s = xasprintf("CNI_PATH=%s", inf->cni_path);
	rci_strv_push(&env, s);
	free(s);
	if (inf->pid > 0) {
		s = xasprintf("RCI_INFRA_PID=%d", (int)inf->pid);
		rci_strv_push(&env, s);
		free(s);
	}
	return env;
}

char **lr_infra_env(const struct lr_ctx *ctx, const struct lr_infra *inf)
{
	char **env = lr_infra_base_env(inf);
	char *s;
	for (size_t i = 0; ctx && ctx->extra_env && ctx->extra_env[i]; i++)
		rci_strv_push(&env, ctx->extra_env[i]);
	const char *t = getenv("RCI_PLUGIN_TIMEOUT");
	if (t && *t) {
		s = xasprintf("RCI_PLUGIN_TIMEOUT=%s", t);
		rci_strv_push(&env, s);
		free(s);
	}
	return env;
}

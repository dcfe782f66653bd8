/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Network configuration list parsing and validation (conf.c), then plugin stdin building. */
#include "fuzz.h"
#include "api.h"
#include "conf.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rci_log_set_level(RCI_LOG_ERROR);
	struct cni_netconf *c = NULL;
	rci_error_t err = NULL;
	if (cni_conf_from_bytes((const char *)data, size, "fuzz", &c, &err) == 0) {
		for (size_t i = 0; i < cni_conf_plugin_count(c); i++) {
			json_object *in = cni_build_plugin_conf(cni_conf_plugin(c, i), c->name,
								c->cni_version, NULL, NULL);
			json_object_put(in);
		}
		cni_conf_free(c);
	}
	rci_error_release(&err);
	return 0;
}

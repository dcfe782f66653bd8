/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Everything that becomes a path or CNI_ARGS: IDs, names, pod names, IPs, MACs, CNI_ARGS. */
#include "fuzz.h"
#include "args.h"
#include "util.h"
#include "validate.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	rci_error_t err = NULL;
	if (rci_validate_id(s, &err) == 0 && (strchr(s, '/') || strcmp(s, "..") == 0))
		__builtin_trap(); /* a valid ID must never escape a path */
	rci_error_release(&err);
	rci_validate_network(s, &err);
	rci_error_release(&err);
	rci_validate_pod_name(s, &err);
	rci_error_release(&err);
	rci_validate_ip(s, &err);
	rci_error_release(&err);
	rci_validate_mac(s, &err);
	rci_error_release(&err);
	struct cni_args a = {0};
	if (cni_args_add(&a, "K8S_POD_NAME", s, &err) == 0) {
		char *str = cni_args_to_string(&a);
		/* Exactly one pair: the value cannot inject another. */
		if (strchr(str, ';'))
			__builtin_trap();
		free(str);
	}
	rci_error_release(&err);
	cni_args_clear(&a);
	free(s);
	return 0;
}

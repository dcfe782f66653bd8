/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CNI result parsing and conversion between every pair of known versions (result.c). */
#include "fuzz.h"
#include "json.h"
#include "result.h"

static const char *const versions[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1",
				       "0.4.0", "1.0.0", "1.1.0"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rci_error_t err = NULL;
	json_object *r = rci_json_parse((const char *)data, size, "fuzz", &err);
	rci_error_release(&err);
	if (!r)
		return 0;
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		json_object *c = cni_result_convert(r, "1.0.0", versions[i], &err);
		rci_error_release(&err);
		if (c) {
			/* A converted result must convert back without crashing. */
			json_object *back = cni_result_convert(c, versions[i], "1.0.0", &err);
			rci_error_release(&err);
			if (back)
				json_object_put(back);
			json_object_put(c);
		}
	}
	json_object_put(r);
	return 0;
}

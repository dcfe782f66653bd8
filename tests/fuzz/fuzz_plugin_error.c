/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A failed plugin's stdout/stderr turned into one error line (exec.c: cni_plugin_error). */
#include "fuzz.h"
#include "exec.h"
#include "spawn.h"
#include "util.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* First byte: which stream and how the plugin ended; the rest is its output. */
	if (size < 1)
		return 0;
	struct rci_spawn_result res = {0};
	char *text = xstrndup((const char *)data + 1, size - 1);
	char *empty = xstrdup("");
	bool on_stderr = data[0] & 1;
	res.out = on_stderr ? empty : text;
	res.out_len = on_stderr ? 0 : strlen(text);
	res.err = on_stderr ? text : empty;
	res.err_len = on_stderr ? strlen(text) : 0;
	res.exit_code = (data[0] >> 1) & 7;
	res.term_signal = (data[0] >> 4) & 3 ? 9 : 0;
	rci_error_t err = NULL;
	cni_plugin_error("bridge", "ADD", &res, 1000, &err);
	if (err && strchr(err->msg, '\n'))
		__builtin_trap(); /* the contract: one line */
	rci_error_release(&err);
	free(text);
	free(empty);
	return 0;
}

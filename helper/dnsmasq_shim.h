/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_DNSMASQ_SHIM_H
#define RCI_DNSMASQ_SHIM_H

#include <stdbool.h>

#include "error.h"

/*
 * dnsname starts `dnsmasq -u root ...`, and dnsmasq then switches to group "dip" with
 * setgroups(), which a user namespace with a single-ID mapping forbids (/proc/self/setgroups is
 * "deny": `unshare -r`, an engine sharing its own namespace, no subordinate ranges). There,
 * the helper puts a `dnsmasq` symlink to itself first on the plugins' PATH; invoked under that
 * name, it execs the real dnsmasq with `--group=` (no group change) before the caller's options.
 */

/* True when argv[0] names the shim. */
bool rci_dnsmasq_shim_invoked(const char *argv0);
/* Execs the real dnsmasq; returns only on failure (exit status 127 then). */
int rci_dnsmasq_shim_main(int argc, char **argv);
/* When setgroups is denied, creates <state_dir>/shims/dnsmasq and prepends it to PATH. */
int rci_dnsmasq_shim_install(const char *state_dir, rci_error_t *err);

#endif

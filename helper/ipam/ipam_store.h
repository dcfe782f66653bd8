/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_IPAM_STORE_H
#define RCI_IPAM_STORE_H

#include <stdbool.h>

#include "error.h"
#include "ipam_leases.h"

/* Where the leases live unless `dataDir` says otherwise: the infra's tmpfs (DESIGN.md). */
#define RCI_IPAM_DATA_DIR "/var/lib/cni/rootless-cni-ipam"
#define RCI_IPAM_LEASES "leases"

/*
 * rci_ipam_store_update() - one read-modify-write of DATA_DIR/NETWORK/leases: takes the
 * network's lock, reads the file with one read, lets @fn change the leases in memory, writes
 * them back when @fn returns 1 (0: unchanged, -1: failed, nothing written), and unlocks. The
 * lock is held for that only: config and result work happen outside. @create: make the
 * directories (0700) as needed (ADD); else a missing one holds no lease (DEL, CHECK), and
 * nothing is created. Symlinks are refused at every step. Returns @fn's value or -1 with *err.
 */
int rci_ipam_store_update(const char *data_dir, const char *network, bool create,
			  int (*fn)(struct rci_ipam_leases *l, void *arg, rci_error_t *err),
			  void *arg, rci_error_t *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_LAUNCHER_LOCK_H
#define LR_LAUNCHER_LOCK_H

#include <stdbool.h>

#include "error.h"
#include "state.h"

/*
 * The launcher lock, `<state>/lock`, serialises the infra's lifecycle between concurrent
 * launchers. Start, stop and the idle check before a reap hold it exclusively; helper calls
 * (alloc, dealloc, exec) hold it shared, so they run in parallel but never while the infra is
 * being started or reaped: an alloc racing a reap cannot lose the infra or its attachment.
 * flock() locks die with the process, so a killed launcher never leaves it held.
 */

/* Opens (creating) <state>/lock; returns an O_CLOEXEC fd or -1 with *err. */
int lr_lock_open(const struct lr_state *st, rci_error_t *err);

/* Blocks until the lock is held in the given mode; a held lock is converted. */
int lr_lock_take(int fd, bool exclusive, rci_error_t *err);

/* Releases the lock (the fd stays open). */
void lr_lock_release(int fd);

#endif

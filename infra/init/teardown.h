/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_INIT_TEARDOWN_H
#define RCI_INIT_TEARDOWN_H

/*
 * The infra init's teardown budget, shared with the launcher so that `stop` waits longer than
 * the init may take: on SIGTERM the init runs `rootless-cni-infra gc` for at most
 * RCI_INIT_GC_TIMEOUT_MS (each plugin call inside has its own 60 s timeout), then exits.
 */
#define RCI_INIT_GC_TIMEOUT_MS 120000

#endif

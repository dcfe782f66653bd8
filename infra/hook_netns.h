/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_HOOK_NETNS_H
#define LR_HOOK_NETNS_H

#include <sys/types.h>

#include "error.h"

/*
 * lr_hook_netns_open() - the network namespace the runtime made for the container: @path (the
 * .netns annotation) when set, else /proc/@pid/ns/net. Opened once here: this fd, handed to the
 * helper as its fd 3, is what the infra pins, so a pid reused in between cannot substitute
 * another namespace. Return: an O_CLOEXEC fd, or -1 with *err (RCI_ERR_NOT_FOUND when missing,
 * RCI_ERR_USAGE when it is not a network namespace).
 */
int lr_hook_netns_open(const char *path, pid_t pid, rci_error_t *err);

/*
 * lr_hook_netns_check_owner() - a netns can be configured only from the user namespace that
 * owns it or one above: fails (RCI_ERR_USAGE) unless the owner of @netns is @userns (the user
 * namespace of infra @key; -1 when that infra does not run) or a namespace below it. The message
 * says why and what to do: a plain user's `runc run` that makes its own user namespace must
 * join the infra's instead, as `status` reports it. @id names the container.
 */
int lr_hook_netns_check_owner(int netns, int userns, const char *key, const char *id,
			      rci_error_t *err);

#endif

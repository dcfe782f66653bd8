/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_DNSTEXT_H
#define LR_DNSTEXT_H

#include <stddef.h>
#include <json-c/json.h>

/*
 * DOC: a container's DNS files as text, from the CNI results of its networks in interface order
 * (what an engine does with them; `enter` and the OCI hook, hook_dns.h, write them):
 *
 *   resolv.conf  every network's `dns`: `nameserver`s, `search` (its `domain` first),
 *                `options`, each value once, first network first; a value that is not one
 *                printable word (a result must not inject lines) is left out with a warning
 *   hosts        the engine's lines, then one line per address of the container naming it by
 *                each of @names and NAME.DOMAIN for the first search domain of that network;
 *                each of our lines ends with LR_HOSTS_MARK, so a second createRuntime (a
 *                restarted container) replaces them instead of adding more
 */
#define LR_HOSTS_MARK "# rootless-cni-infra"

/*
 * resolv.conf for @results (@n CNI results). When none has a nameserver: @fallback (NULL:
 * return NULL). Caller frees.
 */
char *lr_dnstext_resolv(json_object *const *results, size_t n, const char *fallback);

/*
 * hosts: @old (the current content, may be NULL) without its LR_HOSTS_MARK lines, then a line per
 * IP address of @results naming @names (NULL-terminated; empty and repeated ones skipped).
 * Caller frees.
 */
char *lr_dnstext_hosts(const char *old, json_object *const *results, size_t n,
		       const char *const *names);

#endif

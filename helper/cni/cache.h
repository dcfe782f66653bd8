/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CNI_CACHE_H
#define CNI_CACHE_H

#include <stddef.h>
#include <json-c/json.h>

#include "args.h"
#include "error.h"

/*
 * The result cache, in libcni's layout (CNI-RUNTIME.md section 4):
 * <cache_dir>/results/<network>-<containerID>-<ifname>, one cniCacheV1 JSON object, 0600 in a 0700
 * directory, written atomically. It holds what DEL and CHECK need after the ADD's process exited:
 * the list's exact bytes, CNI_ARGS, capability args, netns and the final result.
 */
struct cni_cache_entry {
	char *container_id;
	char *ifname;
	char *network;
	char *netns;
	char *config; /* the list's bytes (base64 in the file, as Go encodes []byte) */
	size_t config_len;
	struct cni_args args;
	json_object *capability_args; /* may be NULL */
	json_object *result;	      /* may be NULL for a legacy bare entry without result */
};

/*
 * The name is ambiguous: both names allow `-`, so network "a" with ID "b-c" and network "a-b"
 * with ID "c" share "a-b-c-eth0". libcni and cnitool read this cache, so the naming stays and the
 * clash is detected instead: an entry whose own containerId, networkName or ifName differ from
 * the caller's belongs to another attachment, and nothing here reads, replaces or deletes it for
 * the caller. An entry without those fields (legacy, corrupt) is taken as the caller's.
 */
#define CNI_CACHE_FOREIGN (-3)

/* Writes @e's entry atomically; RCI_ERR_CONFLICT when its name is another attachment's. */
int cni_cache_write(const char *cache_dir, const struct cni_cache_entry *e, rci_error_t *err);
/*
 * Returns 0 and *out, -2 when there is no entry (not an error), -1 with *err when the file exists
 * but is unusable (kept for the caller to decide: DEL drops it, CHECK fails, CNI #1055),
 * CNI_CACHE_FOREIGN with an RCI_ERR_CONFLICT *err naming the owner when it is another's.
 * A file that is not cniCacheV1 is read as a bare legacy result (CCH-3).
 */
int cni_cache_read(const char *cache_dir, const char *network, const char *container_id,
		   const char *ifname, struct cni_cache_entry **out, rci_error_t *err);
/*
 * cni_cache_check_owner() - 0 when the entry name of (@network, @container_id, @ifname) is free
 * or holds that attachment's entry; -1 with an RCI_ERR_CONFLICT *err naming the other
 * attachment that holds it. For alloc, before anything is created.
 */
int cni_cache_check_owner(const char *cache_dir, const char *network, const char *container_id,
			  const char *ifname, rci_error_t *err);
/* Removes the attachment's entry; a missing one, or another attachment's, is left: success. */
int cni_cache_delete(const char *cache_dir, const char *network, const char *container_id,
		     const char *ifname, rci_error_t *err);
void cni_cache_entry_free(struct cni_cache_entry *e);

/*
 * CCH-5: every cniCacheV1 entry with a non-empty ifName and networkName, in file-name order,
 * identified by its JSON fields (never by the file name: "a-b"+"c" and "a"+"b-c" collide).
 * *out is a NULL-terminated array; free each with cni_cache_entry_free, then the array.
 */
int cni_cache_list(const char *cache_dir, struct cni_cache_entry ***out, rci_error_t *err);

char *cni_base64_encode(const char *data, size_t len);
/* Returns NULL on malformed input. */
char *cni_base64_decode(const char *s, size_t *len);

#endif

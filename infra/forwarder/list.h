/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_LIST_H
#define FWD_LIST_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Intrusive circular doubly-linked list (the kernel's list_head, in miniature): a node lives in
 * the object, so unlinking a connection or a flow on close is O(1) and allocates nothing.
 */
struct fwd_list {
	struct fwd_list *prev, *next;
};

#define fwd_container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static inline void fwd_list_init(struct fwd_list *head)
{
	head->prev = head->next = head;
}

static inline bool fwd_list_empty(const struct fwd_list *head)
{
	return head->next == head;
}

/* Appends @node at the tail of @head (the most recently used end for LRU lists). */
static inline void fwd_list_add_tail(struct fwd_list *head, struct fwd_list *node)
{
	node->prev = head->prev;
	node->next = head;
	head->prev->next = node;
	head->prev = node;
}

/* Unlinks @node and leaves it self-linked, so a second removal is harmless. */
static inline void fwd_list_del(struct fwd_list *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	fwd_list_init(node);
}

/* Iterates safely against removal of the current node: @n holds the next one. */
#define fwd_list_for_each_safe(pos, n, head)                                                       \
	for ((pos) = (head)->next, (n) = (pos)->next; (pos) != (head);                             \
	     (pos) = (n), (n) = (pos)->next)

#endif

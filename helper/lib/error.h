/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_ERROR_H
#define RCI_ERROR_H

/*
 * Error handling follows crun's design-docs/error_handling.md: a fallible function takes
 * `rci_error_t *err` last and returns a negative value (or NULL); *err then holds the errno, the
 * message and the kind. Callers add context with rci_error_wrap() and return it unchanged. Only
 * main() prints it, once, and maps its kind to the exit status.
 */

/* Kinds double as documented exit codes of both programs. */
enum rci_error_kind {
	RCI_ERR_FAILED = 1,    /* the operation failed (plugin error, runtime failure, I/O) */
	RCI_ERR_USAGE = 2,     /* bad input: argument count, invalid name, address, option */
	RCI_ERR_NOT_FOUND = 3, /* no such attachment, network or container */
	RCI_ERR_CONFLICT = 4,  /* already attached, or busy */
};

struct rci_error_s {
	int status; /* saved errno, 0 if none */
	int kind;
	char *msg;
};
typedef struct rci_error_s *rci_error_t;

/* Creates *err (RCI_ERR_FAILED) and returns -1, so `return rci_make_error(...)` is one line. */
int rci_make_error(rci_error_t *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int rci_make_error_kind(rci_error_t *err, int kind, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prefixes the message with context ("context: old message"); returns -1. */
int rci_error_wrap(rci_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rci_error_release(rci_error_t *err);
/* Full text: message, then ": strerror(status)" when status is set. Caller frees. */
char *rci_error_text(rci_error_t err);

#endif

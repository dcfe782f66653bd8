/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "error.h"
#include "util.h"

#include <string.h>

static int make_error_v(rci_error_t *err, int kind, int status, const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	if (err) {
		/* A second error must not leak the first: keep the first, it is the cause. */
		if (*err) {
			free(msg);
			return -1;
		}
		*err = xmalloc0(sizeof(**err));
		(*err)->status = status;
		(*err)->kind = kind;
		(*err)->msg = msg ? msg : xstrdup("unknown error");
	} else {
		free(msg);
	}
	return -1;
}

int rci_make_error(rci_error_t *err, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	make_error_v(err, RCI_ERR_FAILED, status, fmt, ap);
	va_end(ap);
	return -1;
}

int rci_make_error_kind(rci_error_t *err, int kind, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	make_error_v(err, kind, status, fmt, ap);
	va_end(ap);
	return -1;
}

int rci_error_wrap(rci_error_t *err, const char *fmt, ...)
{
	if (!err || !*err)
		return -1;
	char *ctx = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&ctx, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	char *msg = xasprintf("%s: %s", ctx, (*err)->msg);
	free(ctx);
	free((*err)->msg);
	(*err)->msg = msg;
	return -1;
}

void rci_error_release(rci_error_t *err)
{
	if (!err || !*err)
		return;
	free((*err)->msg);
	free(*err);
	*err = NULL;
}

char *rci_error_text(rci_error_t err)
{
	if (!err)
		return xstrdup("unknown error");
	if (err->status)
		return xasprintf("%s: %s", err->msg, strerror(err->status));
	return xstrdup(err->msg);
}

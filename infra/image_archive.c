/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "image_archive.h"
#include "util.h"

#include <ctype.h>

static la_ssize_t feed(struct archive *a, void *data, const void **out)
{
	struct lr_archive_input *in = data;
	ssize_t n = in->rd(in->data, in->buf, sizeof(in->buf), &in->rd_err);
	if (n < 0) {
		in->la->set_error(a, EIO, "%s", in->rd_err ? in->rd_err->msg : "read error");
		return -1;
	}
	*out = in->buf;
	return n;
}

int lr_archive_open(struct archive *a, struct lr_archive_input *in)
{
	return in->la->read_open(a, in, NULL, feed, NULL);
}

int lr_archive_error(struct archive *a, struct lr_archive_input *in, const char *what,
		     rci_error_t *err)
{
	if (in->rd_err) {
		*err = in->rd_err;
		in->rd_err = NULL;
		return -1;
	}
	const char *m = in->la->error_string(a);
	cleanup_free char *msg = xstrdup(m ? m : "unknown libarchive error");
	if (isupper((unsigned char)msg[0]) && islower((unsigned char)msg[1]))
		msg[0] = (char)tolower((unsigned char)msg[0]);
	return rci_make_error(err, 0, "%s%s%s", what, *what ? ": " : "", msg);
}

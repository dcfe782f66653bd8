/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "port_records.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "state.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>

int lr_port_records_lock(const struct lr_ctx *ctx, bool create, rci_error_t *err)
{
	static const char dir[] = LR_STATE_BUNDLE "/" LR_BUNDLE_PORTS;
	cleanup_close int fd = lr_state_open_dir(&ctx->state, dir, create, err);
	if (fd < 0)
		return fd;
	if (TEMP_FAILURE_RETRY(flock(fd, LOCK_EX)) < 0)
		return rci_make_error(err, errno, "lock `%s/%s`", ctx->state.dir, dir);
	int ret = fd;
	fd = -1;
	return ret;
}

char *lr_port_record_name(const char *id, const char *net)
{
	/* IDs and network names never contain '@' (rci_validate_id/_network). */
	return xasprintf("%s@%s.json", id, net);
}

json_object *lr_port_record_read(int dfd, const char *name)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	rci_error_t tmp = NULL;
	int r = rci_read_file_at(dfd, name, 1 << 20, &text, &len, &tmp);
	if (r != 0) {
		if (r == -1)
			rci_warning("%s", tmp->msg);
		rci_error_release(&tmp);
		return NULL;
	}
	json_object *a = rci_json_parse(text, len, name, &tmp);
	if (!a || !json_object_is_type(a, json_type_array)) {
		rci_warning("ignoring the malformed port record `%s`", name);
		rci_error_release(&tmp);
		json_object_put(a);
		return NULL;
	}
	return a;
}

int lr_port_record_write(int dfd, const char *name, json_object *rec, rci_error_t *err)
{
	const char *text = rci_json_str(rec);
	return rci_write_file_atomic_at(dfd, name, text, strlen(text), 0600, err);
}

void lr_port_record_remove(int dfd, const char *name)
{
	rci_error_t tmp = NULL;
	if (rci_unlink_at(dfd, name, 0, &tmp) < 0) {
		rci_warning("%s", tmp->msg);
		rci_error_release(&tmp);
	}
}

int lr_port_records_each(int dfd, const char *skip,
			 int (*fn)(const char *id, const char *net, json_object *rec, void *data),
			 void *data)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *dot = strrchr(de->d_name, '.');
		if (de->d_name[0] == '.' || !dot || strcmp(dot, ".json") != 0 ||
		    (skip && !strcmp(de->d_name, skip)))
			continue;
		cleanup_free char *id = xstrndup(de->d_name, (size_t)(dot - de->d_name));
		char *net = strchr(id, '@');
		if (!net)
			continue;
		*net++ = '\0';
		cleanup_json json_object *rec = lr_port_record_read(dfd, de->d_name);
		if (!rec)
			continue;
		int r = fn(id, net, rec, data);
		if (r)
			return r;
	}
	return 0;
}

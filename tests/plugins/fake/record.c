/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fake-plugin: the record of each invocation (the "record" key). */
#include "fake.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int cmp_int(const void *a, const void *b)
{
	int x = json_object_get_int(*(json_object *const *)a);
	int y = json_object_get_int(*(json_object *const *)b);
	return (x > y) - (x < y);
}

/* Open fds, listed before the plugin opens anything of its own. */
json_object *fake_list_fds(void)
{
	json_object *arr = json_object_new_array();
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int self;

	if (!d)
		return arr;
	self = dirfd(d);
	while ((de = readdir(d))) {
		char *end;
		long fd;

		if (de->d_name[0] == '.')
			continue;
		fd = strtol(de->d_name, &end, 10);
		if (*end || fd == self)
			continue;
		json_object_array_add(arr, json_object_new_int((int)fd));
	}
	closedir(d);
	json_object_array_sort(arr, cmp_int);
	return arr;
}

/* Adds the capability sets, blocked and ignored signals and no_new_privs from /proc/self/status. */
static void add_status(json_object *rec)
{
	static const struct {
		const char *line, *key;
	} caps[] = {{"CapEff:", "capEff"}, {"CapPrm:", "capPrm"},	 {"CapInh:", "capInh"},
		    {"CapBnd:", "capBnd"}, {"CapAmb:", "capAmb"},	 {"SigBlk:", "sigBlk"},
		    {"SigIgn:", "sigIgn"}, {"NoNewPrivs:", "noNewPrivs"}};
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
			size_t n = strlen(caps[i].line);
			char *v;

			if (strncmp(line, caps[i].line, n))
				continue;
			v = line + n;
			v += strspn(v, " \t");
			v[strcspn(v, " \t\n")] = '\0';
			json_object_object_add(rec, caps[i].key, json_object_new_string(v));
		}
	}
	fclose(f);
}

static json_object *env_object(void)
{
	json_object *env = json_object_new_object();

	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char *key;

		if (!eq)
			continue;
		key = strndup(*e, (size_t)(eq - *e));
		if (!key)
			fake_die("out of memory");
		json_object_object_add(env, key, json_object_new_string(eq + 1));
		free(key);
	}
	return env;
}

static void add_link(json_object *rec, const char *key, const char *path)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return;
	buf[n] = '\0';
	json_object_object_add(rec, key, json_object_new_string(buf));
}

void fake_record_call(const char *dir, json_object *fds, json_object *stdin_obj,
		      const char *stdin_raw, json_object *fake)
{
	static const char *const cni_vars[] = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS",
					       "CNI_IFNAME",  "CNI_ARGS",	 "CNI_PATH"};
	json_object *rec = json_object_new_object();
	json_object *set = json_object_new_array();
	json_object *tag;
	char path[PATH_MAX];
	const char *line;
	char *buf;
	size_t len;
	int fd;

	json_object_object_add(rec, "command",
			       json_object_new_string(fake_env_or_empty("CNI_COMMAND")));
	json_object_object_add(rec, "containerId",
			       json_object_new_string(fake_env_or_empty("CNI_CONTAINERID")));
	json_object_object_add(rec, "netns",
			       json_object_new_string(fake_env_or_empty("CNI_NETNS")));
	json_object_object_add(rec, "ifname",
			       json_object_new_string(fake_env_or_empty("CNI_IFNAME")));
	json_object_object_add(rec, "args", json_object_new_string(fake_env_or_empty("CNI_ARGS")));
	json_object_object_add(rec, "path", json_object_new_string(fake_env_or_empty("CNI_PATH")));
	for (size_t i = 0; i < sizeof(cni_vars) / sizeof(cni_vars[0]); i++)
		if (getenv(cni_vars[i]))
			json_object_array_add(set, json_object_new_string(cni_vars[i]));
	json_object_object_add(rec, "set", set);
	if (stdin_obj)
		json_object_object_add(rec, "stdin", json_object_get(stdin_obj));
	else
		json_object_object_add(rec, "stdinRaw", json_object_new_string(stdin_raw));
	json_object_object_add(rec, "env", env_object());
	add_status(rec);
	json_object_object_add(rec, "fds", json_object_get(fds));
	json_object_object_add(rec, "pid", json_object_new_int(getpid()));
	json_object_object_add(rec, "ppid", json_object_new_int(getppid()));
	json_object_object_add(rec, "pgid", json_object_new_int(getpgrp()));
	json_object_object_add(rec, "sid", json_object_new_int(getsid(0)));
	json_object_object_add(rec, "uid", json_object_new_int((int)getuid()));
	json_object_object_add(rec, "gid", json_object_new_int((int)getgid()));
	add_link(rec, "selfNetns", "/proc/self/ns/net");
	add_link(rec, "cwd", "/proc/self/cwd");
	if (fake && json_object_object_get_ex(fake, "tag", &tag))
		json_object_object_add(rec, "tag", json_object_get(tag));
	else
		json_object_object_add(rec, "tag", NULL);

	line = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN);
	len = strlen(line);
	buf = malloc(len + 2);
	if (!buf)
		fake_die("out of memory");
	memcpy(buf, line, len);
	buf[len++] = '\n';
	buf[len] = '\0';

	snprintf(path, sizeof(path), "%s/calls.jsonl", dir);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		fake_die("open record file");
	/* One write: concurrent plugins never interleave within a line. */
	if (write(fd, buf, len) != (ssize_t)len)
		fake_die("write record file");
	close(fd);
	free(buf);
	json_object_put(rec);
}

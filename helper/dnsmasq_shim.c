/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dnsmasq_shim.h"
#include "fs.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define SHIM_DIR "shims"

bool rci_dnsmasq_shim_invoked(const char *argv0)
{
	const char *base = strrchr(argv0, '/');
	return strcmp(base ? base + 1 : argv0, "dnsmasq") == 0;
}

static bool setgroups_denied(void)
{
	char buf[16] = "";
	int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && strncmp(buf, "deny", 4) == 0;
}

int rci_dnsmasq_shim_main(int argc, char **argv)
{
	/* The real one: the first `dnsmasq` on PATH that is not a shim directory's. */
	const char *path = getenv("PATH");
	cleanup_strv char **dirs = rci_strv_split(path && *path ? path : "/usr/sbin:/usr/bin", ':');
	for (size_t i = 0; dirs[i]; i++) {
		size_t l = strlen(dirs[i]);
		if (l >= strlen(SHIM_DIR) && strcmp(dirs[i] + l - strlen(SHIM_DIR), SHIM_DIR) == 0)
			continue;
		cleanup_free char *cand = xasprintf("%s/dnsmasq", dirs[i]);
		struct stat st;
		if (stat(cand, &st) < 0 || !S_ISREG(st.st_mode) || access(cand, X_OK) < 0)
			continue;
		char **nargv = xmalloc0(((size_t)argc + 2) * sizeof(char *));
		int n = 0;
		nargv[n++] = cand;
		/* dnsmasq refuses a repeated --group: a caller that chose one (rootless-cni-dns)
		 * keeps it. */
		bool has_group = false;
		for (int k = 1; k < argc; k++)
			has_group = has_group || !strncmp(argv[k], "--group", 7) ||
				    !strncmp(argv[k], "-g", 2);
		if (!has_group)
			nargv[n++] = "--group=";
		for (int k = 1; k < argc; k++)
			nargv[n++] = argv[k];
		execv(cand, nargv);
		perror(cand);
		free(nargv);
		return 127;
	}
	fprintf(stderr, "dnsmasq: not found on PATH (rootless-cni-infra shim)\n");
	return 127;
}

int rci_dnsmasq_shim_install(const char *state_dir, rci_error_t *err)
{
	if (!setgroups_denied())
		return 0;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return rci_make_error(err, errno, "readlink /proc/self/exe");
	self[n] = '\0';
	cleanup_free char *dir = xasprintf("%s/" SHIM_DIR, state_dir);
	cleanup_free char *link = xasprintf("%s/dnsmasq", dir);
	if (rci_mkdir_p(dir, 0700, true, err) < 0)
		return -1;
	char cur[PATH_MAX];
	ssize_t m = readlink(link, cur, sizeof(cur) - 1);
	if (m < 0 || (size_t)m != (size_t)n || memcmp(cur, self, (size_t)n) != 0) {
		/* Replace atomically: a concurrent helper may be creating it too. */
		cleanup_free char *tmp = xasprintf("%s.tmp-%d", link, (int)getpid());
		unlink(tmp);
		if (symlink(self, tmp) < 0 || rename(tmp, link) < 0) {
			int saved = errno;
			unlink(tmp);
			return rci_make_error(err, saved, "create dnsmasq shim `%s`", link);
		}
	}
	const char *path = getenv("PATH");
	cleanup_free char *np =
	    xasprintf("%s:%s", dir, path && *path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
	setenv("PATH", np, 1);
	return 0;
}

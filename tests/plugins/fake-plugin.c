/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fake-plugin - a scriptable CNI plugin for tests.
 *
 * Its behaviour is read from the key "fake" inside its own plugin object (a CNI runtime passes
 * unknown keys through unchanged), e.g.
 *
 *   {"type": "fake-plugin", "fake": {"record": "/tmp/x", "tag": "p1", "failOn": "ADD"}}
 *
 * Keys of "fake" (all optional):
 *   record      directory; one JSON line per invocation is appended to <record>/calls.jsonl with
 *               one O_APPEND write, *before* anything else happens (so a killed call is recorded):
 *               command containerId netns ifname args path (the CNI_* variables, "" when unset,
 *               plus "set": the names of the CNI_* variables that were set), stdin (parsed; or
 *               stdinRaw when it is not JSON), env (the whole environment as an object), capEff
 *               capPrm capInh capBnd capAmb sigBlk sigIgn (hex strings from /proc/self/status),
 *               noNewPrivs, fds (open fds from /proc/self/fd, listed before the plugin opens
 *               anything), pid ppid pgid sid uid gid, selfNetns (readlink /proc/self/ns/net),
 *               cwd, tag.
 *               Fallback when "fake" has no record: the environment variable FAKE_CNI_RECORD.
 *   tag         any JSON value, copied into the record.
 *   result      object printed as the ADD result; its cniVersion is the request's unless the object
 *               sets one. Without it ADD echoes prevResult, else prints a minimal valid result.
 *   failOn      CNI_COMMAND name (or array of names) to fail on: exit with exitCode (default 1),
 *               printing on stdout `garbage` (raw string) if given, else `error` (object, printed
 *               verbatim; default {"cniVersion":"1.0.0","code":100,"msg":"fake failure"}), or
 *               nothing when silent is true. With `signal` (a number) the plugin raises that signal
 *               instead of exiting, and prints nothing unless error or garbage is given.
 *   failIfExists  path: failOn applies only while this file exists (a test can make a DEL fail,
 *               then let the retry succeed).
 *   stderr      string written to stderr on every command (failing or not).
 *   sleepMs     sleep this long before answering, on the commands in sleepOn (default: all).
 *   floodBytes  write that many bytes of 'x' to stdout before answering, on the commands in
 *               floodOn (default: all). Dies quietly on EPIPE.
 *   spawnChild  true: fork a child in the same process group that sleeps 600 s; its pid is written
 *               to <record>/child.pid before the plugin goes on. The child closes stdin, stdout and
 *               stderr (so only a process-group kill can end it early) unless childKeepsStdio is
 *               true (then it holds the runtime's pipes open). Commands: spawnOn (default: all).
 *   versions    array answered as supportedVersions on VERSION
 *               (default ["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]).
 *
 * Commands: ADD prints a result; DEL, CHECK, GC and STATUS print nothing and succeed; VERSION
 * answers {"cniVersion":"1.0.0","supportedVersions":[...]} and works with stdin {"cniVersion":"X"},
 * {} or nothing; any other command fails with code 4 "unknown CNI_COMMAND: X".
 * Internal errors (unreadable stdin, unwritable record) fail with code 999 and a message.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

extern char **environ;

#define DEFAULT_ERROR "{\"cniVersion\":\"1.0.0\",\"code\":100,\"msg\":\"fake failure\"}"

static const char *const default_versions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};

static const char *env_or_empty(const char *name)
{
	const char *v = getenv(name);
	return v ? v : "";
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void print_str(int fd, const char *s)
{
	(void)write_all(fd, s, strlen(s));
}

/* Reports an internal failure the CNI way (error object on stdout) and exits. */
static void die(const char *what)
{
	int saved = errno;
	json_object *e = json_object_new_object();
	char msg[512];

	snprintf(msg, sizeof(msg), "fake-plugin: %s%s%s", what, saved ? ": " : "",
		 saved ? strerror(saved) : "");
	json_object_object_add(e, "cniVersion", json_object_new_string("1.0.0"));
	json_object_object_add(e, "code", json_object_new_int(999));
	json_object_object_add(e, "msg", json_object_new_string(msg));
	print_str(STDOUT_FILENO, json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN));
	print_str(STDOUT_FILENO, "\n");
	fprintf(stderr, "%s\n", msg);
	exit(1);
}

static char *read_stdin(size_t *len_out)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		die("out of memory");
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb)
				die("out of memory");
			buf = nb;
		}
		n = read(STDIN_FILENO, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EBADF)
				break; /* no stdin at all: treat as empty */
			die("read stdin");
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*len_out = len;
	return buf;
}

static int cmp_int(const void *a, const void *b)
{
	int x = json_object_get_int(*(json_object *const *)a);
	int y = json_object_get_int(*(json_object *const *)b);
	return (x > y) - (x < y);
}

/* Open fds, listed before the plugin opens anything of its own. */
static json_object *list_fds(void)
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
			die("out of memory");
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

static void record_call(const char *dir, json_object *fds, json_object *stdin_obj,
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

	json_object_object_add(rec, "command", json_object_new_string(env_or_empty("CNI_COMMAND")));
	json_object_object_add(rec, "containerId",
			       json_object_new_string(env_or_empty("CNI_CONTAINERID")));
	json_object_object_add(rec, "netns", json_object_new_string(env_or_empty("CNI_NETNS")));
	json_object_object_add(rec, "ifname", json_object_new_string(env_or_empty("CNI_IFNAME")));
	json_object_object_add(rec, "args", json_object_new_string(env_or_empty("CNI_ARGS")));
	json_object_object_add(rec, "path", json_object_new_string(env_or_empty("CNI_PATH")));
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
		die("out of memory");
	memcpy(buf, line, len);
	buf[len++] = '\n';
	buf[len] = '\0';

	snprintf(path, sizeof(path), "%s/calls.jsonl", dir);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		die("open record file");
	/* One write: concurrent plugins never interleave within a line. */
	if (write(fd, buf, len) != (ssize_t)len)
		die("write record file");
	close(fd);
	free(buf);
	json_object_put(rec);
}

/* Is @cmd listed in fake[@key] (a string or an array of strings)? Absent key: @dflt. */
static bool cmd_listed(json_object *fake, const char *key, const char *cmd, bool dflt)
{
	json_object *v;

	if (!fake || !json_object_object_get_ex(fake, key, &v) || !v)
		return dflt;
	if (json_object_is_type(v, json_type_string))
		return strcmp(json_object_get_string(v), cmd) == 0;
	if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *e = json_object_array_get_idx(v, i);

			if (json_object_is_type(e, json_type_string) &&
			    strcmp(json_object_get_string(e), cmd) == 0)
				return true;
		}
	}
	return false;
}

static json_object *get(json_object *obj, const char *key)
{
	json_object *v = NULL;

	if (obj && json_object_is_type(obj, json_type_object))
		json_object_object_get_ex(obj, key, &v);
	return v;
}

static int64_t get_int(json_object *obj, const char *key, int64_t dflt)
{
	json_object *v = get(obj, key);
	return v ? json_object_get_int64(v) : dflt;
}

static bool get_bool(json_object *obj, const char *key)
{
	json_object *v = get(obj, key);
	return v && json_object_get_boolean(v);
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void spawn_child(const char *record, bool keep_stdio)
{
	char path[PATH_MAX], buf[32];
	pid_t pid;
	int fd, n;

	if (!record) {
		errno = 0;
		die("spawnChild needs record");
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (!keep_stdio) {
			int null = open("/dev/null", O_RDWR);

			if (null >= 0) {
				dup2(null, 0);
				dup2(null, 1);
				dup2(null, 2);
				if (null > 2)
					close(null);
			}
		}
		sleep_ms(600 * 1000);
		_exit(0);
	}
	snprintf(path, sizeof(path), "%s/child.pid", record);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("open child.pid");
	n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	if (write_all(fd, buf, (size_t)n) < 0)
		die("write child.pid");
	close(fd);
}

static void flood(int64_t bytes)
{
	char chunk[65536];

	memset(chunk, 'x', sizeof(chunk));
	while (bytes > 0) {
		size_t n = bytes > (int64_t)sizeof(chunk) ? sizeof(chunk) : (size_t)bytes;

		if (write_all(STDOUT_FILENO, chunk, n) < 0)
			_exit(errno == EPIPE ? 141 : 1);
		bytes -= (int64_t)n;
	}
}

static void print_json(json_object *obj)
{
	print_str(STDOUT_FILENO, json_object_to_json_string_ext(
				     obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	print_str(STDOUT_FILENO, "\n");
}

static void fail(json_object *fake)
{
	json_object *garbage = get(fake, "garbage");
	json_object *error = get(fake, "error");
	json_object *sig = get(fake, "signal");

	if (garbage)
		print_str(STDOUT_FILENO, json_object_get_string(garbage));
	else if (error)
		print_json(error);
	else if (!sig && !get_bool(fake, "silent"))
		print_str(STDOUT_FILENO, DEFAULT_ERROR "\n");
	if (sig) {
		int s = json_object_get_int(sig);

		sigset_t set;

		signal(s, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, s);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(s);
		/* A blocked or ignored-by-kernel signal: make it obvious. */
		errno = 0;
		die("signal was not delivered");
	}
	exit((int)get_int(fake, "exitCode", 1));
}

static void answer_version(json_object *fake)
{
	json_object *reply = json_object_new_object();
	json_object *versions = get(fake, "versions");

	json_object_object_add(reply, "cniVersion", json_object_new_string("1.0.0"));
	if (versions) {
		json_object_object_add(reply, "supportedVersions", json_object_get(versions));
	} else {
		json_object *arr = json_object_new_array();

		for (size_t i = 0; i < sizeof(default_versions) / sizeof(default_versions[0]); i++)
			json_object_array_add(arr, json_object_new_string(default_versions[i]));
		json_object_object_add(reply, "supportedVersions", arr);
	}
	print_json(reply);
	json_object_put(reply);
}

static json_object *minimal_result(const char *version)
{
	json_object *r = json_object_new_object();
	json_object *ifs = json_object_new_array(), *iface = json_object_new_object();
	json_object *ips = json_object_new_array(), *ip = json_object_new_object();

	json_object_object_add(r, "cniVersion", json_object_new_string(version));
	json_object_object_add(iface, "name", json_object_new_string(env_or_empty("CNI_IFNAME")));
	json_object_object_add(iface, "sandbox", json_object_new_string(env_or_empty("CNI_NETNS")));
	json_object_array_add(ifs, iface);
	json_object_object_add(r, "interfaces", ifs);
	json_object_object_add(ip, "address", json_object_new_string("10.99.0.2/24"));
	json_object_object_add(ip, "gateway", json_object_new_string("10.99.0.1"));
	json_object_object_add(ip, "interface", json_object_new_int(0));
	json_object_array_add(ips, ip);
	json_object_object_add(r, "ips", ips);
	json_object_object_add(r, "dns", json_object_new_object());
	return r;
}

static void answer_add(json_object *conf, json_object *fake)
{
	json_object *ver = get(conf, "cniVersion");
	const char *version = ver ? json_object_get_string(ver) : "1.0.0";
	json_object *result = get(fake, "result");
	json_object *prev = get(conf, "prevResult");
	json_object *out;

	if (result) {
		out = json_object_get(result);
		if (!get(out, "cniVersion"))
			json_object_object_add(out, "cniVersion", json_object_new_string(version));
	} else if (prev && json_object_is_type(prev, json_type_object)) {
		out = json_object_get(prev);
		json_object_object_add(out, "cniVersion", json_object_new_string(version));
	} else {
		out = minimal_result(version);
	}
	print_json(out);
	json_object_put(out);
}

static void unknown_command(const char *cmd)
{
	json_object *e = json_object_new_object();
	char msg[256];

	snprintf(msg, sizeof(msg), "unknown CNI_COMMAND: %s", cmd);
	json_object_object_add(e, "cniVersion", json_object_new_string("1.0.0"));
	json_object_object_add(e, "code", json_object_new_int(4));
	json_object_object_add(e, "msg", json_object_new_string(msg));
	print_json(e);
	json_object_put(e);
}

int main(void)
{
	json_object *fds = list_fds();
	const char *cmd = env_or_empty("CNI_COMMAND");
	json_object *conf = NULL, *fake = NULL, *v;
	const char *record;
	size_t len;
	char *raw;

	signal(SIGPIPE, SIG_DFL);
	raw = read_stdin(&len);
	if (len > 0) {
		struct json_tokener *tok = json_tokener_new();

		conf = json_tokener_parse_ex(tok, raw, (int)len);
		if (json_tokener_get_error(tok) != json_tokener_success) {
			json_object_put(conf);
			conf = NULL;
		}
		json_tokener_free(tok);
	}
	fake = get(conf, "fake");
	v = get(fake, "record");
	record = v ? json_object_get_string(v) : getenv("FAKE_CNI_RECORD");
	if (record && *record)
		record_call(record, fds, conf, raw, fake);
	else
		record = NULL;

	if (!conf && strcmp(cmd, "VERSION") && strcmp(cmd, "DEL")) {
		errno = 0;
		die("stdin is not a JSON object");
	}

	v = get(fake, "stderr");
	if (v)
		print_str(STDERR_FILENO, json_object_get_string(v));
	if (get_bool(fake, "spawnChild") && cmd_listed(fake, "spawnOn", cmd, true))
		spawn_child(record, get_bool(fake, "childKeepsStdio"));
	if (get(fake, "sleepMs") && cmd_listed(fake, "sleepOn", cmd, true))
		sleep_ms(get_int(fake, "sleepMs", 0));
	if (get(fake, "floodBytes") && cmd_listed(fake, "floodOn", cmd, true))
		flood(get_int(fake, "floodBytes", 0));
	v = get(fake, "failIfExists");
	if (cmd_listed(fake, "failOn", cmd, false) &&
	    (!v || access(json_object_get_string(v), F_OK) == 0))
		fail(fake);

	if (!strcmp(cmd, "VERSION")) {
		answer_version(fake);
	} else if (!strcmp(cmd, "ADD")) {
		answer_add(conf, fake);
	} else if (!strcmp(cmd, "DEL") || !strcmp(cmd, "CHECK") || !strcmp(cmd, "GC") ||
		   !strcmp(cmd, "STATUS")) {
		/* nothing to print */
	} else {
		unknown_command(cmd);
		return 1;
	}
	json_object_put(conf);
	json_object_put(fds);
	free(raw);
	return 0;
}

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

#include "fake/fake.h"

#define DEFAULT_ERROR "{\"cniVersion\":\"1.0.0\",\"code\":100,\"msg\":\"fake failure\"}"

static const char *const default_versions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};

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
		fake_die("spawnChild needs record");
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fake_die("fork");
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
		fake_die("open child.pid");
	n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	if (fake_write_all(fd, buf, (size_t)n) < 0)
		fake_die("write child.pid");
	close(fd);
}

static void flood(int64_t bytes)
{
	char chunk[65536];

	memset(chunk, 'x', sizeof(chunk));
	while (bytes > 0) {
		size_t n = bytes > (int64_t)sizeof(chunk) ? sizeof(chunk) : (size_t)bytes;

		if (fake_write_all(STDOUT_FILENO, chunk, n) < 0)
			_exit(errno == EPIPE ? 141 : 1);
		bytes -= (int64_t)n;
	}
}

static void print_json(json_object *obj)
{
	fake_print_str(STDOUT_FILENO,
		       json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	fake_print_str(STDOUT_FILENO, "\n");
}

static void fail(json_object *fake)
{
	json_object *garbage = get(fake, "garbage");
	json_object *error = get(fake, "error");
	json_object *sig = get(fake, "signal");

	if (garbage)
		fake_print_str(STDOUT_FILENO, json_object_get_string(garbage));
	else if (error)
		print_json(error);
	else if (!sig && !get_bool(fake, "silent"))
		fake_print_str(STDOUT_FILENO, DEFAULT_ERROR "\n");
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
		fake_die("signal was not delivered");
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
	json_object_object_add(iface, "name",
			       json_object_new_string(fake_env_or_empty("CNI_IFNAME")));
	json_object_object_add(iface, "sandbox",
			       json_object_new_string(fake_env_or_empty("CNI_NETNS")));
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
	json_object *fds = fake_list_fds();
	const char *cmd = fake_env_or_empty("CNI_COMMAND");
	json_object *conf = NULL, *fake = NULL, *v;
	const char *record;
	size_t len;
	char *raw;

	signal(SIGPIPE, SIG_DFL);
	raw = fake_read_stdin(&len);
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
		fake_record_call(record, fds, conf, raw, fake);
	else
		record = NULL;

	if (!conf && strcmp(cmd, "VERSION") && strcmp(cmd, "DEL")) {
		errno = 0;
		fake_die("stdin is not a JSON object");
	}

	v = get(fake, "stderr");
	if (v)
		fake_print_str(STDERR_FILENO, json_object_get_string(v));
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

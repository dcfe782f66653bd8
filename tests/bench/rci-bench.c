/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rci-bench - the measuring tools of scripts/bench.sh. It is NOT our CNI runtime: it shares no
 * code with helper/, so that the "floor" it measures is the plugins' own cost.
 *
 *   rci-bench floor [-n N] [-i IFNAME] [-a CNI_ARGS] CONFLIST NETNS
 *       N times: the whole chain's ADD (prevResult chained plugin to plugin), then its DEL (in
 *       reverse, each with the final ADD result as prevResult), into the existing netns NETNS.
 *       Plugins are found in $CNI_PATH and started with posix_spawn; stdin is prepared before
 *       the clock starts. Prints one line per iteration: "ADD_US DEL_US".
 *   rci-bench cni add|del [-i IFNAME] [-a CNI_ARGS] CONFLIST NETNS ID [RESULT_FILE]
 *       One chain ADD (prints the result) or DEL (prevResult read from RESULT_FILE): the
 *       cnitool-like runtime process of the "original design" emulation.
 *   rci-bench mkns PATH | rmns PATH
 *       Creates (a new netns, loopback down, pinned by a bind mount on PATH) or removes one.
 *   rci-bench time [-p] [-c] [-e ERRFILE] -- CMD [ARG]... [::: CMD [ARG]...]...
 *       Runs the commands one after the other (-p: all at once) with stdout on /dev/null and
 *       stderr on ERRFILE (appended) or inherited; prints the wall time in microseconds (-c: and
 *       the CPU time, user + system, of the commands and every descendant they reaped). Exits 1
 *       (and says which) when a command fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

extern char **environ;

static const char *prog = "rci-bench";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long tv_us(const struct timeval *tv)
{
	return (long long)tv->tv_sec * 1000000 + tv->tv_usec;
}

/* ---- running a plugin ------------------------------------------------------------------ */

struct chain {
	const char *name;
	const char *version;
	size_t n;
	json_object **plugins; /* the conflist's plugin objects (borrowed) */
	char **paths;	       /* the executable of each */
	json_object *conflist; /* owns the above */
};

static char *find_plugin(const char *type)
{
	const char *cni_path = getenv("CNI_PATH");
	char *dirs = strdup(cni_path && *cni_path ? cni_path : "/usr/lib/cni");
	char *save = NULL;

	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *p;

		if (asprintf(&p, "%s/%s", d, type) < 0)
			die("out of memory");
		if (access(p, X_OK) == 0) {
			free(dirs);
			return p;
		}
		free(p);
	}
	free(dirs);
	die("plugin `%s` not found in CNI_PATH `%s`", type, cni_path ? cni_path : "");
}

static void chain_load(struct chain *c, const char *file)
{
	json_object *l = json_object_from_file(file);
	json_object *v, *plugins;

	if (!l)
		die("%s: %s", file, json_util_get_last_err());
	if (!json_object_object_get_ex(l, "name", &v))
		die("%s: no name", file);
	c->name = json_object_get_string(v);
	c->version =
	    json_object_object_get_ex(l, "cniVersion", &v) ? json_object_get_string(v) : "1.0.0";
	if (!json_object_object_get_ex(l, "plugins", &plugins) ||
	    !json_object_is_type(plugins, json_type_array))
		die("%s: no plugins array", file);
	c->n = json_object_array_length(plugins);
	c->plugins = calloc(c->n, sizeof(*c->plugins));
	c->paths = calloc(c->n, sizeof(*c->paths));
	if (!c->plugins || !c->paths)
		die("out of memory");
	for (size_t i = 0; i < c->n; i++) {
		c->plugins[i] = json_object_array_get_idx(plugins, i);
		if (!json_object_object_get_ex(c->plugins[i], "type", &v))
			die("%s: plugin %zu has no type", file, i);
		c->paths[i] = find_plugin(json_object_get_string(v));
	}
	c->conflist = l;
}

/* The stdin of plugin @i: its object plus name, cniVersion and prevResult (libcni's shape). */
static char *plugin_input(const struct chain *c, size_t i, json_object *prev)
{
	json_object *conf = NULL;
	char *text;

	if (json_object_deep_copy(c->plugins[i], &conf, NULL) < 0)
		die("out of memory");
	json_object_object_add(conf, "name", json_object_new_string(c->name));
	json_object_object_add(conf, "cniVersion", json_object_new_string(c->version));
	json_object_object_del(conf, "capabilities");
	if (prev)
		json_object_object_add(conf, "prevResult", json_object_get(prev));
	text = strdup(json_object_to_json_string_ext(conf, JSON_C_TO_STRING_PLAIN));
	json_object_put(conf);
	if (!text)
		die("out of memory");
	return text;
}

/* Runs @path with @input on stdin; returns its stdout (NUL-terminated), dies on failure. */
static char *run_plugin(const char *path, char **envp, const char *input)
{
	int in[2], out[2];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	int status;

	if (!buf || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	char *argv[] = {(char *)path, NULL};
	int e = posix_spawn(&pid, path, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	if (e)
		die("spawn `%s`: %s", path, strerror(e));
	/* CNI configs are far below the pipe's capacity: write all, then read. */
	for (size_t off = 0, n = strlen(input); off < n;) {
		ssize_t w = write(in[1], input + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			die("write to `%s`: %s", path, strerror(errno));
		off += (size_t)w;
	}
	close(in[1]);
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				die("out of memory");
		}
		ssize_t r = read(out[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	close(out[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("plugin `%s` failed (status 0x%x): %s", path, status, buf);
	return buf;
}

struct call {
	const char *netns, *id, *ifname, *args;
};

static char **plugin_env(const char *command, const struct call *k)
{
	static char *env[16];
	static char vars[6][4096];
	const char *path = getenv("PATH");
	const char *cni_path = getenv("CNI_PATH");
	size_t n = 0;

	snprintf(vars[0], sizeof(vars[0]), "CNI_COMMAND=%s", command);
	snprintf(vars[1], sizeof(vars[1]), "CNI_CONTAINERID=%s", k->id);
	snprintf(vars[2], sizeof(vars[2]), "CNI_NETNS=%s", k->netns);
	snprintf(vars[3], sizeof(vars[3]), "CNI_IFNAME=%s", k->ifname);
	snprintf(vars[4], sizeof(vars[4]), "CNI_ARGS=%s", k->args);
	snprintf(vars[5], sizeof(vars[5]), "CNI_PATH=%s", cni_path ? cni_path : "/usr/lib/cni");
	for (size_t i = 0; i < 6; i++)
		env[n++] = vars[i];
	/* portmap, firewall and bridge's ipMasq run iptables through PATH. */
	static char pathvar[4096];
	snprintf(pathvar, sizeof(pathvar), "PATH=%s",
		 path && strstr(path, "/usr/sbin")
		     ? path
		     : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	env[n++] = pathvar;
	env[n] = NULL;
	return env;
}

/* ADD over the chain; returns the final result (owned). */
static json_object *chain_add(const struct chain *c, const struct call *k)
{
	char **env = plugin_env("ADD", k);
	json_object *prev = NULL;

	for (size_t i = 0; i < c->n; i++) {
		char *input = plugin_input(c, i, prev);
		char *out = run_plugin(c->paths[i], env, input);
		json_object *r = json_tokener_parse(out);

		if (!r || !json_object_is_type(r, json_type_object))
			die("plugin `%s` (ADD) printed no result object: %s", c->paths[i], out);
		json_object_put(prev);
		prev = r;
		free(input);
		free(out);
	}
	return prev;
}

static void chain_del(const struct chain *c, const struct call *k, json_object *result)
{
	char **env = plugin_env("DEL", k);

	for (size_t i = c->n; i-- > 0;) {
		char *input = plugin_input(c, i, result);
		free(run_plugin(c->paths[i], env, input));
		free(input);
	}
}

/* ---- subcommands ----------------------------------------------------------------------- */

static void call_opts(int *argc, char ***argv, struct call *k, long *n)
{
	int c;

	k->ifname = "eth0";
	k->args = "IgnoreUnknown=1;K8S_POD_NAME=bench";
	optind = 1;
	while ((c = getopt(*argc, *argv, "+n:i:a:")) != -1) {
		switch (c) {
		case 'n':
			if (!n)
				die("-n is for floor only");
			*n = strtol(optarg, NULL, 10);
			if (*n <= 0)
				die("bad -n `%s`", optarg);
			break;
		case 'i':
			k->ifname = optarg;
			break;
		case 'a':
			k->args = optarg;
			break;
		default:
			exit(2);
		}
	}
	*argc -= optind;
	*argv += optind;
}

static int cmd_floor(int argc, char **argv)
{
	struct chain c = {0};
	struct call k = {0};
	long n = 10;

	call_opts(&argc, &argv, &k, &n);
	if (argc != 2)
		die("usage: floor [-n N] [-i IFNAME] [-a CNI_ARGS] CONFLIST NETNS");
	chain_load(&c, argv[0]);
	k.netns = argv[1];
	k.id = "rci-bench-floor";
	for (long i = 0; i < n; i++) {
		long long t0 = now_us();
		json_object *r = chain_add(&c, &k);
		long long t1 = now_us();
		chain_del(&c, &k, r);
		long long t2 = now_us();

		json_object_put(r);
		printf("%lld %lld\n", t1 - t0, t2 - t1);
		fflush(stdout);
	}
	json_object_put(c.conflist);
	return 0;
}

static int cmd_cni(int argc, char **argv)
{
	struct chain c = {0};
	struct call k = {0};

	if (argc < 2)
		die("usage: cni add|del ...");
	const char *op = argv[1];
	argc--;
	argv++;
	call_opts(&argc, &argv, &k, NULL);
	bool add = !strcmp(op, "add");
	if ((!add && strcmp(op, "del")) || argc != (add ? 3 : 4))
		die("usage: cni add [-i IFNAME] [-a ARGS] CONFLIST NETNS ID | "
		    "cni del [-i IFNAME] [-a ARGS] CONFLIST NETNS ID RESULT_FILE");
	chain_load(&c, argv[0]);
	k.netns = argv[1];
	k.id = argv[2];
	if (add) {
		json_object *r = chain_add(&c, &k);
		puts(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN));
		json_object_put(r);
	} else {
		json_object *r = json_object_from_file(argv[3]);
		if (!r)
			die("%s: %s", argv[3], json_util_get_last_err());
		chain_del(&c, &k, r);
		json_object_put(r);
	}
	json_object_put(c.conflist);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int cmd_mkns(int argc, char **argv)
{
	if (argc != 2)
		die("usage: mkns PATH");
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		die("create `%s`: %s", argv[1], strerror(errno));
	close(fd);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0 ||
		    mount("/proc/self/ns/net", argv[1], NULL, MS_BIND, NULL) < 0) {
			fprintf(stderr, "%s: pin a netns on `%s`: %s\n", prog, argv[1],
				strerror(errno));
			_exit(1);
		}
		_exit(0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		unlink(argv[1]);
		return 1;
	}
	return 0;
}

static int cmd_rmns(int argc, char **argv)
{
	if (argc != 2)
		die("usage: rmns PATH");
	if (umount2(argv[1], MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		die("umount `%s`: %s", argv[1], strerror(errno));
	if (unlink(argv[1]) < 0 && errno != ENOENT)
		die("unlink `%s`: %s", argv[1], strerror(errno));
	return 0;
}

static int cmd_time(int argc, char **argv)
{
	bool parallel = false, cpu = false;
	const char *errfile = NULL;
	int c;

	optind = 1;
	while ((c = getopt(argc, argv, "+pce:")) != -1) {
		switch (c) {
		case 'p':
			parallel = true;
			break;
		case 'c':
			cpu = true;
			break;
		case 'e':
			errfile = optarg;
			break;
		default:
			exit(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		die("usage: time [-p] [-c] [-e ERRFILE] -- CMD [ARG]... [::: CMD [ARG]...]...");

	/* Split on ":::" in place: argv[start[i]] .. NULL is command i. */
	int *start = calloc((size_t)argc, sizeof(int));
	pid_t *pids = calloc((size_t)argc, sizeof(pid_t));
	int ncmd = 0;
	if (!start || !pids)
		die("out of memory");
	start[ncmd++] = 0;
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], ":::")) {
			argv[i] = NULL;
			start[ncmd++] = i + 1;
		}
	for (int i = 0; i < ncmd; i++)
		if (!argv[start[i]])
			die("empty command %d", i + 1);

	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int err = errfile ? open(errfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : 2;
	if (null < 0 || err < 0)
		die("open: %s", strerror(errno));
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, null, 1);
	if (err != 2)
		posix_spawn_file_actions_adddup2(&fa, err, 2);

	int failed = 0;
	struct rusage r0, r1;
	getrusage(RUSAGE_CHILDREN, &r0);
	long long t0 = now_us();
	for (int i = 0; i < ncmd; i++) {
		int e = posix_spawnp(&pids[i], argv[start[i]], &fa, NULL, argv + start[i], environ);
		if (e)
			die("spawn `%s`: %s", argv[start[i]], strerror(e));
		if (parallel)
			continue;
		int status;
		while (waitpid(pids[i], &status, 0) < 0)
			if (errno != EINTR)
				die("waitpid: %s", strerror(errno));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "%s: `%s` failed (status 0x%x)\n", prog, argv[start[i]],
				status);
			failed = 1;
			break;
		}
	}
	for (int i = 0; parallel && i < ncmd; i++) {
		int status;
		while (waitpid(pids[i], &status, 0) < 0)
			if (errno != EINTR)
				die("waitpid: %s", strerror(errno));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "%s: command %d `%s` failed (status 0x%x)\n", prog, i + 1,
				argv[start[i]], status);
			failed = 1;
		}
	}
	long long t1 = now_us();
	getrusage(RUSAGE_CHILDREN, &r1);
	posix_spawn_file_actions_destroy(&fa);
	if (cpu)
		printf("%lld %lld\n", t1 - t0,
		       tv_us(&r1.ru_utime) + tv_us(&r1.ru_stime) - tv_us(&r0.ru_utime) -
			   tv_us(&r0.ru_stime));
	else
		printf("%lld\n", t1 - t0);
	free(start);
	free(pids);
	return failed;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
	    {"floor", cmd_floor}, {"cni", cmd_cni},   {"mkns", cmd_mkns},
	    {"rmns", cmd_rmns},	  {"time", cmd_time},
	};

	if (argc < 2)
		die("usage: rci-bench floor|cni|mkns|rmns|time ... (see the source's header)");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	die("unknown subcommand `%s`", argv[1]);
}

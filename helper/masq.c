/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "masq.h"
#include "fs.h"
#include "json.h"
#include "lock.h"
#include "log.h"
#include "number.h"
#include "spawn.h"
#include "util.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/file.h>

bool rci_masq_wanted(const struct cni_netconf *conf)
{
	json_object *ours = rci_json_get_type(conf->list, "rootless-cni-infra", json_type_object);
	json_object *m = ours ? rci_json_get_type(ours, "masquerade", json_type_boolean) : NULL;
	return m && json_object_get_boolean(m);
}

char *rci_masq_subnet(const char *cidr)
{
	const char *slash = cidr ? strchr(cidr, '/') : NULL;
	if (!slash)
		return NULL;
	cleanup_free char *addr = xstrndup(cidr, (size_t)(slash - cidr));
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	unsigned bits = family == AF_INET6 ? 128 : 32;
	uint64_t len;
	unsigned char b[16];
	if (rci_parse_u64(slash + 1, bits, &len) < 0 || inet_pton(family, addr, b) != 1)
		return NULL;
	for (unsigned i = 0; i < bits / 8; i++) {
		unsigned keep = len >= (i + 1) * 8 ? 8 : len > i * 8 ? (unsigned)len - i * 8 : 0;
		b[i] &= (unsigned char)(0xff00 >> keep);
	}
	char text[INET6_ADDRSTRLEN];
	if (!inet_ntop(family, b, text, sizeof(text)))
		return NULL;
	return xasprintf("%s/%u", text, (unsigned)len);
}

/* iptables (ip6tables) -w -t nat @op POSTROUTING <the rule>: 0, 1 when -C finds none, -1. */
static int iptables(const struct cni_runtime *rt, const char *op, const char *network,
		    const char *subnet, rci_error_t *err)
{
	const char *tool = strchr(subnet, ':') ? "ip6tables" : "iptables";
	cleanup_free char *bin = rci_find_program(tool);
	if (!bin)
		return rci_make_error(err, ENOENT, "%s not found in PATH", tool);
	cleanup_free char *comment = xasprintf("rootless-cni-infra %s", network);
	char *argv[] = {bin,	   "-w",	   "-t",    "nat", (char *)op,	   "POSTROUTING",
			"-s",	   (char *)subnet, "!",	    "-d",  (char *)subnet, "-m",
			"comment", "--comment",	   comment, "-j",  "MASQUERADE",   NULL};
	cleanup_strv char **env = cni_plugin_base_env();
	struct rci_spawn sp;
	rci_spawn_init(&sp);
	sp.path = bin;
	sp.argv = argv;
	sp.envp = env;
	sp.timeout_ms = rt->timeout_ms;
	sp.max_output = 64 * 1024;
	/* What plugins may do, no more: iptables needs CAP_NET_ADMIN and CAP_NET_RAW. */
	sp.child_setup = rt->child_setup;
	sp.child_data = rt->child_data;
	struct rci_spawn_result res;
	if (rci_spawn_run(&sp, &res, err) < 0)
		return rci_error_wrap(err, "%s", tool);
	int ret = 0;
	if (!strcmp(op, "-C") && res.exit_code == 1 && !res.term_signal && !res.timed_out) {
		ret = 1;
	} else if (res.exit_code || res.term_signal || res.timed_out || res.overflow) {
		cleanup_free char *how = rci_spawn_describe_status(&res, rt->timeout_ms);
		cleanup_free char *said = rci_one_line(res.err, 600);
		ret = rci_make_error(err, 0, "`%s -t nat %s POSTROUTING -s %s ...` %s%s%s", tool,
				     op, subnet, how, *said ? ": " : "", said);
	}
	rci_spawn_result_free(&res);
	return ret;
}

static bool listed(const char *done, const char *subnet)
{
	size_t n = strlen(subnet);
	for (const char *p = done; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len == n && !strncmp(p, subnet, n))
			return true;
		p += len + (nl ? 1 : 0);
	}
	return false;
}

/* Adds the rule for @subnet unless iptables has it already (a helper killed before it noted it). */
static int add_rule(const struct cni_runtime *rt, int fd, const char *network, const char *subnet,
		    rci_error_t *err)
{
	long long t0 = rci_now_ms();
	int r = iptables(rt, "-C", network, subnet, err);
	if (r == 1)
		r = iptables(rt, "-A", network, subnet, err);
	if (r < 0)
		return rci_error_wrap(err, "masquerade network `%s`", network);
	cleanup_free char *line = xasprintf("%s\n", subnet);
	if (lseek(fd, 0, SEEK_END) < 0 || rci_write_all(fd, line, strlen(line)) < 0)
		return rci_make_error(err, errno, "note the masquerading of `%s`", network);
	rci_debug_step("masq", t0, "network `%s`: %s masqueraded, once for the infra", network,
		       subnet);
	return 0;
}

int rci_masq_ensure(int state_dir_fd, const struct cni_runtime *rt, const struct cni_netconf *conf,
		    json_object *result, rci_error_t *err)
{
	if (!rci_masq_wanted(conf))
		return 0;
	cleanup_close int dir = rci_open_subdir(state_dir_fd, "masq", true, err);
	if (dir < 0)
		return -1;
	int fd = rci_lock_at(dir, conf->name, LOCK_EX, err);
	if (fd < 0)
		return -1;
	cleanup_free char *done = NULL;
	int ret = rci_read_all_fd(fd, 1 << 16, &done, NULL, err);
	json_object *ips = rci_json_get_type(result, "ips", json_type_array);
	for (size_t i = 0; ret == 0 && ips && i < json_object_array_length(ips); i++) {
		const char *a = rci_json_get_string(json_object_array_get_idx(ips, i), "address");
		cleanup_free char *subnet = rci_masq_subnet(a);
		if (subnet && !listed(done, subnet)) {
			ret = add_rule(rt, fd, conf->name, subnet, err);
			char *more = xasprintf("%s%s\n", done, subnet);
			free(done);
			done = more;
		}
	}
	rci_unlock_at(dir, conf->name, fd, false);
	return ret;
}

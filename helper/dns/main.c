/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rootless-cni-dns: a CNI plugin (spec 0.3.0 to 1.0.0), chained after a bridge, that gives a
 * network's containers names (issue 12). It replaces Debian's dnsname in the shipped networks:
 * the same names, domain, result and dnsmasq behaviour, at the cost of one C process and one
 * file per ADD or DEL instead of a Go process, a rewritten hosts file and a SIGHUP to dnsmasq.
 *
 * Config: {"type": "rootless-cni-dns", "domainName": "dns.podman" (the default),
 * "capabilities": {"aliases": true}, "runDir": "/run/rootless-cni-dns" (the default)}.
 * ADD: needs prevResult; writes RUN_DIR/NETWORK/hosts.d/ID:IFNAME ("ADDRESS NAME ALIAS..." per
 * container address; the name is K8S_POD_NAME of CNI_ARGS, the aliases runtimeConfig.aliases
 * [NETWORK]), makes sure the network's dnsmasq runs (dns_server.h), and returns prevResult with
 * `dns`: the gateways as nameservers, the domain as search domain. DEL removes the file (the
 * server stays for the next container). CHECK fails unless the file holds what prevResult says
 * and the server runs. Errors are CNI error objects on stdout, exit 1.
 */
#include "dns_hosts.h"
#include "dns_server.h"
#include "json.h"
#include "own_plugin.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

/* Our codes (own_plugin.h has the spec's). */
enum {
	E_FAILED = 100, /* the name server or its files */
	E_CHECK = 101,	/* CHECK found the attachment's names missing or stale */
};

struct request {
	const char *command, *id, *ifname;
	json_object *conf; /* stdin */
	const char *version, *network, *domain;
	char *file; /* ID:IFNAME, the attachment's hosts file */
	struct rci_dns_server server;
};

/* Checks the environment and the config; 0, or the exit status of the error printed. */
static int load(struct request *r)
{
	r->id = getenv("CNI_CONTAINERID");
	r->ifname = getenv("CNI_IFNAME");
	int ret = cni_own_read_conf("rootless-cni-dns", &r->conf, &r->version);
	if (ret)
		return ret;
	r->network = rci_json_get_string(r->conf, "name");
	r->domain = rci_json_get_string(r->conf, "domainName");
	if (!r->domain)
		r->domain = "dns.podman";
	r->server.run_dir = rci_json_get_string(r->conf, "runDir");
	if (!r->server.run_dir)
		r->server.run_dir = RCI_DNS_RUN_DIR;
	if (!cni_own_valid_name(r->network))
		return cni_own_fail(r->version, CNI_E_CONFIG, "invalid network name", r->network);
	/* Both go into dnsmasq's configuration file: a newline would add options there. */
	if (!rci_dns_valid_name(r->domain))
		return cni_own_fail(r->version, CNI_E_CONFIG, "invalid domainName", r->domain);
	if (r->server.run_dir[0] != '/' || strchr(r->server.run_dir, '\n'))
		return cni_own_fail(r->version, CNI_E_CONFIG, "runDir must be an absolute path",
				    r->server.run_dir);
	if (!r->id || !cni_own_valid_name(r->id))
		return cni_own_fail(r->version, CNI_E_ENV, "invalid or missing CNI_CONTAINERID",
				    r->id);
	if (!cni_own_valid_ifname(r->ifname))
		return cni_own_fail(r->version, CNI_E_ENV, "invalid or missing CNI_IFNAME",
				    r->ifname);
	/* ':' is in neither an ID nor an ifname: one attachment, one name. */
	r->file = xasprintf("%s:%s", r->id, r->ifname);
	r->server.network = r->network;
	r->server.domain = r->domain;
	return 0;
}

static int entry(struct request *r, json_object *prev, struct rci_dns_entry *e, rci_error_t *err)
{
	cleanup_free char *pod = cni_own_arg("K8S_POD_NAME");
	json_object *rc = rci_json_get_type(r->conf, "runtimeConfig", json_type_object);
	json_object *aliases = rc ? rci_json_get_type(rc, "aliases", json_type_object) : NULL;
	if (rci_dns_entry_from(e, prev, r->network, pod, aliases, err) < 0)
		return -1;
	r->server.listen = e->gateways;
	return 0;
}

static int cmd_add(struct request *r)
{
	json_object *prev = rci_json_get_type(r->conf, "prevResult", json_type_object);
	if (!prev)
		return cni_own_fail(r->version, CNI_E_CONFIG, "required prevResult missing",
				    "rootless-cni-dns is chained after a bridge");
	struct rci_dns_entry e;
	rci_error_t err = NULL;
	if (entry(r, prev, &e, &err) < 0)
		return cni_own_fail_err(r->version, CNI_E_CONFIG, "no address to name", &err);
	cleanup_free char *text = rci_dns_hosts_text(&e);
	int ret = 0;
	/* The names first: a server starting now reads them with the rest. */
	if (rci_dns_hosts_put(&r->server, r->file, text, &err) < 0 ||
	    rci_dns_server_ensure(&r->server, &err) < 0) {
		ret = cni_own_fail_err(r->version, E_FAILED, "name server", &err);
	} else {
		cleanup_json json_object *res = rci_dns_result(prev, &e, r->domain, r->version);
		printf("%s\n", rci_json_str(res));
	}
	rci_dns_entry_clear(&e);
	return ret;
}

static int cmd_del(struct request *r)
{
	rci_error_t err = NULL;
	if (rci_dns_hosts_put(&r->server, r->file, "", &err) < 0)
		return cni_own_fail_err(r->version, E_FAILED, "name server", &err);
	return 0;
}

static int cmd_check(struct request *r)
{
	json_object *prev = rci_json_get_type(r->conf, "prevResult", json_type_object);
	if (!prev)
		return cni_own_fail(r->version, CNI_E_CONFIG, "required prevResult missing", NULL);
	struct rci_dns_entry e;
	rci_error_t err = NULL;
	if (entry(r, prev, &e, &err) < 0)
		return cni_own_fail_err(r->version, CNI_E_CONFIG, "no address to name", &err);
	cleanup_free char *want = rci_dns_hosts_text(&e);
	cleanup_free char *have = NULL;
	int g = rci_dns_hosts_get(&r->server, r->file, &have, &err);
	rci_error_release(&err);
	int ret = 0;
	if (g != 0 || strcmp(have, want) != 0)
		ret = cni_own_fail(r->version, E_CHECK,
				   "the names of the attachment are missing or stale", r->file);
	else if (!rci_dns_server_running(&r->server))
		ret = cni_own_fail(r->version, E_CHECK,
				   "the name server of the network is not running", r->network);
	rci_dns_entry_clear(&e);
	return ret;
}

int main(void)
{
	struct request r = {0};
	int ret;
	if (cni_own_command(&r.command, &ret))
		return ret;
	ret = load(&r);
	if (ret == 0) {
		if (!strcmp(r.command, "ADD"))
			ret = cmd_add(&r);
		else if (!strcmp(r.command, "DEL"))
			ret = cmd_del(&r);
		else
			ret = cmd_check(&r);
	}
	if (r.conf)
		json_object_put(r.conf);
	free(r.file);
	fflush(stdout);
	return ret;
}

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
#include "fs.h"
#include "json.h"
#include "util.h"
#include "validate.h"

#include <stdio.h>
#include <string.h>

#define MAX_STDIN (1 << 20)

static const char *const versions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0"};

/* CNI error codes (SPEC section 5) and ours (100 and up). */
enum {
	E_VERSION = 1,
	E_ENV = 4,
	E_DECODE = 6,
	E_CONFIG = 7,
	E_FAILED = 100, /* the name server or its files */
	E_CHECK = 101,	/* CHECK found the attachment's names missing or stale */
};

static int fail(const char *version, int code, const char *msg, const char *details)
{
	cleanup_json json_object *o = json_object_new_object();
	json_object_object_add(o, "cniVersion",
			       json_object_new_string(version ? version : "1.0.0"));
	json_object_object_add(o, "code", json_object_new_int(code));
	json_object_object_add(o, "msg", json_object_new_string(msg));
	if (details && *details)
		json_object_object_add(o, "details", json_object_new_string(details));
	printf("%s\n", rci_json_str(o));
	return 1;
}

static int fail_err(const char *version, int code, const char *msg, rci_error_t *err)
{
	cleanup_free char *text = rci_error_text(*err);
	rci_error_release(err);
	return fail(version, code, msg, text);
}

static bool supported(const char *v)
{
	for (size_t i = 0; v && i < RCI_ARRAY_SIZE(versions); i++)
		if (strcmp(v, versions[i]) == 0)
			return true;
	return false;
}

/*
 * The network's name and the container's ID are file names here: the helper's own rule for both
 * (validate.h; letters, digits, `_`, `.`, `-`, a letter or digit first), up to 128 characters.
 */
static bool valid_name(const char *n)
{
	rci_error_t err = NULL;
	int r = rci_validate_name("name", n, RCI_ID_MAX, &err);
	rci_error_release(&err);
	return r == 0;
}

/* The value of KEY in CNI_ARGS ("K=V;K=V"), or NULL. */
static char *cni_arg(const char *key)
{
	const char *args = getenv("CNI_ARGS");
	cleanup_strv char **pairs = rci_strv_split(args ? args : "", ';');
	size_t klen = strlen(key);
	for (size_t i = 0; pairs && pairs[i]; i++)
		if (!strncmp(pairs[i], key, klen) && pairs[i][klen] == '=')
			return xstrdup(pairs[i] + klen + 1);
	return NULL;
}

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
	r->command = getenv("CNI_COMMAND");
	r->id = getenv("CNI_CONTAINERID");
	r->ifname = getenv("CNI_IFNAME");
	cleanup_free char *in = NULL;
	size_t len = 0;
	rci_error_t err = NULL;
	if (rci_read_all_fd(0, MAX_STDIN, &in, &len, &err) < 0)
		return fail_err(NULL, E_DECODE, "cannot read the network configuration", &err);
	r->conf = rci_json_parse(in, len, "stdin", &err);
	if (!r->conf || !json_object_is_type(r->conf, json_type_object)) {
		if (!err)
			rci_make_error(&err, 0, "not a JSON object");
		return fail_err(NULL, E_DECODE, "decoding the network configuration", &err);
	}
	r->version = rci_json_get_string(r->conf, "cniVersion");
	if (!supported(r->version))
		return fail(NULL, E_VERSION, "incompatible CNI versions",
			    "rootless-cni-dns supports 0.3.0, 0.3.1, 0.4.0 and 1.0.0");
	r->network = rci_json_get_string(r->conf, "name");
	r->domain = rci_json_get_string(r->conf, "domainName");
	if (!r->domain)
		r->domain = "dns.podman";
	r->server.run_dir = rci_json_get_string(r->conf, "runDir");
	if (!r->server.run_dir)
		r->server.run_dir = RCI_DNS_RUN_DIR;
	if (!valid_name(r->network))
		return fail(r->version, E_CONFIG, "invalid network name", r->network);
	/* Both go into dnsmasq's configuration file: a newline would add options there. */
	if (!rci_dns_valid_name(r->domain))
		return fail(r->version, E_CONFIG, "invalid domainName", r->domain);
	if (r->server.run_dir[0] != '/' || strchr(r->server.run_dir, '\n'))
		return fail(r->version, E_CONFIG, "runDir must be an absolute path",
			    r->server.run_dir);
	if (!r->id || !valid_name(r->id))
		return fail(r->version, E_ENV, "invalid or missing CNI_CONTAINERID", r->id);
	if (!r->ifname || !*r->ifname || strlen(r->ifname) > 15 || strpbrk(r->ifname, "/: \t\n") ||
	    !strcmp(r->ifname, ".") || !strcmp(r->ifname, ".."))
		return fail(r->version, E_ENV, "invalid or missing CNI_IFNAME", r->ifname);
	/* ':' is in neither an ID nor an ifname: one attachment, one name. */
	r->file = xasprintf("%s:%s", r->id, r->ifname);
	r->server.network = r->network;
	r->server.domain = r->domain;
	return 0;
}

static int entry(struct request *r, json_object *prev, struct rci_dns_entry *e, rci_error_t *err)
{
	cleanup_free char *pod = cni_arg("K8S_POD_NAME");
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
		return fail(r->version, E_CONFIG, "required prevResult missing",
			    "rootless-cni-dns is chained after a bridge");
	struct rci_dns_entry e;
	rci_error_t err = NULL;
	if (entry(r, prev, &e, &err) < 0)
		return fail_err(r->version, E_CONFIG, "no address to name", &err);
	cleanup_free char *text = rci_dns_hosts_text(&e);
	int ret = 0;
	/* The names first: a server starting now reads them with the rest. */
	if (rci_dns_hosts_put(&r->server, r->file, text, &err) < 0 ||
	    rci_dns_server_ensure(&r->server, &err) < 0) {
		ret = fail_err(r->version, E_FAILED, "name server", &err);
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
		return fail_err(r->version, E_FAILED, "name server", &err);
	return 0;
}

static int cmd_check(struct request *r)
{
	json_object *prev = rci_json_get_type(r->conf, "prevResult", json_type_object);
	if (!prev)
		return fail(r->version, E_CONFIG, "required prevResult missing", NULL);
	struct rci_dns_entry e;
	rci_error_t err = NULL;
	if (entry(r, prev, &e, &err) < 0)
		return fail_err(r->version, E_CONFIG, "no address to name", &err);
	cleanup_free char *want = rci_dns_hosts_text(&e);
	cleanup_free char *have = NULL;
	int g = rci_dns_hosts_get(&r->server, r->file, &have, &err);
	rci_error_release(&err);
	int ret = 0;
	if (g != 0 || strcmp(have, want) != 0)
		ret = fail(r->version, E_CHECK, "the names of the attachment are missing or stale",
			   r->file);
	else if (!rci_dns_server_running(&r->server))
		ret = fail(r->version, E_CHECK, "the name server of the network is not running",
			   r->network);
	rci_dns_entry_clear(&e);
	return ret;
}

static int cmd_version(void)
{
	cleanup_json json_object *o = json_object_new_object();
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < RCI_ARRAY_SIZE(versions); i++)
		json_object_array_add(list, json_object_new_string(versions[i]));
	json_object_object_add(o, "cniVersion", json_object_new_string("1.0.0"));
	json_object_object_add(o, "supportedVersions", list);
	printf("%s\n", rci_json_str(o));
	return 0;
}

int main(void)
{
	const char *command = getenv("CNI_COMMAND");
	if (command && !strcmp(command, "VERSION"))
		return cmd_version();
	if (!command ||
	    (strcmp(command, "ADD") && strcmp(command, "DEL") && strcmp(command, "CHECK")))
		return fail(NULL, E_ENV, "unknown CNI_COMMAND", command ? command : "(unset)");
	struct request r = {0};
	int ret = load(&r);
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

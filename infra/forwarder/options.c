/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "options.h"
#include "util.h"
#include "validate.h"

#include <getopt.h>
#include <stddef.h>
#include <limits.h>
#include <string.h>

#define SYNOPSIS                                                                                   \
	"rootless-cni-forwarder --control PATH --infra-pid PID [--infra-start-time TICKS]\n"       \
	"       [--ready-fd N] [--log PATH] [--idle-udp-timeout S] [--max-udp-flows N]\n"          \
	"       [--pipe-size BYTES] [--no-source-address] [--debug]\n"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: " SYNOPSIS "\n"
	    "Forwards published ports of one rootless-cni-infra: listens on host sockets that\n"
	    "the launcher binds and hands over through the control socket, and connects each\n"
	    "client to its container from inside the infra's network namespace, keeping the\n"
	    "client's source address where the kernel can.\n"
	    "\n"
	    "  --control PATH          control socket to create (mode 0600)\n"
	    "  --infra-pid PID         the infra's init; the forwarder exits with it\n"
	    "  --infra-start-time T    its start time (/proc/PID/stat field 22), against pid "
	    "reuse\n"
	    "  --ready-fd N            write \"1\" to fd N and close it once ready\n"
	    "  --log PATH              append messages to PATH instead of stderr\n"
	    "  --idle-udp-timeout S    close a UDP flow after S seconds without traffic "
	    "(1-86400, default %d)\n"
	    "  --max-udp-flows N       UDP flows per forward, least recent evicted (1-65536, "
	    "default %d)\n"
	    "  --pipe-size BYTES       pipe size of a busy TCP direction (4096-67108864, "
	    "default %d)\n"
	    "  --no-source-address     never keep the client's address (plain inner sockets)\n"
	    "  --debug                 log every connection\n"
	    "\n"
	    "Exit status: 0 stopped (SIGTERM, SIGINT, the infra exited), 1 failure, 2 bad usage.\n",
	    FWD_DEFAULT_UDP_TIMEOUT, FWD_DEFAULT_UDP_FLOWS, FWD_DEFAULT_PIPE_SIZE);
}

int fwd_parse_number(const char *s, unsigned long long min, unsigned long long max,
		     unsigned long long *out)
{
	size_t len = strlen(s);
	unsigned long long v = 0;
	if (len == 0 || len > 20)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (ULLONG_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

enum kind { PATH, NUMBER, FLAG_ON, FLAG_OFF, HELP, VERSION };

/* Every option: what it takes, its range, and the field of struct fwd_options it sets. */
static const struct spec {
	const char *name;
	enum kind kind;
	unsigned long long min, max;
	size_t offset, size;
} specs[] = {
#define FIELD(f) offsetof(struct fwd_options, f), sizeof(((struct fwd_options *)0)->f)
    {"control", PATH, 0, 0, FIELD(control)},
    {"infra-pid", NUMBER, 1, INT_MAX, FIELD(infra_pid)},
    {"infra-start-time", NUMBER, 1, ULLONG_MAX, FIELD(infra_start)},
    {"ready-fd", NUMBER, 3, INT_MAX, FIELD(ready_fd)},
    {"log", PATH, 0, 0, FIELD(log)},
    {"idle-udp-timeout", NUMBER, 1, 86400, FIELD(udp_timeout)},
    {"max-udp-flows", NUMBER, 1, 65536, FIELD(udp_flows)},
    {"pipe-size", NUMBER, 4096, 64 << 20, FIELD(pipe_size)},
    {"no-source-address", FLAG_OFF, 0, 0, FIELD(keep_source)},
    {"debug", FLAG_ON, 0, 0, FIELD(debug)},
    {"help", HELP, 0, 0, 0, 0},
    {"version", VERSION, 0, 0, 0, 0},
#undef FIELD
};

/* Stores @v in the field of @spec: a 4-byte int/unsigned/pid_t or an 8-byte number. */
static void store(struct fwd_options *o, const struct spec *spec, unsigned long long v)
{
	char *field = (char *)o + spec->offset;
	if (spec->size == sizeof(unsigned long long)) {
		memcpy(field, &v, sizeof(v));
	} else {
		unsigned u = (unsigned)v; /* ranges keep signed fields below INT_MAX */
		memcpy(field, &u, sizeof(u));
	}
}

/* One option with its argument; 1 for --help/--version (printed), -1 with *err. */
static int apply(const struct spec *spec, const char *arg, struct fwd_options *o, FILE *out,
		 rci_error_t *err)
{
	unsigned long long v = 0;
	bool on = spec->kind == FLAG_ON;
	char **path = (char **)(void *)((char *)o + spec->offset);
	switch (spec->kind) {
	case PATH:
		if (!*arg)
			return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
						   "option `--%s` needs a path", spec->name);
		free(*path);
		*path = xstrdup(arg);
		return 0;
	case NUMBER:
		if (fwd_parse_number(arg, spec->min, spec->max, &v) < 0) {
			cleanup_free char *shown = rci_printable(arg, 32);
			return rci_make_error_kind(
			    err, RCI_ERR_USAGE, 0,
			    "option `--%s`: `%s` is not a number from %llu to %llu", spec->name,
			    shown, spec->min, spec->max);
		}
		store(o, spec, v);
		return 0;
	case FLAG_ON:
	case FLAG_OFF:
		memcpy((char *)o + spec->offset, &on, sizeof(on));
		return 0;
	case HELP:
		usage(out);
		return 1;
	default:
		fprintf(out, "rootless-cni-forwarder %s (%s)\n", RCI_VERSION, RCI_COMMIT);
		return 1;
	}
}

int fwd_options_parse(int argc, char **argv, struct fwd_options *o, FILE *out, rci_error_t *err)
{
	struct option longs[RCI_ARRAY_SIZE(specs) + 1];
	memset(longs, 0, sizeof(longs));
	for (size_t i = 0; i < RCI_ARRAY_SIZE(specs); i++)
		longs[i] = (struct option){specs[i].name,
					   specs[i].kind == PATH || specs[i].kind == NUMBER
					       ? required_argument
					       : no_argument,
					   NULL, (int)(256 + i)};
	memset(o, 0, sizeof(*o));
	o->ready_fd = -1;
	o->udp_timeout = FWD_DEFAULT_UDP_TIMEOUT;
	o->udp_flows = FWD_DEFAULT_UDP_FLOWS;
	o->pipe_size = FWD_DEFAULT_PIPE_SIZE;
	o->keep_source = true;
	/* getopt's own message plus ours would be two lines: one line of ours. */
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "+:", longs, NULL)) != -1) {
		if (c < 256) {
			const char *bad = argv[optind - 1];
			cleanup_free char *shown = rci_printable(bad, 64);
			return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
						   c == ':' ? "option `%s` requires an argument"
							    : "unknown option `%s`",
						   shown);
		}
		int r = apply(&specs[c - 256], optarg, o, out, err);
		if (r != 0)
			return r;
	}
	if (optind < argc) {
		cleanup_free char *shown = rci_printable(argv[optind], 64);
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "unexpected argument `%s`",
					   shown);
	}
	if (!o->control || !o->infra_pid)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "option `--%s` is required",
					   o->control ? "infra-pid" : "control");
	return 0;
}

void fwd_options_free(struct fwd_options *o)
{
	free(o->control);
	free(o->log);
	o->control = o->log = NULL;
}

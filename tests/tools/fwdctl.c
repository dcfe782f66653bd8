/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwdctl: drives rootless-cni-forwarder through the launcher's client library
 * (infra/forwarder_client.h), for tests/integration/35-forwarder.bats. Exit status: 0, or the
 * error's kind (2 bad input, 3 not found, 4 conflict, 1 other), with one line on stderr.
 *
 *   fwdctl start FORWARDER CONTROL INFRA_PID LOG     prints the forwarder's pid; env
 *                                                    FWDCTL_DEBUG, FWDCTL_UDP_TIMEOUT
 *   fwdctl CONTROL add PROTO HOSTIP HOSTPORT CTRIP CTRPORT ID NET
 *   fwdctl CONTROL remove ID NET | remove-host PROTO HOSTIP HOSTPORT   prints the count
 *   fwdctl CONTROL list | ping                       prints the JSON
 *   fwdctl CONTROL raw LINE [tcp|udp|file]           sends LINE (with such an fd), prints the
 *                                                    reply line as it came
 *   fwdctl bind PROTO HOSTIP HOSTPORT                binds, then waits for stdin to close
 */
#include "forwarder/fdpass.h"
#include "forwarder_client.h"
#include "json.h"
#include "log.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

static int number(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return *s && !*end && v >= 0 && v <= INT_MAX ? (int)v : -1;
}

static int print_json(json_object *o, rci_error_t *err)
{
	int r = o ? rci_json_print(o, err) : -1;
	json_object_put(o);
	return r;
}

/* A raw request, to see the forwarder's answers to what the library would never send. */
static int raw(int ctl, const char *line, const char *with)
{
	cleanup_close int fd = -1;
	if (with && !strcmp(with, "file"))
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	else if (with)
		fd = socket(AF_INET,
			    (!strcmp(with, "udp") ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	cleanup_free char *msg = xasprintf("%s\n", line);
	if (fwd_send_with_fd(ctl, msg, strlen(msg), fd, 0) != (ssize_t)strlen(msg))
		return 1;
	char buf[4096];
	ssize_t n;
	while ((n = read(ctl, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		if (memchr(buf, '\n', (size_t)n))
			break;
	}
	return 0;
}

static int control_cmd(int argc, char **argv, rci_error_t *err)
{
	cleanup_close int ctl = lr_fwd_connect(argv[1], err);
	const char *cmd = argv[2];
	size_t n = 0;
	if (ctl < 0)
		return -1;
	if (!strcmp(cmd, "add") && argc == 10) {
		cleanup_close int fd = lr_fwd_bind(argv[4], number(argv[5]), argv[3], err);
		if (fd < 0)
			return -1;
		return lr_fwd_add(ctl, fd, argv[3], argv[6], number(argv[7]), argv[8], argv[9],
				  err);
	}
	if ((!strcmp(cmd, "remove") && argc == 5) || (!strcmp(cmd, "remove-host") && argc == 6)) {
		int r = argc == 5
			    ? lr_fwd_remove_owner(ctl, argv[3], argv[4], &n, err)
			    : lr_fwd_remove_host(ctl, argv[3], argv[4], number(argv[5]), &n, err);
		if (r == 0)
			printf("%zu\n", n);
		return r;
	}
	if (!strcmp(cmd, "list") && argc == 3)
		return print_json(lr_fwd_list(ctl, err), err);
	if (!strcmp(cmd, "ping") && argc == 3)
		return print_json(lr_fwd_ping(ctl, err), err);
	if (!strcmp(cmd, "raw") && (argc == 4 || argc == 5))
		return raw(ctl, argv[3], argc == 5 ? argv[4] : NULL);
	return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "bad arguments (see the source)");
}

int main(int argc, char **argv)
{
	rci_error_t err = NULL;
	int r;
	rci_log_init("fwdctl", RCI_LOG_WARNING);
	if (argc == 6 && !strcmp(argv[1], "start")) {
		struct lr_fwd_start s = {.path = argv[2],
					 .control = argv[3],
					 .infra_pid = number(argv[4]),
					 .log = argv[5],
					 .debug = getenv("FWDCTL_DEBUG") != NULL};
		if (getenv("FWDCTL_UDP_TIMEOUT"))
			s.udp_timeout = (unsigned)number(getenv("FWDCTL_UDP_TIMEOUT"));
		pid_t pid = lr_fwd_start(&s, &err);
		if (pid > 0)
			printf("%d\n", (int)pid);
		r = pid > 0 ? 0 : -1;
	} else if (argc == 5 && !strcmp(argv[1], "bind")) {
		int fd = lr_fwd_bind(argv[3], number(argv[4]), argv[2], &err);
		char c;
		r = fd < 0 ? -1 : 0;
		if (fd >= 0) {
			puts("bound");
			fflush(stdout);
			while (read(STDIN_FILENO, &c, 1) > 0)
				;
			close(fd);
		}
	} else if (argc >= 3) {
		r = control_cmd(argc, argv, &err);
	} else {
		r = rci_make_error_kind(&err, RCI_ERR_USAGE, 0, "bad arguments (see the source)");
	}
	if (r < 0) {
		cleanup_free char *text = rci_error_text(err);
		rci_error_log("%s", text);
		r = err ? err->kind : 1;
	}
	rci_error_release(&err);
	fflush(stdout);
	return r;
}

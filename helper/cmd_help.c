/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "caps.h"
#include "commands.h"

#include <stdio.h>

static const char usage[] =
    "Usage: rootless-cni-infra [OPTION]... SUBCOMMAND [ARGS...]\n"
    "\n"
    "Runs CNI plugins for rootless containers inside the infra container.\n"
    "\n"
    "Options:\n"
    "  --debug                 log each step on stderr, with its duration\n"
    "  --state-dir DIR         state directory (default $RCI_STATE_DIR)\n"
    "  --config-dir DIR[:DIR]  CNI configuration directories (default $RCI_CNI_CONFIG_DIR)\n"
    "  -h, --help              this text;  --version  the version as JSON\n"
    "\n"
    "Subcommands (stdout is JSON):\n"
    "  alloc ID NET POD_NAME IP MAC  attach ID to network NET as eth<N> (IP, MAC may be \"\")\n"
    "                                -> {\"ns\": PATH, \"ifname\": \"ethN\"}\n"
    "  alloc --netns PATH ID NET ...  the same into the existing netns at PATH, pinned as ID's\n"
    "  dealloc ID NET                detach; unknown ID or NET is success -> {}\n"
    "  print-cni-result ID NET       the CNI result of that attachment\n"
    "  print-netns-path ID           -> {\"path\": PATH, \"userns\": PATH}\n"
    "  is-idle                       -> {\"idle\": true|false}\n"
    "  list                          every attachment: id, network, ifname, ips, netns,\n"
    "                                podName, phase, config (the file its network came from)\n"
    "  networks                      every network of the config dirs, in lookup order:\n"
    "                                [{\"name\", \"file\"}], a name once (the file alloc loads)\n"
    "  check ID NET                  CNI CHECK of one attachment -> {}\n"
    "  gc [LIVE_ID...]               release every attachment whose ID is not listed\n"
    "  help, version                 this text; {\"version\": ...}\n"
    "  serve [--ready-fd FD]         the helper service the infra's init starts: runs each\n"
    "                                request of the launcher in a fork (see the man page)\n"
    "\n"
    "Accepted input:\n"
    "  ID, NET     [A-Za-z0-9][A-Za-z0-9_.-]*, at most 128 (ID) / 64 (NET) characters\n"
    "  POD_NAME    printable, no spaces, `;` or `=`, at most 253 characters; may be empty\n"
    "  IP          IPv4 (10.88.0.5) or IPv6 (fd00::5) without prefix length, or \"\"\n"
    "  MAC         six hex octets (02:42:ac:11:00:02), or \"\"\n"
    "  CNI_ARGS sent to plugins: IgnoreUnknown=1;K8S_POD_NAME=POD_NAME[;IP=IP][;MAC=MAC]\n"
    "\n"
    "Exit status:\n"
    "  0 success; 1 the operation failed (plugin error, I/O); 2 bad usage or input (nothing\n"
    "  was changed); 3 not found (no such attachment or network); 4 conflict (already attached)\n"
    "\n"
    "Environment:\n"
    "  RCI_STATE_DIR       state directory (default /run/rootless-cni-infra)\n"
    "  RCI_CNI_CONFIG_DIR  CNI configuration directories, colon-separated, searched in order:\n"
    "                      the first holding a network wins (default /etc/cni/net.d)\n"
    "  CNI_PATH            plugin directories (default "
    "/usr/lib/cni:/usr/libexec/cni:/opt/cni/bin)\n"
    "  RCI_CNI_CACHE_DIR   CNI result cache (default /var/lib/cni)\n"
    "  RCI_PLUGIN_TIMEOUT  seconds one plugin exec may take before its process group is\n"
    "                      killed (default 60)\n"
    "  RCI_INFRA_PID       pid whose /proc/PID/root prefixes host-side paths (default: the\n"
    "                      pid in STATE_DIR/infra.pid)\n"
    "  RCI_PORT_MAPPINGS   alloc: JSON array passed as the portMappings capability\n"
    "\n"
    "Plugins run with only these capabilities: %s\n";

/* help (and --help): the usage text, with the capabilities plugins keep (caps.h). */
int cmd_help(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	(void)err;
	printf(usage, rci_plugin_caps_names());
	fflush(stdout);
	return 0;
}

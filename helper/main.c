/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rootless-cni-infra: the helper engines exec inside the infra container (DESIGN.md, Contract 1).
 * Its command line is dispatch.c's; main() only makes sure fds 0-2 are open and recognises the
 * dnsmasq shim (dnsmasq_shim.h).
 */
#include "commands.h"
#include "dnsmasq_shim.h"
#include "stdfds.h"

int main(int argc, char **argv)
{
	if (rci_stdfds_ensure() < 0)
		return 1;
	if (argc > 0 && rci_dnsmasq_shim_invoked(argv[0]))
		return rci_dnsmasq_shim_main(argc, argv);
	return rci_helper_main(argc, argv);
}

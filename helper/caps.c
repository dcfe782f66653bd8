/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "caps.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/prctl.h>

const cap_value_t rci_plugin_caps[] = {CAP_NET_ADMIN,	 CAP_NET_RAW,	       CAP_SYS_ADMIN,
				       CAP_DAC_OVERRIDE, CAP_NET_BIND_SERVICE, CAP_SETGID};
const size_t rci_plugin_caps_count = sizeof(rci_plugin_caps) / sizeof(rci_plugin_caps[0]);

const char *rci_plugin_caps_names(void)
{
	return "cap_net_admin,cap_net_raw,cap_sys_admin,cap_dac_override,cap_net_bind_service,cap_"
	       "setgid";
}

static bool kept(cap_value_t c)
{
	for (size_t i = 0; i < rci_plugin_caps_count; i++)
		if (rci_plugin_caps[i] == c)
			return true;
	return false;
}

int rci_caps_restrict_for_plugin(void *unused)
{
	(void)unused;
	/* For root, execve grants inheritable | bounding: the bounding set is what really limits an
	 * exec'd plugin, so it is trimmed first (needs CAP_SETPCAP, dropped right after). */
	int last = (int)cap_max_bits();
	for (int c = 0; c < last; c++) {
		if (kept((cap_value_t)c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL && errno != EPERM)
			return -1;
	}
	cap_t caps = cap_get_proc();
	if (!caps)
		return -1;
	cap_value_t have[16];
	int n = 0;
	for (size_t i = 0; i < rci_plugin_caps_count; i++) {
		cap_flag_value_t v = CAP_CLEAR;
		cap_get_flag(caps, rci_plugin_caps[i], CAP_PERMITTED, &v);
		if (v == CAP_SET)
			have[n++] = rci_plugin_caps[i];
	}
	int ret = cap_clear(caps);
	if (ret == 0 && n > 0)
		ret = cap_set_flag(caps, CAP_PERMITTED, n, have, CAP_SET) |
		      cap_set_flag(caps, CAP_EFFECTIVE, n, have, CAP_SET) |
		      cap_set_flag(caps, CAP_INHERITABLE, n, have, CAP_SET);
	if (ret == 0)
		ret = cap_set_proc(caps);
	cap_free(caps);
	if (ret < 0)
		return -1;
	/* A non-root caller keeps them across exec only through the ambient set. */
	for (int i = 0; i < n; i++)
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, have[i], 0, 0);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "caps.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

const int rci_plugin_caps[] = {CAP_NET_ADMIN,	 CAP_NET_RAW,	       CAP_SYS_ADMIN,
			       CAP_DAC_OVERRIDE, CAP_NET_BIND_SERVICE, CAP_SETGID};
const size_t rci_plugin_caps_count = RCI_ARRAY_SIZE(rci_plugin_caps);

const char *rci_plugin_caps_names(void)
{
	return "cap_net_admin,cap_net_raw,cap_sys_admin,cap_dac_override,cap_net_bind_service,cap_"
	       "setgid";
}

static bool kept(int c)
{
	for (size_t i = 0; i < rci_plugin_caps_count; i++)
		if (rci_plugin_caps[i] == c)
			return true;
	return false;
}

static bool in_set(__u32 word[2], int c)
{
	return word[c / 32] & (1U << (c % 32));
}

int rci_caps_plan_for_plugin(struct rci_caps_plan *plan, rci_error_t *err)
{
	memset(plan, 0, sizeof(*plan));
	plan->header.version = _LINUX_CAPABILITY_VERSION_3;
	struct __user_cap_data_struct cur[2];
	if (syscall(SYS_capget, &plan->header, cur) < 0)
		return rci_make_error(err, errno, "read our capabilities");
	__u32 permitted[2] = {cur[0].permitted, cur[1].permitted};
	__u32 inheritable[2] = {cur[0].inheritable, cur[1].inheritable};
	/* The kernel's capabilities are those PR_CAPBSET_READ knows (EINVAL past the last). */
	for (int c = 0; c < 64 && prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++) {
		bool bounding = prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1;
		if (!kept(c)) {
			plan->drop[plan->n_drop++] = c;
		} else if (in_set(permitted, c) && (bounding || in_set(inheritable, c))) {
			/* capset refuses an inheritable bit outside bounding | inheritable. */
			plan->keep[plan->n_keep++] = c;
			plan->data[c / 32].permitted |= 1U << (c % 32);
		}
	}
	for (int i = 0; i < 2; i++)
		plan->data[i].effective = plan->data[i].inheritable = plan->data[i].permitted;
	return 0;
}

/* Only prctl and capset from here: this runs in the child between fork and exec. */
int rci_caps_restrict_for_plugin(void *data)
{
	const struct rci_caps_plan *plan = data;
	/* For root, execve grants inheritable | bounding: the bounding set is what really limits an
	 * exec'd plugin, so it is trimmed first (needs CAP_SETPCAP, dropped by the capset below).
	 */
	for (size_t i = 0; i < plan->n_drop; i++) {
		if (prctl(PR_CAPBSET_DROP, plan->drop[i], 0, 0, 0) == 0)
			continue;
		int saved = errno;
		/* Without CAP_SETPCAP: fine only if it is not there anyway. */
		if (saved == EPERM && prctl(PR_CAPBSET_READ, plan->drop[i], 0, 0, 0) == 0)
			continue;
		errno = saved;
		return -1;
	}
	struct __user_cap_header_struct header = plan->header;
	struct __user_cap_data_struct caps[2] = {plan->data[0], plan->data[1]};
	if (syscall(SYS_capset, &header, caps) < 0)
		return -1;
	/* A non-root plugin keeps them across exec only through the ambient set. */
	for (size_t i = 0; i < plan->n_keep; i++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, plan->keep[i], 0, 0) < 0)
			return -1;
	return 0;
}

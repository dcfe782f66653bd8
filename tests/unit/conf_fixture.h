/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Config files for the discovery tests (test_conf.c: one dir, test_discover.c: several), and the
 * lookup that must succeed. Static inline: each file uses what it needs.
 */
#ifndef RCI_UNIT_CONF_FIXTURE_H
#define RCI_UNIT_CONF_FIXTURE_H

#include "unit.h"

#include "conf.h"
#include "discover.h"

/* A list file named @file holding network @name with one plugin of @type. */
static inline void write_list(const char *dir, const char *file, const char *name, const char *type)
{
	char buf[512];

	snprintf(buf, sizeof(buf),
		 "{\"cniVersion\":\"1.0.0\",\"name\":\"%s\",\"plugins\":[{\"type\":\"%s\"}]}", name,
		 type);
	ut_write_file(dir, file, buf);
}

/* A single-plugin .conf/.json file. */
static inline void write_single(const char *dir, const char *file, const char *name,
				const char *type)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "{\"cniVersion\":\"0.4.0\",\"name\":\"%s\",\"type\":\"%s\"}",
		 name, type);
	ut_write_file(dir, file, buf);
}

/* Network @name found in the NULL-terminated @dirs; the caller frees it. */
static inline struct cni_netconf *find_ok_in(char *const *dirs, const char *name)
{
	struct cni_netconf *c = NULL;
	rci_error_t err = NULL;

	ut_assert_ok(cni_conf_find_dirs(dirs, name, &c, &err), &err);
	assert_non_null(c);
	assert_string_equal(c->name, name);
	return c;
}

#endif

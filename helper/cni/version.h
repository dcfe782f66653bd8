/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CNI_VERSION_H
#define CNI_VERSION_H

#include <stdbool.h>

/* The highest spec version this runtime implements (CNI-RUNTIME.md CFG-9). */
#define CNI_RUNTIME_MAX_VERSION "1.1.0"

/* Parses "X[.Y[.Z]]" into out[3]; "" means 0.1.0 (spec). Returns false when malformed. */
bool cni_version_parse(const char *v, int out[3]);
/* <0, 0, >0 like strcmp; malformed versions sort lowest. */
int cni_version_cmp(const char *a, const char *b);
/* True for the versions whose result format we know: 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0. */
bool cni_version_known(const char *v);
/* Result-format family: 1 (0.1.0/0.2.0), 3 (0.3.x/0.4.0), 10 (1.x), 0 unknown. */
int cni_version_family(const char *v);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_NUMBER_H
#define RCI_NUMBER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Numbers from files, /proc and the environment, parsed with bounds (issue 13): strtoul() takes
 * leading blanks, a sign ("-1" is ULONG_MAX), a base prefix with base 0, and stops quietly at
 * junk. These take plain decimal digits only.
 */

/*
 * rci_parse_u64() - @s as a decimal number from 0 to @max: one or more digits and nothing else
 * (no blank, sign, prefix or trailing byte). Returns 0 with *out set, or -1 with errno EINVAL
 * (not such a number) or ERANGE (above @max, overflow included); *out is then untouched.
 */
int rci_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* The same for the @len bytes at @s, which need not be NUL-terminated (a field in a line). */
int rci_parse_u64_n(const char *s, size_t len, uint64_t max, uint64_t *out);

/*
 * rci_read_u64_file() - the number a small file holds (a pid file, a /proc/sys value): at most
 * 64 bytes, one number as rci_parse_u64 takes it, optionally followed by one newline. The file
 * is opened without following a final symlink. Returns 0, or -1 with errno set (EINVAL for any
 * other content).
 */
int rci_read_u64_file(const char *path, uint64_t max, uint64_t *out);

/* The same for @name relative to the directory fd @dirfd (AT_FDCWD: as rci_read_u64_file). */
int rci_read_u64_at(int dirfd, const char *name, uint64_t max, uint64_t *out);

/* The largest pid the kernel hands out (PID_MAX_LIMIT, 2^22): the bound of a pid read as text. */
#define RCI_PID_MAX 4194304

/*
 * Bounded number parsing: every number read from text (environment, argv, files, plugin output)
 * goes through these, never through a bare strtol/strtod, which skip leading whitespace, accept
 * "nan", "inf" and hex, and leave range checks to each caller.
 *
 * rci_parse_double() - @text as a finite decimal number in [@min, @max]: an optional sign, digits
 * with an optional fraction, an optional exponent; nothing before or after it.
 * rci_parse_ulong() - @text as decimal digits only (no sign, no space) in [@min, @max].
 * Return: 0 and *@out; or -1 with errno EINVAL (not such a number; NULL or "" included) or
 * ERANGE (a number outside the bounds, or beyond the type), *@out untouched.
 */
int rci_parse_double(const char *text, double min, double max, double *out);
int rci_parse_ulong(const char *text, unsigned long min, unsigned long max, unsigned long *out);

#endif

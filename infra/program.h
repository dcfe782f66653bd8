/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_PROGRAM_H
#define LR_PROGRAM_H

/*
 * lr_find_program() - the host program @name: with a '/', that path made absolute (it is
 * recorded and run later from elsewhere); else the first regular executable file of that name in
 * $PATH, /usr/local/bin, /usr/bin, /bin, /usr/sbin or /sbin (the s-dirs are missing from many
 * users' PATH, and newuidmap or runc live there). Returns a new string, or NULL when not found.
 */
char *lr_find_program(const char *name);

#endif

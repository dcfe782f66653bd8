/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_PROGRAM_H
#define LR_PROGRAM_H

/* lr_find_program() - the host program @name (util.h: rci_find_program). */
char *lr_find_program(const char *name);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_STDFDS_H
#define RCI_STDFDS_H

/*
 * rci_stdfds_ensure() - opens /dev/null onto each of fds 0, 1 and 2 that is closed. A program
 * started with one of them closed would otherwise get its next opened file under that number,
 * and write its output into it (the launcher's JSON into its lock file) or hand it to a child as
 * stdio (issue 13). Call first thing in main(), before anything opens a file. The fds are
 * inheritable, as stdio must be. Returns 0, or -1 with errno set when /dev/null cannot be opened.
 */
int rci_stdfds_ensure(void);

#endif

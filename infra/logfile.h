/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_LOGFILE_H
#define LR_LOGFILE_H

/*
 * lr_logfile_excerpt() - the end of the log file at @path (the infra's, slirp4netns') for a
 * one-line error message: its last lines folded to one line (rci_one_line, 600 bytes, the end
 * kept); the whole tail goes to the debug log. Returns a new string, "" when there is nothing.
 */
char *lr_logfile_excerpt(const char *path);

#endif

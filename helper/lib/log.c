/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_prog = "rootless-cni-infra";
static enum rci_log_level log_level = RCI_LOG_WARNING;
static int log_tee_fd = -1;

void rci_log_tee(int fd)
{
	log_tee_fd = fd;
}

/* One write(2) per line: concurrent writers of the file do not interleave halves. */
static void tee_line(const char *tag, const char *line)
{
	char buf[4200];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s: %s: %s\n",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, ts.tv_nsec / 1000000, log_prog, tag, line);
	if (n > 0)
		(void)!write(log_tee_fd, buf,
			     (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void rci_log_init(const char *prog, enum rci_log_level level)
{
	log_prog = prog;
	log_level = level;
}

void rci_log_set_level(enum rci_log_level level)
{
	log_level = level;
}

bool rci_log_debug_enabled(void)
{
	return log_level >= RCI_LOG_DEBUG;
}

const char *rci_log_prog(void)
{
	return log_prog;
}

static void log_v(enum rci_log_level level, const char *fmt, va_list ap)
{
	static const char *const tag[] = {"error", "warning", "debug"};
	int saved = errno;
	if (level <= log_level || log_tee_fd >= 0) {
		/* One fprintf per line so that concurrent writers do not interleave halves. */
		char line[4096];
		vsnprintf(line, sizeof(line), fmt, ap);
		if (level <= log_level)
			fprintf(stderr, "%s: %s: %s\n", log_prog, tag[level], line);
		if (log_tee_fd >= 0)
			tee_line(tag[level], line);
	}
	errno = saved;
}

void rci_error_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(RCI_LOG_ERROR, fmt, ap);
	va_end(ap);
}

void rci_warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(RCI_LOG_WARNING, fmt, ap);
	va_end(ap);
}

void rci_debug_step(const char *step, long long t0_ms, const char *fmt, ...)
{
	if (log_level < RCI_LOG_DEBUG)
		return;
	int saved = errno;
	char detail[3072];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	long long ms = rci_now_ms() - t0_ms;
	fprintf(stderr, "%s: debug: %s: %s (%lld ms)\n", log_prog, step, detail, ms < 0 ? 0 : ms);
	errno = saved;
}

void rci_debug(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(RCI_LOG_DEBUG, fmt, ap);
	va_end(ap);
}

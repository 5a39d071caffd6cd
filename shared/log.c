/*
 * One line per event: "TIMESTAMP IDENT[PID] LEVEL: message" on stderr, or the
 * message alone through syslog (which adds its own stamp and ident).
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *log_ident = "racknet";
static enum log_level log_cur = LL_INFO;
static bool log_syslog;

static const char *const level_names[LL_MAX] = {
	[LL_ERROR] = "error",
	[LL_WARN] = "warn",
	[LL_NOTICE] = "notice",
	[LL_INFO] = "info",
	[LL_DEBUG] = "debug",
};

static const int level_prio[LL_MAX] = {
	[LL_ERROR] = LOG_ERR,
	[LL_WARN] = LOG_WARNING,
	[LL_NOTICE] = LOG_NOTICE,
	[LL_INFO] = LOG_INFO,
	[LL_DEBUG] = LOG_DEBUG,
};

void log_init(const char *ident, enum log_level level, bool use_syslog)
{
	log_ident = ident;
	log_set_level(level);
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(enum log_level level)
{
	log_cur = level < LL_MAX ? level : LL_DEBUG;
}

bool log_enabled(enum log_level level)
{
	return level <= log_cur;
}

int log_level_parse(const char *s, enum log_level *ret_level)
{
	if (!s)
		return -EINVAL;
	for (int i = 0; i < LL_MAX; i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*ret_level = (enum log_level)i;
			return 0;
		}
	}
	if (strcasecmp(s, "warning") == 0) {
		*ret_level = LL_WARN;
		return 0;
	}
	return -EINVAL;
}

const char *log_level_name(enum log_level level)
{
	return level < LL_MAX ? level_names[level] : "?";
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char msg[1024];
	struct timeval tv;
	struct tm tm;
	char stamp[32];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One event, one line, whatever the format string produced. */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';

	if (log_syslog) {
		syslog(level_prio[level], "%s", msg);
		return;
	}
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s[%ld] %s: %s\n", stamp,
		(long)(tv.tv_usec / 1000), log_ident, (long)getpid(),
		level_names[level], msg);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level >= LL_MAX || !log_enabled(level))
		return;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}

char *log_escape(char *dst, size_t size, const void *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = src;
	size_t o = 0;

	if (size == 0)
		return dst;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (size - o < 2)
				break;
			dst[o++] = (char)c;
		} else {
			if (size - o < 5)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}

enum log_level log_level_arg(const char *prog, const char *arg)
{
	enum log_level level;

	if (log_level_parse(arg, &level) < 0) {
		fprintf(stderr, "%s: --log-level '%s' is not error, warning, "
			"notice, info or debug\n", prog, arg);
		exit(2);
	}
	return level;
}

bool log_limit_now(struct log_limit *slots, size_t n, int64_t key,
		   int64_t now, uint64_t *more)
{
	struct log_limit *s = &slots[0];

	for (size_t i = 0; i < n; i++) {
		if (slots[i].key == key) {
			s = &slots[i];
			break;
		}
		if (slots[i].when < s->when)
			s = &slots[i];
	}
	if (s->key == key && s->when && now - s->when < LOG_LIMIT_SECS) {
		s->since++;
		return false;
	}
	*more = s->key == key ? s->since : 0;
	*s = (struct log_limit){ key, now, 0 };
	return true;
}

int64_t log_limit_key(const char *text)
{
	uint64_t h = 14695981039346656037u;	/* FNV-1a */

	for (; *text; text++)
		h = (h ^ (uint8_t)*text) * 1099511628211u;
	return (int64_t)(h >> 1);
}

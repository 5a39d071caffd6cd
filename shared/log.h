/*
 * Logging for every racknet binary: one line per event, to stderr or syslog,
 * filtered by level. Library code never logs; only io/main files do, once at
 * the boundary. Strings that came from a peer go through log_escape() first.
 */
#ifndef RACKNET_LOG_H
#define RACKNET_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level {
	LL_ERROR,
	LL_WARN,
	LL_NOTICE,
	LL_INFO,
	LL_DEBUG,
	LL_MAX
};

/* ident names the program in each line; use_syslog sends lines to syslog. */
void log_init(const char *ident, enum log_level level, bool use_syslog);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);

/* "error", "warn"/"warning", "notice", "info", "debug" -> level. */
int log_level_parse(const char *s, enum log_level *ret_level);
/* A daemon's --log-level argument, or a usage error naming it (exit 2). */
enum log_level log_level_arg(const char *prog, const char *arg);
const char *log_level_name(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Log at LL_ERROR and exit(1). */
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#define log_error(...)  log_msg(LL_ERROR, __VA_ARGS__)
#define log_warn(...)   log_msg(LL_WARN, __VA_ARGS__)
#define log_notice(...) log_msg(LL_NOTICE, __VA_ARGS__)
#define log_info(...)   log_msg(LL_INFO, __VA_ARGS__)
#define log_debug(...)  log_msg(LL_DEBUG, __VA_ARGS__)

/*
 * Copy len bytes of untrusted data into dst as a printable, NUL-terminated
 * string: printable ASCII stays, backslash and everything else becomes \xNN.
 * Output is truncated to fit size (which must be >= 1). Returns dst.
 */
char *log_escape(char *dst, size_t size, const void *src, size_t len);

#endif

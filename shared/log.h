/*
 * Logging for every racknet binary: one line per event, to stderr or syslog,
 * filtered by level. Library code never logs; only io/main files do, once at
 * the boundary. Strings that came from a peer go through log_escape() first.
 */
#ifndef RACKNET_LOG_H
#define RACKNET_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
 * A problem said at most once a minute per key (a subnet, an error's
 * text), with a count of what it stood for in between: a flood, or a
 * database that fails every packet, must not flood the log.
 * log_limit_now(): whether to say key's problem at `now` (seconds); not
 * within LOG_LIMIT_SECS of the last time, when it is counted instead;
 * *more is how many were not said since. A key with no slot among the n
 * takes the one said longest ago. log_limit_key() makes a key of a text:
 * one slot keyed by an error's text says a new problem at once and a
 * repeated one once a minute.
 */
#define LOG_LIMIT_SECS 60
struct log_limit {
	int64_t key, when;
	uint64_t since;
};
bool log_limit_now(struct log_limit *slots, size_t n, int64_t key,
		   int64_t now, uint64_t *more);
int64_t log_limit_key(const char *text);

/*
 * Copy len bytes of untrusted data into dst as a printable, NUL-terminated
 * string: printable ASCII stays, backslash and everything else becomes \xNN.
 * Output is truncated to fit size (which must be >= 1). Returns dst.
 */
char *log_escape(char *dst, size_t size, const void *src, size_t len);

#endif

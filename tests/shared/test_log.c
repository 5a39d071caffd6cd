/*
 * Unit tests for shared/log.c: level names, log_escape() (what is kept, what
 * is escaped, and truncation that never splits an escape), and log_msg()
 * filtering and line format, read back from stderr redirected to a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "test.h"

TEST(level_parse)
{
	static const struct {
		const char *s;
		enum log_level want;
	} good[] = {
		{ "error", LL_ERROR }, { "ERROR", LL_ERROR },
		{ "warn", LL_WARN }, { "Warn", LL_WARN },
		{ "warning", LL_WARN }, { "WARNING", LL_WARN },
		{ "notice", LL_NOTICE }, { "info", LL_INFO },
		{ "iNfO", LL_INFO }, { "debug", LL_DEBUG }, { "DEBUG", LL_DEBUG },
	};
	static const char *const bad[] = {
		"", "err", "warnings", "warn ", " info", "info\n", "trace",
		"fatal", "0", "3", "debug2", "inf",
	};
	enum log_level l;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		l = LL_MAX;
		CHECK_INT(log_level_parse(good[i].s, &l), 0);
		CHECK_INT(l, good[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		l = LL_MAX;
		if (log_level_parse(bad[i], &l) != -EINVAL) {
			fprintf(stderr, "accepted \"%s\"\n", bad[i]);
			CHECK(!"log_level_parse rejects");
		}
		CHECK_INT(l, LL_MAX);		/* untouched on failure */
	}
	CHECK_INT(log_level_parse(NULL, &l), -EINVAL);
	CHECK_INT(l, LL_MAX);
}

TEST(level_name)
{
	enum log_level l;

	CHECK_STR(log_level_name(LL_ERROR), "error");
	CHECK_STR(log_level_name(LL_WARN), "warn");
	CHECK_STR(log_level_name(LL_NOTICE), "notice");
	CHECK_STR(log_level_name(LL_INFO), "info");
	CHECK_STR(log_level_name(LL_DEBUG), "debug");
	CHECK_STR(log_level_name(LL_MAX), "?");
	/* Every name parses back to its level. */
	for (int i = 0; i < LL_MAX; i++) {
		CHECK_INT(log_level_parse(log_level_name((enum log_level)i), &l),
			  0);
		CHECK_INT(l, i);
	}
}

/* Escape into a buffer of exactly size bytes followed by guard bytes. */
static const char *esc(size_t size, const void *src, size_t len)
{
	static char buf[256];

	memset(buf, 'Z', sizeof(buf));
	CHECK(log_escape(buf, size, src, len) == buf);
	CHECK(strlen(buf) < size);
	for (size_t i = size; i < sizeof(buf); i++)
		CHECK_INT(buf[i], 'Z');
	return buf;
}

#define ESC(s) esc(256, s, sizeof(s) - 1)

TEST(escape_chars)
{
	CHECK_STR(ESC("plain text"), "plain text");
	CHECK_STR(ESC(" !\"#~{}"), " !\"#~{}");
	CHECK_STR(ESC("a\\b"), "a\\x5cb");
	CHECK_STR(ESC("line\nnext\r"), "line\\x0anext\\x0d");
	CHECK_STR(ESC("tab\there"), "tab\\x09here");
	CHECK_STR(ESC("\x1b[31m"), "\\x1b[31m");
	CHECK_STR(ESC("a\0b"), "a\\x00b");
	CHECK_STR(ESC("\x7f"), "\\x7f");
	CHECK_STR(ESC("\x1f"), "\\x1f");
	CHECK_STR(ESC("caf\xc3\xa9"), "caf\\xc3\\xa9");
	CHECK_STR(ESC("\x80\xff"), "\\x80\\xff");
	CHECK_STR(esc(256, "", 0), "");
	CHECK_STR(esc(256, NULL, 0), "");
	CHECK_STR(esc(256, "abcdef", 3), "abc");	/* len, not strlen */
}

TEST(escape_truncate)
{
	CHECK_STR(esc(1, "abc", 3), "");
	CHECK_STR(esc(1, "\n", 1), "");
	CHECK_STR(esc(2, "abc", 3), "a");
	CHECK_STR(esc(4, "abc", 3), "abc");
	CHECK_STR(esc(3, "abc", 3), "ab");
	/* An escape needs 4 bytes plus the NUL, or it is left out whole. */
	CHECK_STR(esc(4, "\n", 1), "");
	CHECK_STR(esc(5, "\n", 1), "\\x0a");
	CHECK_STR(esc(6, "ab\n", 3), "ab");
	CHECK_STR(esc(7, "ab\n", 3), "ab\\x0a");
	/* Once cut, nothing after the cut is appended, even if it fits. */
	CHECK_STR(esc(4, "\nab", 3), "");
	CHECK_STR(esc(5, "a\nb", 3), "a");
	CHECK_STR(esc(6, "a\nb", 3), "a\\x0a");
}

/*
 * For every size, the output is the full escape cut at a boundary between
 * two input bytes' renderings.
 */
TEST(escape_every_size)
{
	static const char in[] = "a\\b\n\xff~\x01 z\x7f";
	size_t len = sizeof(in) - 1;
	char full[128];
	size_t bounds[32], nb = 0;

	CHECK_STR(log_escape(full, sizeof(full), in, len),
		  "a\\x5cb\\x0a\\xff~\\x01 z\\x7f");
	bounds[nb++] = 0;
	for (size_t i = 0, o = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		o += (c >= 0x20 && c < 0x7f && c != '\\') ? 1 : 4;
		bounds[nb++] = o;
	}
	CHECK_INT(bounds[nb - 1], strlen(full));

	for (size_t size = 1; size <= strlen(full) + 2; size++) {
		const char *out = esc(size, in, len);
		size_t n = strlen(out), want = 0;

		/* The longest boundary prefix that fits with its NUL. */
		for (size_t b = 0; b < nb; b++)
			if (bounds[b] < size)
				want = bounds[b];
		CHECK_INT(n, want);
		CHECK(strncmp(out, full, n) == 0);
	}
}

/*
 * Run fn with stderr going to a fresh temporary file; return what it wrote
 * (malloc'd, NUL-terminated).
 */
static char *capture_stderr(void (*fn)(void))
{
	char path[] = "/tmp/test_log.XXXXXX";
	int fd = mkstemp(path), saved;
	char *text = NULL;
	off_t size;

	if (fd < 0) {
		CHECK(!"mkstemp");
		return NULL;
	}
	unlink(path);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	CHECK(saved >= 0);
	CHECK(dup2(fd, STDERR_FILENO) == STDERR_FILENO);
	fn();
	fflush(stderr);
	CHECK(dup2(saved, STDERR_FILENO) == STDERR_FILENO);
	close(saved);

	size = lseek(fd, 0, SEEK_END);
	if (size < 0 || size > 1 << 20) {
		CHECK(!"captured size");
		close(fd);
		return NULL;
	}
	text = calloc(1, (size_t)size + 1);
	if (text && size > 0)
		CHECK(pread(fd, text, (size_t)size, 0) == size);
	close(fd);
	return text;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The n-th line (0-based) of text, into buf. */
static const char *line(const char *text, size_t n, char *buf, size_t size)
{
	const char *p = text, *e;

	while (n-- && (p = strchr(p, '\n')))
		p++;
	if (!p || !*p)
		return "";
	e = strchr(p, '\n');
	if (!e)
		e = p + strlen(p);
	snprintf(buf, size, "%.*s", (int)(e - p), p);
	return buf;
}

static void emit_filtered(void)
{
	log_init("rn-test", LL_WARN, false);
	log_error("e1 %d", 1);
	log_warn("w1 %s", "x");
	log_notice("n1");
	log_info("i1");
	log_debug("d1");
	log_msg(LL_MAX, "never");
	log_set_level(LL_DEBUG);
	log_debug("d2 one\ntwo\r\nthree\n");
	log_set_level(LL_ERROR);
	log_warn("w2");
	log_error("e2");
}

TEST(msg_filter)
{
	char *out = capture_stderr(emit_filtered);
	char buf[512], want[64];

	CHECK(out != NULL);
	if (!out)
		return;
	/* e1, w1, d2 (one line despite its newlines), e2. */
	CHECK_INT(count_lines(out), 4);
	CHECK(out[strlen(out) - 1] == '\n');
	snprintf(want, sizeof(want), " rn-test[%ld] ", (long)getpid());
	for (size_t i = 0; i < 4; i++)
		CHECK_CONTAINS(line(out, i, buf, sizeof(buf)), want);
	CHECK_CONTAINS(line(out, 0, buf, sizeof(buf)), "] error: e1 1");
	CHECK_CONTAINS(line(out, 1, buf, sizeof(buf)), "] warn: w1 x");
	CHECK_CONTAINS(line(out, 2, buf, sizeof(buf)),
		       "] debug: d2 one two  three ");
	CHECK_CONTAINS(line(out, 3, buf, sizeof(buf)), "] error: e2");
	CHECK(!strstr(out, "n1") && !strstr(out, "i1") && !strstr(out, "d1"));
	CHECK(!strstr(out, "never") && !strstr(out, "w2"));
	CHECK(!strchr(out, '\r'));
	free(out);
}

TEST(enabled)
{
	log_set_level(LL_NOTICE);
	CHECK(log_enabled(LL_ERROR));
	CHECK(log_enabled(LL_WARN));
	CHECK(log_enabled(LL_NOTICE));
	CHECK(!log_enabled(LL_INFO));
	CHECK(!log_enabled(LL_DEBUG));
	log_set_level(LL_ERROR);
	CHECK(log_enabled(LL_ERROR));
	CHECK(!log_enabled(LL_WARN));
	/* An out-of-range level clamps to debug: everything shows. */
	log_set_level(LL_MAX);
	CHECK(log_enabled(LL_DEBUG));
	CHECK(!log_enabled(LL_MAX));
}

static void emit_long(void)
{
	char big[3000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[1500] = '\n';
	log_init("rn-test", LL_INFO, false);
	log_info("%s", big);
	log_info("after");
}

TEST(msg_long)
{
	char *out = capture_stderr(emit_long);
	char buf[64];

	CHECK(out != NULL);
	if (!out)
		return;
	/* Truncated, but still one whole line, and the next one intact. */
	CHECK_INT(count_lines(out), 2);
	CHECK(strlen(out) < 1200);
	CHECK_CONTAINS(line(out, 1, buf, sizeof(buf)), "] info: after");
	free(out);
}

static void emit_fatal(void)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		log_init("rn-fatal", LL_ERROR, false);
		fatal("boom %d\nmore", 7);
	}
	CHECK(pid > 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
}

TEST(fatal_exits)
{
	char *out = capture_stderr(emit_fatal);

	CHECK(out != NULL);
	if (!out)
		return;
	CHECK_INT(count_lines(out), 1);
	CHECK_CONTAINS(out, " rn-fatal[");
	CHECK_CONTAINS(out, "] error: boom 7 more\n");
	free(out);
}

int main(void)
{
	RUN(level_parse);
	RUN(level_name);
	RUN(escape_chars);
	RUN(escape_truncate);
	RUN(escape_every_size);
	RUN(msg_filter);
	RUN(enabled);
	RUN(msg_long);
	RUN(fatal_exits);
	return test_done();
}

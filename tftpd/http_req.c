/*
 * The request-target of the boot server's HTTP requests (boot.h): which
 * path and query a GET or HEAD names, %-decoded. tftpd_http.c hands over
 * the target as libevent's evhttp read it from the request line; evhttp
 * has already refused a line it cannot read, so this never judges a
 * target, it only takes it apart, and the same way for any bytes (the
 * fuzzer's): an authority that evhttp would refuse is skipped all the
 * same.
 *
 * An origin-form target ("/a/b?q", what every boot client sends) is split
 * by hand rather than by a URI parser, which would read "//sub/f" as host
 * "sub" and path "/f", a file the client did not name. Anything else (an
 * absolute-form "http://host/a", which RFC 9112 3.2.2 says a server must
 * accept, or a bare "a/b") loses its scheme and authority first, as
 * evhttp's URI parser drops them. Decoding is evhttp_uridecode()'s, so
 * that nothing changed when this moved out of tftpd_http.c: "%XX" with
 * two hex digits is one byte; a '%' without them and '+' stay as they
 * are.
 *
 * Pure: the target is read through shared/wire.h's bounded reader, the
 * result written through its writer into the caller's buffer; work is
 * linear in the target's length.
 */
#include "boot.h"

#include <errno.h>
#include <string.h>

#include "wire.h"

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* The next byte without taking it, or -1 at the end. */
static int rd_peek(const struct wire_rd *r)
{
	return wire_rd_left(r) > 0 ? r->p[r->off] : -1;
}

/* Bytes from the reader's position up to the first one in stops (or the
 * end), not taken. */
static size_t rd_span(const struct wire_rd *r, const char *stops)
{
	size_t n = wire_rd_left(r), i = 0;

	while (i < n && !strchr(stops, r->p[r->off + i]))
		i++;
	return i;
}

/*
 * RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ),
 * and it counts only if the target's first ':' ends it (evhttp looks no
 * further: "a/b:c" has no scheme). Takes the scheme and its ':'.
 */
static void rd_scheme(struct wire_rd *r)
{
	size_t n = rd_span(r, ":");

	if (n == wire_rd_left(r) || n == 0 || !is_alpha(r->p[r->off]))
		return;
	for (size_t i = 1; i < n; i++) {
		int c = r->p[r->off + i];

		if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' &&
		    c != '.')
			return;
	}
	wire_rd_skip(r, n + 1);
}

/* "//" and the authority after it, up to the path, query or fragment. */
static void rd_authority(struct wire_rd *r)
{
	if (wire_rd_left(r) < 2 || r->p[r->off] != '/' ||
	    r->p[r->off + 1] != '/')
		return;
	wire_rd_skip(r, 2);
	wire_rd_skip(r, rd_span(r, "/?#"));
}

/*
 * The next n bytes of r, %-decoded, then a NUL, into w. A '%' decodes
 * only with two hex digits after it; *nul is set if a byte decodes to
 * NUL.
 */
static void decode(struct wire_wr *w, struct wire_rd *r, size_t n, bool *nul)
{
	struct wire_rd part = wire_rd_sub(r, n);

	while (wire_rd_left(&part) > 0) {
		uint8_t c = wire_rd_u8(&part);

		if (c == '%' && wire_rd_left(&part) >= 2) {
			int hi = hex_value(part.p[part.off]);
			int lo = hex_value(part.p[part.off + 1]);

			if (hi >= 0 && lo >= 0) {
				c = (uint8_t)(hi << 4 | lo);
				wire_rd_skip(&part, 2);
			}
		}
		if (c == 0)
			*nul = true;
		wire_wr_u8(w, c);
	}
	wire_wr_u8(w, 0);
}

int http_target_parse(struct http_target *ret, char *buf, size_t cap,
		      const char *uri, size_t len)
{
	struct wire_rd r;
	struct wire_wr w;
	size_t path_off, query_off = 0, n;
	bool has_query, nul = false;

	if (memchr(uri, '\0', len))
		return -EBADMSG;
	wire_rd_init(&r, uri, len);
	wire_wr_init(&w, buf, cap);
	if (rd_peek(&r) != '/') {
		rd_scheme(&r);
		rd_authority(&r);
	}
	/* The path runs to the query or fragment; an empty one is "/". */
	n = rd_span(&r, "?#");
	path_off = w.off;
	if (n == 0)
		wire_wr_u8(&w, '/');
	decode(&w, &r, n, &nul);
	has_query = rd_peek(&r) == '?';
	if (has_query) {
		wire_rd_skip(&r, 1);
		query_off = w.off;
		decode(&w, &r, rd_span(&r, "#"), &nul);
	}
	if (nul)
		return -EBADMSG;
	if (!wire_wr_ok(&w) || !wire_rd_ok(&r))
		return -ENAMETOOLONG;
	ret->path = buf + path_off;
	ret->query = has_query ? buf + query_off : NULL;
	return 0;
}

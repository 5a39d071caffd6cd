/*
 * The HTTP Range header of the boot server (boot.h): RFC 9110 14.1-14.2,
 * one byte range only. iPXE and UEFI HTTP boot ask for one range at a
 * time ("bytes=A-B"), curl for "A-" when it resumes; several ranges would
 * need a multipart/byteranges body that no boot client wants, so the
 * header is then ignored (RFC 9110 lets a server ignore Range) and the
 * whole file is served with 200. Anything that is not a valid bytes
 * range is ignored the same way, never answered with an error: a client
 * that sent junk still gets the file.
 *
 * Pure: the header is read through shared/wire.h's bounded reader, one
 * byte at a time, and work is linear in its length.
 */
#include "boot.h"

#include <errno.h>
#include <string.h>

#include "wire.h"

#define RANGE_IGNORE 1

/* A parsed range-spec: "A-B", "A-" (no last) or "-N" (suffix). */
struct range_spec {
	bool has_first, has_last;
	uint64_t first, last;
};

/* The next byte without taking it, or -1 at the end. */
static int rd_peek(const struct wire_rd *r)
{
	return wire_rd_left(r) > 0 ? r->p[r->off] : -1;
}

/* OWS (RFC 9110 5.6.3): spaces and tabs. */
static void rd_ows(struct wire_rd *r)
{
	int c;

	while ((c = rd_peek(r)) == ' ' || c == '\t')
		wire_rd_skip(r, 1);
}

static bool rd_char(struct wire_rd *r, char want)
{
	if (rd_peek(r) != want)
		return false;
	wire_rd_skip(r, 1);
	return true;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* 1*DIGIT into *ret; false if there is no digit or it overflows. */
static bool rd_u64(struct wire_rd *r, uint64_t *ret)
{
	uint64_t v = 0;
	int c;

	if (!is_digit(rd_peek(r)))
		return false;
	while (is_digit(c = rd_peek(r))) {
		unsigned d = (unsigned)(c - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		wire_rd_skip(r, 1);
	}
	*ret = v;
	return true;
}

/* The unit "bytes" (case-insensitive, RFC 9110 14.1) and its "=". */
static bool rd_unit(struct wire_rd *r)
{
	static const char unit[] = "bytes";
	const uint8_t *p = wire_rd_ptr(r, sizeof(unit) - 1);

	if (!p)
		return false;
	for (size_t i = 0; i < sizeof(unit) - 1; i++)
		if ((p[i] | 0x20) != (uint8_t)unit[i])
			return false;
	rd_ows(r);
	if (!rd_char(r, '='))
		return false;
	rd_ows(r);
	return true;
}

/* One range-spec; OWS around its '-' is tolerated. */
static bool rd_spec(struct wire_rd *r, struct range_spec *s)
{
	memset(s, 0, sizeof(*s));
	if (is_digit(rd_peek(r))) {
		if (!rd_u64(r, &s->first))
			return false;
		s->has_first = true;
		rd_ows(r);
	}
	if (!rd_char(r, '-'))
		return false;
	rd_ows(r);
	if (is_digit(rd_peek(r))) {
		if (!rd_u64(r, &s->last))
			return false;
		s->has_last = true;
	}
	/* "-" alone, and "A-B" with B < A, are invalid (RFC 9110 14.1.1). */
	if (!s->has_first && !s->has_last)
		return false;
	if (s->has_first && s->has_last && s->last < s->first)
		return false;
	return true;
}

/*
 * The range-set (1#range-spec): exactly one spec, possibly among empty
 * list elements (", , 0-9 ,", which RFC 9110 5.6.1 says to accept).
 * false for none, several, or anything malformed.
 */
static bool rd_set(struct wire_rd *r, struct range_spec *s)
{
	unsigned n = 0;

	for (;;) {
		rd_ows(r);
		if (rd_peek(r) == -1)
			break;
		if (rd_peek(r) != ',') {
			if (n++ > 0 || !rd_spec(r, s))
				return false;
			rd_ows(r);
			if (rd_peek(r) == -1)
				break;
		}
		if (!rd_char(r, ','))
			return false;
	}
	return n == 1 && wire_rd_ok(r);
}

int http_range_parse(const char *hdr, uint64_t size, uint64_t *first,
		     uint64_t *len)
{
	struct range_spec s;
	struct wire_rd r;
	uint64_t a, b;

	if (!hdr)
		return RANGE_IGNORE;
	wire_rd_init(&r, hdr, strlen(hdr));
	rd_ows(&r);
	if (!rd_unit(&r) || !rd_set(&r, &s))
		return RANGE_IGNORE;
	if (!s.has_first) {
		/* "-N": the last N bytes, all of them if N >= size. */
		if (s.last == 0)
			return -ERANGE;
		if (size == 0)
			return RANGE_IGNORE;	/* nothing to cut: a 200 */
		a = s.last >= size ? 0 : size - s.last;
		b = size - 1;
	} else {
		if (s.first >= size)
			return -ERANGE;
		a = s.first;
		b = !s.has_last || s.last >= size ? size - 1 : s.last;
	}
	*first = a;
	*len = b - a + 1;
	return 0;
}

/*
 * Unit tests for tftpd/http_range.c: every form of a single byte range
 * ("A-B", "A-", "-N"), clamping to the size, the 416 cases, several
 * ranges and junk ignored (200), 64-bit overflow, whitespace, the unit's
 * case, empty list elements, and a resource of size 0. What curl, iPXE
 * and UEFI HTTP boot really send is checked by name. Each header is
 * parsed from a heap copy of exactly its length (plus NUL), so ASan sees
 * any read past it; the outputs must be left alone unless the result is
 * 0.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "test.h"

#define SENTINEL 0x5a5a5a5a5a5a5a5aULL
#define IGN 1		/* the header is ignored: 200 */
#define BAD (-ERANGE)	/* 416 */

struct rcase {
	const char *hdr;
	uint64_t size;
	int rc;
	uint64_t first, len;	/* when rc == 0 */
};

static int parse(const char *hdr, uint64_t size, uint64_t *first,
		 uint64_t *len)
{
	char *copy = strdup(hdr);
	int rc;

	*first = *len = SENTINEL;
	rc = http_range_parse(copy, size, first, len);
	free(copy);
	return rc;
}

static void check_cases(const struct rcase *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t first, len;
		int rc = parse(t[i].hdr, t[i].size, &first, &len);

		if (rc != t[i].rc)
			fprintf(stderr, "  case \"%s\" size %llu\n", t[i].hdr,
				(unsigned long long)t[i].size);
		CHECK_INT(rc, t[i].rc);
		if (rc == 0 && t[i].rc == 0) {
			if (first != t[i].first || len != t[i].len)
				fprintf(stderr, "  case \"%s\" size %llu\n",
					t[i].hdr,
					(unsigned long long)t[i].size);
			CHECK(first == t[i].first);
			CHECK(len == t[i].len);
			/* Inside the resource, never empty. */
			CHECK(len > 0 && first < t[i].size &&
			      len <= t[i].size - first);
		} else {
			CHECK(first == SENTINEL && len == SENTINEL);
		}
	}
}

#define CASES(t) check_cases(t, sizeof(t) / sizeof(t[0]))

TEST(first_last)
{
	static const struct rcase t[] = {
		{"bytes=0-0", 100, 0, 0, 1},
		{"bytes=0-99", 100, 0, 0, 100},
		{"bytes=10-19", 100, 0, 10, 10},
		{"bytes=99-99", 100, 0, 99, 1},
		{"bytes=5-5", 6, 0, 5, 1},
		{"bytes=007-010", 100, 0, 7, 4},	/* leading zeros */
	};

	CASES(t);
}

TEST(open_ended)
{
	static const struct rcase t[] = {
		{"bytes=0-", 100, 0, 0, 100},
		{"bytes=50-", 100, 0, 50, 50},
		{"bytes=99-", 100, 0, 99, 1},
		{"bytes=0-", 1, 0, 0, 1},
	};

	CASES(t);
}

TEST(suffix)
{
	static const struct rcase t[] = {
		{"bytes=-1", 100, 0, 99, 1},
		{"bytes=-10", 100, 0, 90, 10},
		{"bytes=-100", 100, 0, 0, 100},
		{"bytes=-101", 100, 0, 0, 100},	/* longer: all of it */
		{"bytes=-18446744073709551615", 100, 0, 0, 100},
		{"bytes=-5", 1, 0, 0, 1},
	};

	CASES(t);
}

TEST(clamped)
{
	static const struct rcase t[] = {
		{"bytes=0-100", 100, 0, 0, 100},
		{"bytes=0-1000000", 100, 0, 0, 100},
		{"bytes=90-18446744073709551615", 100, 0, 90, 10},
		{"bytes=0-18446744073709551615", UINT64_MAX, 0, 0,
		 UINT64_MAX},
		{"bytes=18446744073709551614-", UINT64_MAX, 0,
		 UINT64_MAX - 1, 1},
		{"bytes=-1", UINT64_MAX, 0, UINT64_MAX - 1, 1},
	};

	CASES(t);
}

/* 416: the first byte at or past the end, or an empty suffix. */
TEST(unsatisfiable)
{
	static const struct rcase t[] = {
		{"bytes=100-", 100, BAD, 0, 0},
		{"bytes=100-200", 100, BAD, 0, 0},
		{"bytes=1000-1000", 100, BAD, 0, 0},
		{"bytes=18446744073709551615-", 100, BAD, 0, 0},
		{"bytes=18446744073709551615-", UINT64_MAX, BAD, 0, 0},
		{"bytes=-0", 100, BAD, 0, 0},
		{"bytes=-000", 100, BAD, 0, 0},
		{"bytes=-0", 0, BAD, 0, 0},
	};

	CASES(t);
}

/* An empty resource has no byte to start at; a suffix wants all of it,
 * which is the whole (empty) resource: 200. */
TEST(size_zero)
{
	static const struct rcase t[] = {
		{"bytes=0-", 0, BAD, 0, 0},
		{"bytes=0-0", 0, BAD, 0, 0},
		{"bytes=0-99", 0, BAD, 0, 0},
		{"bytes=-1", 0, IGN, 0, 0},
		{"bytes=-100", 0, IGN, 0, 0},
		{"bytes=1-0", 0, IGN, 0, 0},	/* invalid beats empty */
		{"bytes=0-0,1-1", 0, IGN, 0, 0},
		{"junk", 0, IGN, 0, 0},
	};

	CASES(t);
}

/* No multipart/byteranges: several ranges get the whole file. */
TEST(several)
{
	static const struct rcase t[] = {
		{"bytes=0-0,1-1", 100, IGN, 0, 0},
		{"bytes=0-9, 20-29", 100, IGN, 0, 0},
		{"bytes=0-9,-5", 100, IGN, 0, 0},
		/* even when none could be satisfied */
		{"bytes=200-300,400-", 100, IGN, 0, 0},
		{"bytes=0-9,junk", 100, IGN, 0, 0},
		{"bytes=0-9,0-9", 100, IGN, 0, 0},
	};

	CASES(t);
}

TEST(junk)
{
	static const struct rcase t[] = {
		{"", 100, IGN, 0, 0},
		{"   ", 100, IGN, 0, 0},
		{"bytes", 100, IGN, 0, 0},
		{"bytes=", 100, IGN, 0, 0},
		{"bytes= ", 100, IGN, 0, 0},
		{"bytes=,", 100, IGN, 0, 0},
		{"bytes=, ,", 100, IGN, 0, 0},
		{"bytes=-", 100, IGN, 0, 0},
		{"bytes=--1", 100, IGN, 0, 0},
		{"bytes=1", 100, IGN, 0, 0},
		{"bytes=1--", 100, IGN, 0, 0},
		{"bytes=1-2-3", 100, IGN, 0, 0},
		{"bytes=5-4", 100, IGN, 0, 0},		/* last < first */
		{"bytes=+1-2", 100, IGN, 0, 0},
		{"bytes=1-+2", 100, IGN, 0, 0},
		{"bytes=0x10-", 100, IGN, 0, 0},
		{"bytes=1e2-", 100, IGN, 0, 0},
		{"bytes=1.5-", 100, IGN, 0, 0},
		{"bytes=a-b", 100, IGN, 0, 0},
		{"bytes=0-1;", 100, IGN, 0, 0},
		{"bytes=0-1 x", 100, IGN, 0, 0},
		{"bytes=0-1\r\n", 100, IGN, 0, 0},
		{"bytes:0-1", 100, IGN, 0, 0},
		{"bytes 0-1", 100, IGN, 0, 0},
		{"byte=0-1", 100, IGN, 0, 0},
		{"bytesx=0-1", 100, IGN, 0, 0},
		{"bits=0-1", 100, IGN, 0, 0},
		{"items=0-1", 100, IGN, 0, 0},
		{"=0-1", 100, IGN, 0, 0},
		{"0-1", 100, IGN, 0, 0},
		{"bytes=0-1\xff", 100, IGN, 0, 0},
		{"\xe2\x80\x8b" "bytes=0-1", 100, IGN, 0, 0},
		/* a junk header is ignored even where it would be 416 */
		{"bytes=200-100", 100, IGN, 0, 0},
	};

	CASES(t);
}

/* Numbers past 2^64 - 1 make the header ignored, never wrap. */
TEST(overflow)
{
	static const struct rcase t[] = {
		{"bytes=18446744073709551616-", 100, IGN, 0, 0},
		{"bytes=0-18446744073709551616", 100, IGN, 0, 0},
		{"bytes=-18446744073709551616", 100, IGN, 0, 0},
		{"bytes=99999999999999999999-", 100, IGN, 0, 0},
		{"bytes=184467440737095516150-", 100, IGN, 0, 0},
		{"bytes=0-99999999999999999999999999999999999999", 100, IGN,
		 0, 0},
		/* the largest value still reads */
		{"bytes=0-18446744073709551615", 100, 0, 0, 100},
		/* and leading zeros do not count towards overflow */
		{"bytes=0000000000000000000000000000000010-", 100, 0, 10, 90},
	};

	CASES(t);
}

TEST(whitespace)
{
	static const struct rcase t[] = {
		{" bytes=0-9", 100, 0, 0, 10},
		{"bytes=0-9 ", 100, 0, 0, 10},
		{"bytes =0-9", 100, 0, 0, 10},
		{"bytes= 0-9", 100, 0, 0, 10},
		{"bytes = 0 - 9", 100, 0, 0, 10},
		{"\tbytes\t=\t10\t-\t\t", 100, 0, 10, 90},
		{"bytes= - 5", 100, 0, 95, 5},
		/* empty list elements */
		{"bytes=0-9 ,", 100, 0, 0, 10},
		{"bytes=, 0-9", 100, 0, 0, 10},
		{"bytes= , ,0-9, ,", 100, 0, 0, 10},
		/* whitespace is not a separator */
		{"bytes=0 9", 100, IGN, 0, 0},
		{"bytes=1 0-20", 100, IGN, 0, 0},
		{"bytes=0-1 0", 100, IGN, 0, 0},
		{"bytes=0-9\v", 100, IGN, 0, 0},	/* only SP and HTAB */
		{"bytes=0-9\n", 100, IGN, 0, 0},
	};

	CASES(t);
}

/* Range units are case-insensitive (RFC 9110 14.1). */
TEST(unit_case)
{
	static const struct rcase t[] = {
		{"Bytes=0-0", 100, 0, 0, 1},
		{"BYTES=1-1", 100, 0, 1, 1},
		{"bYtEs=-2", 100, 0, 98, 2},
	};

	CASES(t);
}

/* What real clients send, for a 4 MiB file. */
TEST(real_clients)
{
	static const struct rcase t[] = {
		/* curl -r 0-1023, curl -C 1024 (resume), curl -r -512 */
		{"bytes=0-1023", 4 << 20, 0, 0, 1024},
		{"bytes=1024-", 4 << 20, 0, 1024, (4 << 20) - 1024},
		{"bytes=-512", 4 << 20, 0, (4 << 20) - 512, 512},
		/* iPXE's HTTP block device reads 4 KiB windows */
		{"bytes=4096-8191", 4 << 20, 0, 4096, 4096},
		/* EDK2 HttpBootDxe probes and reads in blocks */
		{"bytes=0-0", 4 << 20, 0, 0, 1},
		{"bytes=1048576-2097151", 4 << 20, 0, 1048576, 1048576},
		/* a browser's multi-range */
		{"bytes=0-50, 100-150", 4 << 20, IGN, 0, 0},
	};

	CASES(t);
}

TEST(null_header)
{
	uint64_t first = SENTINEL, len = SENTINEL;

	CHECK_INT(http_range_parse(NULL, 100, &first, &len), IGN);
	CHECK(first == SENTINEL && len == SENTINEL);
}

/* A long header of empty list elements stays a single range. */
TEST(long_header)
{
	size_t n = 100000;
	char *h = malloc(n + 32);
	uint64_t first, len;

	memcpy(h, "bytes=", 6);
	for (size_t i = 6; i < n; i++)
		h[i] = (i & 1) ? ',' : ' ';
	memcpy(h + n, "3-4", 4);
	CHECK_INT(http_range_parse(h, 10, &first, &len), 0);
	CHECK(first == 3 && len == 2);
	free(h);
}

int main(void)
{
	RUN(first_last);
	RUN(open_ended);
	RUN(suffix);
	RUN(clamped);
	RUN(unsatisfiable);
	RUN(size_zero);
	RUN(several);
	RUN(junk);
	RUN(overflow);
	RUN(whitespace);
	RUN(unit_case);
	RUN(real_clients);
	RUN(null_header);
	RUN(long_header);
	return test_done();
}

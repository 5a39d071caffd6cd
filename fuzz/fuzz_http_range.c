/*
 * libFuzzer harness for tftpd/http_range.c (boot.h: http_range_parse):
 * any bytes as a Range header value, against the size the input names and
 * a fixed set of edge sizes (0, 1, small, 4 MiB, 2^64 - 1...). After each
 * parse: the result is 0, 1 or -ERANGE; outputs are written only on 0; a
 * range is never empty and never leaves the resource. Then what the
 * parser promises to agree with itself on:
 *  - surrounding OWS and the case of ASCII letters change nothing;
 *  - a range it returned, written back as "bytes=A-B", parses to itself,
 *    and "bytes=A-" / "bytes=-N" for the same tail agree.
 * Deterministic: every choice comes from the input.
 *
 * Input layout (fuzz/corpus/http-range/README): an optional size line,
 * "DIGITS\n" (decimal, wrapping modulo 2^64), then the header value up to
 * the first NUL or the end.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "fuzz.h"

#define SENTINEL 0xa5a5a5a5a5a5a5a5ULL

struct result {
	int rc;
	uint64_t first, len;
};

static const uint64_t edge_sizes[] = {
	0, 1, 2, 10, 100, 4096, 4u << 20,
	UINT64_MAX / 10, UINT64_MAX - 1, UINT64_MAX,
};

/* Parse hdr from a heap block of exactly its length (plus NUL), so ASan
 * catches any read past the end, and check the promises of boot.h. */
static struct result parse(const char *hdr, size_t n, uint64_t size)
{
	char *copy = malloc(n + 1);
	struct result r = { 0, SENTINEL, SENTINEL };

	FUZZ_CHECK(copy);
	memcpy(copy, hdr, n);
	copy[n] = '\0';
	r.rc = http_range_parse(copy, size, &r.first, &r.len);
	free(copy);
	FUZZ_CHECK(r.rc == 0 || r.rc == 1 || r.rc == -ERANGE);
	if (r.rc == 0) {
		FUZZ_CHECK(r.len > 0);
		FUZZ_CHECK(r.first < size);
		FUZZ_CHECK(r.len <= size - r.first);
	} else {
		FUZZ_CHECK(r.first == SENTINEL && r.len == SENTINEL);
	}
	return r;
}

static bool same(struct result a, struct result b)
{
	if (a.rc != b.rc)
		return false;
	return a.rc != 0 || (a.first == b.first && a.len == b.len);
}

static struct result parse_str(const char *s, uint64_t size)
{
	return parse(s, strlen(s), size);
}

/* A returned range written back by the forms clients use. */
static void check_rebuilt(struct result r, uint64_t size)
{
	char buf[64];
	uint64_t last = r.first + (r.len - 1);
	struct result b;

	snprintf(buf, sizeof(buf), "bytes=%" PRIu64 "-%" PRIu64, r.first,
		 last);
	FUZZ_CHECK(same(parse_str(buf, size), r));
	if (last != size - 1)
		return;
	/* The range runs to the end: the open and suffix forms say so too. */
	snprintf(buf, sizeof(buf), "bytes=%" PRIu64 "-", r.first);
	FUZZ_CHECK(same(parse_str(buf, size), r));
	snprintf(buf, sizeof(buf), "bytes=-%" PRIu64, r.len);
	b = parse_str(buf, size);
	FUZZ_CHECK(same(b, r));
}

static void check_size(const char *hdr, size_t n, uint64_t size,
		       char *work)
{
	struct result r = parse(hdr, n, size);

	/* OWS around the whole value. */
	memcpy(work, " \t", 2);
	memcpy(work + 2, hdr, n);
	memcpy(work + 2 + n, "\t ", 2);
	FUZZ_CHECK(same(parse(work, n + 4, size), r));

	/* The unit is case-insensitive, and no other letter is allowed. */
	for (size_t i = 0; i < n; i++)
		work[i] = hdr[i] >= 'a' && hdr[i] <= 'z' ?
			  (char)(hdr[i] - 'a' + 'A') : hdr[i];
	FUZZ_CHECK(same(parse(work, n, size), r));

	if (r.rc == 0)
		check_rebuilt(r, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *nl = memchr(p, '\n', size);
	const char *nul;
	bool have_size = nl != NULL;
	uint64_t rsize = 0;
	char *work;
	size_t n;

	if (nl) {
		for (const char *q = p; q < nl && have_size; q++) {
			if (*q < '0' || *q > '9')
				have_size = false;
			else
				rsize = rsize * 10 + (uint64_t)(*q - '0');
		}
	}
	if (have_size) {
		size -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	nul = memchr(p, '\0', size);
	n = nul ? (size_t)(nul - p) : size;

	work = malloc(n + 4);
	FUZZ_CHECK(work);
	if (have_size)
		check_size(p, n, rsize, work);
	for (size_t i = 0; i < sizeof(edge_sizes) / sizeof(edge_sizes[0]);
	     i++)
		check_size(p, n, edge_sizes[i], work);
	free(work);
	return 0;
}

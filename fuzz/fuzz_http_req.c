/*
 * libFuzzer harness for the boot server's HTTP request handling up to the
 * file lookup: tftpd/http_req.c (boot.h: http_target_parse) takes the
 * request-target apart and %-decodes it, then, as tftpd_http.c does, the
 * path loses its one leading '/' and goes through boot_path_clean() and
 * boot_name_classify() with the query. Checked on every input:
 *  - the result is 0 or -EBADMSG with a buffer of HTTP_TARGET_BUF(len);
 *    -EBADMSG exactly when the target holds a NUL or one decodes to NUL;
 *  - the same as before the split moved out of tftpd_http.c: where
 *    libevent's own URI parser accepts the target (what evhttp requires
 *    before a request reaches us), the old code (evhttp_uri_parse for
 *    anything but origin-form, evhttp_uridecode) gives the same path,
 *    query and NUL verdict;
 *  - a buffer of exactly the result's size works, one byte less is
 *    -ENAMETOOLONG and leaves the output alone;
 *  - path and query, %-encoded again into an origin-form and an
 *    absolute-form target, parse back to themselves;
 *  - a path the boot code accepts is relative, free of "..", '\' and
 *    control bytes, cleans to itself, and classifies the same twice.
 * Deterministic: the input alone decides.
 *
 * Input (fuzz/corpus/http-req/README): a request line, "GET /x HTTP/1.1"
 * (the target is what lies between the first two spaces, or after the
 * first up to the line's end), or, without a space, a bare target up to
 * the first CR or LF.
 */
#include <errno.h>
#include <event2/http.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "fuzz.h"

#define TARGET_MAX 8192		/* tftpd_http.c's HTTP_HEADERS_MAX */

/* ---- the code this replaced, for the comparison ---- */

/* tftpd_http.c's uri_decode() before http_req.c: 0, -EBADMSG. */
static int old_decode(const char *s, char **ret)
{
	size_t n = 0;
	char *d = evhttp_uridecode(s, 0, &n);

	FUZZ_CHECK(d);
	if (strlen(d) != n) {
		free(d);
		return -EBADMSG;
	}
	*ret = d;
	return 0;
}

/*
 * tftpd_http.c's request_target() before http_req.c, with the evhttp_uri
 * evhttp would have made (NULL: evhttp answers 400 itself, and the old
 * code never ran). 1 for "not comparable".
 */
static int old_target(const char *u, char **ret_path, char **ret_query)
{
	struct evhttp_uri *uri;
	char *rpath, *rquery = NULL, *path = NULL, *query = NULL;
	bool has_query;
	int r;

	uri = evhttp_uri_parse_with_flags(u, EVHTTP_URI_NONCONFORMANT);
	if (!uri)
		return 1;
	if (u[0] == '/') {
		size_t n = strcspn(u, "?#");

		has_query = u[n] == '?';
		rpath = strndup(u, n);
		if (has_query)
			rquery = strndup(u + n + 1, strcspn(u + n + 1, "#"));
	} else {
		const char *p = evhttp_uri_get_path(uri);
		const char *q = evhttp_uri_get_query(uri);

		has_query = q != NULL;
		rpath = strdup(p && *p ? p : "/");
		if (has_query)
			rquery = strdup(q);
	}
	evhttp_uri_free(uri);
	FUZZ_CHECK(rpath && (!has_query || rquery));
	r = old_decode(rpath, &path);
	if (r == 0 && has_query && (r = old_decode(rquery, &query)) < 0) {
		free(path);
		path = NULL;
	}
	if (r == 0) {
		*ret_path = path;
		*ret_query = query;
	}
	free(rpath);
	free(rquery);
	return r;
}

/* ---- checks ---- */

/* Parse t (n bytes) from an exact heap copy, into a buffer of cap. */
static int parse(const char *t, size_t n, size_t cap, struct http_target *ret,
		 char **ret_buf)
{
	char *copy = malloc(n ? n : 1);
	char *buf = malloc(cap ? cap : 1);
	int r;

	FUZZ_CHECK(copy && buf);
	memcpy(copy, t, n);
	r = http_target_parse(ret, buf, cap, copy, n);
	free(copy);
	*ret_buf = buf;
	return r;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_old(const char *t, size_t n, int rc,
		      const struct http_target *ht)
{
	char *u, *path = NULL, *query = NULL;
	int r;

	if (memchr(t, '\0', n))
		return;		/* evhttp reads the line as a C string */
	u = malloc(n + 1);
	FUZZ_CHECK(u);
	memcpy(u, t, n);
	u[n] = '\0';
	r = old_target(u, &path, &query);
	free(u);
	if (r == 1)
		return;
	FUZZ_CHECK(r == rc);
	if (r == 0) {
		FUZZ_CHECK(same_str(path, ht->path));
		FUZZ_CHECK(same_str(query, ht->query));
	}
	free(path);
	free(query);
}

/* %-encode s so that the parser reads it back as s: every byte outside
 * printable ASCII, and '%', '?', '#' and space (stops) always. */
static size_t encode(char *out, const char *s, bool keep_qmark)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c > 0x20 && c < 0x7f && c != '%' && c != '#' &&
		    (c != '?' || keep_qmark)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	return o;
}

static void check_reencoded(const char *prefix, const struct http_target *ht)
{
	size_t pl = strlen(prefix), n;
	size_t cap = pl + 3 * strlen(ht->path) + 4 +
		     (ht->query ? 3 * strlen(ht->query) : 0);
	char *t = malloc(cap), *buf;
	struct http_target back;

	FUZZ_CHECK(t);
	memcpy(t, prefix, pl);
	n = pl + encode(t + pl, ht->path, false);
	if (ht->query) {
		t[n++] = '?';
		/* A '?' inside the query is the query's own. */
		n += encode(t + n, ht->query, true);
	}
	FUZZ_CHECK(n < cap);
	FUZZ_CHECK(parse(t, n, HTTP_TARGET_BUF(n), &back, &buf) == 0);
	FUZZ_CHECK(strcmp(back.path, ht->path) == 0);
	FUZZ_CHECK(same_str(back.query, ht->query));
	free(buf);
	free(t);
}

/* Exactly the bytes the result takes works; one fewer does not. */
static void check_exact(const char *t, size_t n, const struct http_target *ht)
{
	size_t need = strlen(ht->path) + 1 +
		      (ht->query ? strlen(ht->query) + 1 : 0);
	struct http_target a, b = { NULL, NULL };
	char *buf;

	FUZZ_CHECK(need <= HTTP_TARGET_BUF(n));
	FUZZ_CHECK(parse(t, n, need, &a, &buf) == 0);
	FUZZ_CHECK(strcmp(a.path, ht->path) == 0 &&
		   same_str(a.query, ht->query));
	free(buf);
	FUZZ_CHECK(parse(t, n, need - 1, &b, &buf) == -ENAMETOOLONG);
	FUZZ_CHECK(b.path == NULL && b.query == NULL);
	free(buf);
}

/* What tftpd_http.c does next: the boot code's checks on the path. */
static void check_boot(const struct http_target *ht)
{
	const char *p = ht->path[0] == '/' ? ht->path + 1 : ht->path;
	char clean[BOOT_PATH_MAX + 1], again[BOOT_PATH_MAX + 1];
	const char *why = NULL;
	struct boot_name a, b;
	int r;

	r = boot_path_clean(clean, sizeof(clean), p, strlen(p), &why);
	if (r < 0) {
		FUZZ_CHECK(r == -EACCES && why);
		return;
	}
	FUZZ_CHECK(r == 0 && clean[0] && clean[0] != '/');
	FUZZ_CHECK(strcmp(clean, "..") != 0 && strncmp(clean, "../", 3) != 0 &&
		   !strstr(clean, "/../") && !strchr(clean, '\\'));
	{
		size_t cl = strlen(clean);

		FUZZ_CHECK(cl < 3 || strcmp(clean + cl - 3, "/..") != 0);
		for (size_t i = 0; i < cl; i++)
			FUZZ_CHECK((unsigned char)clean[i] >= 0x20 &&
				   clean[i] != 0x7f);
	}
	FUZZ_CHECK(boot_path_clean(again, sizeof(again), clean, strlen(clean),
				   NULL) == 0 && strcmp(again, clean) == 0);
	boot_name_classify(&a, clean, ht->query);
	boot_name_classify(&b, clean, ht->query);
	FUZZ_CHECK(a.kind == b.kind && a.key == b.key &&
		   a.prefix_bits == b.prefix_bits);
	FUZZ_CHECK(a.kind < BOOT_KIND_MAX && a.key < BOOT_KEY_MAX);
}

/* The target of a request line, or the input as a bare target: *p moves
 * to its start; returns its length. */
static size_t target_of(const char **p, size_t size)
{
	const char *s = *p, *sp = memchr(s, ' ', size);
	size_t i = 0;

	if (sp) {
		size -= (size_t)(sp + 1 - s);
		s = sp + 1;
	}
	while (i < size && s[i] != '\r' && s[i] != '\n' && (!sp || s[i] != ' '))
		i++;
	*p = s;
	return i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *t = (const char *)data;
	struct http_target ht = { NULL, NULL };
	char *buf;
	size_t n;
	int rc;

	n = target_of(&t, size);
	if (n > TARGET_MAX)
		return 0;	/* evhttp refuses a longer line */
	rc = parse(t, n, HTTP_TARGET_BUF(n), &ht, &buf);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	/* -EBADMSG: a NUL, raw or as "%00" (before any fragment). */
	if (memchr(t, '\0', n))
		FUZZ_CHECK(rc == -EBADMSG);
	else if (rc == -EBADMSG)
		FUZZ_CHECK(memmem(t, n, "%00", 3) != NULL);
	check_old(t, n, rc, &ht);
	if (rc == 0) {
		FUZZ_CHECK(ht.path && ht.path[0]);
		check_exact(t, n, &ht);
		if (ht.path[0] == '/') {
			check_reencoded("", &ht);
			check_reencoded("http://boot.example:8080", &ht);
		}
		check_boot(&ht);
	}
	free(buf);
	return 0;
}

/*
 * Unit tests for tftpd/http_req.c (boot.h: http_target_parse): the
 * targets iPXE, curl, GRUB and UEFI HTTP boot send (origin-form, with and
 * without a query), the absolute-form RFC 9112 lets a client send, the
 * %-decoding evhttp_uridecode() did before the split moved here (lone and
 * broken escapes kept, '+' kept), encoded and raw NUL bytes refused, and
 * the buffer: HTTP_TARGET_BUF() is enough for the worst target, one byte
 * less than the result needs is -ENAMETOOLONG, and nothing is written to
 * ret on failure. Each target is parsed from a heap block of exactly its
 * length, without a NUL, so ASan sees any read past it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "test.h"

#define NOQ NULL	/* no query */

struct tcase {
	const char *uri;
	int rc;
	const char *path, *query;	/* when rc == 0 */
};

/* Parse uri (len bytes) from an exact heap copy into a buffer of cap. */
static int parse(const char *uri, size_t len, size_t cap,
		 struct http_target *t, char **ret_buf)
{
	char *copy = malloc(len ? len : 1);
	char *buf = malloc(cap ? cap : 1);
	int rc;

	memcpy(copy, uri, len);
	rc = http_target_parse(t, buf, cap, copy, len);
	free(copy);
	*ret_buf = buf;
	return rc;
}

static void check_cases(const struct tcase *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct http_target t = { NULL, NULL };
		size_t len = strlen(c[i].uri);
		char *buf;
		int rc = parse(c[i].uri, len, HTTP_TARGET_BUF(len), &t, &buf);

		if (rc != c[i].rc)
			fprintf(stderr, "  case \"%s\"\n", c[i].uri);
		CHECK_INT(rc, c[i].rc);
		if (rc == 0 && c[i].rc == 0) {
			CHECK_STR(t.path, c[i].path);
			if (c[i].query)
				CHECK_STR(t.query, c[i].query);
			else if (t.query)
				fprintf(stderr, "  case \"%s\": query \"%s\"\n",
					c[i].uri, t.query);
			CHECK(!c[i].query == !t.query);
		}
		free(buf);
	}
}

TEST(boot_clients)
{
	static const struct tcase c[] = {
		/* iPXE: its script, by ${mac:uristring} and by path */
		{ "/boot.ipxe", 0, "/boot.ipxe", NOQ },
		{ "/boot.ipxe?mac=52%3a54%3a00%3a12%3a34%3a56", 0,
		  "/boot.ipxe", "mac=52:54:00:12:34:56" },
		{ "/boot.ipxe?mac=52:54:00:12:34:56&arch=x64", 0,
		  "/boot.ipxe", "mac=52:54:00:12:34:56&arch=x64" },
		{ "/ipxe/52-54-00-12-34-56.ipxe", 0,
		  "/ipxe/52-54-00-12-34-56.ipxe", NOQ },
		/* UEFI HTTP boot and GRUB's http module */
		{ "/uefi/shimx64.efi", 0, "/uefi/shimx64.efi", NOQ },
		{ "/grub/grub.cfg-01-52-54-00-12-34-56", 0,
		  "/grub/grub.cfg-01-52-54-00-12-34-56", NOQ },
		{ "/grub//x86_64-efi/normal.mod", 0,
		  "/grub//x86_64-efi/normal.mod", NOQ },
		/* curl, from tests/netns/test_tftp_http.sh */
		{ "/files/with%20space.bin", 0, "/files/with space.bin", NOQ },
		{ "/files//small.bin", 0, "/files//small.bin", NOQ },
		{ "/", 0, "/", NOQ },
	};

	check_cases(c, sizeof(c) / sizeof(c[0]));
}

TEST(split)
{
	static const struct tcase c[] = {
		{ "/a?b#c", 0, "/a", "b" },
		{ "/a#frag?x", 0, "/a", NOQ },
		{ "/a?", 0, "/a", "" },
		{ "/a?x?y", 0, "/a", "x?y" },
		{ "/a?x=1#", 0, "/a", "x=1" },
		{ "/?q", 0, "/", "q" },
		{ "/#", 0, "/", NOQ },
		/* Never an authority in origin-form: the path is "//etc". */
		{ "//etc/passwd", 0, "//etc/passwd", NOQ },
		{ "//", 0, "//", NOQ },
		/* A ':' in origin-form is no scheme. */
		{ "/http://x/y", 0, "/http://x/y", NOQ },
	};

	check_cases(c, sizeof(c) / sizeof(c[0]));
}

TEST(absolute_form)
{
	static const struct tcase c[] = {
		{ "http://10.0.0.1:8080/boot.ipxe?mac=52-54-00-12-34-56", 0,
		  "/boot.ipxe", "mac=52-54-00-12-34-56" },
		{ "http://[fd00::1]:8080/uefi/grubx64.efi", 0,
		  "/uefi/grubx64.efi", NOQ },
		{ "HTTP://host/a%20b", 0, "/a b", NOQ },
		{ "http://user@host:1/x", 0, "/x", NOQ },
		{ "http://host", 0, "/", NOQ },
		{ "http://host?q", 0, "/", "q" },
		{ "http://host#f", 0, "/", NOQ },
		{ "http://", 0, "/", NOQ },
		{ "http://h//x", 0, "//x", NOQ },
		{ "http:foo/bar", 0, "foo/bar", NOQ },
		{ "x+y.z-w9:rest", 0, "rest", NOQ },
		{ "abc:", 0, "/", NOQ },
		/* No scheme: not ALPHA first, or the first ':' ends none. */
		{ "1a:b", 0, "1a:b", NOQ },
		{ "a/b:c", 0, "a/b:c", NOQ },
		{ "a_b:c", 0, "a_b:c", NOQ },
		{ ":x", 0, ":x", NOQ },
		{ "abc?x:y", 0, "abc", "x:y" },
		{ "a/b", 0, "a/b", NOQ },
		{ "*", 0, "*", NOQ },
		{ "", 0, "/", NOQ },
		{ "?", 0, "/", "" },
		{ "#", 0, "/", NOQ },
	};

	check_cases(c, sizeof(c) / sizeof(c[0]));
}

TEST(decoding)
{
	static const struct tcase c[] = {
		{ "/%2e%2e/outside.txt", 0, "/../outside.txt", NOQ },
		{ "/files/%2E%2E/%2e%2e/x", 0, "/files/../../x", NOQ },
		{ "/%2fetc/passwd", 0, "//etc/passwd", NOQ },
		{ "/%3F?%23", 0, "/?", "#" },
		{ "/%C3%a9", 0, "/\xc3\xa9", NOQ },
		{ "/a+b?c+d", 0, "/a+b", "c+d" },
		/* A '%' without two hex digits after it stays. */
		{ "/100%", 0, "/100%", NOQ },
		{ "/%4", 0, "/%4", NOQ },
		{ "/%zz", 0, "/%zz", NOQ },
		{ "/%4g", 0, "/%4g", NOQ },
		{ "/%%41", 0, "/%A", NOQ },
		{ "/%41%", 0, "/A%", NOQ },
		{ "/%2541", 0, "/%41", NOQ },	/* decoded once only */
		{ "/?%", 0, "/", "%" },
		{ "/%ff%01", 0, "/\xff\x01", NOQ },
		/* An encoded NUL would cut the name short: refused. */
		{ "/%00", -EBADMSG, NULL, NOQ },
		{ "/a%00.txt", -EBADMSG, NULL, NOQ },
		{ "/a?mac=%00", -EBADMSG, NULL, NOQ },
		{ "http://h/%00", -EBADMSG, NULL, NOQ },
		/* The fragment is not decoded, so a NUL there is no matter. */
		{ "/a#%00", 0, "/a", NOQ },
	};

	check_cases(c, sizeof(c) / sizeof(c[0]));
}

TEST(raw_nul)
{
	struct http_target t = { NULL, NULL };
	char *buf;

	CHECK_INT(parse("/a\0b", 4, 16, &t, &buf), -EBADMSG);
	free(buf);
	CHECK_INT(parse("/a#\0", 4, 16, &t, &buf), -EBADMSG);
	free(buf);
	CHECK_INT(parse("\0", 1, 16, &t, &buf), -EBADMSG);
	free(buf);
	/* Refused whatever the buffer, so the reason never depends on it. */
	CHECK_INT(parse("/aaaaaaaa%00", 12, 2, &t, &buf), -EBADMSG);
	free(buf);
	CHECK(t.path == NULL && t.query == NULL);
}

/* cap exactly what the result needs works; one byte less does not. */
static void check_exact(const char *uri, size_t need)
{
	struct http_target t = { NULL, NULL };
	size_t len = strlen(uri);
	char *buf;

	CHECK(need <= HTTP_TARGET_BUF(len));
	CHECK_INT(parse(uri, len, need, &t, &buf), 0);
	CHECK(t.path != NULL);
	if (t.path)
		CHECK_INT(strlen(t.path) + 1 +
			  (t.query ? strlen(t.query) + 1 : 0), need);
	free(buf);
	t.path = t.query = NULL;
	CHECK_INT(parse(uri, len, need - 1, &t, &buf), -ENAMETOOLONG);
	CHECK(t.path == NULL && t.query == NULL);
	free(buf);
}

TEST(buffer)
{
	check_exact("/abc?de", 8);		/* "/abc\0de\0" */
	check_exact("/abc", 5);
	check_exact("/%41%42", 4);		/* decoding shrinks */
	/* The worst cases for HTTP_TARGET_BUF: an empty path becomes "/". */
	check_exact("", 2);
	check_exact("?", 3);
	check_exact("a:?", 3);
	check_exact("http://h?q", 4);
	check_exact("http://h", 2);
	check_exact("/", 2);
	check_exact("/?", 3);
}

int main(void)
{
	RUN(boot_clients);
	RUN(split);
	RUN(absolute_form);
	RUN(decoding);
	RUN(raw_nul);
	RUN(buffer);
	return test_done();
}

/*
 * Unit tests for shared/dnsname.c: label and name limits at exactly 63/64
 * and 253/254 characters, hyphens, underscores and wildcards behind their
 * flags, empty labels, and dns_label_sanitize() on hostile input and small
 * output buffers (with guard bytes to show it stays inside them).
 */
#include <string.h>

#include "dnsname.h"
#include "test.h"

/* n copies of c, NUL-terminated, into buf (which holds n + 1). */
static char *fill(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

TEST(label_lengths)
{
	char buf[70];

	/* Not NUL-terminated: the check must stay inside len. */
	memset(buf, 'a', sizeof(buf));
	CHECK(!dns_label_valid(buf, 0, 0));
	CHECK(dns_label_valid(buf, 1, 0));
	CHECK(dns_label_valid(buf, 62, 0));
	CHECK(dns_label_valid(buf, 63, 0));
	CHECK(!dns_label_valid(buf, 64, 0));
	CHECK(!dns_label_valid(buf, 65, 0));
	CHECK(!dns_label_valid(buf, 64, DNS_NAME_UNDERSCORE |
				       DNS_NAME_WILDCARD));
	/* Only len bytes count: a bad byte just after is not looked at. */
	buf[5] = '!';
	CHECK(dns_label_valid(buf, 5, 0));
	CHECK(!dns_label_valid(buf, 6, 0));
}

TEST(label_chars)
{
	CHECK(dns_label_valid("a", 1, 0));
	CHECK(dns_label_valid("Z", 1, 0));
	CHECK(dns_label_valid("0", 1, 0));	/* RFC 1123: digits first */
	CHECK(dns_label_valid("3com", 4, 0));
	CHECK(dns_label_valid("a-b", 3, 0));
	CHECK(dns_label_valid("xn--bcher-kva", 13, 0));
	CHECK(!dns_label_valid("-", 1, 0));
	CHECK(!dns_label_valid("-ab", 3, 0));
	CHECK(!dns_label_valid("ab-", 3, 0));
	CHECK(!dns_label_valid("a b", 3, 0));
	CHECK(!dns_label_valid("a.b", 3, 0));
	CHECK(!dns_label_valid("a*", 2, 0));
	CHECK(!dns_label_valid("ab\0c", 4, 0));
	CHECK(!dns_label_valid("caf\xc3\xa9", 5, 0));
	CHECK(!dns_label_valid("a\x7f", 2, 0));

	/* Underscore only with the flag, anywhere in the label. */
	CHECK(!dns_label_valid("_tcp", 4, 0));
	CHECK(!dns_label_valid("a_b", 3, 0));
	CHECK(dns_label_valid("_tcp", 4, DNS_NAME_UNDERSCORE));
	CHECK(dns_label_valid("a_b", 3, DNS_NAME_UNDERSCORE));
	CHECK(dns_label_valid("_", 1, DNS_NAME_UNDERSCORE));
	CHECK(!dns_label_valid("_-", 2, DNS_NAME_UNDERSCORE));
	CHECK(!dns_label_valid("_tcp", 4, DNS_NAME_WILDCARD));
	/* A label alone is never a wildcard: that is a name-level rule. */
	CHECK(!dns_label_valid("*", 1, DNS_NAME_WILDCARD));
}

TEST(hostname)
{
	char buf[70];

	CHECK(dns_hostname_valid("web01"));
	CHECK(dns_hostname_valid("a"));
	CHECK(dns_hostname_valid(fill(buf, 'h', 63)));
	CHECK(!dns_hostname_valid(fill(buf, 'h', 64)));
	CHECK(!dns_hostname_valid(NULL));
	CHECK(!dns_hostname_valid(""));
	CHECK(!dns_hostname_valid("web01.example.com"));
	CHECK(!dns_hostname_valid("web01."));
	CHECK(!dns_hostname_valid("my_host"));
	CHECK(!dns_hostname_valid("-web"));
	CHECK(!dns_hostname_valid("web-"));
	CHECK(!dns_hostname_valid("*"));
	CHECK(!dns_hostname_valid("my laptop"));
}

/* Three 63-character labels and a last one of last: 192 + last long. */
static char *make_name(char *buf, size_t last)
{
	size_t o = 0;

	for (int i = 0; i < 3; i++) {
		memset(buf + o, 'a' + i, 63);
		o += 63;
		buf[o++] = '.';
	}
	fill(buf + o, 'z', last);
	return buf;
}

TEST(name_lengths)
{
	char buf[300];

	CHECK_INT(strlen(make_name(buf, 61)), 253);
	CHECK(dns_name_valid(buf, 0));
	strcat(buf, ".");			/* 253 + the trailing dot */
	CHECK(dns_name_valid(buf, 0));
	strcat(buf, ".");			/* ... but only one dot */
	CHECK(!dns_name_valid(buf, 0));

	CHECK_INT(strlen(make_name(buf, 62)), 254);
	CHECK(!dns_name_valid(buf, 0));
	strcat(buf, ".");
	CHECK(!dns_name_valid(buf, 0));

	/* Labels of 63 inside a name are fine; 64 is not. */
	CHECK(dns_name_valid(make_name(buf, 1), 0));
	CHECK(dns_name_valid(fill(buf, 'x', 63), 0));
	CHECK(!dns_name_valid(fill(buf, 'x', 64), 0));
	memcpy(buf, "www.", 4);
	fill(buf + 4, 'x', 64);
	strcat(buf, ".com");
	CHECK(!dns_name_valid(buf, 0));
	fill(buf + 4, 'x', 63);
	strcat(buf, ".com");
	CHECK(dns_name_valid(buf, 0));
	fill(buf + 4, 'x', 62);
	strcat(buf, "-.com");			/* 63 long, ends in '-' */
	CHECK(!dns_name_valid(buf, 0));
}

TEST(name_labels)
{
	CHECK(dns_name_valid("example.com", 0));
	CHECK(dns_name_valid("example.com.", 0));
	CHECK(dns_name_valid("localhost", 0));
	CHECK(dns_name_valid("a.b.c.d.e", 0));
	CHECK(dns_name_valid("EXAMPLE.Com", 0));
	CHECK(!dns_name_valid(NULL, 0));
	CHECK(!dns_name_valid("", 0));
	CHECK(!dns_name_valid(".", 0));
	CHECK(!dns_name_valid("..", 0));
	CHECK(!dns_name_valid("a..b", 0));
	CHECK(!dns_name_valid(".a", 0));
	CHECK(!dns_name_valid("a..", 0));
	CHECK(!dns_name_valid("a.b..", 0));
	CHECK(!dns_name_valid("-a.com", 0));
	CHECK(!dns_name_valid("a-.com", 0));
	CHECK(!dns_name_valid("a.-com", 0));
	CHECK(!dns_name_valid("a.com-", 0));
	CHECK(!dns_name_valid("a.com-.", 0));
	CHECK(!dns_name_valid("a b.com", 0));
	CHECK(!dns_name_valid("a.com\n", 0));

	CHECK(!dns_name_valid("_sip._tcp.example.com", 0));
	CHECK(dns_name_valid("_sip._tcp.example.com", DNS_NAME_UNDERSCORE));
	CHECK(dns_name_valid("sel._domainkey.example.com",
			     DNS_NAME_UNDERSCORE));
}

TEST(name_wildcard)
{
	CHECK(!dns_name_valid("*.example.com", 0));
	CHECK(!dns_name_valid("*.example.com", DNS_NAME_UNDERSCORE));
	CHECK(dns_name_valid("*.example.com", DNS_NAME_WILDCARD));
	CHECK(dns_name_valid("*.example.com.", DNS_NAME_WILDCARD));
	CHECK(dns_name_valid("*", DNS_NAME_WILDCARD));
	CHECK(!dns_name_valid("*", 0));
	/* Only as the whole first label. */
	CHECK(!dns_name_valid("a.*.example.com", DNS_NAME_WILDCARD));
	CHECK(!dns_name_valid("example.*", DNS_NAME_WILDCARD));
	CHECK(!dns_name_valid("*.*.example.com", DNS_NAME_WILDCARD));
	CHECK(!dns_name_valid("**.example.com", DNS_NAME_WILDCARD));
	CHECK(!dns_name_valid("*a.example.com", DNS_NAME_WILDCARD));
	CHECK(!dns_name_valid("a*.example.com", DNS_NAME_WILDCARD));
	CHECK(!dns_name_valid("*..com", DNS_NAME_WILDCARD));
	CHECK(!dns_name_valid(".*.com", DNS_NAME_WILDCARD));
	/* Both flags together. */
	CHECK(dns_name_valid("*._tcp.example.com",
			     DNS_NAME_WILDCARD | DNS_NAME_UNDERSCORE));
	CHECK(!dns_name_valid("*._tcp.example.com", DNS_NAME_WILDCARD));
}

/*
 * Sanitize into an out buffer of exactly size bytes followed by guard
 * bytes; check the result is a valid label (or empty), its length is the
 * return value, and nothing was written past size.
 */
static const char *sanitize(size_t size, const void *in, size_t len)
{
	static char buf[128];
	size_t n;

	memset(buf, 'Z', sizeof(buf));
	n = dns_label_sanitize(buf, size, in, len);
	CHECK_INT(strlen(buf), n);
	CHECK(n < size);
	CHECK(n <= DNS_LABEL_MAX);
	CHECK(n == 0 || dns_label_valid(buf, n, 0));
	for (size_t i = size; i < sizeof(buf); i++)
		CHECK_INT(buf[i], 'Z');
	return buf;
}

#define SAN(s) sanitize(128, s, sizeof(s) - 1)

TEST(sanitize_text)
{
	CHECK_STR(SAN("My Laptop!"), "my-laptop");
	CHECK_STR(SAN("--x--"), "x");
	CHECK_STR(SAN("host.example.com"), "host");
	CHECK_STR(SAN("WEB01"), "web01");
	CHECK_STR(SAN("a_b"), "a-b");
	CHECK_STR(SAN("a  \t b"), "a-b");
	CHECK_STR(SAN("a--b"), "a-b");
	CHECK_STR(SAN("  Joe's iPhone (2)  "), "joe-s-iphone-2");
	CHECK_STR(SAN("caf\xc3\xa9 bar"), "caf-bar");
	CHECK_STR(SAN("\xff\xfe\x80"), "");
	CHECK_STR(SAN("\x01x\x7fy\x1b"), "x-y");
	CHECK_STR(SAN("ab\0cd"), "ab");	/* stops at an embedded NUL */
	CHECK_STR(SAN(".host"), "");		/* stops at the first dot */
	CHECK_STR(SAN("!!!"), "");
	CHECK_STR(SAN("-"), "");
	CHECK_STR(sanitize(128, "", 0), "");
	CHECK_STR(sanitize(128, NULL, 0), "");
	/* len is honoured: bytes past it are not read. */
	CHECK_STR(sanitize(128, "abcdef", 3), "abc");
}

TEST(sanitize_long)
{
	char in[201];
	char want[64];

	CHECK_STR(sanitize(128, fill(in, 'A', 200), 200), fill(want, 'a', 63));
	CHECK_INT(strlen(sanitize(128, in, 64)), 63);

	/* The cut lands just after a separator: no trailing hyphen. */
	fill(in, 'a', 200);
	in[62] = ' ';
	CHECK_STR(sanitize(128, in, 200), fill(want, 'a', 62));
	/* ... or just before one. */
	fill(in, 'a', 200);
	in[63] = ' ';
	CHECK_STR(sanitize(128, in, 200), fill(want, 'a', 63));
	/* Leading junk does not count against the 63. */
	fill(in, '-', 200);
	memset(in + 100, 'b', 70);
	CHECK_STR(sanitize(128, in, 200), fill(want, 'b', 63));
}

TEST(sanitize_small_out)
{
	CHECK_STR(sanitize(1, "My Laptop!", 10), "");
	CHECK_STR(sanitize(2, "My Laptop!", 10), "m");
	CHECK_STR(sanitize(2, "-x", 2), "x");
	CHECK_STR(sanitize(2, "!", 1), "");
	CHECK_STR(sanitize(3, "My Laptop!", 10), "my");
	/* The cut would end on a hyphen: trimmed. */
	CHECK_STR(sanitize(3, "a b", 3), "a");
	CHECK_STR(sanitize(4, "a b", 3), "a-b");
	CHECK_STR(sanitize(4, "ab cd", 5), "ab");
}

int main(void)
{
	RUN(label_lengths);
	RUN(label_chars);
	RUN(hostname);
	RUN(name_lengths);
	RUN(name_labels);
	RUN(name_wildcard);
	RUN(sanitize_text);
	RUN(sanitize_long);
	RUN(sanitize_small_out);
	return test_done();
}

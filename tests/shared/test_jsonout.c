/*
 * Unit tests for shared/jsonout.c: the address converters give the same
 * text as the addr.h formatters, and jsonout_print() output parses back to
 * an equal value, keeps key order and ends with exactly one newline.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonout.h"
#include "test.h"

static void check_json_str(json_t *v, const char *want)
{
	CHECK(v != NULL);
	CHECK(json_is_string(v));
	CHECK_STR(json_string_value(v), want);
	json_decref(v);
}

TEST(ip_values)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "10.0.0.1", "10.0.0.1" },
		{ "0.0.0.0", "0.0.0.0" },
		{ "255.255.255.255", "255.255.255.255" },
		{ "::", "::" },
		{ "2001:DB8:0::1", "2001:db8::1" },
		{ "::ffff:1.2.3.4", "::ffff:1.2.3.4" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
		  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	};
	struct ip_addr a;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(ip_parse(&a, cases[i].in), 0);
		check_json_str(jsonout_ip(&a), cases[i].want);
	}
	memset(&a, 0, sizeof(a));		/* no family: still a string */
	check_json_str(jsonout_ip(&a), "?");
}

TEST(cidr_values)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "10.0.0.0/8", "10.0.0.0/8" },
		{ "10.1.2.3/8", "10.0.0.0/8" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "192.0.2.1/32", "192.0.2.1/32" },
		{ "2001:db8::/32", "2001:db8::/32" },
		{ "::/0", "::/0" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
		  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128" },
	};
	struct cidr c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(cidr_parse(&c, cases[i].in) >= 0);
		check_json_str(jsonout_cidr(&c), cases[i].want);
	}
}

TEST(mac_values)
{
	struct mac_addr m;

	CHECK_INT(mac_parse(&m, "52-54-00-AB-CD-EF"), 0);
	check_json_str(jsonout_mac(&m), "52:54:00:ab:cd:ef");
	CHECK_INT(mac_parse(&m, "0:1:2:3:4:5"), 0);
	check_json_str(jsonout_mac(&m), "00:01:02:03:04:05");
	memset(&m, 0xff, sizeof(m));
	check_json_str(jsonout_mac(&m), "ff:ff:ff:ff:ff:ff");
}

/* jsonout_print(v) into a memory stream; the text, malloc'd. */
static char *print(const json_t *v, int *ret_rc)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f) {
		CHECK(!"open_memstream");
		return NULL;
	}
	*ret_rc = jsonout_print(f, v);
	CHECK(fclose(f) == 0);
	CHECK_INT(strlen(text), size);
	return text;
}

/* Print, parse back, compare; the text ends in exactly one newline. */
static char *check_round_trip(const json_t *v)
{
	json_error_t err;
	json_t *back;
	char *text;
	size_t n;
	int rc = -1;

	text = print(v, &rc);
	CHECK_INT(rc, 0);
	if (!text)
		return NULL;
	n = strlen(text);
	CHECK(n >= 2);
	if (n >= 2) {
		CHECK(text[n - 1] == '\n');
		CHECK(text[n - 2] != '\n');
	}
	back = json_loads(text, JSON_DECODE_ANY, &err);
	if (!back)
		fprintf(stderr, "json_loads: %s in:\n%s", err.text, text);
	CHECK(back != NULL);
	CHECK(json_equal((json_t *)v, back));
	json_decref(back);
	return text;
}

TEST(print_round_trip)
{
	struct ip_addr a;
	struct cidr c;
	struct mac_addr m;
	json_t *obj, *arr;
	char *text;

	CHECK_INT(ip_parse(&a, "2001:db8::1"), 0);
	CHECK_INT(cidr_parse(&c, "192.0.2.0/24"), 0);
	CHECK_INT(mac_parse(&m, "5254.00ab.cdef"), 0);

	/* Keys deliberately out of alphabetical order. */
	obj = json_object();
	json_object_set_new(obj, "zone", json_string("example.com"));
	json_object_set_new(obj, "addr", jsonout_ip(&a));
	json_object_set_new(obj, "subnet", jsonout_cidr(&c));
	json_object_set_new(obj, "mac", jsonout_mac(&m));
	json_object_set_new(obj, "count", json_integer(-42));
	json_object_set_new(obj, "big", json_integer(4294967296LL));
	json_object_set_new(obj, "ok", json_true());
	json_object_set_new(obj, "none", json_null());
	json_object_set_new(obj, "text",
			    json_string("quote\" back\\ nl\n tab\t \xc3\xa9"));
	arr = json_array();
	json_array_append_new(arr, json_integer(1));
	json_array_append_new(arr, json_object());
	json_array_append_new(arr, json_array());
	json_object_set_new(obj, "list", arr);

	text = check_round_trip(obj);
	if (text) {
		const char *z = strstr(text, "\"zone\""),
			   *ad = strstr(text, "\"addr\""),
			   *l = strstr(text, "\"list\"");

		CHECK(z && ad && l && z < ad && ad < l);
		CHECK_CONTAINS(text, "\"2001:db8::1\"");
		CHECK_CONTAINS(text, "\"192.0.2.0/24\"");
		CHECK_CONTAINS(text, "\"52:54:00:ab:cd:ef\"");
		/* Pretty-printed: two-space indent, one key per line. */
		CHECK(text[0] == '{' && text[1] == '\n');
		CHECK_CONTAINS(text, "\n  \"zone\": \"example.com\",\n");
		CHECK(strchr(text, '\t') == NULL);	/* tab was escaped */
	}
	free(text);
	json_decref(obj);
}

TEST(print_scalars)
{
	json_t *v;
	char *text;
	int rc = -1;

	/* Not only objects and arrays. */
	v = json_string("x");
	text = print(v, &rc);
	CHECK_INT(rc, 0);
	CHECK_STR(text, "\"x\"\n");
	free(text);
	free(check_round_trip(v));
	json_decref(v);

	v = json_integer(0);
	text = print(v, &rc);
	CHECK_STR(text, "0\n");
	free(text);
	json_decref(v);

	v = json_object();
	text = print(v, &rc);
	CHECK_STR(text, "{}\n");
	free(text);
	json_decref(v);
}

TEST(print_errors)
{
	json_t *v = json_pack("{s:s}", "a", "b");
	FILE *f;

	/* A stream that cannot be written. */
	f = fopen("/dev/null", "r");
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(jsonout_print(f, v), -EIO);
		fclose(f);
	}
	/*
	 * A device that is always full: the error shows at the first flush,
	 * which must happen before jsonout_print() reports success.
	 */
	if (access("/dev/full", W_OK) == 0) {
		f = fopen("/dev/full", "w");
		CHECK(f != NULL);
		if (f) {
			CHECK_INT(jsonout_print(f, v), -EIO);
			fclose(f);
		}
	}
	json_decref(v);
}

int main(void)
{
	RUN(ip_values);
	RUN(cidr_values);
	RUN(mac_values);
	RUN(print_round_trip);
	RUN(print_scalars);
	RUN(print_errors);
	return test_done();
}

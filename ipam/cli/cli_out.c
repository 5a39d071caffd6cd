/*
 * Output and argument checks shared by every verb. A JSON array of objects
 * prints as an aligned table whose columns are the first object's keys; an
 * object prints as "key: value" lines, with nested arrays of objects as
 * indented tables. Syntax checks here give exit status 2 before any IPAM call.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "jsonout.h"

/* A scalar (or an array of scalars) as table text; caller frees. */
static char *cell_text(const json_t *v)
{
	char *s = NULL;
	size_t i;
	json_t *e;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_INTEGER:
		if (asprintf(&s, "%lld", (long long)json_integer_value(v)) < 0)
			return NULL;
		return s;
	case JSON_REAL:
		if (asprintf(&s, "%g", json_real_value(v)) < 0)
			return NULL;
		return s;
	case JSON_TRUE:
		return strdup("yes");
	case JSON_FALSE:
		return strdup("no");
	case JSON_ARRAY:
		s = strdup("");
		json_array_foreach(v, i, e) {
			char *c = cell_text(e), *n = NULL;

			if (!s || !c || asprintf(&n, "%s%s%s", s, i ? "," : "", c) < 0)
				n = NULL;
			free(s);
			free(c);
			s = n;
		}
		if (s && !s[0]) {
			free(s);
			s = strdup("-");
		}
		return s;
	case JSON_NULL:
	default:
		return strdup("-");
	}
}

static bool is_scalarish(const json_t *v)
{
	size_t i;
	json_t *e;

	if (json_is_object(v))
		return false;
	if (json_is_array(v))
		json_array_foreach(v, i, e)
			if (json_is_object(e) || json_is_array(e))
				return false;
	return true;
}

/* A padded cell; the last of a row is unpadded and ends the line. */
static void put_cell(FILE *f, const char *s, size_t width, bool last)
{
	if (last)
		fprintf(f, "%s\n", s);
	else
		fprintf(f, "%-*s  ", (int)width, s);
}

static void print_table(FILE *f, const json_t *arr, int indent)
{
	const char *keys[32];
	size_t width[32], nkeys = 0, i;
	const json_t *first = json_array_get(arr, 0);
	const char *k;
	json_t *v, *row;

	if (!first) {
		fprintf(f, "%*s(none)\n", indent, "");
		return;
	}
	json_object_foreach((json_t *)first, k, v) {
		if (nkeys < 32 && is_scalarish(v)) {
			keys[nkeys] = k;
			width[nkeys++] = strlen(k);
		}
	}
	json_array_foreach(arr, i, row) {
		for (size_t c = 0; c < nkeys; c++) {
			char *t = cell_text(json_object_get(row, keys[c]));

			if (t && strlen(t) > width[c])
				width[c] = strlen(t);
			free(t);
		}
	}
	fprintf(f, "%*s", indent, "");
	for (size_t c = 0; c < nkeys; c++) {
		char h[64];	/* the key in upper case, '_' as ' ' */
		size_t n = 0;

		for (; keys[c][n] && n < sizeof(h) - 1; n++)
			h[n] = keys[c][n] == '_' ? ' ' :
			       (char)(keys[c][n] >= 'a' && keys[c][n] <= 'z' ?
				      keys[c][n] - 32 : keys[c][n]);
		h[n] = '\0';
		put_cell(f, h, width[c], c + 1 == nkeys);
	}
	json_array_foreach(arr, i, row) {
		fprintf(f, "%*s", indent, "");
		for (size_t c = 0; c < nkeys; c++) {
			char *t = cell_text(json_object_get(row, keys[c]));

			put_cell(f, t ? t : "?", width[c], c + 1 == nkeys);
			free(t);
		}
	}
}

static void print_object(FILE *f, const json_t *o, int indent)
{
	size_t w = 0;
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v)
		if (strlen(k) > w)
			w = strlen(k);
	json_object_foreach((json_t *)o, k, v) {
		if (is_scalarish(v)) {
			char *t = cell_text(v);

			fprintf(f, "%*s%-*s  %s\n", indent, "", (int)w + 1, k,
				t ? t : "?");
			free(t);
		} else if (json_is_object(v)) {
			fprintf(f, "%*s%s:\n", indent, "", k);
			print_object(f, v, indent + 2);
		} else {
			fprintf(f, "%*s%s:\n", indent, "", k);
			print_table(f, v, indent + 2);
		}
	}
}

int cli_print(struct ipam *db, json_t *v, bool json)
{
	if (!v)
		return cli_result(db, -1);
	if (json)
		jsonout_print(stdout, v);
	else if (json_is_array(v))
		print_table(stdout, v, 0);
	else
		print_object(stdout, v, 0);
	json_decref(v);
	if (fflush(stdout) == EOF) {
		perror("racknet: stdout");
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

int cli_removed(struct ipam *db, int r, const char *what, json_t *removed,
		bool json)
{
	const char *summary = json_string_value(json_object_get(removed,
								"summary"));

	if (r < 0)
		return cli_result(db, r);
	if (json) {
		json_t *o = json_pack("{sssO?ss}", "removed", what, "with",
				      json_object_get(removed, "with"),
				      "summary", summary ? summary : "");

		jsonout_print(stdout, o);
		json_decref(o);
	} else if (summary && summary[0]) {
		printf("removed %s with %s\n", what, summary);
	} else {
		printf("removed %s\n", what);
	}
	json_decref(removed);
	return EXIT_OK;
}

int cli_check_cidr(const char *s)
{
	struct cidr c;
	char want[CIDR_STRLEN];
	int r = cidr_parse(&c, s);

	if (r < 0)
		return cli_usage_error("'%s' is not a CIDR prefix (e.g. "
				       "10.0.0.0/24)", s);
	if (r > 0)
		return cli_usage_error("subnet %s is not canonical: did you mean "
				       "%s?", s, cidr_format(&c, want, sizeof(want)));
	return 0;
}

int cli_check_ip(const char *s)
{
	struct ip_addr a;

	if (ip_parse(&a, s) < 0)
		return cli_usage_error("'%s' is not an IP address", s);
	return 0;
}

int cli_check_ip_list(const char *s, const char *what)
{
	char item[IP_STRLEN + 1];
	struct ip_addr a;
	const char *p = s;

	if (!s[0])
		return 0;			/* "" clears */
	for (;;) {
		size_t n = strcspn(p, ",");

		if (n == 0 || n >= sizeof(item))
			return cli_usage_error("%s '%s' is not IP[,IP...]", what, s);
		memcpy(item, p, n);
		item[n] = '\0';
		if (ip_parse(&a, item) < 0)
			return cli_usage_error("%s: '%s' is not an IP address",
					       what, item);
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

int cli_check_mac(const char *s)
{
	struct mac_addr m;

	if (mac_parse(&m, s) < 0)
		return cli_usage_error("'%s' is not a MAC address (e.g. "
				       "52:54:00:12:34:56)", s);
	return 0;
}

int cli_parse_int(const char *s, const char *what, int64_t min, int64_t max,
		  int64_t *ret)
{
	char *end;
	long long v;

	/* Digits only, a '-' first where negatives are allowed: strtoll
	 * alone would also take " 7" and "+7". */
	bool digits = isdigit((unsigned char)s[0]) ||
		      (s[0] == '-' && min < 0 && isdigit((unsigned char)s[1]));

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!digits || *end || errno || v < min || v > max)
		return cli_usage_error("%s must be a whole number from %lld to "
				       "%lld, not '%s'", what, (long long)min,
				       (long long)max, s);
	*ret = v;
	return 0;
}

int cli_parse_vlan(const char *s, char *fabric, size_t size, int *ret_vid)
{
	const char *slash = strrchr(s, '/');
	int64_t vid = 0;	/* -O2 cannot see cli_parse_int set it */

	if (!slash || slash == s || (size_t)(slash - s) >= size)
		return cli_usage_error("'%s' is not a VLAN: write FABRIC/VID", s);
	if (cli_parse_int(slash + 1, "VID", 0, 4094, &vid))
		return EXIT_USAGE;
	memcpy(fabric, s, (size_t)(slash - s));
	fabric[slash - s] = '\0';
	*ret_vid = (int)vid;
	return 0;
}

int cli_parse_onoff(const char *s, const char *what, int *ret)
{
	if (!strcmp(s, "on"))
		*ret = 1;
	else if (!strcmp(s, "off"))
		*ret = 0;
	else
		return cli_usage_error("%s must be on or off, not '%s'", what, s);
	return 0;
}

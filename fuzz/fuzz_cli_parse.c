/*
 * libFuzzer harness for what the operator types: the racknet CLI's
 * argument checks (ipam/cli/cli_out.c, compiled in: cli_check_cidr, _ip,
 * _ip_list, _mac, cli_parse_vlan, _int, _onoff) and what they and the
 * IPAM stand on (shared/addr.c: ip_parse, cidr_parse, mac_parse,
 * hostport_parse and their formatters; shared/dnsname.c; the IPAM's
 * checks of hostnames, DNS names, fabric and boot-profile names, and of
 * ranges, against a real database).
 *
 * The input is an argv: one argument per line (a NUL also ends one), so
 * a seed is a real command line ("subnet\nadd\n10.0.0.0/24\n--vlan\n...").
 * Every argument, and the value of each "--opt=value", goes through every
 * parser, which must:
 *  - agree with the CLI's check of the same kind (cli_check_ip accepts
 *    exactly what ip_parse does, and so on), and with each other where
 *    they overlap (no text is both an IP and a MAC; an address is a
 *    listen address, and ADDR/BITS a CIDR holding just it);
 *  - round trip: parse -> format -> parse is the same value, the format
 *    is a fixed point, and IPv4 and canonical CIDR text formats to itself;
 *  - keep their documented limits: formats fit IP_STRLEN, CIDR_STRLEN,
 *    MAC_STRLEN; VIDs 0-4094, every integer option inside its range;
 *    names as dnsname.h defines them (checked against a model written
 *    here from RFC 1035/1123), sanitized labels valid and idempotent.
 * Pairs and triples of arguments: CIDR containment and overlap against
 * first/last address arithmetic; "CIDR START END" as `range add` against
 * an IPAM with two subnets (one rolled-back transaction per input), whose
 * answer must match a model of the rules (inside, ordered, no overlap).
 * Deterministic: every choice comes from the input.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "cli.h"
#include "dnsname.h"
#include "fuzz.h"
#include "fuzz_ipam.h"
#include "ipam_int.h"
#include "log.h"

#define MAX_WORDS 32
#define MAX_WORD 1024		/* longer arguments are skipped */
#define DB_WORDS 12		/* arguments tried against the IPAM */

/* cli.c's, without the printing: the message is still formatted, so a
 * bad format or argument is caught, but the fuzzer stays quiet. */
int cli_usage_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

/* cli.c's too (cli_print needs it), as quiet. */
int cli_result(struct ipam *ipam, int r)
{
	(void)ipam;
	return r < 0 ? EXIT_REFUSED : EXIT_OK;
}

/* ---- single arguments ---- */

static void check_sockaddr(const struct ip_addr *a, const char *text)
{
	char sa[SOCKADDR_STRLEN], want[SOCKADDR_STRLEN];
	struct sockaddr_storage ss;
	struct ip_addr b;
	uint16_t port = 0, port2 = 1;

	ip_to_sockaddr(&ss, a, 4242);
	FUZZ_CHECK(ip_from_sockaddr(&b, &port, &ss) == 0 && ip_equal(&b, a) &&
		   port == 4242);
	sockaddr_format(&ss, sa, sizeof(sa));
	snprintf(want, sizeof(want),
		 a->family == AF_INET6 ? "[%s]:4242" : "%s:4242", text);
	FUZZ_CHECK(strcmp(sa, want) == 0);
	FUZZ_CHECK(hostport_parse(&b, &port2, sa) == 0 && ip_equal(&b, a) &&
		   port2 == 4242);
	FUZZ_CHECK(ip_from_bytes(&b, a->b, ip_len(a)) == 0 && ip_equal(&b, a));
	if (a->family == AF_INET) {
		ip_set_v4(&b, ip_v4(a));
		FUZZ_CHECK(ip_equal(&b, a));
	}
}

static void check_ip(const char *s)
{
	struct ip_addr a, b, h;
	char buf[IP_STRLEN], again[IP_STRLEN], cidr[IP_STRLEN + 8];
	struct mac_addr m;
	struct cidr c;
	uint16_t port = 4242;
	int r = ip_parse(&a, s);

	FUZZ_CHECK((r == 0) == (cli_check_ip(s) == 0));
	if (r < 0)
		return;
	FUZZ_CHECK(a.family == AF_INET || a.family == AF_INET6);
	for (size_t i = ip_len(&a); i < sizeof(a.b); i++)
		FUZZ_CHECK(a.b[i] == 0);
	ip_format(&a, buf, sizeof(buf));
	FUZZ_CHECK(strlen(buf) < IP_STRLEN && strcmp(buf, "?") != 0);
	FUZZ_CHECK(ip_parse(&b, buf) == 0 && ip_equal(&a, &b));
	FUZZ_CHECK(strcmp(ip_format(&b, again, sizeof(again)), buf) == 0);
	if (a.family == AF_INET)	/* one spelling per IPv4 address */
		FUZZ_CHECK(strcmp(buf, s) == 0);
	/* Never also a MAC (`lease show IP|MAC` tries IP first). */
	FUZZ_CHECK(mac_parse(&m, s) < 0);
	/* An address is a listen address, port left alone. */
	FUZZ_CHECK(hostport_parse(&h, &port, s) == 0 && ip_equal(&h, &a) &&
		   port == 4242);
	/* ADDR/BITS is a canonical CIDR holding exactly ADDR. */
	snprintf(cidr, sizeof(cidr), "%s/%u", buf, ip_bits(&a));
	FUZZ_CHECK(cidr_parse(&c, cidr) == 0 && ip_equal(&c.net, &a));
	/* Through a socket address and back, and as a log prints it. */
	check_sockaddr(&a, buf);
	/* Neighbours, unless at the edge of the family. */
	b = a;
	if (ip_next(&b)) {
		FUZZ_CHECK(ip_cmp(&b, &a) > 0);
		FUZZ_CHECK(ip_prev(&b) && ip_equal(&b, &a));
	} else {
		FUZZ_CHECK(ip_equal(&b, &a));
	}
}

static void check_cidr(const char *s)
{
	char buf[CIDR_STRLEN], addr[IP_STRLEN];
	struct ip_addr first, last, plain;
	struct cidr c, d;
	const char *slash;
	int r = cidr_parse(&c, s);

	FUZZ_CHECK(r == 0 || r == 1 || r == -EINVAL);
	FUZZ_CHECK((r == 0) == (cli_check_cidr(s) == 0));
	if (r < 0)
		return;
	FUZZ_CHECK(c.prefix <= ip_bits(&c.net));
	/* The address part alone is an address. */
	slash = strchr(s, '/');
	FUZZ_CHECK(slash && (size_t)(slash - s) < sizeof(addr));
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	FUZZ_CHECK(ip_parse(&plain, addr) == 0 && plain.family == c.net.family);
	FUZZ_CHECK(cidr_contains(&c, &plain));
	FUZZ_CHECK((r == 1) == !ip_equal(&plain, &c.net));
	/* Canonical text: parses back to itself, and is a fixed point. */
	cidr_format(&c, buf, sizeof(buf));
	FUZZ_CHECK(strlen(buf) < CIDR_STRLEN);
	FUZZ_CHECK(cidr_parse(&d, buf) == 0 && d.prefix == c.prefix &&
		   ip_equal(&d.net, &c.net));
	if (r == 0 && c.net.family == AF_INET)
		FUZZ_CHECK(strcmp(buf, s) == 0);
	cidr_first(&c, &first);
	cidr_last(&c, &last);
	FUZZ_CHECK(ip_equal(&first, &c.net) && ip_cmp(&first, &last) <= 0);
	FUZZ_CHECK(cidr_contains(&c, &first) && cidr_contains(&c, &last));
	if (c.net.family == AF_INET)
		FUZZ_CHECK(ip_v4(&last) ==
			   (ip_v4(&c.net) | ~cidr_v4_mask(c.prefix)));
	/* The next address after the last is outside (unless it wraps). */
	if (ip_next(&last))
		FUZZ_CHECK(!cidr_contains(&c, &last));
	if (ip_prev(&first))
		FUZZ_CHECK(!cidr_contains(&c, &first));
}

static bool is_mac_char(char ch)
{
	return isxdigit((unsigned char)ch) || ch == ':' || ch == '-' ||
	       ch == '.';
}

static void check_mac(const char *s)
{
	char buf[MAC_STRLEN], again[MAC_STRLEN];
	struct mac_addr m, n;
	size_t len = strlen(s);
	int r = mac_parse(&m, s);

	FUZZ_CHECK((r == 0) == (cli_check_mac(s) == 0));
	if (r < 0)
		return;
	/* The documented forms: 11 to 17 characters of hex and separators. */
	FUZZ_CHECK(len >= 11 && len <= 17);
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK(is_mac_char(s[i]));
	mac_format(&m, buf, sizeof(buf));
	FUZZ_CHECK(strlen(buf) == MAC_STRLEN - 1);
	for (size_t i = 0; i < MAC_STRLEN - 1; i++)
		FUZZ_CHECK(i % 3 == 2 ? buf[i] == ':' :
			   (isdigit((unsigned char)buf[i]) ||
			    (buf[i] >= 'a' && buf[i] <= 'f')));
	FUZZ_CHECK(mac_parse(&n, buf) == 0 && memcmp(&m, &n, sizeof(m)) == 0);
	FUZZ_CHECK(strcmp(mac_format(&n, again, sizeof(again)), buf) == 0);
}

/* Every integer option of the CLI, with its range. */
static const struct {
	int64_t min, max;
} int_opts[] = {
	{ 0, 4094 },		/* VID */
	{ 576, 65535 },		/* --mtu */
	{ 0, 2147483647 },	/* --ttl */
	{ 60, 31536000 },	/* --lease-time */
	{ 0, INT64_MAX },	/* --since */
	{ 1, 1000000 },		/* --limit */
};

static void check_ints(const char *s)
{
	char buf[32];
	int64_t v, w;

	for (size_t i = 0; i < sizeof(int_opts) / sizeof(int_opts[0]); i++) {
		if (cli_parse_int(s, "N", int_opts[i].min, int_opts[i].max,
				  &v) != 0)
			continue;
		FUZZ_CHECK(v >= int_opts[i].min && v <= int_opts[i].max);
		snprintf(buf, sizeof(buf), "%" PRId64, v);
		FUZZ_CHECK(cli_parse_int(buf, "N", int_opts[i].min,
					 int_opts[i].max, &w) == 0 && w == v);
	}
}

static void check_vlan(const char *s)
{
	char fabric[128], small[4], buf[160], again[128];
	int vid = -1, vid2 = -1;
	size_t n;

	if (cli_parse_vlan(s, fabric, sizeof(fabric), &vid) != 0) {
		FUZZ_CHECK(vid == -1);
		FUZZ_CHECK(cli_parse_vlan(s, small, sizeof(small), &vid) != 0);
		return;
	}
	n = strlen(fabric);
	FUZZ_CHECK(vid >= 0 && vid <= 4094);
	FUZZ_CHECK(n > 0 && n < sizeof(fabric));
	FUZZ_CHECK(strncmp(s, fabric, n) == 0 && s[n] == '/');
	FUZZ_CHECK(!strchr(s + n + 1, '/'));
	snprintf(buf, sizeof(buf), "%s/%d", fabric, vid);
	FUZZ_CHECK(cli_parse_vlan(buf, again, sizeof(again), &vid2) == 0 &&
		   vid2 == vid && strcmp(again, fabric) == 0);
	/* The fabric must fit the caller's buffer, or it is refused. */
	vid2 = -1;
	if (cli_parse_vlan(s, small, sizeof(small), &vid2) == 0)
		FUZZ_CHECK(n < sizeof(small) && vid2 == vid);
	else
		FUZZ_CHECK(n >= sizeof(small) && vid2 == -1);
}

/* IP[,IP...] as cli_check_ip_list should read it: "" or items that are
 * each an address. */
static void check_ip_list(const char *s)
{
	char item[MAX_WORD + 1];
	bool ok = true;
	const char *p = s;
	struct ip_addr a;

	if (s[0]) {
		for (;;) {
			size_t n = strcspn(p, ",");

			memcpy(item, p, n);
			item[n] = '\0';
			if (ip_parse(&a, item) < 0) {
				ok = false;
				break;
			}
			if (!p[n])
				break;
			p += n + 1;
		}
	}
	FUZZ_CHECK(ok == (cli_check_ip_list(s, "--dns") == 0));
}

static void check_hostport(const char *s)
{
	char buf[IP_STRLEN + 16], a_txt[IP_STRLEN];
	struct ip_addr a, b;
	uint16_t port = 4242, port2 = 1;

	if (hostport_parse(&a, &port, s) != 0)
		return;
	FUZZ_CHECK(port >= 1);
	/* Brackets hold IPv6 only; a port is digits only. */
	FUZZ_CHECK(s[0] != '[' || a.family == AF_INET6);
	if (port != 4242) {
		const char *colon = strrchr(s, ':');

		FUZZ_CHECK(colon && strspn(colon + 1, "0123456789") ==
			   strlen(colon + 1));
	}
	snprintf(buf, sizeof(buf),
		 a.family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 ip_format(&a, a_txt, sizeof(a_txt)), (unsigned)port);
	FUZZ_CHECK(hostport_parse(&b, &port2, buf) == 0 && ip_equal(&a, &b) &&
		   port2 == port);
}

/* ---- names ---- */

static bool model_label(const char *s, size_t len, bool underscore)
{
	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '-' && !(underscore && c == '_'))
			return false;
	}
	return true;
}

/* dnsname.h's rules, written again from the RFCs: labels of letters,
 * digits and '-', 1-63 each, 253 characters without the one optional
 * trailing dot; '_' and a leading "*" label only when asked. */
static bool model_name(const char *s, unsigned flags)
{
	size_t len = strlen(s), start = 0;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (start == 0 && (flags & DNS_NAME_WILDCARD) && i == 1 &&
		    s[0] == '*') {
			/* the wildcard label */
		} else if (!model_label(s + start, i - start,
					flags & DNS_NAME_UNDERSCORE)) {
			return false;
		}
		start = i + 1;
	}
	return true;
}

static void check_sanitize(const char *s, size_t len)
{
	static const size_t sizes[] = { 1, 2, 8, 64, 100 };
	char out[100], again[100];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = dns_label_sanitize(out, sizes[i], s, len);

		FUZZ_CHECK(n < sizes[i] && n <= DNS_LABEL_MAX &&
			   strlen(out) == n);
		FUZZ_CHECK(n == 0 || dns_hostname_valid(out));
		for (size_t j = 0; j < n; j++)
			FUZZ_CHECK(!isupper((unsigned char)out[j]));
		FUZZ_CHECK(dns_label_sanitize(again, sizeof(again), out, n) ==
			   n && strcmp(again, out) == 0);
	}
	/* A lower-case hostname without "--" is left as it is. */
	if (dns_hostname_valid(s) && !strstr(s, "--")) {
		bool lower = true;

		for (size_t j = 0; j < len; j++)
			lower = lower && !isupper((unsigned char)s[j]);
		if (lower)
			FUZZ_CHECK(dns_label_sanitize(out, sizeof(out), s,
						      len) == len &&
				   strcmp(out, s) == 0);
	}
}

static void check_names(const char *s)
{
	size_t len = strlen(s);
	char *up = malloc(len + 2);
	enum log_level l, l2;
	bool v[4];
	int arch, onoff;

	FUZZ_CHECK(up);
	for (size_t i = 0; i < len; i++)
		up[i] = (char)toupper((unsigned char)s[i]);
	up[len] = '\0';
	for (unsigned f = 0; f < 4; f++) {
		v[f] = dns_name_valid(s, f);
		FUZZ_CHECK(v[f] == model_name(s, f));
		FUZZ_CHECK(v[f] == dns_name_valid(up, f));	/* case */
	}
	/* More flags only ever allow more. */
	FUZZ_CHECK((!v[0] || (v[1] && v[2])) && (!v[1] || v[3]) &&
		   (!v[2] || v[3]));
	/* A valid name stays valid with a trailing dot added. */
	if (v[0] && s[len - 1] != '.') {
		up[len] = '.';
		up[len + 1] = '\0';
		FUZZ_CHECK(dns_name_valid(up, 0));
	}
	FUZZ_CHECK(dns_hostname_valid(s) == (v[0] && !strchr(s, '.')));
	FUZZ_CHECK(dns_hostname_valid(s) == dns_label_valid(s, len, 0));
	check_sanitize(s, len);

	if (ipam_boot_profile_name_valid(s)) {
		FUZZ_CHECK(len >= 1 && len <= 63 && isalnum((unsigned char)s[0]));
		for (size_t i = 0; i < len; i++)
			FUZZ_CHECK(!isupper((unsigned char)s[i]) &&
				   (isalnum((unsigned char)s[i]) ||
				    strchr("-_.", s[i])));
	}
	arch = ipam_boot_arch_parse(s);
	FUZZ_CHECK(arch < 0 || (arch < IPAM_BOOT_ARCH_MAX &&
				strcmp(ipam_boot_arch_name(arch), s) == 0));
	if (log_level_parse(s, &l) == 0)
		FUZZ_CHECK(l < LL_MAX && log_level_parse(log_level_name(l),
							 &l2) == 0 && l2 == l);
	onoff = -1;
	FUZZ_CHECK((cli_parse_onoff(s, "--dhcp", &onoff) == 0) ==
		   (strcmp(s, "on") == 0 || strcmp(s, "off") == 0));
	free(up);
}

static void check_word(const char *s)
{
	check_ip(s);
	check_cidr(s);
	check_mac(s);
	check_ints(s);
	check_vlan(s);
	check_ip_list(s);
	check_hostport(s);
	check_names(s);
}

/* ---- pairs: containment and overlap against address arithmetic ---- */

static void check_pair(const char *s, const char *t)
{
	struct ip_addr a, fa, la, fb, lb;
	struct cidr c, d;

	if (cidr_parse(&c, s) < 0)
		return;
	cidr_first(&c, &fa);
	cidr_last(&c, &la);
	if (ip_parse(&a, t) == 0)
		FUZZ_CHECK(cidr_contains(&c, &a) ==
			   (a.family == c.net.family && ip_cmp(&fa, &a) <= 0 &&
			    ip_cmp(&a, &la) <= 0));
	if (cidr_parse(&d, t) < 0)
		return;
	cidr_first(&d, &fb);
	cidr_last(&d, &lb);
	FUZZ_CHECK(cidr_overlaps(&c, &d) == cidr_overlaps(&d, &c));
	FUZZ_CHECK(cidr_overlaps(&c, &d) ==
		   (c.net.family == d.net.family && ip_cmp(&fa, &lb) <= 0 &&
		    ip_cmp(&fb, &la) <= 0));
}

/* ---- against the IPAM: names it stores, and `range add` ---- */

static struct ipam *db;

/* The subnets of the fixture, on VLAN lab/0. */
static const char *const subnets[] = { "10.0.0.0/24", "fd00:0:0:42::/64" };
#define NSUBNETS (sizeof(subnets) / sizeof(subnets[0]))

#define MUST(x)                                                            \
	do {                                                               \
		if ((x) < 0) {                                             \
			fprintf(stderr, "fuzz setup: %s: %s\n", #x,        \
				ipam_error(db));                           \
			abort();                                           \
		}                                                          \
	} while (0)

static void db_setup(void)
{
	struct ipam_vlan_opts vo = { .dhcp = -1, .stop_on_rogue = -1 };
	struct ipam_subnet_opts so = { .fabric = "lab", .managed = -1 };

	db = fuzz_ipam_open();
	MUST(ipam_fabric_add(db, "lab"));
	MUST(ipam_vlan_add(db, "lab", 0, &vo));
	for (size_t i = 0; i < NSUBNETS; i++)
		MUST(ipam_subnet_add(db, subnets[i], &so));
}

struct model_range {
	size_t subnet;
	struct ip_addr lo, hi;
};

/* Which fixture subnet c is, or NSUBNETS. */
static size_t fixture_of(const struct cidr *c)
{
	for (size_t i = 0; i < NSUBNETS; i++) {
		struct cidr f;

		if (cidr_parse(&f, subnets[i]) == 0 && f.prefix == c->prefix &&
		    ip_equal(&f.net, &c->net))
			return i;
	}
	return NSUBNETS;
}

/* `range add CIDR START END`: accepted exactly when the rules say. */
static void db_range(const char *cidr, const char *start, const char *end,
		     bool dynamic, struct model_range *added, size_t *nadded)
{
	struct model_range m;
	struct cidr c;
	bool want;
	int r;

	want = cidr_parse(&c, cidr) == 0 && ip_parse(&m.lo, start) == 0 &&
	       ip_parse(&m.hi, end) == 0;
	if (want) {
		m.subnet = fixture_of(&c);
		want = m.subnet < NSUBNETS && cidr_contains(&c, &m.lo) &&
		       cidr_contains(&c, &m.hi) && ip_cmp(&m.lo, &m.hi) <= 0;
	}
	for (size_t i = 0; want && i < *nadded; i++)
		if (added[i].subnet == m.subnet &&
		    ip_cmp(&m.lo, &added[i].hi) <= 0 &&
		    ip_cmp(&added[i].lo, &m.hi) <= 0)
			want = false;
	r = ipam_range_add(db, cidr, start, end,
			   dynamic ? "dynamic" : "reserved", NULL);
	FUZZ_CHECK((r == 0) == want);
	if (r < 0)
		FUZZ_CHECK(ipam_error(db)[0] != '\0');
	else
		added[(*nadded)++] = m;
}

/* Names the IPAM stores must be what dnsname.h allows. */
static void db_names(const char *s, size_t i)
{
	char mac[MAC_STRLEN], *up;
	const char *macs[1] = { mac };
	struct ipam_host_opts ho = { .macs = macs, .nmacs = 1 };
	size_t len = strlen(s);
	int64_t id;
	int r;

	snprintf(mac, sizeof(mac), "52:54:00:00:01:%02x", (unsigned)i);
	r = ipam_host_add(db, s, &ho);
	FUZZ_CHECK(r != 0 || dns_hostname_valid(s));
	if (!dns_hostname_valid(s))
		FUZZ_CHECK(r == -EINVAL);
	r = ipam_fabric_add(db, s);
	FUZZ_CHECK(r != 0 || dns_label_valid(s, len, DNS_NAME_UNDERSCORE));
	r = ipam_domain_add(db, s, 300);
	FUZZ_CHECK(r != 0 || dns_name_valid(s, 0));
	if (r != 0)
		return;
	/* Stored in one case, without the dot: found whichever is asked. */
	up = malloc(len + 2);
	FUZZ_CHECK(up);
	for (size_t k = 0; k < len; k++)
		up[k] = (char)toupper((unsigned char)s[k]);
	up[len] = s[len - 1] == '.' ? '\0' : '.';
	up[len + 1] = '\0';
	FUZZ_CHECK(ipam_domain_id(db, up, false, &id) == 0);
	free(up);
}

static void db_checks(const char *const *words, size_t n)
{
	struct model_range added[MAX_WORDS];
	size_t nadded = 0;

	if (!db)
		db_setup();
	if (ipam_tx_begin(db) < 0)
		abort();
	for (size_t i = 0; i < n && i < DB_WORDS; i++)
		db_names(words[i], i);
	for (size_t i = 0; i + 2 < n; i++) {
		struct cidr c;

		if (cidr_parse(&c, words[i]) >= 0)
			db_range(words[i], words[i + 1], words[i + 2], i & 1,
				 added, &nadded);
	}
	ipam_tx_rollback(db);
}

static size_t split(const uint8_t *data, size_t size, char *buf,
		    const char **words)
{
	size_t n = 0, start = 0;

	memcpy(buf, data, size);
	buf[size] = '\0';
	for (size_t i = 0; i <= size && n < MAX_WORDS; i++) {
		if (i < size && buf[i] != '\n' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (i - start <= MAX_WORD)
			words[n++] = buf + start;
		start = i + 1;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *words[MAX_WORDS];
	char *buf = malloc(size + 1);
	size_t n;

	FUZZ_CHECK(buf);
	n = split(data, size, buf, words);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(words[i], '=');

		check_word(words[i]);
		if (!strncmp(words[i], "--", 2) && eq)
			check_word(eq + 1);
		for (size_t j = 0; j < n; j++)
			check_pair(words[i], words[j]);
	}
	db_checks(words, n);
	free(buf);
	return 0;
}

/*
 * Subnets and their ranges. The rules: a subnet's CIDR is canonical and
 * overlaps no other subnet; its gateway lies inside it; ranges lie inside
 * their subnet, start <= end, and overlap no other range of the subnet.
 * A dynamic range feeds the free-address index (ipam_pool.c).
 */
#include "ipam_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Parse a subnet argument strictly: a typo in host bits is a mistake. */
static int parse_cidr(struct ipam *db, const char *s, struct cidr *ret)
{
	char want[CIDR_STRLEN];
	int r = cidr_parse(ret, s);

	if (r < 0)
		return ipam_fail(db, -EINVAL, "'%s' is not a CIDR prefix (e.g. "
				 "10.0.0.0/24)", s);
	if (r > 0)
		return ipam_fail(db, -EINVAL, "subnet %s is not canonical: did "
				 "you mean %s?", s,
				 cidr_format(ret, want, sizeof(want)));
	return 0;
}

int ipam_subnet_id(struct ipam *db, const char *cidr, int64_t *ret_id,
		   struct cidr *ret_cidr)
{
	char canon[CIDR_STRLEN];
	sqlite3_stmt *st;
	struct cidr c;
	int64_t id;
	int r;

	r = parse_cidr(db, cidr, &c);
	if (r < 0)
		return r;
	cidr_format(&c, canon, sizeof(canon));
	st = ipam_stmt(db, "SELECT id FROM subnet WHERE cidr = ?1");
	if (!st)
		return -EIO;
	ipam_bind_text(st, 1, canon);
	id = ipam_query_int(db, st, 0);
	if (id == 0)
		return ipam_fail(db, -ENOENT, "subnet %s does not exist", canon);
	*ret_id = id;
	if (ret_cidr)
		*ret_cidr = c;
	return 0;
}

/* Call fn for every subnet of the family; stops at the first non-zero. */
static int each_subnet(struct ipam *db, int family,
		       int (*fn)(void *ctx, int64_t id, const struct cidr *c,
				 const char *vlan),
		       void *ctx)
{
	static const char sql[] =
		"SELECT s.id, s.net, s.prefix, f.name || '/' || v.vid FROM subnet s "
		"JOIN vlan v ON v.id = s.vlan_id JOIN fabric f ON f.id = v.fabric_id "
		"WHERE length(s.net) = ?1";
	sqlite3_stmt *st = ipam_stmt(db, sql);
	struct cidr c;
	int r = 0;

	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, family == AF_INET ? 4 : 16);
	while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
		if (ipam_column_ip(st, 1, &c.net) < 0)
			continue;
		c.prefix = (uint8_t)sqlite3_column_int(st, 2);
		r = fn(ctx, sqlite3_column_int64(st, 0), &c,
		       (const char *)sqlite3_column_text(st, 3));
	}
	sqlite3_reset(st);
	return r;
}

struct overlap_ctx {
	struct ipam *db;
	const struct cidr *want;
	int64_t self;
};

static int overlap_fn(void *ctx, int64_t id, const struct cidr *c,
		      const char *vlan)
{
	struct overlap_ctx *o = ctx;
	char a[CIDR_STRLEN], b[CIDR_STRLEN];

	if (id == o->self || !cidr_overlaps(o->want, c))
		return 0;
	return ipam_fail(o->db, -EEXIST, "subnet %s overlaps subnet %s on %s",
			 cidr_format(o->want, a, sizeof(a)),
			 cidr_format(c, b, sizeof(b)), vlan);
}

struct find_ctx {
	const struct ip_addr *ip;
	int64_t id;
};

static int find_fn(void *ctx, int64_t id, const struct cidr *c,
		   const char *vlan)
{
	struct find_ctx *f = ctx;

	(void)vlan;
	if (!cidr_contains(c, f->ip))
		return 0;
	f->id = id;
	return 1;
}

int ipam_subnet_find(struct ipam *db, const struct ip_addr *ip, int64_t *ret_id)
{
	struct find_ctx f = { .ip = ip };
	char buf[IP_STRLEN];
	int r = each_subnet(db, ip->family, find_fn, &f);

	if (r < 0)
		return r;
	if (!f.id)
		return ipam_fail(db, -ENOENT, "%s is in no known subnet",
				 ip_format(ip, buf, sizeof(buf)));
	*ret_id = f.id;
	return 0;
}

/* "IP[,IP...]" -> canonical text, each address of the given family. */
static int ip_list(struct ipam *db, const char *in, const char *what,
		   char *out, size_t size)
{
	char item[IP_STRLEN + 8];
	size_t o = 0;
	const char *p = in;

	out[0] = '\0';
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		struct ip_addr a;
		char fmt[IP_STRLEN];

		if (n == 0 || n >= sizeof(item))
			return ipam_fail(db, -EINVAL, "%s list '%s' is not "
					 "IP[,IP...]", what, in);
		memcpy(item, p, n);
		item[n] = '\0';
		if (ip_parse(&a, item) < 0)
			return ipam_fail(db, -EINVAL, "%s '%s' is not an IP "
					 "address", what, item);
		ip_format(&a, fmt, sizeof(fmt));
		if (size - o < strlen(fmt) + 2)
			return ipam_fail(db, -EINVAL, "%s list '%s' is too long",
					 what, in);
		o += (size_t)snprintf(out + o, size - o, "%s%s", o ? "," : "", fmt);
		p += n + (comma ? 1 : 0);
		if (comma && !*p)
			return ipam_fail(db, -EINVAL, "%s list '%s' ends with a "
					 "comma", what, in);
	}
	return 0;
}

/* Bind an optional list column: NULL leaves it, "" clears it. */
static int bind_list(struct ipam *db, sqlite3_stmt *st, int flag_idx,
		     const char *in, const char *what)
{
	char buf[512];
	int r;

	sqlite3_bind_int(st, flag_idx, in != NULL);
	if (!in || !in[0])
		return 0;
	r = ip_list(db, in, what, buf, sizeof(buf));
	if (r == 0)
		sqlite3_bind_text(st, flag_idx + 1, buf, -1, SQLITE_TRANSIENT);
	return r;
}

/* A gateway is a host: not an IPv4 subnet's network or broadcast address. */
static int gateway_usable(struct ipam *db, const struct cidr *c,
			  const struct ip_addr *gw, const char *text)
{
	struct ip_addr first, last;
	char a[IP_STRLEN];

	if (c->net.family != AF_INET || c->prefix > 30)
		return 0;
	cidr_first(c, &first);
	cidr_last(c, &last);
	if (!ip_equal(gw, &first) && !ip_equal(gw, &last))
		return 0;
	return ipam_fail(db, -EINVAL, "gateway %s is the %s address of subnet "
			 "%s", ip_format(gw, a, sizeof(a)),
			 ip_equal(gw, &first) ? "network" : "broadcast", text);
}

static int subnet_apply(struct ipam *db, int64_t id, const struct cidr *c,
			const struct ipam_subnet_opts *o)
{
	static const char sql[] =
		"UPDATE subnet SET "
		"vlan_id = coalesce(?2, vlan_id), "
		"gateway = CASE WHEN ?3 THEN ?4 ELSE gateway END, "
		"dns = CASE WHEN ?5 THEN ?6 ELSE dns END, "
		"ntp = CASE WHEN ?7 THEN ?8 ELSE ntp END, "
		"domain_id = CASE WHEN ?9 THEN ?10 ELSE domain_id END, "
		"lease_time = coalesce(?11, lease_time), "
		"managed = coalesce(?12, managed) WHERE id = ?1";
	char cbuf[CIDR_STRLEN];
	sqlite3_stmt *st;
	struct ip_addr gw;
	int64_t vlan = 0, dom = 0;
	int r;

	if (o->fabric && (r = ipam_vlan_id(db, o->fabric, o->vid, &vlan)) < 0)
		return r;
	if (o->gateway && o->gateway[0]) {
		r = ipam_parse_ip(db, o->gateway, "gateway", &gw);
		if (r < 0)
			return r;
		cidr_format(c, cbuf, sizeof(cbuf));
		if (!cidr_contains(c, &gw))
			return ipam_fail(db, -EINVAL, "gateway %s is outside "
					 "subnet %s", o->gateway, cbuf);
		if ((r = gateway_usable(db, c, &gw, cbuf)) < 0)
			return r;
	}
	if (o->domain && o->domain[0] &&
	    (r = ipam_domain_id(db, o->domain, true, &dom)) < 0)
		return r;
	if (o->lease_time && (o->lease_time < 60 || o->lease_time > 31536000))
		return ipam_fail(db, -EINVAL, "lease time %lld is out of range "
				 "(60 to 31536000 seconds)",
				 (long long)o->lease_time);
	st = ipam_stmt(db, sql);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	if (vlan)
		sqlite3_bind_int64(st, 2, vlan);
	sqlite3_bind_int(st, 3, o->gateway != NULL);
	if (o->gateway && o->gateway[0])
		ipam_bind_ip(st, 4, &gw);
	if ((r = bind_list(db, st, 5, o->dns, "DNS server")) < 0 ||
	    (r = bind_list(db, st, 7, o->ntp, "NTP server")) < 0)
		return r;
	sqlite3_bind_int(st, 9, o->domain != NULL);
	if (dom)
		sqlite3_bind_int64(st, 10, dom);
	if (o->lease_time)
		sqlite3_bind_int64(st, 11, o->lease_time);
	if (o->managed >= 0)
		sqlite3_bind_int(st, 12, o->managed);
	r = ipam_exec_stmt(db, st, "update subnet");
	/* The gateway is excluded from the pool: re-derive it. */
	if (r == 0 && o->gateway)
		r = ipam_pool_rebuild(db, id);
	return r;
}

int ipam_subnet_add(struct ipam *db, const char *cidr,
		    const struct ipam_subnet_opts *o)
{
	struct overlap_ctx ov = { .db = db };
	char canon[CIDR_STRLEN];
	sqlite3_stmt *st;
	struct cidr c;
	int64_t vlan;
	int r;

	r = parse_cidr(db, cidr, &c);
	if (r < 0)
		return r;
	if (!o->fabric)
		return ipam_fail(db, -EINVAL, "subnet %s needs a VLAN", cidr);
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	r = ipam_vlan_id(db, o->fabric, o->vid, &vlan);
	ov.want = &c;
	if (r == 0)
		r = each_subnet(db, c.net.family, overlap_fn, &ov);
	if (r == 0) {
		st = ipam_stmt(db, "INSERT INTO subnet (cidr, net, prefix, vlan_id) "
			       "VALUES (?1, ?2, ?3, ?4)");
		if (st) {
			ipam_bind_text(st, 1, cidr_format(&c, canon, sizeof(canon)));
			ipam_bind_ip(st, 2, &c.net);
			sqlite3_bind_int(st, 3, c.prefix);
			sqlite3_bind_int64(st, 4, vlan);
		}
		r = ipam_exec_stmt(db, st, "add subnet");
	}
	if (r == 0)
		r = subnet_apply(db, sqlite3_last_insert_rowid(db->sql), &c, o);
	return ipam_write_end(db, r);
}

int ipam_subnet_set(struct ipam *db, const char *cidr,
		    const struct ipam_subnet_opts *o)
{
	struct cidr c;
	int64_t id;
	int r = ipam_write_begin(db);

	if (r < 0)
		return r;
	r = ipam_subnet_id(db, cidr, &id, &c);
	if (r == 0)
		r = subnet_apply(db, id, &c, o);
	return ipam_write_end(db, r);
}

int ipam_subnet_rm(struct ipam *db, const char *cidr, bool force,
		   json_t **ret_removed)
{
	char what[80];
	int64_t id;
	int r = ipam_write_begin(db);

	if (r < 0)
		return r;
	r = ipam_subnet_id(db, cidr, &id, NULL);
	if (r < 0)
		return ipam_write_end(db, r);
	struct ipam_child c[] = {
		{ "ranges", "range", "ranges", ipam_count(db,
		  "SELECT count(*) FROM iprange WHERE subnet_id = ?1", id) },
		{ "addresses", "address", "addresses", ipam_count(db,
		  "SELECT count(*) FROM address WHERE subnet_id = ?1", id) },
	};
	snprintf(what, sizeof(what), "subnet %s", cidr);
	r = ipam_remove_with_children(db, what, c, sizeof(c) / sizeof(c[0]),
				      force, "DELETE FROM subnet WHERE id = ?1",
				      id, ret_removed);
	return ipam_write_end(db, r);
}

#define SUBNET_COLUMNS                                                        \
	"SELECT s.cidr AS cidr, f.name || '/' || v.vid AS vlan, "              \
	"s.gateway AS gateway, s.dns AS dns, s.ntp AS ntp, d.name AS domain, " \
	"s.lease_time AS lease_time, s.managed AS managed, "                   \
	"v.dhcp AS dhcp FROM subnet s JOIN vlan v ON v.id = s.vlan_id "        \
	"JOIN fabric f ON f.id = v.fabric_id "                                 \
	"LEFT JOIN domain d ON d.id = s.domain_id "
#define SUBNET_TYPES "aaaaaaabb"

json_t *ipam_subnet_list(struct ipam *db)
{
	static const char sql[] = SUBNET_COLUMNS
		"ORDER BY length(s.net), s.net";

	return ipam_rows_json(db, ipam_stmt(db, sql), SUBNET_TYPES);
}

json_t *ipam_subnet_show(struct ipam *db, const char *cidr, int64_t now)
{
	static const char sql[] = SUBNET_COLUMNS "WHERE s.id = ?1";
	sqlite3_stmt *st;
	json_t *o, *ranges, *usage;
	int64_t id;

	if (ipam_subnet_id(db, cidr, &id, NULL) < 0)
		return NULL;
	st = ipam_stmt(db, sql);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	o = ipam_row_json(db, st, SUBNET_TYPES, "subnet");
	if (!o)
		return NULL;
	ranges = ipam_range_list(db, cidr);
	usage = ipam_pool_usage(db, id, now);
	if (!ranges || !usage) {
		json_decref(ranges);
		json_decref(usage);
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "ranges", ranges);
	json_object_set_new(o, "usage", usage);
	return o;
}

int ipam_range_add(struct ipam *db, const char *cidr, const char *start,
		   const char *end, const char *type, const char *comment)
{
	static const char sql_overlap[] =
		"SELECT start_ip, end_ip, type FROM iprange WHERE subnet_id = ?1 "
		"AND start_ip <= ?3 AND end_ip >= ?2 ORDER BY start_ip LIMIT 1";
	char cb[CIDR_STRLEN], a[IP_STRLEN], b[IP_STRLEN];
	struct ip_addr lo, hi, olo, ohi;
	sqlite3_stmt *st;
	struct cidr c;
	int64_t id;
	int r;

	if (!type || (strcmp(type, "dynamic") && strcmp(type, "reserved")))
		return ipam_fail(db, -EINVAL, "range type '%s' is not dynamic "
				 "or reserved", type ? type : "");
	if ((r = ipam_parse_ip(db, start, "range start", &lo)) < 0 ||
	    (r = ipam_parse_ip(db, end, "range end", &hi)) < 0)
		return r;
	if (ip_cmp(&lo, &hi) > 0)
		return ipam_fail(db, -EINVAL, "range start %s is after its end "
				 "%s", start, end);
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	r = ipam_subnet_id(db, cidr, &id, &c);
	if (r < 0)
		return ipam_write_end(db, r);
	cidr_format(&c, cb, sizeof(cb));
	ip_format(&lo, a, sizeof(a));
	ip_format(&hi, b, sizeof(b));
	if (!cidr_contains(&c, &lo) || !cidr_contains(&c, &hi))
		return ipam_write_end(db, ipam_fail(db, -EINVAL, "range %s-%s "
				      "is outside subnet %s", a, b, cb));
	st = ipam_stmt(db, sql_overlap);
	if (!st)
		return ipam_write_end(db, -EIO);
	sqlite3_bind_int64(st, 1, id);
	ipam_bind_ip(st, 2, &lo);
	ipam_bind_ip(st, 3, &hi);
	if (sqlite3_step(st) == SQLITE_ROW && ipam_column_ip(st, 0, &olo) == 0 &&
	    ipam_column_ip(st, 1, &ohi) == 0) {
		char oa[IP_STRLEN], ob[IP_STRLEN];

		r = ipam_fail(db, -EEXIST, "range %s-%s overlaps %s range %s-%s "
			      "on subnet %s", a, b, sqlite3_column_text(st, 2),
			      ip_format(&olo, oa, sizeof(oa)),
			      ip_format(&ohi, ob, sizeof(ob)), cb);
	}
	sqlite3_reset(st);
	if (r < 0)
		return ipam_write_end(db, r);
	st = ipam_stmt(db, "INSERT INTO iprange (subnet_id, start_ip, end_ip, "
		       "type, comment) VALUES (?1, ?2, ?3, ?4, ?5)");
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		ipam_bind_ip(st, 2, &lo);
		ipam_bind_ip(st, 3, &hi);
		ipam_bind_text(st, 4, type);
		ipam_bind_text(st, 5, comment);
	}
	r = ipam_exec_stmt(db, st, "add range");
	if (r == 0 && strcmp(type, "dynamic") == 0)
		r = ipam_pool_rebuild(db, id);
	return ipam_write_end(db, r);
}

int ipam_range_rm(struct ipam *db, const char *cidr, const char *start)
{
	char cb[CIDR_STRLEN];
	struct ip_addr lo;
	sqlite3_stmt *st;
	struct cidr c;
	int64_t id;
	int r;

	if ((r = ipam_parse_ip(db, start, "range start", &lo)) < 0)
		return r;
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	r = ipam_subnet_id(db, cidr, &id, &c);
	if (r < 0)
		return ipam_write_end(db, r);
	st = ipam_stmt(db, "DELETE FROM iprange WHERE subnet_id = ?1 AND "
		       "start_ip = ?2");
	if (!st)
		return ipam_write_end(db, -EIO);
	sqlite3_bind_int64(st, 1, id);
	ipam_bind_ip(st, 2, &lo);
	r = ipam_exec_stmt(db, st, "remove range");
	if (r == 0 && sqlite3_changes(db->sql) == 0)
		r = ipam_fail(db, -ENOENT, "subnet %s has no range starting at "
			      "%s", cidr_format(&c, cb, sizeof(cb)), start);
	return ipam_write_end(db, r);
}

json_t *ipam_range_list(struct ipam *db, const char *cidr)
{
	static const char sql[] =
		"SELECT s.cidr AS subnet, r.start_ip AS start, r.end_ip AS end, "
		"r.type AS type, r.comment AS comment FROM iprange r "
		"JOIN subnet s ON s.id = r.subnet_id "
		"WHERE ?1 IS NULL OR r.subnet_id = ?1 "
		"ORDER BY length(s.net), s.net, r.start_ip";
	sqlite3_stmt *st;
	int64_t id = 0;

	if (cidr && ipam_subnet_id(db, cidr, &id, NULL) < 0)
		return NULL;
	st = ipam_stmt(db, sql);
	if (!st)
		return NULL;
	if (cidr)
		sqlite3_bind_int64(st, 1, id);
	return ipam_rows_json(db, st, NULL);
}

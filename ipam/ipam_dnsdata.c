/*
 * What racknet-dnsd serves, read out of IPAM: the zones (domains, and the
 * subnets whose reverse zones it derives), the custom records, its
 * settings, and every address that has a name now. Addresses are read in
 * bulk at start and one row at a time as the change feed names them.
 */
#include "ipam_int.h"

#include <errno.h>
#include <string.h>

/* An address's name and zone: the host's hostname and domain win over
 * the row's own (a lease's client hostname) and its subnet's domain; the
 * default-domain setting (?2) is last. */
#define DNS_ADDR_SELECT                                                     \
	"SELECT a.id, a.ip, coalesce(h.hostname, a.hostname), "             \
	"coalesce(hd.name, sd.name, ?2), coalesce(hd.ttl, sd.ttl, ?3), "    \
	"a.host_id IS NOT NULL, CASE WHEN a.state = 'lease' "               \
	"THEN a.expiry ELSE 0 END "                                          \
	"FROM address a JOIN subnet s ON s.id = a.subnet_id "               \
	"LEFT JOIN host h ON h.id = a.host_id "                              \
	"LEFT JOIN domain hd ON hd.id = h.domain_id "                        \
	"LEFT JOIN domain sd ON sd.id = s.domain_id "
/* Static and sticky addresses, reserved ones given a name, and leases
 * that have not expired (?1 is now). */
#define DNS_ADDR_NAMED                                                      \
	"(a.state IN ('static', 'sticky') "                                  \
	"OR (a.state = 'reserved' AND coalesce(h.hostname, a.hostname) "     \
	"IS NOT NULL) OR (a.state = 'lease' AND a.expiry > ?1))"

struct dns_defaults {
	char domain[256];
	int64_t ttl;
};

static int dns_defaults(struct ipam *db, struct dns_defaults *d)
{
	sqlite3_stmt *st;
	int r;

	r = ipam_setting_get(db, "default-domain", d->domain, sizeof(d->domain));
	if (r < 0)
		return r;
	st = ipam_stmt(db, "SELECT ttl FROM domain WHERE name = ?1");
	if (!st)
		return -EIO;
	ipam_bind_text(st, 1, d->domain);
	d->ttl = ipam_query_int(db, st, IPAM_DNS_TTL);
	return 0;
}

/* One of the address queries, its defaults and now bound; NULL on error. */
static sqlite3_stmt *addr_query(struct ipam *db, const char *sql, int64_t now)
{
	struct dns_defaults d;
	sqlite3_stmt *st;

	if (dns_defaults(db, &d) < 0 || !(st = ipam_stmt(db, sql)))
		return NULL;
	sqlite3_bind_int64(st, 1, now);
	ipam_bind_text(st, 2, d.domain);	/* copied by SQLite */
	sqlite3_bind_int64(st, 3, d.ttl);
	return st;
}

static int read_addr(struct ipam *db, sqlite3_stmt *st,
		     struct ipam_dns_addr *a)
{
	const char *host = (const char *)sqlite3_column_text(st, 2);
	const char *domain = (const char *)sqlite3_column_text(st, 3);

	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(st, 0);
	if (ipam_column_ip(st, 1, &a->ip) < 0)
		return ipam_fail(db, -EIO, "address row %lld has a corrupt IP",
				 (long long)a->id);
	snprintf(a->hostname, sizeof(a->hostname), "%s", host ? host : "");
	snprintf(a->domain, sizeof(a->domain), "%s", domain ? domain : "");
	a->ttl = sqlite3_column_int64(st, 4);
	a->host = sqlite3_column_int(st, 5) != 0;
	a->expiry = sqlite3_column_int64(st, 6);
	return 0;
}

int ipam_dns_addrs(struct ipam *db, int64_t now, ipam_dns_addr_fn fn,
		   void *ctx)
{
	/* Hosts' addresses first, then the oldest rows: the order names are
	 * claimed in when two want the same one. */
	static const char sql[] = DNS_ADDR_SELECT "WHERE " DNS_ADDR_NAMED
		" ORDER BY a.host_id IS NULL, a.id";
	sqlite3_stmt *st = addr_query(db, sql, now);
	struct ipam_dns_addr a;
	int r, rc;

	if (!st)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = read_addr(db, st, &a);
		if (r == 0)
			r = fn(ctx, &a);
		if (r != 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : ipam_sqlfail(db, rc, "read addresses");
}

int ipam_dns_addr(struct ipam *db, int64_t id, int64_t now,
		  struct ipam_dns_addr *ret)
{
	static const char sql[] = DNS_ADDR_SELECT "WHERE a.id = ?4 AND "
		DNS_ADDR_NAMED;
	sqlite3_stmt *st = addr_query(db, sql, now);
	int r, rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 4, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r = read_addr(db, st, ret);
		sqlite3_reset(st);
		return r < 0 ? r : 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : ipam_sqlfail(db, rc, "read address");
}

json_t *ipam_dns_config(struct ipam *db)
{
	static const char sql_domains[] =
		"SELECT name, ttl FROM domain ORDER BY name";
	static const char sql_subnets[] =
		"SELECT s.cidr AS cidr, coalesce(d.name, ?1) AS domain, "
		"s.managed AS managed FROM subnet s "
		"LEFT JOIN domain d ON d.id = s.domain_id ORDER BY s.id";
	static const char sql_records[] =
		"SELECT r.name AS name, r.type AS type, "
		"coalesce(r.ttl, d.ttl) AS ttl, r.data AS data "
		"FROM dns_record r LEFT JOIN domain d ON d.id = r.domain_id "
		"ORDER BY r.id";
	struct dns_defaults d;
	char upstream[1024], axfr[1024];
	json_t *domains, *subnets, *records;
	sqlite3_stmt *st;

	if (dns_defaults(db, &d) < 0 ||
	    ipam_setting_get(db, "upstream-dns", upstream, sizeof(upstream)) < 0 ||
	    ipam_setting_get(db, "dns-axfr-allow", axfr, sizeof(axfr)) < 0)
		return NULL;
	domains = ipam_rows_json(db, ipam_stmt(db, sql_domains), "");
	st = ipam_stmt(db, sql_subnets);
	if (st)
		ipam_bind_text(st, 1, d.domain);
	subnets = ipam_rows_json(db, st, "aab");
	records = ipam_rows_json(db, ipam_stmt(db, sql_records), "");
	if (!domains || !subnets || !records) {
		json_decref(domains);
		json_decref(subnets);
		json_decref(records);
		return NULL;
	}
	return json_pack("{sososo sssIssss sIsIsIsI}", "domains", domains,
			 "subnets", subnets, "records", records,
			 "default_domain", d.domain,
			 "default_ttl", (json_int_t)d.ttl,
			 "upstream_dns", upstream, "axfr_allow", axfr,
			 "rrl", (json_int_t)ipam_setting_int(db, "dns-rrl"),
			 "cache_mib",
			 (json_int_t)ipam_setting_int(db, "dns-cache-size"),
			 "tcp_clients",
			 (json_int_t)ipam_setting_int(db, "dns-tcp-clients"),
			 "fwd_pending",
			 (json_int_t)ipam_setting_int(db, "dns-fwd-pending"));
}

/*
 * Domains and custom DNS records. Names are stored lower case without the
 * trailing dot; record data is validated per type and stored in canonical
 * text form, so racknet-dnsd can trust what it reads.
 */
#include "ipam_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dnsname.h"

/* Lower case, no trailing dot; -EINVAL if it is not a DNS name. */
static int canon_name(struct ipam *db, const char *in, unsigned flags,
		      const char *what, char *out, size_t size)
{
	size_t n = in ? strlen(in) : 0;

	if (!in || !dns_name_valid(in, flags) || n >= size)
		return ipam_fail(db, -EINVAL, "%s '%s' is not a valid DNS name",
				 what, in ? in : "");
	if (n > 0 && in[n - 1] == '.')
		n--;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[n] = '\0';
	return 0;
}

static int check_ttl(struct ipam *db, int64_t ttl)
{
	if (ttl < 0 || ttl > 2147483647)
		return ipam_fail(db, -EINVAL, "TTL %lld is out of range (0 to "
				 "2147483647)", (long long)ttl);
	return 0;
}

static int64_t domain_lookup(struct ipam *db, const char *name)
{
	sqlite3_stmt *st = ipam_stmt(db, "SELECT id FROM domain WHERE name = ?1");

	if (!st)
		return 0;
	ipam_bind_text(st, 1, name);
	return ipam_query_int(db, st, 0);
}

static int domain_insert(struct ipam *db, const char *name, int64_t ttl)
{
	sqlite3_stmt *st = ipam_stmt(db, "INSERT INTO domain (name, ttl) "
				     "VALUES (?1, ?2)");

	if (!st)
		return -EIO;
	ipam_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, ttl);
	return ipam_exec_stmt(db, st, "add domain");
}

int ipam_domain_id(struct ipam *db, const char *in, bool create,
		   int64_t *ret_id)
{
	char name[DNS_NAME_MAX + 2];
	int64_t id;
	int r;

	if ((r = canon_name(db, in, 0, "domain", name, sizeof(name))) < 0)
		return r;
	id = domain_lookup(db, name);
	if (id == 0 && !create)
		return ipam_fail(db, -ENOENT, "domain %s does not exist", name);
	if (id == 0) {
		r = domain_insert(db, name, 300);
		if (r < 0)
			return r;
		id = sqlite3_last_insert_rowid(db->sql);
	}
	*ret_id = id;
	return 0;
}

int ipam_domain_add(struct ipam *db, const char *in, int64_t ttl)
{
	char name[DNS_NAME_MAX + 2];
	int r;

	if ((r = canon_name(db, in, 0, "domain", name, sizeof(name))) < 0 ||
	    (r = check_ttl(db, ttl)) < 0)
		return r;
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	if (domain_lookup(db, name))
		r = ipam_fail(db, -EEXIST, "domain %s already exists", name);
	else
		r = domain_insert(db, name, ttl);
	return ipam_write_end(db, r);
}

int ipam_domain_set(struct ipam *db, const char *in, int64_t ttl)
{
	sqlite3_stmt *st;
	int64_t id;
	int r;

	if ((r = check_ttl(db, ttl)) < 0)
		return r;
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	r = ipam_domain_id(db, in, false, &id);
	if (r == 0) {
		st = ipam_stmt(db, "UPDATE domain SET ttl = ?2 WHERE id = ?1");
		if (st) {
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_int64(st, 2, ttl);
		}
		r = ipam_exec_stmt(db, st, "update domain");
	}
	return ipam_write_end(db, r);
}

int ipam_domain_rm(struct ipam *db, const char *in, bool force,
		   json_t **ret_removed)
{
	char what[300];
	int64_t id;
	int r = ipam_write_begin(db);

	if (r < 0)
		return r;
	r = ipam_domain_id(db, in, false, &id);
	if (r < 0)
		return ipam_write_end(db, r);
	/* Records go with it; hosts and subnets stay, without a domain. */
	struct ipam_child c[] = {
		{ "records", "record", "records", ipam_count(db,
		  "SELECT count(*) FROM dns_record WHERE domain_id = ?1", id) },
		{ "unlinked_hosts", "host left without a domain",
		  "hosts left without a domain", ipam_count(db,
		  "SELECT count(*) FROM host WHERE domain_id = ?1", id) },
		{ "unlinked_subnets", "subnet left without a domain",
		  "subnets left without a domain", ipam_count(db,
		  "SELECT count(*) FROM subnet WHERE domain_id = ?1", id) },
	};
	snprintf(what, sizeof(what), "domain %s", in);
	r = ipam_remove_with_children(db, what, c, sizeof(c) / sizeof(c[0]),
				      force, "DELETE FROM domain WHERE id = ?1",
				      id, ret_removed);
	return ipam_write_end(db, r);
}

json_t *ipam_domain_list(struct ipam *db)
{
	return ipam_rows_json(db, ipam_stmt(db,
		"SELECT d.name AS name, d.ttl AS ttl, "
		"(SELECT count(*) FROM host h WHERE h.domain_id = d.id) AS hosts, "
		"(SELECT count(*) FROM subnet s WHERE s.domain_id = d.id) AS subnets, "
		"(SELECT count(*) FROM dns_record r WHERE r.domain_id = d.id) AS records "
		"FROM domain d ORDER BY d.name"), NULL);
}

/* A decimal number 0..max, the whole token. */
static bool parse_u16(const char *s, size_t n, long max, long *ret)
{
	long v = 0;

	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return false;
	*ret = v;
	return true;
}

/* Split "A B C D" into exactly n space-separated tokens. */
static int split_words(const char *s, const char **tok, size_t *len, int n)
{
	int k = 0;

	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (k == n)
			return -1;
		tok[k] = s;
		while (*s && *s != ' ')
			s++;
		len[k] = (size_t)(s - tok[k]);
		k++;
	}
	return k == n ? 0 : -1;
}

/* MX and SRV data: nnum numbers 0..65535, then a host name. */
static int record_nums_name(struct ipam *db, const char *type,
			    const char *data, int nnum, const char *form,
			    char *out, size_t size)
{
	char name[DNS_NAME_MAX + 2], canon[DNS_NAME_MAX + 2];
	const char *tok[4];
	size_t len[4], o = 0;
	long v[3];
	bool ok;
	int r;

	ok = split_words(data, tok, len, nnum + 1) == 0 &&
	     len[nnum] < sizeof(name);
	for (int i = 0; ok && i < nnum; i++)
		ok = parse_u16(tok[i], len[i], 65535, &v[i]);
	if (!ok)
		return ipam_fail(db, -EINVAL, "%s record data '%s' is not '%s'",
				 type, data, form);
	memcpy(name, tok[nnum], len[nnum]);
	name[len[nnum]] = '\0';
	if ((r = canon_name(db, name, 0, "target", canon, sizeof(canon))) < 0)
		return r;
	for (int i = 0; i < nnum && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%ld ", v[i]);
	if (o < size)
		snprintf(out + o, size - o, "%s", canon);
	return 0;
}

/* Validate DATA for TYPE and write its canonical text to out. */
static int record_data(struct ipam *db, const char *type, const char *data,
		       char *out, size_t size)
{
	struct ip_addr a;

	if (!strcmp(type, "A") || !strcmp(type, "AAAA")) {
		int fam = type[1] ? AF_INET6 : AF_INET;

		if (ip_parse(&a, data) < 0 || a.family != fam)
			return ipam_fail(db, -EINVAL, "%s record data '%s' is "
					 "not an IPv%d address", type, data,
					 fam == AF_INET ? 4 : 6);
		ip_format(&a, out, size);
		return 0;
	}
	if (!strcmp(type, "CNAME") || !strcmp(type, "NS") || !strcmp(type, "PTR"))
		return canon_name(db, data, DNS_NAME_UNDERSCORE, type, out, size);
	if (!strcmp(type, "TXT")) {
		size_t n = strlen(data);

		if (n == 0 || n > 4000)
			return ipam_fail(db, -EINVAL, "TXT record data must be 1 "
					 "to 4000 characters");
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)data[i] < 0x20 || data[i] == 0x7f)
				return ipam_fail(db, -EINVAL, "TXT record data "
						 "holds a control character");
		snprintf(out, size, "%s", data);
		return 0;
	}
	if (!strcmp(type, "MX"))
		return record_nums_name(db, type, data, 1, "PREFERENCE HOST", out,
					size);
	if (!strcmp(type, "SRV"))
		return record_nums_name(db, type, data, 3,
					"PRIORITY WEIGHT PORT TARGET", out, size);
	return ipam_fail(db, -EINVAL, "record type '%s' is not one of A, AAAA, "
			 "CNAME, TXT, SRV, MX, PTR, NS", type);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix) && (n == m || s[n - m - 1] == '.');
}

/* The longest IPAM domain that holds name: 0 if none. */
static int64_t domain_of(struct ipam *db, const char *name)
{
	for (const char *p = name; p; p = strchr(p, '.')) {
		int64_t id;

		if (*p == '.')
			p++;
		id = domain_lookup(db, p);
		if (id)
			return id;
	}
	return 0;
}

int ipam_record_add(struct ipam *db, const char *fqdn, const char *type_in,
		    const char *data, int64_t ttl)
{
	static const char sql_cname[] =
		"SELECT type FROM dns_record WHERE name = ?1 AND "
		"((?2 = 'CNAME' AND type != 'CNAME') OR (?2 != 'CNAME' AND type = 'CNAME')) "
		"LIMIT 1";
	char name[DNS_NAME_MAX + 2], type[8], canon[4096 + 8];
	sqlite3_stmt *st;
	int64_t dom;
	int r;

	if ((r = canon_name(db, fqdn, DNS_NAME_UNDERSCORE | DNS_NAME_WILDCARD,
			    "record name", name, sizeof(name))) < 0)
		return r;
	if (!type_in || strlen(type_in) >= sizeof(type))
		return ipam_fail(db, -EINVAL, "record type '%s' is not one of A, "
				 "AAAA, CNAME, TXT, SRV, MX, PTR, NS",
				 type_in ? type_in : "");
	for (size_t i = 0; i <= strlen(type_in); i++)
		type[i] = (char)toupper((unsigned char)type_in[i]);
	if ((r = record_data(db, type, data, canon, sizeof(canon))) < 0 ||
	    (ttl && (r = check_ttl(db, ttl)) < 0))
		return r;
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	dom = domain_of(db, name);
	if (!dom && !ends_with(name, "in-addr.arpa") && !ends_with(name, "ip6.arpa"))
		return ipam_write_end(db, ipam_fail(db, -ENOENT, "no domain holds "
				      "%s: add one with `racknet domain add`",
				      name));
	st = ipam_stmt(db, sql_cname);
	if (!st)
		return ipam_write_end(db, -EIO);
	ipam_bind_text(st, 1, name);
	ipam_bind_text(st, 2, type);
	if (sqlite3_step(st) == SQLITE_ROW)
		r = ipam_fail(db, -EEXIST, "%s already has a record of type %s, "
			      "and a CNAME cannot share its name with other data",
			      name, sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (r < 0)
		return ipam_write_end(db, r);
	st = ipam_stmt(db, "SELECT 1 FROM dns_record WHERE name = ?1 AND "
		       "type = ?2 AND data = ?3");
	if (!st)
		return ipam_write_end(db, -EIO);
	ipam_bind_text(st, 1, name);
	ipam_bind_text(st, 2, type);
	ipam_bind_text(st, 3, canon);
	if (ipam_query_int(db, st, 0))
		return ipam_write_end(db, ipam_fail(db, -EEXIST, "record %s %s %s "
				      "already exists", name, type, canon));
	st = ipam_stmt(db, "INSERT INTO dns_record (domain_id, name, type, ttl, "
		       "data) VALUES (?1, ?2, ?3, ?4, ?5)");
	if (st) {
		if (dom)
			sqlite3_bind_int64(st, 1, dom);
		ipam_bind_text(st, 2, name);
		ipam_bind_text(st, 3, type);
		if (ttl)
			sqlite3_bind_int64(st, 4, ttl);
		ipam_bind_text(st, 5, canon);
	}
	return ipam_write_end(db, ipam_exec_stmt(db, st, "add record"));
}

int ipam_record_rm(struct ipam *db, const char *fqdn, const char *type_in,
		   const char *data)
{
	char name[DNS_NAME_MAX + 2], type[8], canon[4096 + 8];
	sqlite3_stmt *st;
	int r;

	if ((r = canon_name(db, fqdn, DNS_NAME_UNDERSCORE | DNS_NAME_WILDCARD,
			    "record name", name, sizeof(name))) < 0)
		return r;
	if (!type_in || strlen(type_in) >= sizeof(type))
		return ipam_fail(db, -EINVAL, "record type '%s' is unknown",
				 type_in ? type_in : "");
	for (size_t i = 0; i <= strlen(type_in); i++)
		type[i] = (char)toupper((unsigned char)type_in[i]);
	if (data && (r = record_data(db, type, data, canon, sizeof(canon))) < 0)
		return r;
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	st = ipam_stmt(db, "DELETE FROM dns_record WHERE name = ?1 AND type = ?2 "
		       "AND (?3 IS NULL OR data = ?3)");
	if (st) {
		ipam_bind_text(st, 1, name);
		ipam_bind_text(st, 2, type);
		ipam_bind_text(st, 3, data ? canon : NULL);
	}
	r = ipam_exec_stmt(db, st, "remove record");
	if (r == 0 && sqlite3_changes(db->sql) == 0)
		r = ipam_fail(db, -ENOENT, "no %s record at %s%s%s", type, name,
			      data ? " with data " : "", data ? canon : "");
	return ipam_write_end(db, r);
}

json_t *ipam_record_list(struct ipam *db, const char *domain)
{
	static const char sql[] =
		"SELECT r.name AS name, r.type AS type, "
		"coalesce(r.ttl, d.ttl) AS ttl, r.data AS data, d.name AS domain "
		"FROM dns_record r LEFT JOIN domain d ON d.id = r.domain_id "
		"WHERE ?1 IS NULL OR r.domain_id = ?1 ORDER BY r.name, r.type, r.data";
	sqlite3_stmt *st;
	int64_t id = 0;

	if (domain && ipam_domain_id(db, domain, false, &id) < 0)
		return NULL;
	st = ipam_stmt(db, sql);
	if (!st)
		return NULL;
	if (domain)
		sqlite3_bind_int64(st, 1, id);
	return ipam_rows_json(db, st, NULL);
}

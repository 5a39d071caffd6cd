/*
 * Leases: the allocation policy dhcpd calls for every DISCOVER and REQUEST,
 * releases, and lease listings. The order of choice is
 * the one RFC 2131 4.3.1 suggests: the client's fixed address, its current
 * (or previous) address, the address it asked for, then a fresh one.
 */
#include "ipam_int.h"

#include <errno.h>
#include <string.h>

/* At most one row: address_fixed_mac is unique over exactly this WHERE.
 * Named, because the planner prefers address_mac and then seeks it once
 * per state among the client's leases (20 times slower, measured). */
static const char sql_fixed[] =
	"SELECT ip, state FROM address INDEXED BY address_fixed_mac "
	"WHERE subnet_id = ?1 AND mac = ?2 "
	"AND state IN ('static', 'sticky')";
/* The client is its client-id when it sent one, else its MAC. Two
 * statements, not one with an OR: each must be a seek on its own index
 * (an OR made SQLite walk every lease of the subnet). */
static const char sql_own_cid[] =
	"SELECT id, ip, mac FROM address WHERE subnet_id = ?1 "
	"AND client_id = ?2 AND state = 'lease' LIMIT 1";
static const char sql_own_mac[] =
	"SELECT id, ip FROM address WHERE subnet_id = ?1 AND mac = ?2 "
	"AND client_id IS NULL AND state = 'lease' LIMIT 1";

/* The client's lease row on the subnet: its id and address, or 0; and
 * whether the row has another MAC (a client-id that moved to a new NIC). */
static int64_t own_lease(struct ipam *db, int64_t subnet_id,
			 const struct ipam_client *c, struct ip_addr *ret_ip,
			 bool *ret_new_mac)
{
	bool by_cid = c->client_id && c->client_id_len;
	sqlite3_stmt *st = ipam_stmt(db, by_cid ? sql_own_cid : sql_own_mac);
	char mac[MAC_STRLEN];
	int64_t id = 0;

	if (!st)
		return 0;
	mac_format(&c->mac, mac, sizeof(mac));
	sqlite3_bind_int64(st, 1, subnet_id);
	if (by_cid)
		sqlite3_bind_blob(st, 2, c->client_id, (int)c->client_id_len,
				  SQLITE_TRANSIENT);
	else
		sqlite3_bind_text(st, 2, mac, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW && ipam_column_ip(st, 1, ret_ip) == 0) {
		const char *had = (const char *)sqlite3_column_text(st, 2);

		id = sqlite3_column_int64(st, 0);
		if (ret_new_mac)
			*ret_new_mac = by_cid && (!had || strcmp(had, mac));
	}
	sqlite3_reset(st);
	return id;
}

static const char sql_lease_ins[] =
	"INSERT INTO address (subnet_id, ip, state, mac, client_id, hostname, "
	"expiry, updated) VALUES (?1, ?2, 'lease', ?3, ?4, ?5, ?6, ?7)";
/* A takeover gives the row to a new client and drops the old hostname;
 * a client known by its client-id may come back with another MAC. Both
 * rewrite the row. A plain renewal keeps a hostname the client no longer
 * sends and leaves mac and client_id alone: SQLite rewrites every index
 * over a column that is SET, changed or not, and renewals are most of
 * the writes. An offer (?9) never shortens the lease the client has. */
static const char sql_lease_set[] =
	"UPDATE address SET mac = ?3, client_id = ?4, "
	"hostname = CASE WHEN ?8 THEN ?5 ELSE coalesce(?5, hostname) END, "
	"expiry = CASE WHEN ?9 THEN max(expiry, ?6) ELSE ?6 END, "
	"updated = ?7 WHERE id = ?1";
static const char sql_lease_renew[] =
	"UPDATE address SET hostname = coalesce(?5, hostname), "
	"expiry = CASE WHEN ?9 THEN max(expiry, ?6) ELSE ?6 END, "
	"updated = ?7 WHERE id = ?1";
static const char sql_next_free[] =
	"SELECT lo FROM pool_free WHERE subnet_id = ?1 ORDER BY lo LIMIT 1";
static const char sql_oldest_expired[] =
	"SELECT id, ip FROM address WHERE subnet_id = ?1 AND state = 'lease' "
	"AND expiry <= ?2 ORDER BY expiry, id LIMIT 1";

struct alloc {
	struct ipam *db;
	const struct ipam_subnet_info *s;
	const struct ipam_client *c;
	int64_t now, expiry;
	unsigned flags;
	bool new_mac;		/* the client's lease row has another MAC */
	struct ipam_lease *ret;
};

static void bind_lease(struct alloc *a, sqlite3_stmt *st)
{
	char mac[MAC_STRLEN];

	sqlite3_bind_text(st, 3, mac_format(&a->c->mac, mac, sizeof(mac)), -1,
			  SQLITE_TRANSIENT);
	if (a->c->client_id && a->c->client_id_len)
		sqlite3_bind_blob(st, 4, a->c->client_id,
				  (int)a->c->client_id_len, SQLITE_TRANSIENT);
	ipam_bind_text(st, 5, a->c->hostname);
	sqlite3_bind_int64(st, 6, a->expiry);
	sqlite3_bind_int64(st, 7, a->now);
}

static int lease_done(struct alloc *a, const struct ip_addr *ip, bool fresh)
{
	a->ret->ip = *ip;
	a->ret->subnet_id = a->s->id;
	a->ret->state = IPAM_LEASE;
	a->ret->expiry = a->expiry;
	a->ret->fresh = fresh;
	return 1;
}

/* Give row id (a lease) to this client; takeover drops the old hostname. */
static int lease_update(struct alloc *a, int64_t id, const struct ip_addr *ip,
			bool takeover)
{
	bool rewrite = takeover || a->new_mac;
	sqlite3_stmt *st = ipam_stmt(a->db, rewrite ? sql_lease_set :
				     sql_lease_renew);
	int r;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	bind_lease(a, st);
	sqlite3_bind_int(st, 8, takeover);
	sqlite3_bind_int(st, 9, !!(a->flags & IPAM_ALLOC_OFFER));
	r = ipam_exec_stmt(a->db, st, "record lease");
	return r < 0 ? r : lease_done(a, ip, false);
}

/* A never-used address: out of the free index, into a new lease row. */
static int lease_insert(struct alloc *a, const struct ip_addr *ip)
{
	sqlite3_stmt *st;
	int r;

	r = ipam_pool_take(a->db, a->s->id, ip);
	if (r < 0)
		return r;
	st = ipam_stmt(a->db, sql_lease_ins);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, a->s->id);
	ipam_bind_ip(st, 2, ip);
	bind_lease(a, st);
	r = ipam_exec_stmt(a->db, st, "record lease");
	return r < 0 ? r : lease_done(a, ip, true);
}

/* The static or sticky address of this MAC on the subnet: 1, 0 or -EIO. */
static int fixed_address(struct ipam *db, int64_t subnet_id,
			 const struct ipam_client *c, struct ipam_lease *ret)
{
	sqlite3_stmt *st = ipam_stmt(db, sql_fixed);
	char mac[MAC_STRLEN];
	int found = 0;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, subnet_id);
	sqlite3_bind_text(st, 2, mac_format(&c->mac, mac, sizeof(mac)), -1,
			  SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    ipam_column_ip(st, 0, &ret->ip) == 0) {
		const char *state = (const char *)sqlite3_column_text(st, 1);

		ret->subnet_id = subnet_id;
		ret->state = strcmp(state, "sticky") ? IPAM_STATIC : IPAM_STICKY;
		ret->expiry = 0;
		ret->fresh = false;
		found = 1;
	}
	sqlite3_reset(st);
	return found;
}

/* Step 1: a static or sticky address for this MAC. */
static int try_fixed(struct alloc *a)
{
	return fixed_address(a->db, a->s->id, a->c, a->ret);
}

/* Renew lease row id on ip for its client, unless the pool moved. */
static int own_renew(struct alloc *a, int64_t id, const struct ip_addr *ip)
{
	/* The operator may have shrunk the pool under it since. */
	if (!ipam_dynamic_range_of(a->db, a->s->id, ip) ||
	    ipam_subnet_excluded(a->s, ip)) {
		int r = ipam_address_delete(a->db, id);

		return r < 0 ? r : 0;
	}
	return lease_update(a, id, ip, false);
}

/* Step 2: the client's own lease, current or expired but not reused. */
static int try_own(struct alloc *a)
{
	struct ip_addr ip;
	int64_t id = own_lease(a->db, a->s->id, a->c, &ip, &a->new_mac);

	return id ? own_renew(a, id, &ip) : 0;
}

/* Step 3: the address the client asked for, if it may have it. */
static int try_requested(struct alloc *a, const struct ip_addr *ip)
{
	sqlite3_stmt *st;
	int64_t id = 0, expiry = 0;
	const char *state = NULL;
	int rc;

	if (!ip || !cidr_contains(&a->s->cidr, ip) ||
	    ipam_subnet_excluded(a->s, ip) ||
	    !ipam_dynamic_range_of(a->db, a->s->id, ip))
		return 0;
	st = ipam_stmt(a->db, ipam_sql_addr_at);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, a->s->id);
	ipam_bind_ip(st, 2, ip);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		state = (const char *)sqlite3_column_text(st, 1);
		expiry = sqlite3_column_int64(st, 2);
		if (!state || strcmp(state, "lease") || expiry > a->now)
			id = -1;		/* taken */
	}
	sqlite3_reset(st);
	if (id < 0)
		return 0;
	if (id > 0)
		return lease_update(a, id, ip, true);
	return lease_insert(a, ip);
}

/* Step 4: the lowest never-used address. */
static int try_fresh(struct alloc *a)
{
	sqlite3_stmt *st = ipam_stmt(a->db, sql_next_free);
	struct ip_addr ip;
	int found = 0;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, a->s->id);
	if (sqlite3_step(st) == SQLITE_ROW && ipam_column_ip(st, 0, &ip) == 0)
		found = 1;
	sqlite3_reset(st);
	return found ? lease_insert(a, &ip) : 0;
}

/* Step 5: the least recently expired lease of another client. Rows left
 * outside the pool by a range change are dropped as they are met. */
static int try_expired(struct alloc *a)
{
	for (int tries = 0; tries < 16; tries++) {
		sqlite3_stmt *st = ipam_stmt(a->db, sql_oldest_expired);
		struct ip_addr ip;
		int64_t id = 0;
		int r;

		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, a->s->id);
		sqlite3_bind_int64(st, 2, a->now);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    ipam_column_ip(st, 1, &ip) == 0)
			id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (id == 0)
			return 0;
		if (ipam_dynamic_range_of(a->db, a->s->id, &ip) &&
		    !ipam_subnet_excluded(a->s, &ip))
			return lease_update(a, id, &ip, true);
		r = ipam_address_delete(a->db, id);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A REQUEST for one address: the client's own, or a free one, or none. */
static int alloc_exact(struct alloc *a, const struct ip_addr *want)
{
	struct ip_addr own;
	char buf[IP_STRLEN];
	int r;

	if (!want)
		return ipam_fail(a->db, -EADDRNOTAVAIL, "no address requested");
	ip_format(want, buf, sizeof(buf));
	r = try_fixed(a);
	if (r != 0) {
		if (r < 0 || ip_equal(&a->ret->ip, want))
			return r;
		return ipam_fail(a->db, -EADDRNOTAVAIL, "%s is not this "
				 "client's: it has a fixed address", buf);
	}
	int64_t id = own_lease(a->db, a->s->id, a->c, &own, &a->new_mac);

	if (id && !ip_equal(&own, want))
		return ipam_fail(a->db, -EADDRNOTAVAIL, "%s is not this "
				 "client's: it holds another lease", buf);
	if ((id && (r = own_renew(a, id, &own)) != 0) ||
	    (r = try_requested(a, want)) != 0)
		return r;
	return ipam_fail(a->db, -EADDRNOTAVAIL, "%s is not free on %s", buf,
			 a->s->text);
}

static int alloc_locked(struct alloc *a, const struct ip_addr *requested)
{
	int r;

	if (a->flags & IPAM_ALLOC_EXACT)
		return alloc_exact(a, requested);
	if ((r = try_fixed(a)) != 0 || (r = try_own(a)) != 0 ||
	    (r = try_requested(a, requested)) != 0 || (r = try_fresh(a)) != 0)
		return r;
	return try_expired(a);
}

int ipam_lease_alloc(struct ipam *db, int64_t subnet_id,
		     const struct ipam_client *c, const struct ip_addr *requested,
		     uint32_t lease_secs, int64_t now, unsigned flags,
		     struct ipam_lease *ret)
{
	struct ipam_subnet_info s;
	struct ipam_lease lease;
	struct alloc a = {
		.db = db, .s = &s, .c = c, .now = now,
		.expiry = now + (int64_t)lease_secs, .flags = flags,
		.ret = &lease,
	};
	int r;

	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	r = ipam_subnet_info(db, subnet_id, &s);
	if (r == 0)
		r = alloc_locked(&a, requested);
	if (r == -EEXIST) {
		/* The free index disagreed with the address table (a hand
		 * edit, say): rebuild it from the table and try once more. */
		r = ipam_pool_rebuild(db, subnet_id);
		if (r == 0)
			r = alloc_locked(&a, requested);
	}
	if (r == 0)
		r = ipam_fail(db, -ENOSPC, "pool exhausted on %s", s.text);
	if (r > 0 && (flags & IPAM_ALLOC_DRYRUN)) {
		ipam_write_end(db, -ECANCELED);		/* undo it all */
		*ret = lease;
		return 0;
	}
	r = ipam_write_end(db, r < 0 ? r : 0);
	if (r == 0)
		*ret = lease;
	return r;
}

int ipam_lease_find(struct ipam *db, int64_t subnet_id,
		    const struct ipam_client *c, int64_t now,
		    struct ipam_lease *ret)
{
	static const char sql_expiry[] =
		"SELECT expiry FROM address WHERE id = ?1";
	int64_t id;
	int r;

	r = fixed_address(db, subnet_id, c, ret);
	if (r != 0)
		return r;
	id = own_lease(db, subnet_id, c, &ret->ip, NULL);
	if (id == 0)
		return 0;
	ret->subnet_id = subnet_id;
	ret->state = IPAM_LEASE;
	ret->fresh = false;
	sqlite3_stmt *st = ipam_stmt(db, sql_expiry);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	ret->expiry = ipam_query_int(db, st, now);
	return 1;
}

int ipam_address_conflict(struct ipam *db, int64_t subnet_id,
			  const struct ip_addr *ip, int64_t until, int64_t now)
{
	static const char sql_hold[] =
		"UPDATE address SET state = 'conflict', mac = NULL, "
		"client_id = NULL, hostname = NULL, expiry = ?2, updated = ?3 "
		"WHERE id = ?1";
	static const char sql_new[] =
		"INSERT INTO address (subnet_id, ip, state, expiry, updated) "
		"VALUES (?1, ?2, 'conflict', ?3, ?4)";
	struct ipam_subnet_info s;
	char buf[IP_STRLEN], state[16] = "";
	sqlite3_stmt *st;
	int64_t id = 0;
	int r;

	ip_format(ip, buf, sizeof(buf));
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	r = ipam_subnet_info(db, subnet_id, &s);
	if (r < 0)
		return ipam_write_end(db, r);
	if (!cidr_contains(&s.cidr, ip))
		return ipam_write_end(db, ipam_fail(db, -EINVAL, "%s is not in "
						    "%s", buf, s.text));
	st = ipam_stmt(db, ipam_sql_addr_at);
	if (!st)
		return ipam_write_end(db, -EIO);
	sqlite3_bind_int64(st, 1, subnet_id);
	ipam_bind_ip(st, 2, ip);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		snprintf(state, sizeof(state), "%s",
			 (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (id && strcmp(state, "lease") && strcmp(state, "conflict"))
		return ipam_write_end(db, ipam_fail(db, -EPERM, "%s is a %s "
						    "address", buf, state));
	if (id) {
		st = ipam_stmt(db, sql_hold);
		if (!st)
			return ipam_write_end(db, -EIO);
		sqlite3_bind_int64(st, 1, id);
	} else {
		r = ipam_pool_take(db, subnet_id, ip);
		st = r < 0 ? NULL : ipam_stmt(db, sql_new);
		if (!st)
			return ipam_write_end(db, r < 0 ? r : -EIO);
		sqlite3_bind_int64(st, 1, subnet_id);
		ipam_bind_ip(st, 2, ip);
	}
	sqlite3_bind_int64(st, id ? 2 : 3, until);
	sqlite3_bind_int64(st, id ? 3 : 4, now);
	return ipam_write_end(db, ipam_exec_stmt(db, st, "hold address"));
}

int ipam_lease_reclaim(struct ipam *db, int64_t now, int64_t retention,
		       int limit)
{
	/* Per subnet (CROSS JOIN fixes that loop order), so each half is a
	 * range seek on address_expiry, not a walk of every address. */
	static const char sql_due[] =
		"SELECT a.id FROM subnet s CROSS JOIN address a ON a.subnet_id = s.id "
		"AND a.state = 'conflict' AND a.expiry <= ?1 "
		"UNION ALL "
		"SELECT a.id FROM subnet s CROSS JOIN address a ON a.subnet_id = s.id "
		"AND a.state = 'lease' AND a.expiry <= ?2 "
		"LIMIT ?3";
	int64_t ids[256];
	int n = 0, r;

	if (limit > (int)(sizeof(ids) / sizeof(ids[0])))
		limit = (int)(sizeof(ids) / sizeof(ids[0]));
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	sqlite3_stmt *st = ipam_stmt(db, sql_due);
	if (!st)
		return ipam_write_end(db, -EIO);
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, now - retention);
	sqlite3_bind_int(st, 3, limit);
	while (n < limit && sqlite3_step(st) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	for (int i = 0; i < n && r == 0; i++)
		r = ipam_address_delete(db, ids[i]);
	r = ipam_write_end(db, r);
	return r < 0 ? r : n;
}

int ipam_lease_release(struct ipam *db, int64_t subnet_id,
		       const struct ipam_client *c, const struct ip_addr *ip,
		       int64_t now)
{
	sqlite3_stmt *st;
	struct ip_addr own;
	int64_t id = 0;
	char buf[IP_STRLEN];
	int r;

	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	id = own_lease(db, subnet_id, c, &own, NULL);
	if (id != 0 && !ip_equal(&own, ip))
		id = 0;
	if (id == 0)
		return ipam_write_end(db, ipam_fail(db, -ENOENT, "%s is not "
				      "leased to this client",
				      ip_format(ip, buf, sizeof(buf))));
	/* Expire, do not forget: the client gets it back if it returns. */
	st = ipam_stmt(db, "UPDATE address SET expiry = ?2, updated = ?2 "
		       "WHERE id = ?1 AND expiry > ?2");
	if (!st)
		return ipam_write_end(db, -EIO);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return ipam_write_end(db, ipam_exec_stmt(db, st, "release lease"));
}

/* Leases joined with their subnet, for list and show. */
#define LEASE_COLUMNS                                                       \
	"SELECT a.ip AS ip, a.mac AS mac, a.hostname AS hostname, "        \
	"s.cidr AS subnet, a.expiry AS expires, "                           \
	"CASE WHEN a.expiry > ?1 THEN 'active' ELSE 'expired' END AS status, " \
	"a.client_id AS client_id, a.updated AS updated "                  \
	"FROM address a JOIN subnet s ON s.id = a.subnet_id "               \
	"WHERE a.state = 'lease' "
#define LEASE_TYPES "aaaata" "at"

json_t *ipam_lease_list(struct ipam *db, const char *cidr, bool all,
			int64_t now)
{
	static const char sql[] = LEASE_COLUMNS
		"AND (?2 IS NULL OR s.cidr = ?2) AND (?3 OR a.expiry > ?1) "
		"ORDER BY a.subnet_id, a.ip";
	sqlite3_stmt *st;
	int64_t sid;

	if (cidr && ipam_subnet_id(db, cidr, &sid, NULL) < 0)
		return NULL;
	st = ipam_stmt(db, sql);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, now);
	ipam_bind_text(st, 2, cidr);
	sqlite3_bind_int(st, 3, all);
	return ipam_rows_json(db, st, LEASE_TYPES);
}

json_t *ipam_lease_show(struct ipam *db, const char *key, int64_t now)
{
	static const char by_ip[] = LEASE_COLUMNS "AND a.ip = ?2";
	static const char by_mac[] = LEASE_COLUMNS
		"AND a.mac = ?2 ORDER BY a.expiry DESC";
	struct ip_addr ip;
	struct mac_addr mac;
	char buf[MAC_STRLEN];
	sqlite3_stmt *st;

	if (ip_parse(&ip, key) == 0) {
		st = ipam_stmt(db, by_ip);
		if (st)
			ipam_bind_ip(st, 2, &ip);
	} else if (mac_parse(&mac, key) == 0) {
		st = ipam_stmt(db, by_mac);
		if (st)
			ipam_bind_text(st, 2, mac_format(&mac, buf, sizeof(buf)));
	} else {
		ipam_fail(db, -EINVAL, "'%s' is neither an IP nor a MAC address",
			  key);
		return NULL;
	}
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, now);
	return ipam_row_json(db, st, LEASE_TYPES, "a lease for that address");
}

/*
 * Address allocation for dhcpd, and the free-address index behind it.
 *
 * pool_free holds runs [lo, hi] of addresses inside dynamic ranges that have
 * no address row and are not excluded (network, broadcast, gateway). Taking
 * the next free address is "lowest lo" (an index seek), and every insert or
 * delete of an address row splits or merges one run, so allocation costs the
 * same on an empty /16 as on a full one. Expired leases keep their rows, so a
 * returning client finds its old address; they are handed to others only
 * when no never-used address is left, least recently expired first.
 *
 * The index is derived data: if it ever disagrees with the address table
 * (say, after a hand edit), the UNIQUE constraint catches the clash and the
 * subnet's index is rebuilt from the tables.
 */
#include "ipam_int.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>


static const char sql_subnet[] =
	"SELECT net, prefix, gateway, cidr FROM subnet WHERE id = ?1";

static void add_excl(struct ipam_subnet_info *s, const struct ip_addr *a)
{
	int i = s->nexcl;

	for (int j = 0; j < s->nexcl; j++)
		if (ip_equal(&s->excl[j], a))
			return;
	while (i > 0 && ip_cmp(&s->excl[i - 1], a) > 0) {
		s->excl[i] = s->excl[i - 1];
		i--;
	}
	s->excl[i] = *a;
	s->nexcl++;
}

int ipam_subnet_info(struct ipam *db, int64_t id, struct ipam_subnet_info *ret)
{
	sqlite3_stmt *st = ipam_stmt(db, sql_subnet);
	struct ipam_subnet_info s = { .id = id };
	struct ip_addr a;
	unsigned bits;
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return ipam_fail(db, -ENOENT, "subnet id %lld does not "
					 "exist", (long long)id);
		return ipam_sqlfail(db, rc, "read subnet");
	}
	if (ipam_column_ip(st, 0, &s.cidr.net) < 0) {
		sqlite3_reset(st);
		return ipam_fail(db, -EIO, "subnet id %lld has a corrupt "
				 "network address", (long long)id);
	}
	s.cidr.prefix = (uint8_t)sqlite3_column_int(st, 1);
	snprintf(s.text, sizeof(s.text), "%s", sqlite3_column_text(st, 3));
	bits = ip_bits(&s.cidr.net);
	/* The network address is never a host's (the subnet-router anycast
	 * address on IPv6); nor is broadcast on IPv4. /31, /32, /127 and
	 * /128 have no such addresses to spare (RFC 3021, RFC 6164). */
	if (s.cidr.prefix + 1u < bits) {
		cidr_first(&s.cidr, &a);
		add_excl(&s, &a);
		if (s.cidr.net.family == AF_INET) {
			cidr_last(&s.cidr, &a);
			add_excl(&s, &a);
		}
	}
	if (ipam_column_ip(st, 2, &a) == 0)
		add_excl(&s, &a);
	sqlite3_reset(st);
	*ret = s;
	return 0;
}

bool ipam_subnet_excluded(const struct ipam_subnet_info *s, const struct ip_addr *a)
{
	for (int i = 0; i < s->nexcl; i++)
		if (ip_equal(&s->excl[i], a))
			return true;
	return false;
}

static const char sql_free_ins[] =
	"INSERT INTO pool_free (range_id, subnet_id, lo, hi) "
	"VALUES (?1, ?2, ?3, ?4)";

static int free_insert(struct ipam *db, int64_t range_id, int64_t subnet_id,
		       const struct ip_addr *lo, const struct ip_addr *hi)
{
	sqlite3_stmt *st = ipam_stmt(db, sql_free_ins);

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, range_id);
	sqlite3_bind_int64(st, 2, subnet_id);
	ipam_bind_ip(st, 3, lo);
	ipam_bind_ip(st, 4, hi);
	return ipam_exec_stmt(db, st, "update the free-address index");
}

/* Walking a range in address order: the next run starts at cur. */
struct walk {
	struct ip_addr cur;
	bool open;		/* false once cur ran past the top */
};

/* An occupied address u (ascending): emit the run before it. */
static int walk_occupy(struct ipam *db, struct walk *w, int64_t range_id,
		       int64_t subnet_id, const struct ip_addr *u)
{
	struct ip_addr hi;
	int r;

	if (!w->open || ip_cmp(u, &w->cur) < 0)
		return 0;
	if (ip_cmp(u, &w->cur) > 0) {
		hi = *u;
		ip_prev(&hi);
		r = free_insert(db, range_id, subnet_id, &w->cur, &hi);
		if (r < 0)
			return r;
	}
	w->cur = *u;
	w->open = ip_next(&w->cur);
	return 0;
}

static const char sql_range_used[] =
	"SELECT ip FROM address WHERE subnet_id = ?1 AND ip >= ?2 AND ip <= ?3 "
	"ORDER BY ip";

static int rebuild_range(struct ipam *db, const struct ipam_subnet_info *s,
			 int64_t range_id, const struct ip_addr *start,
			 const struct ip_addr *end)
{
	sqlite3_stmt *st = ipam_stmt(db, sql_range_used);
	struct walk w = { .cur = *start, .open = true };
	struct ip_addr u;
	int e = 0, rc, r = 0;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, s->id);
	ipam_bind_ip(st, 2, start);
	ipam_bind_ip(st, 3, end);
	/* Merge two ascending streams: address rows and exclusions. */
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ipam_column_ip(st, 0, &u) < 0)
			continue;
		for (; r == 0 && e < s->nexcl && ip_cmp(&s->excl[e], &u) < 0; e++)
			if (ip_cmp(&s->excl[e], start) >= 0)
				r = walk_occupy(db, &w, range_id, s->id, &s->excl[e]);
		if (r == 0)
			r = walk_occupy(db, &w, range_id, s->id, &u);
	}
	sqlite3_reset(st);
	for (; r == 0 && e < s->nexcl; e++)
		if (ip_cmp(&s->excl[e], start) >= 0 && ip_cmp(&s->excl[e], end) <= 0)
			r = walk_occupy(db, &w, range_id, s->id, &s->excl[e]);
	if (r == 0 && w.open && ip_cmp(&w.cur, end) <= 0)
		r = free_insert(db, range_id, s->id, &w.cur, end);
	return r;
}

static const char sql_free_clear[] = "DELETE FROM pool_free WHERE subnet_id = ?1";
static const char sql_dyn_ranges[] =
	"SELECT id, start_ip, end_ip FROM iprange "
	"WHERE subnet_id = ?1 AND type = 'dynamic' ORDER BY start_ip";

int ipam_pool_rebuild(struct ipam *db, int64_t subnet_id)
{
	struct ipam_subnet_info s;
	struct ip_addr lo, hi;
	sqlite3_stmt *st;
	int r, rc;

	r = ipam_subnet_info(db, subnet_id, &s);
	if (r < 0)
		return r;
	st = ipam_stmt(db, sql_free_clear);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, subnet_id);
	r = ipam_exec_stmt(db, st, "clear the free-address index");
	if (r < 0)
		return r;
	/* The walk uses other statements; this one stays open across it. */
	st = ipam_stmt(db, sql_dyn_ranges);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, subnet_id);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ipam_column_ip(st, 1, &lo) == 0 &&
		    ipam_column_ip(st, 2, &hi) == 0)
			r = rebuild_range(db, &s, sqlite3_column_int64(st, 0),
					  &lo, &hi);
	}
	sqlite3_reset(st);
	return r;
}

int ipam_pool_rebuild_all(struct ipam *db)
{
	sqlite3_stmt *st = ipam_stmt(db, "SELECT id FROM subnet ORDER BY id");
	int r = 0;

	if (!st)
		return -EIO;
	while (r == 0 && sqlite3_step(st) == SQLITE_ROW)
		r = ipam_pool_rebuild(db, sqlite3_column_int64(st, 0));
	sqlite3_reset(st);
	return r;
}

int ipam_repair(struct ipam *db)
{
	int r = ipam_write_begin(db);

	if (r < 0)
		return r;
	return ipam_write_end(db, ipam_pool_rebuild_all(db));
}
static const char sql_free_at[] =
	"SELECT range_id, lo, hi FROM pool_free WHERE subnet_id = ?1 AND lo <= ?2 "
	"ORDER BY lo DESC LIMIT 1";
static const char sql_free_del[] =
	"DELETE FROM pool_free WHERE range_id = ?1 AND lo = ?2";

struct run {
	int64_t range_id;
	struct ip_addr lo, hi;
};

/* The run with the highest lo <= ip in this subnet; 1 if found, 0 if not. */
static int run_at(struct ipam *db, int64_t subnet_id, const struct ip_addr *ip,
		  struct run *ret)
{
	sqlite3_stmt *st = ipam_stmt(db, sql_free_at);
	int rc, found = 0;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, subnet_id);
	ipam_bind_ip(st, 2, ip);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ret->range_id = sqlite3_column_int64(st, 0);
		found = ipam_column_ip(st, 1, &ret->lo) == 0 &&
			ipam_column_ip(st, 2, &ret->hi) == 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ipam_sqlfail(db, rc, "read the free-address index");
	return found;
}

static int run_delete(struct ipam *db, const struct run *run)
{
	sqlite3_stmt *st = ipam_stmt(db, sql_free_del);

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, run->range_id);
	ipam_bind_ip(st, 2, &run->lo);
	return ipam_exec_stmt(db, st, "update the free-address index");
}

int ipam_pool_take(struct ipam *db, int64_t subnet_id, const struct ip_addr *ip)
{
	struct run run;
	struct ip_addr a;
	int r;

	r = run_at(db, subnet_id, ip, &run);
	if (r <= 0 || ip_cmp(&run.hi, ip) < 0)
		return r < 0 ? r : 0;		/* not in the pool: nothing to do */
	r = run_delete(db, &run);
	if (r == 0 && ip_cmp(&run.lo, ip) < 0) {
		a = *ip;
		ip_prev(&a);
		r = free_insert(db, run.range_id, subnet_id, &run.lo, &a);
	}
	if (r == 0 && ip_cmp(ip, &run.hi) < 0) {
		a = *ip;
		ip_next(&a);
		r = free_insert(db, run.range_id, subnet_id, &a, &run.hi);
	}
	return r;
}

static const char sql_in_dynamic[] =
	"SELECT id FROM iprange WHERE subnet_id = ?1 AND type = 'dynamic' "
	"AND start_ip <= ?2 AND end_ip >= ?2 LIMIT 1";
const char ipam_sql_addr_at[] =
	"SELECT id, state, expiry FROM address WHERE subnet_id = ?1 AND ip = ?2";
static const char sql_run_from[] =
	"SELECT hi FROM pool_free WHERE range_id = ?1 AND lo = ?2";

/* The dynamic range holding ip: its id, or 0. */
int64_t ipam_dynamic_range_of(struct ipam *db, int64_t subnet_id,
				const struct ip_addr *ip)
{
	sqlite3_stmt *st = ipam_stmt(db, sql_in_dynamic);

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, subnet_id);
	ipam_bind_ip(st, 2, ip);
	return ipam_query_int(db, st, 0);
}

int ipam_pool_give(struct ipam *db, int64_t subnet_id, const struct ip_addr *ip)
{
	struct ipam_subnet_info s;
	struct run left = { 0 }, right = { 0 };
	struct ip_addr next;
	sqlite3_stmt *st;
	int64_t range_id;
	bool has_left = false, has_right = false;
	int r;

	r = ipam_subnet_info(db, subnet_id, &s);
	if (r < 0)
		return r;
	range_id = ipam_dynamic_range_of(db, subnet_id, ip);
	if (range_id == 0 || ipam_subnet_excluded(&s, ip))
		return 0;
	st = ipam_stmt(db, ipam_sql_addr_at);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, subnet_id);
	ipam_bind_ip(st, 2, ip);
	if (ipam_query_int(db, st, 0) != 0)
		return 0;			/* still in use */
	r = run_at(db, subnet_id, ip, &left);
	if (r < 0)
		return r;
	if (r > 0 && left.range_id == range_id) {
		if (ip_cmp(&left.hi, ip) >= 0)
			return 0;		/* already free */
		next = left.hi;
		has_left = ip_next(&next) && ip_equal(&next, ip);
	}
	next = *ip;
	if (ip_next(&next)) {
		st = ipam_stmt(db, sql_run_from);
		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, range_id);
		ipam_bind_ip(st, 2, &next);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    ipam_column_ip(st, 0, &right.hi) == 0) {
			has_right = true;
			right.range_id = range_id;
			right.lo = next;
		}
		sqlite3_reset(st);
	}
	if (has_left && (r = run_delete(db, &left)) < 0)
		return r;
	if (has_right && (r = run_delete(db, &right)) < 0)
		return r;
	return free_insert(db, range_id, subnet_id, has_left ? &left.lo : ip,
			   has_right ? &right.hi : ip);
}

int ipam_address_delete(struct ipam *db, int64_t addr_id)
{
	sqlite3_stmt *st;
	struct ip_addr ip;
	int64_t subnet_id = 0;
	int r, rc;

	st = ipam_stmt(db, "SELECT subnet_id, ip FROM address WHERE id = ?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, addr_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		subnet_id = sqlite3_column_int64(st, 0);
		if (ipam_column_ip(st, 1, &ip) < 0)
			subnet_id = 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : ipam_sqlfail(db, rc, "read address");
	st = ipam_stmt(db, "DELETE FROM address WHERE id = ?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, addr_id);
	r = ipam_exec_stmt(db, st, "delete address");
	if (r == 0 && subnet_id)
		r = ipam_pool_give(db, subnet_id, &ip);
	return r;
}

const char *ipam_state_name(enum ipam_addr_state s)
{
	static const char *const names[IPAM_STATE_MAX] = {
		[IPAM_STATIC] = "static",
		[IPAM_STICKY] = "sticky",
		[IPAM_LEASE] = "lease",
		[IPAM_RESERVED] = "reserved",
		[IPAM_DISCOVERED] = "discovered",
		[IPAM_CONFLICT] = "conflict",
	};

	return s < IPAM_STATE_MAX ? names[s] : "?";
}

typedef unsigned __int128 u128;

static u128 ip_u128(const struct ip_addr *a)
{
	u128 v = 0;

	for (size_t i = 0; i < ip_len(a); i++)
		v = v << 8 | a->b[i];
	return v;
}

/* Sizes can pass 2^63 on IPv6: those are written as decimal strings. */
static json_t *u128_json(u128 v)
{
	char buf[48];
	size_t o = sizeof(buf) - 1;

	if (v <= (u128)INT64_MAX)
		return json_integer((json_int_t)v);
	buf[o] = '\0';
	do {
		buf[--o] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v && o > 0);
	return json_string(buf + o);
}

/* Sum of (hi - lo + 1) over the rows of a two-column statement. */
static u128 sum_spans(sqlite3_stmt *st)
{
	struct ip_addr lo, hi;
	u128 total = 0;

	while (sqlite3_step(st) == SQLITE_ROW)
		if (ipam_column_ip(st, 0, &lo) == 0 && ipam_column_ip(st, 1, &hi) == 0)
			total += ip_u128(&hi) - ip_u128(&lo) + 1;
	sqlite3_reset(st);
	return total;
}

json_t *ipam_pool_usage(struct ipam *db, int64_t subnet_id, int64_t now)
{
	static const char sql_count[] =
		"SELECT "
		"sum(state = 'lease' AND expiry > ?2), "
		"sum(state = 'lease' AND expiry <= ?2), "
		"sum(state = 'static'), "
		"sum(state = 'sticky'), "
		"sum(state = 'reserved'), "
		"sum(state = 'discovered'), "
		"sum(state = 'conflict') FROM address WHERE subnet_id = ?1";
	struct ipam_subnet_info s;
	sqlite3_stmt *st;
	int64_t n[7] = { 0 };
	u128 pool, reserved, never_used;
	int r;

	if (ipam_subnet_info(db, subnet_id, &s) < 0)
		return NULL;
	st = ipam_stmt(db, sql_count);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, subnet_id);
	sqlite3_bind_int64(st, 2, now);
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		for (int i = 0; i < 7; i++)
			n[i] = sqlite3_column_int64(st, i);
	sqlite3_reset(st);

	st = ipam_stmt(db, "SELECT start_ip, end_ip FROM iprange "
		       "WHERE subnet_id = ?1 AND type = 'dynamic'");
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, subnet_id);
	pool = sum_spans(st);
	for (int i = 0; i < s.nexcl; i++)
		if (ipam_dynamic_range_of(db, subnet_id, &s.excl[i]))
			pool--;
	st = ipam_stmt(db, "SELECT start_ip, end_ip FROM iprange "
		       "WHERE subnet_id = ?1 AND type = 'reserved'");
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, subnet_id);
	reserved = sum_spans(st);
	st = ipam_stmt(db, "SELECT lo, hi FROM pool_free WHERE subnet_id = ?1");
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, subnet_id);
	never_used = sum_spans(st);
	/* Free now: never used, plus expired leases that may be reused. */
	return json_pack("{sosIsIsIsIsIsIsIsoso}",
			 "dynamic_pool", u128_json(pool),
			 "leased", (json_int_t)n[0],
			 "expired", (json_int_t)n[1],
			 "static", (json_int_t)n[2],
			 "sticky", (json_int_t)n[3],
			 "reserved", (json_int_t)n[4],
			 "discovered", (json_int_t)n[5],
			 "conflict", (json_int_t)n[6],
			 "reserved_ranges", u128_json(reserved),
			 "free", u128_json(never_used + (u128)n[1]));
}

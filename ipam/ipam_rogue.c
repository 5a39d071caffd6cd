/*
 * Competing DHCP servers (issue 7): what racknet-dhcpd saw of DHCP servers
 * that are not ours, the operator's allow-list of the known ones, which
 * VLANs must stop being served while an unknown one is active, and the
 * queue of on-demand probes between the CLI and racknet-dhcpd.
 *
 * dhcpd decides what a sighting is (probe, passive OFFER/ACK, a client's
 * REQUEST naming another server); this file only merges and remembers, and
 * says when a sighting is news so that dhcpd warns once per appearance.
 */
#include "ipam_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define PROBE_KEEP 100		/* requests remembered */
#define PROBE_EXPIRY 60		/* seconds a request may wait to be taken */
#define COMMENT_MAX 255

/* The list's columns; STATE is the state expression. */
#define SERVER_COLUMNS(STATE)                                                \
	"SELECT d.server_id AS server_id, d.src_ip AS source, d.mac AS mac, " \
	"nullif(d.interface, '') AS interface, "                             \
	"f.name || '/' || v.vid AS vlan, d.offered AS offered, "             \
	"d.first_seen AS first_seen, d.last_seen AS last_seen, "             \
	"d.count AS count, d.via AS via, " STATE " AS state, "              \
	IPAM_SQL_DHCP_ALLOWED("d") " AS allowed FROM dhcp_server d "         \
	"LEFT JOIN vlan v ON v.id = d.vlan_id "                              \
	"LEFT JOIN fabric f ON f.id = v.fabric_id "
#define SERVER_TYPES "aaaaaattaaab"
#define SERVER_STATE "CASE WHEN d.gone IS NULL THEN 'active' ELSE 'gone' END"

/* The row a sighting belongs to: with a MAC, its own row, else the MAC-less
 * row of that server and interface (which it fills in); without one, the
 * most recently seen row of that server and interface, MAC rows first.
 * 1 and *ret_id / *ret_gone, 0 if none, or -errno. */
static int seen_row(struct ipam *db, const struct ip_addr *server,
		    const char *ifname, const char *mac, int64_t *ret_id,
		    bool *ret_gone)
{
	static const char sql_mac[] =
		"SELECT id, gone FROM dhcp_server WHERE server_id = ?1 AND "
		"interface = ?2 AND (mac = ?3 OR mac IS NULL) "
		"ORDER BY mac IS NULL LIMIT 1";
	static const char sql_nomac[] =
		"SELECT id, gone FROM dhcp_server WHERE server_id = ?1 AND "
		"interface = ?2 ORDER BY mac IS NULL, last_seen DESC, id DESC "
		"LIMIT 1";
	sqlite3_stmt *st = ipam_stmt(db, mac ? sql_mac : sql_nomac);
	int rc, r = 0;

	if (!st)
		return -EIO;
	ipam_bind_ip(st, 1, server);
	ipam_bind_text(st, 2, ifname);
	if (mac)
		ipam_bind_text(st, 3, mac);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*ret_id = sqlite3_column_int64(st, 0);
		*ret_gone = sqlite3_column_type(st, 1) != SQLITE_NULL;
		r = 1;
	} else if (rc != SQLITE_DONE) {
		r = ipam_sqlfail(db, rc, "look up DHCP server");
	}
	sqlite3_reset(st);
	return r;
}

static int seen_update(struct ipam *db, int64_t id,
		       const struct ipam_dhcp_seen *s, const char *mac,
		       int64_t now)
{
	static const char sql[] =
		"UPDATE dhcp_server SET mac = coalesce(?2, mac), "
		"src_ip = coalesce(?3, src_ip), vlan_id = coalesce(?4, vlan_id), "
		"offered = coalesce(?5, offered), last_seen = max(last_seen, ?6), "
		"count = count + 1, via = coalesce(?7, via), gone = NULL "
		"WHERE id = ?1";
	sqlite3_stmt *st = ipam_stmt(db, sql);

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	ipam_bind_text(st, 2, mac);
	if (s->src_ip.family)
		ipam_bind_ip(st, 3, &s->src_ip);
	if (s->vlan_id)
		sqlite3_bind_int64(st, 4, s->vlan_id);
	if (s->offered.family)
		ipam_bind_ip(st, 5, &s->offered);
	sqlite3_bind_int64(st, 6, now);
	ipam_bind_text(st, 7, s->via);
	return ipam_exec_stmt(db, st, "record DHCP server");
}

static int seen_insert(struct ipam *db, const struct ipam_dhcp_seen *s,
		       const char *ifname, const char *mac, int64_t now,
		       int64_t *ret_id)
{
	static const char sql[] =
		"INSERT INTO dhcp_server (server_id, src_ip, mac, interface, "
		"vlan_id, offered, first_seen, last_seen, via) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)";
	sqlite3_stmt *st = ipam_stmt(db, sql);
	int r;

	if (!st)
		return -EIO;
	ipam_bind_ip(st, 1, &s->server_id);
	if (s->src_ip.family)
		ipam_bind_ip(st, 2, &s->src_ip);
	ipam_bind_text(st, 3, mac);
	ipam_bind_text(st, 4, ifname);
	if (s->vlan_id)
		sqlite3_bind_int64(st, 5, s->vlan_id);
	if (s->offered.family)
		ipam_bind_ip(st, 6, &s->offered);
	sqlite3_bind_int64(st, 7, now);
	ipam_bind_text(st, 8, s->via);
	r = ipam_exec_stmt(db, st, "record DHCP server");
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(db->sql);
	return r;
}

/* A row may be added: under dhcp-server-max rows, or the least recently
 * seen gone one goes. Anyone on the wire can make up server identifiers,
 * so the table is bounded; -ENOSPC when every row is of an active server. */
static int make_room(struct ipam *db)
{
	static const char sql_count[] = "SELECT count(*) FROM dhcp_server";
	static const char sql_drop[] =
		"DELETE FROM dhcp_server WHERE id = (SELECT id FROM dhcp_server "
		"WHERE gone IS NOT NULL ORDER BY last_seen, id LIMIT 1)";
	int64_t max = ipam_setting_int(db, "dhcp-server-max");
	int64_t n = ipam_query_int(db, ipam_stmt(db, sql_count), -1);
	int r;

	if (n < 0)
		return -EIO;
	if (n < max)
		return 0;
	r = ipam_exec_stmt(db, ipam_stmt(db, sql_drop), "forget a DHCP server");
	if (r == 0 && sqlite3_changes(db->sql) == 0)
		r = ipam_fail(db, -ENOSPC, "%lld competing DHCP servers are "
			      "recorded and active (dhcp-server-max): a new one "
			      "is not recorded", (long long)n);
	return r;
}

int ipam_dhcp_server_observe(struct ipam *db, const struct ipam_dhcp_seen *s,
			     int64_t now, bool *ret_allowed)
{
	static const char sql_allowed[] =
		"SELECT " IPAM_SQL_DHCP_ALLOWED("d") " FROM dhcp_server d "
		"WHERE d.id = ?1";
	const char *ifname = s->ifname ? s->ifname : "";
	char macbuf[MAC_STRLEN];
	const char *mac = NULL;
	int64_t id = 0;
	bool gone = false, news = false;
	int r;

	if (s->server_id.family != AF_INET)
		return ipam_fail(db, -EINVAL, "a DHCP server sighting needs an "
				 "IPv4 server identifier");
	if (s->has_mac)
		mac = mac_format(&s->mac, macbuf, sizeof(macbuf));
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	r = seen_row(db, &s->server_id, ifname, mac, &id, &gone);
	if (r > 0) {
		r = seen_update(db, id, s, mac, now);
		news = gone;
	} else if (r == 0 && (r = make_room(db)) == 0) {
		r = seen_insert(db, s, ifname, mac, now, &id);
		news = true;
	}
	if (r >= 0 && ret_allowed) {
		sqlite3_stmt *st = ipam_stmt(db, sql_allowed);

		if (st)
			sqlite3_bind_int64(st, 1, id);
		*ret_allowed = ipam_query_int(db, st, 0) != 0;
	}
	r = ipam_write_end(db, r);
	return r < 0 ? r : news;
}

int ipam_dhcp_server_rm(struct ipam *db, const char *server_id)
{
	struct ip_addr ip;
	sqlite3_stmt *st;
	int r;

	if ((r = ipam_parse_ip(db, server_id, "server identifier", &ip)) < 0)
		return r;
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	st = ipam_stmt(db, "DELETE FROM dhcp_server WHERE server_id = ?1");
	if (st)
		ipam_bind_ip(st, 1, &ip);
	r = ipam_exec_stmt(db, st, "forget DHCP server");
	if (r == 0 && sqlite3_changes(db->sql) == 0)
		r = ipam_fail(db, -ENOENT, "no DHCP server %s has been seen",
			      server_id);
	return ipam_write_end(db, r);
}

json_t *ipam_dhcp_server_list(struct ipam *db, int64_t since)
{
	static const char sql[] = SERVER_COLUMNS(SERVER_STATE)
		"WHERE d.last_seen >= ?1 ORDER BY d.last_seen DESC, d.id DESC";
	sqlite3_stmt *st = ipam_stmt(db, sql);

	if (st)
		sqlite3_bind_int64(st, 1, since);
	return ipam_rows_json(db, st, SERVER_TYPES);
}

json_t *ipam_dhcp_server_expire(struct ipam *db, int64_t now)
{
	static const char sql_list[] = SERVER_COLUMNS("'gone'")
		"WHERE d.gone IS NULL AND d.last_seen < ?1 "
		"ORDER BY d.last_seen DESC, d.id DESC";
	static const char sql_mark[] =
		"UPDATE dhcp_server SET gone = ?2 "
		"WHERE gone IS NULL AND last_seen < ?1";
	int64_t cutoff = now - ipam_setting_int(db, "dhcp-server-timeout");
	sqlite3_stmt *st;
	json_t *rows;
	int r;

	/* dhcpd asks often: nothing to mark costs a read, no write lock. */
	st = ipam_stmt(db, sql_list);
	if (st)
		sqlite3_bind_int64(st, 1, cutoff);
	rows = ipam_rows_json(db, st, SERVER_TYPES);
	if (!rows || json_array_size(rows) == 0)
		return rows;
	json_decref(rows);
	if (ipam_write_begin(db) < 0)
		return NULL;
	st = ipam_stmt(db, sql_list);
	if (st)
		sqlite3_bind_int64(st, 1, cutoff);
	rows = ipam_rows_json(db, st, SERVER_TYPES);
	r = rows ? 0 : -EIO;
	if (r == 0 && json_array_size(rows) > 0) {
		st = ipam_stmt(db, sql_mark);
		if (st) {
			sqlite3_bind_int64(st, 1, cutoff);
			sqlite3_bind_int64(st, 2, now);
		}
		r = ipam_exec_stmt(db, st, "mark DHCP servers gone");
	}
	if (ipam_write_end(db, r) < 0) {
		json_decref(rows);
		return NULL;
	}
	return rows;
}

/* who: a server identifier (IPv4) or a MAC; exactly one of the two out. */
static int parse_who(struct ipam *db, const char *who, struct ip_addr *ret_ip,
		     char *ret_mac, size_t size)
{
	struct mac_addr m;

	ret_ip->family = 0;
	ret_mac[0] = '\0';
	if (who && ip_parse(ret_ip, who) == 0) {
		if (ret_ip->family != AF_INET)
			return ipam_fail(db, -EINVAL, "'%s' cannot be a DHCP "
					 "server identifier: DHCPv4 servers are "
					 "named by an IPv4 address", who);
		return 0;
	}
	ret_ip->family = 0;
	if (who && mac_parse(&m, who) == 0) {
		mac_format(&m, ret_mac, size);
		return 0;
	}
	return ipam_fail(db, -EINVAL, "'%s' is neither a DHCP server identifier "
			 "(an IPv4 address) nor a MAC address", who ? who : "");
}

static bool comment_valid(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f)
			return false;
	return n <= COMMENT_MAX;
}

/* Bind the allow-list key: ?1 the identifier, ?2 the MAC (one is NULL). */
static void bind_who(sqlite3_stmt *st, const struct ip_addr *ip,
		     const char *mac)
{
	if (ip->family)
		ipam_bind_ip(st, 1, ip);
	ipam_bind_text(st, 2, mac[0] ? mac : NULL);
}

int ipam_dhcp_server_allow(struct ipam *db, const char *who,
			   const char *comment)
{
	static const char sql_has[] =
		"SELECT count(*) FROM dhcp_server_allow "
		"WHERE server_id = ?1 OR mac = ?2";
	static const char sql_add[] =
		"INSERT INTO dhcp_server_allow (server_id, mac, comment) "
		"VALUES (?1, ?2, ?3)";
	char mac[MAC_STRLEN];
	struct ip_addr ip;
	sqlite3_stmt *st;
	int r;

	if ((r = parse_who(db, who, &ip, mac, sizeof(mac))) < 0)
		return r;
	if (comment && !comment_valid(comment))
		return ipam_fail(db, -EINVAL, "the comment must be printable "
				 "text of at most %d bytes", COMMENT_MAX);
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	st = ipam_stmt(db, sql_has);
	if (st)
		bind_who(st, &ip, mac);
	if (!st)
		r = -EIO;
	else if (ipam_query_int(db, st, 0) > 0)
		r = ipam_fail(db, -EEXIST, "DHCP server %s is already on the "
			      "allow-list", who);
	if (r == 0) {
		st = ipam_stmt(db, sql_add);
		if (st) {
			bind_who(st, &ip, mac);
			ipam_bind_text(st, 3, comment && comment[0] ? comment :
				       NULL);
		}
		r = ipam_exec_stmt(db, st, "allow DHCP server");
	}
	return ipam_write_end(db, r);
}

int ipam_dhcp_server_disallow(struct ipam *db, const char *who)
{
	static const char sql[] =
		"DELETE FROM dhcp_server_allow WHERE server_id = ?1 OR mac = ?2";
	char mac[MAC_STRLEN];
	struct ip_addr ip;
	sqlite3_stmt *st;
	int r;

	if ((r = parse_who(db, who, &ip, mac, sizeof(mac))) < 0)
		return r;
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	st = ipam_stmt(db, sql);
	if (st)
		bind_who(st, &ip, mac);
	r = ipam_exec_stmt(db, st, "disallow DHCP server");
	if (r == 0 && sqlite3_changes(db->sql) == 0)
		r = ipam_fail(db, -ENOENT, "DHCP server %s is not on the "
			      "allow-list", who);
	return ipam_write_end(db, r);
}

json_t *ipam_dhcp_server_allowed(struct ipam *db)
{
	return ipam_rows_json(db, ipam_stmt(db,
		"SELECT coalesce(server_id, mac) AS who, comment "
		"FROM dhcp_server_allow ORDER BY id"), NULL);
}

json_t *ipam_dhcp_rogue_vlans(struct ipam *db)
{
	/* One row per server identifier: max() keeps its MAC over a
	 * MAC-less sighting of it on another interface. */
	return ipam_rows_json(db, ipam_stmt(db,
		"SELECT d.vlan_id AS vlan_id, f.name || '/' || v.vid AS vlan, "
		"d.server_id AS server_id, max(d.mac) AS mac FROM dhcp_server d "
		"JOIN vlan v ON v.id = d.vlan_id "
		"JOIN fabric f ON f.id = v.fabric_id "
		"WHERE v.stop_on_rogue AND d.gone IS NULL AND NOT "
		IPAM_SQL_DHCP_ALLOWED("d") " "
		"GROUP BY d.vlan_id, d.server_id ORDER BY d.vlan_id, d.server_id"),
		NULL);
}

/* Linux: IFNAMSIZ - 1 bytes, no '/', no white space (as interface set). */
static bool ifname_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < IF_NAMESIZE && !strpbrk(s, "/ \t\n:");
}

int ipam_dhcp_probe_request(struct ipam *db, const char *ifname,
			    const char *vlan, int64_t now, int64_t *ret_id)
{
	static const char sql_add[] =
		"INSERT INTO dhcp_probe (interface, vlan_id, requested) "
		"VALUES (?1, ?2, ?3)";
	static const char sql_trim[] = "DELETE FROM dhcp_probe WHERE id <= ?1";
	int64_t vlan_id = 0, id = 0;
	sqlite3_stmt *st;
	int r;

	if (ifname && !ifname[0])
		ifname = NULL;
	if (ifname && !ifname_valid(ifname))
		return ipam_fail(db, -EINVAL, "'%s' is not an interface name",
				 ifname);
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	if (vlan)
		r = ipam_vlan_ref(db, vlan, &vlan_id);
	if (r == 0) {
		st = ipam_stmt(db, sql_add);
		if (st) {
			ipam_bind_text(st, 1, ifname);
			if (vlan_id)
				sqlite3_bind_int64(st, 2, vlan_id);
			sqlite3_bind_int64(st, 3, now);
		}
		r = ipam_exec_stmt(db, st, "request a DHCP probe");
	}
	if (r == 0) {
		id = sqlite3_last_insert_rowid(db->sql);
		st = ipam_stmt(db, sql_trim);
		if (st)
			sqlite3_bind_int64(st, 1, id - PROBE_KEEP);
		r = ipam_exec_stmt(db, st, "forget old DHCP probes");
	}
	r = ipam_write_end(db, r);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

/* The oldest waiting request into *ret: 1, 0 if none, or -errno. */
static int probe_oldest(struct ipam *db, struct ipam_dhcp_probe *ret)
{
	static const char sql[] =
		"SELECT id, interface, vlan_id, requested FROM dhcp_probe "
		"WHERE started IS NULL AND done IS NULL ORDER BY id LIMIT 1";
	sqlite3_stmt *st = ipam_stmt(db, sql);
	int rc, r = 0;

	if (!st)
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *ifn = sqlite3_column_text(st, 1);

		memset(ret, 0, sizeof(*ret));
		ret->id = sqlite3_column_int64(st, 0);
		snprintf(ret->ifname, sizeof(ret->ifname), "%s",
			 ifn ? (const char *)ifn : "");
		ret->vlan_id = sqlite3_column_int64(st, 2);
		ret->requested = sqlite3_column_int64(st, 3);
		r = 1;
	} else if (rc != SQLITE_DONE) {
		r = ipam_sqlfail(db, rc, "read DHCP probe requests");
	}
	sqlite3_reset(st);
	return r;
}

int ipam_dhcp_probe_take(struct ipam *db, int64_t now,
			 struct ipam_dhcp_probe *ret)
{
	static const char sql_waiting[] =
		"SELECT count(*) FROM dhcp_probe "
		"WHERE started IS NULL AND done IS NULL";
	static const char sql_expire[] =
		"UPDATE dhcp_probe SET done = ?1, error = 'racknet-dhcpd did "
		"not take the probe request within 60 s' "
		"WHERE started IS NULL AND done IS NULL AND requested < ?1 - 60";
	static const char sql_start[] =
		"UPDATE dhcp_probe SET started = ?2 WHERE id = ?1";
	struct ipam_dhcp_probe p;
	sqlite3_stmt *st;
	int r;

	/* dhcpd asks every second: an empty queue costs a read, no lock. */
	if (ipam_query_int(db, ipam_stmt(db, sql_waiting), 0) == 0)
		return 0;
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	st = ipam_stmt(db, sql_expire);
	if (st)
		sqlite3_bind_int64(st, 1, now);
	r = ipam_exec_stmt(db, st, "expire DHCP probe requests");
	if (r == 0)
		r = probe_oldest(db, &p);
	if (r > 0) {
		st = ipam_stmt(db, sql_start);
		if (st) {
			sqlite3_bind_int64(st, 1, p.id);
			sqlite3_bind_int64(st, 2, now);
		}
		r = ipam_exec_stmt(db, st, "start a DHCP probe");
		if (r == 0)
			r = 1;
	}
	r = ipam_write_end(db, r);
	if (r > 0)
		*ret = p;
	return r;
}

int ipam_dhcp_probe_done(struct ipam *db, int64_t id, int64_t now, int sent,
			 int found, const char *error)
{
	static const char sql[] =
		"UPDATE dhcp_probe SET started = coalesce(started, ?2), done = ?2, "
		"sent = ?3, found = ?4, error = ?5 WHERE id = ?1";
	sqlite3_stmt *st;
	int r = ipam_write_begin(db);

	if (r < 0)
		return r;
	st = ipam_stmt(db, sql);
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_int(st, 3, sent);
		sqlite3_bind_int(st, 4, found);
		ipam_bind_text(st, 5, error);
	}
	r = ipam_exec_stmt(db, st, "record a DHCP probe");
	if (r == 0 && sqlite3_changes(db->sql) == 0)
		r = ipam_fail(db, -ENOENT, "probe request %" PRId64 " does not "
			      "exist (only the last %d are kept)", id,
			      PROBE_KEEP);
	return ipam_write_end(db, r);
}

json_t *ipam_dhcp_probe_get(struct ipam *db, int64_t id)
{
	static const char sql[] =
		"SELECT p.id AS id, p.interface AS interface, "
		"f.name || '/' || v.vid AS vlan, p.requested AS requested, "
		"p.started AS started, p.done AS done, p.sent AS sent, "
		"p.found AS found, p.error AS error FROM dhcp_probe p "
		"LEFT JOIN vlan v ON v.id = p.vlan_id "
		"LEFT JOIN fabric f ON f.id = v.fabric_id WHERE p.id = ?1";
	sqlite3_stmt *st = ipam_stmt(db, sql);
	char what[64];

	if (st)
		sqlite3_bind_int64(st, 1, id);
	snprintf(what, sizeof(what), "probe request %" PRId64, id);
	return ipam_row_json(db, st, "aaattt", what);
}

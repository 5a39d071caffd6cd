/*
 * Hosts (machines the operator knows: name, MACs, boot data, static
 * addresses), single addresses reserved by hand, and the rack's own
 * interfaces. Rule: a MAC belongs to one host and has at most one static
 * address per subnet; an address is used by one thing at a time.
 */
#include "ipam_int.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "dnsname.h"

/* "lease of 52:54:00:00:00:01" and the like, for conflict messages. */
static void describe_address(struct ipam *db, int64_t subnet_id,
			     const struct ip_addr *ip, char *buf, size_t size)
{
	static const char sql[] =
		"SELECT a.state, a.mac, h.hostname FROM address a "
		"LEFT JOIN host h ON h.id = a.host_id "
		"WHERE a.subnet_id = ?1 AND a.ip = ?2";
	sqlite3_stmt *st = ipam_stmt(db, sql);
	const char *state, *mac, *host;

	snprintf(buf, size, "in use");
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, subnet_id);
	ipam_bind_ip(st, 2, ip);
	if (sqlite3_step(st) == SQLITE_ROW) {
		state = (const char *)sqlite3_column_text(st, 0);
		mac = (const char *)sqlite3_column_text(st, 1);
		host = (const char *)sqlite3_column_text(st, 2);
		if (host)
			snprintf(buf, size, "the %s address of host %s", state, host);
		else if (mac)
			snprintf(buf, size, "a %s of %s", state, mac);
		else
			snprintf(buf, size, "a %s address", state);
	}
	sqlite3_reset(st);
}

/*
 * Check that ip may become a new address row: inside a known subnet, not its
 * network/broadcast address, not used. Returns the subnet in *ret.
 */
static int address_free(struct ipam *db, const struct ip_addr *ip,
			struct ipam_subnet_info *ret)
{
	char a[IP_STRLEN], what[160];
	sqlite3_stmt *st;
	int64_t sid, used;
	int r;

	ip_format(ip, a, sizeof(a));
	if ((r = ipam_subnet_find(db, ip, &sid)) < 0 ||
	    (r = ipam_subnet_info(db, sid, ret)) < 0)
		return r;
	for (int i = 0; i < ret->nexcl; i++) {
		struct ip_addr first, last;

		cidr_first(&ret->cidr, &first);
		cidr_last(&ret->cidr, &last);
		if (!ip_equal(&ret->excl[i], ip))
			continue;
		if (ip_equal(ip, &first) || ip_equal(ip, &last))
			return ipam_fail(db, -EINVAL, "%s is the %s address of "
					 "subnet %s", a, ip_equal(ip, &first) ?
					 "network" : "broadcast", ret->text);
	}
	st = ipam_stmt(db, ipam_sql_addr_at);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, sid);
	ipam_bind_ip(st, 2, ip);
	used = ipam_query_int(db, st, 0);
	if (used) {
		describe_address(db, sid, ip, what, sizeof(what));
		return ipam_fail(db, -EEXIST, "address %s is already %s", a, what);
	}
	return 0;
}

/* A MAC has at most one fixed (static or sticky) address per subnet; the
 * host's own (being replaced) does not count. */
static int mac_fixed_free(struct ipam *db, const struct ipam_subnet_info *s,
			  const char *mac, int64_t host_id)
{
	static const char sql[] =
		"SELECT ip_text(a.ip), a.state, h.hostname FROM address a "
		"LEFT JOIN host h ON h.id = a.host_id WHERE a.subnet_id = ?1 "
		"AND a.mac = ?2 AND a.state IN ('static', 'sticky') AND "
		"(a.host_id IS NULL OR a.host_id != ?3)";
	sqlite3_stmt *st = ipam_stmt(db, sql);
	int r = 0;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, s->id);
	ipam_bind_text(st, 2, mac);
	sqlite3_bind_int64(st, 3, host_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *host = (const char *)sqlite3_column_text(st, 2);

		r = ipam_fail(db, -EEXIST, "MAC %s already has %s address %s on "
			      "subnet %s%s%s%s", mac, sqlite3_column_text(st, 1),
			      sqlite3_column_text(st, 0), s->text,
			      host ? " (host " : "", host ? host : "",
			      host ? ")" : "");
	}
	sqlite3_reset(st);
	return r;
}

static const char sql_addr_ins[] =
	"INSERT INTO address (subnet_id, ip, state, mac, host_id, hostname, "
	"updated, comment) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

static int address_insert(struct ipam *db, const struct ipam_subnet_info *s,
			  const struct ip_addr *ip, const char *state,
			  const char *mac, int64_t host_id, const char *hostname,
			  const char *comment)
{
	sqlite3_stmt *st = ipam_stmt(db, sql_addr_ins);
	int r;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, s->id);
	ipam_bind_ip(st, 2, ip);
	ipam_bind_text(st, 3, state);
	ipam_bind_text(st, 4, mac);
	if (host_id)
		sqlite3_bind_int64(st, 5, host_id);
	ipam_bind_text(st, 6, hostname);
	sqlite3_bind_int64(st, 7, (int64_t)time(NULL));
	ipam_bind_text(st, 8, comment);
	r = ipam_exec_stmt(db, st, "add address");
	if (r == 0)
		r = ipam_pool_take(db, s->id, ip);
	return r;
}

static int host_id(struct ipam *db, const char *hostname, int64_t *ret_id)
{
	sqlite3_stmt *st = ipam_stmt(db, "SELECT id FROM host WHERE hostname = ?1");
	int64_t id;

	if (!st)
		return -EIO;
	ipam_bind_text(st, 1, hostname);
	id = ipam_query_int(db, st, 0);
	if (id == 0)
		return ipam_fail(db, -ENOENT, "host %s does not exist", hostname);
	*ret_id = id;
	return 0;
}

static int canon_mac(struct ipam *db, const char *in, char *out, size_t size)
{
	struct mac_addr m;

	if (!in || mac_parse(&m, in) < 0)
		return ipam_fail(db, -EINVAL, "'%s' is not a MAC address",
				 in ? in : "");
	mac_format(&m, out, size);
	return 0;
}

static int host_mac_add(struct ipam *db, int64_t id, const char *in)
{
	static const char sql_owner[] =
		"SELECT h.hostname FROM host_mac m JOIN host h ON h.id = m.host_id "
		"WHERE m.mac = ?1";
	char mac[MAC_STRLEN], owner[128];
	sqlite3_stmt *st;
	int r;

	if ((r = canon_mac(db, in, mac, sizeof(mac))) < 0)
		return r;
	st = ipam_stmt(db, sql_owner);
	if (!st)
		return -EIO;
	ipam_bind_text(st, 1, mac);
	if (ipam_query_text(db, st, owner, sizeof(owner)))
		return ipam_fail(db, -EEXIST, "MAC %s already belongs to host %s",
				 mac, owner);
	st = ipam_stmt(db, "INSERT INTO host_mac (mac, host_id) VALUES (?1, ?2)");
	if (st) {
		ipam_bind_text(st, 1, mac);
		sqlite3_bind_int64(st, 2, id);
	}
	return ipam_exec_stmt(db, st, "add MAC");
}

static int host_mac_rm(struct ipam *db, int64_t id, const char *hostname,
		       const char *in)
{
	char mac[MAC_STRLEN];
	sqlite3_stmt *st;
	int r;

	if ((r = canon_mac(db, in, mac, sizeof(mac))) < 0)
		return r;
	st = ipam_stmt(db, "DELETE FROM host_mac WHERE mac = ?1 AND host_id = ?2");
	if (!st)
		return -EIO;
	ipam_bind_text(st, 1, mac);
	sqlite3_bind_int64(st, 2, id);
	r = ipam_exec_stmt(db, st, "remove MAC");
	if (r == 0 && sqlite3_changes(db->sql) == 0)
		r = ipam_fail(db, -ENOENT, "host %s has no MAC %s", hostname, mac);
	if (r < 0)
		return r;
	/* Its static addresses move to the host's first remaining MAC. */
	if (ipam_count(db, "SELECT count(*) FROM host_mac WHERE host_id = ?1",
		       id) == 0 &&
	    ipam_count(db, "SELECT count(*) FROM address WHERE host_id = ?1",
		       id) > 0)
		return ipam_fail(db, -EINVAL, "%s is the last MAC of host %s, "
				 "which has static addresses: add another MAC, "
				 "or drop them with --ip ''", mac, hostname);
	st = ipam_stmt(db, "UPDATE address SET mac = (SELECT mac FROM host_mac "
		       "WHERE host_id = ?2 ORDER BY rowid LIMIT 1) "
		       "WHERE host_id = ?2 AND mac = ?1");
	if (!st)
		return -EIO;
	ipam_bind_text(st, 1, mac);
	sqlite3_bind_int64(st, 2, id);
	return ipam_exec_stmt(db, st, "move static addresses to another MAC");
}

/* Remove every address row of the host (or only those in one subnet),
 * giving each back to its pool. */
static int host_addresses_drop(struct ipam *db, int64_t id, int64_t subnet_id)
{
	static const char sql[] =
		"SELECT id FROM address WHERE host_id = ?1 AND "
		"(?2 = 0 OR subnet_id = ?2) ORDER BY id LIMIT 1";
	int r = 0;

	/* Bounded: each round deletes one row of this host. */
	for (int i = 0; r == 0 && i < 65536; i++) {
		sqlite3_stmt *st = ipam_stmt(db, sql);
		int64_t aid;

		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, subnet_id);
		aid = ipam_query_int(db, st, 0);
		if (aid == 0)
			break;
		r = ipam_address_delete(db, aid);
	}
	return r;
}

/* Give the host a static address (replacing one it has on that subnet). */
static int host_static_set(struct ipam *db, int64_t id, const char *hostname,
			   const char *ipstr)
{
	static const char sql_mac[] =
		"SELECT mac FROM host_mac WHERE host_id = ?1 ORDER BY rowid LIMIT 1";
	struct ipam_subnet_info s;
	char mac[MAC_STRLEN];
	struct ip_addr ip;
	sqlite3_stmt *st;
	int64_t sid;
	int r;

	if ((r = ipam_parse_ip(db, ipstr, "static address", &ip)) < 0 ||
	    (r = ipam_subnet_find(db, &ip, &sid)) < 0)
		return r;
	/* Moving within a subnet: drop the old one first. */
	if ((r = host_addresses_drop(db, id, sid)) < 0 ||
	    (r = address_free(db, &ip, &s)) < 0)
		return r;
	st = ipam_stmt(db, sql_mac);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	if (!ipam_query_text(db, st, mac, sizeof(mac)))
		return ipam_fail(db, -EINVAL, "host %s has no MAC to bind %s to",
				 hostname, ipstr);
	if ((r = mac_fixed_free(db, &s, mac, id)) < 0)
		return r;
	return address_insert(db, &s, &ip, "static", mac, id, hostname, NULL);
}

static bool token_ok(const char *s)
{
	return s && dns_label_valid(s, strlen(s), DNS_NAME_UNDERSCORE);
}

static int host_apply(struct ipam *db, int64_t id, const char *hostname,
		      const struct ipam_host_opts *o)
{
	static const char sql[] =
		"UPDATE host SET domain_id = CASE WHEN ?2 THEN ?3 ELSE domain_id END, "
		"arch = coalesce(?4, arch), "
		"boot = CASE WHEN ?5 IS NULL THEN boot ELSE nullif(?5, '') END "
		"WHERE id = ?1";
	sqlite3_stmt *st;
	int64_t dom = 0;
	int r = 0;

	if (o->arch && !token_ok(o->arch))
		return ipam_fail(db, -EINVAL, "architecture '%s' is invalid: use "
				 "letters, digits, '-' and '_'", o->arch);
	/* "" clears it: the host then gets the boot-default-profile. */
	if (o->boot && o->boot[0] && !ipam_boot_profile_name_valid(o->boot))
		return ipam_fail(db, -EINVAL, "boot profile '%s' is invalid: use "
				 IPAM_PROFILE_RULE, o->boot);
	/* Adds first: --rm-mac OLD --mac NEW must not see a host with none. */
	for (size_t i = 0; r == 0 && i < o->nmacs; i++)
		r = host_mac_add(db, id, o->macs[i]);
	for (size_t i = 0; r == 0 && i < o->nrm_macs; i++)
		r = host_mac_rm(db, id, hostname, o->rm_macs[i]);
	if (r == 0 && o->domain && o->domain[0])
		r = ipam_domain_id(db, o->domain, true, &dom);
	if (r < 0)
		return r;
	st = ipam_stmt(db, sql);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, o->domain != NULL);
	if (dom)
		sqlite3_bind_int64(st, 3, dom);
	ipam_bind_text(st, 4, o->arch);
	ipam_bind_text(st, 5, o->boot);
	r = ipam_exec_stmt(db, st, "update host");
	if (r == 0 && o->ip)
		r = o->ip[0] ? host_static_set(db, id, hostname, o->ip) :
			       host_addresses_drop(db, id, 0);
	return r;
}

int ipam_host_add(struct ipam *db, const char *hostname,
		  const struct ipam_host_opts *o)
{
	sqlite3_stmt *st;
	int64_t id;
	int r;

	if (!dns_hostname_valid(hostname))
		return ipam_fail(db, -EINVAL, "hostname '%s' is not a valid DNS "
				 "label (letters, digits and '-', at most 63)",
				 hostname);
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	if (host_id(db, hostname, &id) == 0)
		return ipam_write_end(db, ipam_fail(db, -EEXIST, "host %s "
				      "already exists", hostname));
	st = ipam_stmt(db, "INSERT INTO host (hostname) VALUES (?1)");
	if (st)
		ipam_bind_text(st, 1, hostname);
	r = ipam_exec_stmt(db, st, "add host");
	if (r == 0)
		r = host_apply(db, sqlite3_last_insert_rowid(db->sql), hostname, o);
	return ipam_write_end(db, r);
}

int ipam_host_set(struct ipam *db, const char *hostname,
		  const struct ipam_host_opts *o)
{
	int64_t id;
	int r = ipam_write_begin(db);

	if (r < 0)
		return r;
	r = host_id(db, hostname, &id);
	if (r == 0)
		r = host_apply(db, id, hostname, o);
	return ipam_write_end(db, r);
}

int ipam_host_rm(struct ipam *db, const char *hostname)
{
	sqlite3_stmt *st;
	int64_t id;
	int r = ipam_write_begin(db);

	if (r < 0)
		return r;
	r = host_id(db, hostname, &id);
	if (r == 0)
		r = host_addresses_drop(db, id, 0);
	if (r == 0) {
		st = ipam_stmt(db, "DELETE FROM host WHERE id = ?1");
		if (st)
			sqlite3_bind_int64(st, 1, id);
		r = ipam_exec_stmt(db, st, "remove host");
	}
	return ipam_write_end(db, r);
}

#define HOST_COLUMNS                                                         \
	"SELECT h.hostname AS hostname, d.name AS domain, "                   \
	"(SELECT group_concat(mac, ',') FROM (SELECT mac FROM host_mac "      \
	" WHERE host_id = h.id ORDER BY rowid)) AS macs, "                    \
	"(SELECT group_concat(ip_text(ip), ',') FROM (SELECT ip FROM address " \
	" WHERE host_id = h.id ORDER BY length(ip), ip)) AS ips, "            \
	"h.arch AS arch, h.boot AS boot FROM host h "                          \
	"LEFT JOIN domain d ON d.id = h.domain_id "

/* "a,b" -> ["a","b"]; NULL -> []. */
static void split_field(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	json_t *arr = json_array();

	while (s && *s && arr) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);

		json_array_append_new(arr, json_stringn(s, n));
		s = comma ? comma + 1 : NULL;
	}
	if (arr)
		json_object_set_new(o, key, arr);
}

static json_t *host_fields(json_t *o)
{
	split_field(o, "macs");
	split_field(o, "ips");
	return o;
}

json_t *ipam_host_list(struct ipam *db)
{
	static const char sql[] = HOST_COLUMNS "ORDER BY h.hostname";
	json_t *arr = ipam_rows_json(db, ipam_stmt(db, sql), NULL);
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o)
		host_fields(o);
	return arr;
}

json_t *ipam_host_show(struct ipam *db, const char *hostname)
{
	static const char sql[] = HOST_COLUMNS "WHERE h.id = ?1";
	sqlite3_stmt *st;
	int64_t id;
	json_t *o;

	if (host_id(db, hostname, &id) < 0)
		return NULL;
	st = ipam_stmt(db, sql);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	o = ipam_row_json(db, st, NULL, "host");
	return o ? host_fields(o) : NULL;
}

int ipam_address_reserve(struct ipam *db, const char *ipstr,
			 const struct ipam_reserve_opts *o)
{
	struct ipam_subnet_info s;
	char mac[MAC_STRLEN];
	struct ip_addr ip;
	int r;

	if ((r = ipam_parse_ip(db, ipstr, "address", &ip)) < 0)
		return r;
	if (o->mac && (r = canon_mac(db, o->mac, mac, sizeof(mac))) < 0)
		return r;
	if (o->hostname && !dns_hostname_valid(o->hostname))
		return ipam_fail(db, -EINVAL, "hostname '%s' is not a valid DNS "
				 "label", o->hostname);
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	r = address_free(db, &ip, &s);
	if (r == 0 && o->mac)
		r = mac_fixed_free(db, &s, mac, 0);
	if (r == 0)
		r = address_insert(db, &s, &ip, o->mac ? "sticky" : "reserved",
				   o->mac ? mac : NULL, 0, o->hostname, o->comment);
	return ipam_write_end(db, r);
}

int ipam_address_release(struct ipam *db, const char *ipstr)
{
	static const char sql[] =
		"SELECT a.id, a.state, h.hostname FROM address a "
		"LEFT JOIN host h ON h.id = a.host_id "
		"WHERE a.subnet_id = ?1 AND a.ip = ?2";
	char host[128] = "";
	struct ip_addr ip;
	sqlite3_stmt *st;
	int64_t sid, aid = 0;
	int r;

	if ((r = ipam_parse_ip(db, ipstr, "address", &ip)) < 0)
		return r;
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	r = ipam_subnet_find(db, &ip, &sid);
	if (r < 0)
		return ipam_write_end(db, r);
	st = ipam_stmt(db, sql);
	if (!st)
		return ipam_write_end(db, -EIO);
	sqlite3_bind_int64(st, 1, sid);
	ipam_bind_ip(st, 2, &ip);
	if (sqlite3_step(st) == SQLITE_ROW) {
		aid = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			snprintf(host, sizeof(host), "%s", sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	if (aid == 0)
		r = ipam_fail(db, -ENOENT, "address %s is not in use", ipstr);
	else if (host[0])
		r = ipam_fail(db, -EINVAL, "address %s is the static address of "
			      "host %s: change it with `racknet host set %s "
			      "--ip ...`", ipstr, host, host);
	else
		r = ipam_address_delete(db, aid);
	return ipam_write_end(db, r);
}

json_t *ipam_address_list(struct ipam *db, const char *cidr, const char *state)
{
	static const char sql[] =
		"SELECT a.ip AS ip, s.cidr AS subnet, a.state AS state, a.mac AS mac, "
		"coalesce(h.hostname, a.hostname) AS hostname, a.expiry AS expires, "
		"a.comment AS comment FROM address a "
		"JOIN subnet s ON s.id = a.subnet_id "
		"LEFT JOIN host h ON h.id = a.host_id "
		"WHERE (?1 IS NULL OR a.subnet_id = ?1) AND (?2 IS NULL OR a.state = ?2) "
		"ORDER BY length(a.ip), a.ip";
	sqlite3_stmt *st;
	int64_t sid = 0;

	if (state && strcmp(state, "static") && strcmp(state, "sticky") &&
	    strcmp(state, "lease") && strcmp(state, "reserved") &&
	    strcmp(state, "discovered") && strcmp(state, "conflict")) {
		ipam_fail(db, -EINVAL, "state '%s' is not static, sticky, lease, "
			  "reserved, discovered or conflict", state);
		return NULL;
	}
	if (cidr && ipam_subnet_id(db, cidr, &sid, NULL) < 0)
		return NULL;
	st = ipam_stmt(db, sql);
	if (!st)
		return NULL;
	if (cidr)
		sqlite3_bind_int64(st, 1, sid);
	ipam_bind_text(st, 2, state);
	return ipam_rows_json(db, st, "aaaaat");
}

int ipam_interface_set(struct ipam *db, const char *ifname, const char *fabric,
		       int vid, const char *source)
{
	static const char sql[] =
		"INSERT INTO interface (name, vlan_id, source, updated) "
		"VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET "
		"vlan_id = excluded.vlan_id, source = excluded.source, "
		"updated = excluded.updated";
	size_t n = ifname ? strlen(ifname) : 0;
	sqlite3_stmt *st;
	int64_t vlan;
	int r;

	/* Linux: IFNAMSIZ - 1 bytes, no '/', no white space. */
	if (n == 0 || n > 15 || strpbrk(ifname, "/ \t\n:"))
		return ipam_fail(db, -EINVAL, "'%s' is not an interface name",
				 ifname ? ifname : "");
	if (strcmp(source, "operator") && strcmp(source, "netlink"))
		return ipam_fail(db, -EINVAL, "interface source '%s' is not "
				 "operator or netlink", source);
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	r = ipam_vlan_id(db, fabric, vid, &vlan);
	if (r == 0) {
		st = ipam_stmt(db, sql);
		if (st) {
			ipam_bind_text(st, 1, ifname);
			sqlite3_bind_int64(st, 2, vlan);
			ipam_bind_text(st, 3, source);
			sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
		}
		r = ipam_exec_stmt(db, st, "set interface");
	}
	return ipam_write_end(db, r);
}

int ipam_interface_rm(struct ipam *db, const char *ifname)
{
	sqlite3_stmt *st;
	int r = ipam_write_begin(db);

	if (r < 0)
		return r;
	st = ipam_stmt(db, "DELETE FROM interface WHERE name = ?1");
	if (st)
		ipam_bind_text(st, 1, ifname);
	r = ipam_exec_stmt(db, st, "remove interface");
	if (r == 0 && sqlite3_changes(db->sql) == 0)
		r = ipam_fail(db, -ENOENT, "interface %s is not known", ifname);
	return ipam_write_end(db, r);
}

json_t *ipam_interface_list(struct ipam *db)
{
	return ipam_rows_json(db, ipam_stmt(db,
		"SELECT i.name AS name, f.name || '/' || v.vid AS vlan, "
		"i.source AS source, i.updated AS updated FROM interface i "
		"JOIN vlan v ON v.id = i.vlan_id JOIN fabric f ON f.id = v.fabric_id "
		"ORDER BY i.name"), "aaat");
}

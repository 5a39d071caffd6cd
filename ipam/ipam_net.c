/*
 * The network half of the model: fabrics, VLANs, subnets and ranges. Every
 * rule of the model is checked here before the write, so the error can name
 * both objects of a conflict; the schema's constraints are the backstop.
 */
#include "ipam_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dnsname.h"

int64_t ipam_count(struct ipam *db, const char *sql, int64_t id)
{
	sqlite3_stmt *st = ipam_stmt(db, sql);

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	return ipam_query_int(db, st, 0);
}

/* Fabric names are tokens: they appear in "FABRIC/VID". */
static bool token_valid(const char *s)
{
	return s && dns_label_valid(s, strlen(s), DNS_NAME_UNDERSCORE);
}

int ipam_fabric_id(struct ipam *db, const char *name, int64_t *ret_id)
{
	sqlite3_stmt *st = ipam_stmt(db, "SELECT id FROM fabric WHERE name = ?1");
	int64_t id;

	if (!st)
		return -EIO;
	ipam_bind_text(st, 1, name);
	id = ipam_query_int(db, st, 0);
	if (id == 0)
		return ipam_fail(db, -ENOENT, "fabric %s does not exist", name);
	*ret_id = id;
	return 0;
}

int ipam_vlan_id(struct ipam *db, const char *fabric, int vid, int64_t *ret_id)
{
	sqlite3_stmt *st;
	int64_t fid, id;
	int r;

	r = ipam_fabric_id(db, fabric, &fid);
	if (r < 0)
		return r;
	st = ipam_stmt(db, "SELECT id FROM vlan WHERE fabric_id = ?1 AND vid = ?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, fid);
	sqlite3_bind_int(st, 2, vid);
	id = ipam_query_int(db, st, 0);
	if (id == 0)
		return ipam_fail(db, -ENOENT, "VLAN %s/%d does not exist",
				 fabric, vid);
	*ret_id = id;
	return 0;
}

int ipam_fabric_add(struct ipam *db, const char *name)
{
	sqlite3_stmt *st;
	int64_t id;
	int r;

	if (!token_valid(name))
		return ipam_fail(db, -EINVAL, "fabric name '%s' is invalid: use "
				 "letters, digits, '-' and '_'", name);
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	if (ipam_fabric_id(db, name, &id) == 0)
		return ipam_write_end(db, ipam_fail(db, -EEXIST, "fabric %s "
				      "already exists", name));
	st = ipam_stmt(db, "INSERT INTO fabric (name) VALUES (?1)");
	if (st)
		ipam_bind_text(st, 1, name);
	return ipam_write_end(db, ipam_exec_stmt(db, st, "add fabric"));
}

int ipam_fabric_rename(struct ipam *db, const char *name, const char *newname)
{
	sqlite3_stmt *st;
	int64_t id, other;
	int r;

	if (!token_valid(newname))
		return ipam_fail(db, -EINVAL, "fabric name '%s' is invalid: use "
				 "letters, digits, '-' and '_'", newname);
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	r = ipam_fabric_id(db, name, &id);
	if (r == 0 && ipam_fabric_id(db, newname, &other) == 0)
		r = ipam_fail(db, -EEXIST, "fabric %s already exists", newname);
	if (r == 0) {
		st = ipam_stmt(db, "UPDATE fabric SET name = ?2 WHERE id = ?1");
		if (st) {
			sqlite3_bind_int64(st, 1, id);
			ipam_bind_text(st, 2, newname);
		}
		r = ipam_exec_stmt(db, st, "rename fabric");
	}
	return ipam_write_end(db, r);
}

/* "2 VLANs, 1 subnet and 40 addresses": the non-zero counts. */
static void children_text(const struct ipam_child *c, size_t k, char *buf,
			  size_t size)
{
	size_t o = 0;
	int shown = 0, total = 0;

	for (size_t i = 0; i < k; i++)
		total += c[i].n > 0;
	buf[0] = '\0';
	for (size_t i = 0; i < k && o < size; i++) {
		if (c[i].n <= 0)
			continue;
		shown++;
		o += (size_t)snprintf(buf + o, size - o, "%s%" PRId64 " %s",
				      shown == 1 ? "" : shown == total ? " and " : ", ",
				      c[i].n, c[i].n == 1 ? c[i].one : c[i].many);
	}
}

int ipam_remove_with_children(struct ipam *db, const char *what,
			      const struct ipam_child *c, size_t k, bool force,
			      const char *del_sql, int64_t id,
			      json_t **ret_removed)
{
	char list[256];
	sqlite3_stmt *st;
	json_t *with;
	int r;

	children_text(c, k, list, sizeof(list));
	if (list[0] && !force)
		return ipam_fail(db, -ENOTEMPTY, "%s still has %s: remove them "
				 "first, or use --force", what, list);
	st = ipam_stmt(db, del_sql);
	if (st)
		sqlite3_bind_int64(st, 1, id);
	r = ipam_exec_stmt(db, st, "remove");
	if (r < 0 || !ret_removed)
		return r;
	with = json_object();
	for (size_t i = 0; with && i < k; i++)
		json_object_set_new(with, c[i].key, json_integer(c[i].n));
	*ret_removed = json_pack("{soss}", "with", with ? with : json_object(),
				 "summary", list);
	return 0;
}

int ipam_fabric_rm(struct ipam *db, const char *name, bool force,
		   json_t **ret_removed)
{
	char what[128];
	int64_t id;
	int r;

	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	r = ipam_fabric_id(db, name, &id);
	if (r < 0)
		return ipam_write_end(db, r);
	struct ipam_child c[] = {
		{ "vlans", "VLAN", "VLANs", ipam_count(db,
		  "SELECT count(*) FROM vlan WHERE fabric_id = ?1", id) },
		{ "subnets", "subnet", "subnets", ipam_count(db,
		  "SELECT count(*) FROM subnet s JOIN vlan v ON v.id = s.vlan_id "
		  "WHERE v.fabric_id = ?1", id) },
		{ "ranges", "range", "ranges", ipam_count(db,
		  "SELECT count(*) FROM iprange r JOIN subnet s ON s.id = "
		  "r.subnet_id JOIN vlan v ON v.id = s.vlan_id "
		  "WHERE v.fabric_id = ?1", id) },
		{ "addresses", "address", "addresses", ipam_count(db,
		  "SELECT count(*) FROM address a JOIN subnet s ON s.id = "
		  "a.subnet_id JOIN vlan v ON v.id = s.vlan_id "
		  "WHERE v.fabric_id = ?1", id) },
		{ "interfaces", "interface", "interfaces", ipam_count(db,
		  "SELECT count(*) FROM interface i JOIN vlan v ON v.id = "
		  "i.vlan_id WHERE v.fabric_id = ?1", id) },
	};
	snprintf(what, sizeof(what), "fabric %s", name);
	r = ipam_remove_with_children(db, what, c, sizeof(c) / sizeof(c[0]),
				      force, "DELETE FROM fabric WHERE id = ?1",
				      id, ret_removed);
	return ipam_write_end(db, r);
}

json_t *ipam_fabric_list(struct ipam *db)
{
	return ipam_rows_json(db, ipam_stmt(db,
		"SELECT f.name AS name, "
		"(SELECT count(*) FROM vlan v WHERE v.fabric_id = f.id) AS vlans, "
		"(SELECT count(*) FROM subnet s JOIN vlan v ON v.id = s.vlan_id "
		" WHERE v.fabric_id = f.id) AS subnets "
		"FROM fabric f ORDER BY f.name"), NULL);
}

int ipam_vlan_ref(struct ipam *db, const char *ref, int64_t *ret_id)
{
	char fabric[128];
	const char *slash;
	char *end;
	long vid;

	if (!ref[0]) {
		*ret_id = 0;
		return 0;
	}
	slash = strrchr(ref, '/');
	if (!slash || (size_t)(slash - ref) >= sizeof(fabric) || !slash[1])
		return ipam_fail(db, -EINVAL, "'%s' is not a VLAN: write "
				 "FABRIC/VID", ref);
	vid = strtol(slash + 1, &end, 10);
	if (*end || vid < 0 || vid > 4094)
		return ipam_fail(db, -EINVAL, "'%s' is not a VLAN: the VID must "
				 "be 0 to 4094", ref);
	memcpy(fabric, ref, (size_t)(slash - ref));
	fabric[slash - ref] = '\0';
	return ipam_vlan_id(db, fabric, (int)vid, ret_id);
}

static int vlan_apply(struct ipam *db, int64_t id,
		      const struct ipam_vlan_opts *o)
{
	static const char sql[] =
		"UPDATE vlan SET name = CASE WHEN ?2 THEN ?3 ELSE name END, "
		"mtu = coalesce(?4, mtu), dhcp = coalesce(?5, dhcp), "
		"relay_vlan_id = CASE WHEN ?6 THEN ?7 ELSE relay_vlan_id END, "
		"stop_on_rogue = coalesce(?8, stop_on_rogue) WHERE id = ?1";
	sqlite3_stmt *st;
	int64_t relay = 0;
	int r;

	if (o->mtu && (o->mtu < 576 || o->mtu > 65535))
		return ipam_fail(db, -EINVAL, "MTU %d is out of range (576 to "
				 "65535)", o->mtu);
	if (o->relay_from) {
		r = ipam_vlan_ref(db, o->relay_from, &relay);
		if (r < 0)
			return r;
		if (relay == id)
			return ipam_fail(db, -EINVAL, "a VLAN cannot relay from "
					 "itself (%s)", o->relay_from);
	}
	st = ipam_stmt(db, sql);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, o->name != NULL);
	ipam_bind_text(st, 3, o->name && o->name[0] ? o->name : NULL);
	if (o->mtu)
		sqlite3_bind_int(st, 4, o->mtu);
	if (o->dhcp >= 0)
		sqlite3_bind_int(st, 5, o->dhcp);
	sqlite3_bind_int(st, 6, o->relay_from != NULL);
	if (relay)
		sqlite3_bind_int64(st, 7, relay);
	if (o->stop_on_rogue >= 0)
		sqlite3_bind_int(st, 8, o->stop_on_rogue != 0);
	return ipam_exec_stmt(db, st, "update VLAN");
}

int ipam_vlan_add(struct ipam *db, const char *fabric, int vid,
		  const struct ipam_vlan_opts *o)
{
	sqlite3_stmt *st;
	int64_t fid, id;
	int r;

	if (vid < 0 || vid > 4094)
		return ipam_fail(db, -EINVAL, "VID %d is out of range (0 to "
				 "4094)", vid);
	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	r = ipam_fabric_id(db, fabric, &fid);
	if (r == 0 && ipam_vlan_id(db, fabric, vid, &id) == 0)
		r = ipam_fail(db, -EEXIST, "VLAN %d already exists on fabric %s",
			      vid, fabric);
	if (r == 0) {
		st = ipam_stmt(db, "INSERT INTO vlan (fabric_id, vid) "
			       "VALUES (?1, ?2)");
		if (st) {
			sqlite3_bind_int64(st, 1, fid);
			sqlite3_bind_int(st, 2, vid);
		}
		r = ipam_exec_stmt(db, st, "add VLAN");
	}
	if (r == 0)
		r = vlan_apply(db, sqlite3_last_insert_rowid(db->sql), o);
	return ipam_write_end(db, r);
}

int ipam_vlan_set(struct ipam *db, const char *fabric, int vid,
		  const struct ipam_vlan_opts *o)
{
	int64_t id;
	int r = ipam_write_begin(db);

	if (r < 0)
		return r;
	r = ipam_vlan_id(db, fabric, vid, &id);
	if (r == 0)
		r = vlan_apply(db, id, o);
	return ipam_write_end(db, r);
}

int ipam_vlan_rm(struct ipam *db, const char *fabric, int vid, bool force,
		 json_t **ret_removed)
{
	char what[160];
	int64_t id;
	int r;

	r = ipam_write_begin(db);
	if (r < 0)
		return r;
	r = ipam_vlan_id(db, fabric, vid, &id);
	if (r < 0)
		return ipam_write_end(db, r);
	struct ipam_child c[] = {
		{ "subnets", "subnet", "subnets", ipam_count(db,
		  "SELECT count(*) FROM subnet WHERE vlan_id = ?1", id) },
		{ "ranges", "range", "ranges", ipam_count(db,
		  "SELECT count(*) FROM iprange r JOIN subnet s ON s.id = "
		  "r.subnet_id WHERE s.vlan_id = ?1", id) },
		{ "addresses", "address", "addresses", ipam_count(db,
		  "SELECT count(*) FROM address a JOIN subnet s ON s.id = "
		  "a.subnet_id WHERE s.vlan_id = ?1", id) },
		{ "interfaces", "interface", "interfaces", ipam_count(db,
		  "SELECT count(*) FROM interface WHERE vlan_id = ?1", id) },
	};
	snprintf(what, sizeof(what), "VLAN %s/%d", fabric, vid);
	r = ipam_remove_with_children(db, what, c, sizeof(c) / sizeof(c[0]),
				      force, "DELETE FROM vlan WHERE id = ?1",
				      id, ret_removed);
	return ipam_write_end(db, r);
}

/* competing_dhcp: an active competing server that is not allowed (show
 * replaces it with the list of every active one). */
#define VLAN_COLUMNS                                                         \
	"SELECT f.name AS fabric, v.vid AS vid, v.name AS name, v.mtu AS mtu, " \
	"v.dhcp AS dhcp, (SELECT rf.name || '/' || rv.vid FROM vlan rv "      \
	" JOIN fabric rf ON rf.id = rv.fabric_id WHERE rv.id = v.relay_vlan_id) " \
	"AS relay_from, (SELECT count(*) FROM subnet s WHERE s.vlan_id = v.id) " \
	"AS subnets, v.stop_on_rogue AS stop_on_rogue, EXISTS (SELECT 1 FROM " \
	" dhcp_server d WHERE d.vlan_id = v.id AND d.gone IS NULL AND NOT "   \
	IPAM_SQL_DHCP_ALLOWED("d") ") AS competing_dhcp "                     \
	"FROM vlan v JOIN fabric f ON f.id = v.fabric_id "
#define VLAN_TYPES "aaaabaabb"

json_t *ipam_vlan_list(struct ipam *db, const char *fabric)
{
	static const char sql[] = VLAN_COLUMNS
		"WHERE ?1 IS NULL OR f.name = ?1 ORDER BY f.name, v.vid";
	sqlite3_stmt *st;
	int64_t fid;

	if (fabric && ipam_fabric_id(db, fabric, &fid) < 0)
		return NULL;
	st = ipam_stmt(db, sql);
	if (!st)
		return NULL;
	ipam_bind_text(st, 1, fabric);
	return ipam_rows_json(db, st, VLAN_TYPES);
}

json_t *ipam_vlan_show(struct ipam *db, const char *fabric, int vid)
{
	static const char sql[] = VLAN_COLUMNS "WHERE v.id = ?1";
	static const char sql_subnets[] =
		"SELECT cidr FROM subnet WHERE vlan_id = ?1 ORDER BY cidr";
	static const char sql_ifaces[] =
		"SELECT name, source FROM interface WHERE vlan_id = ?1 ORDER BY name";
	static const char sql_rogues[] =
		"SELECT d.server_id AS server_id, d.mac AS mac, "
		"nullif(d.interface, '') AS interface, d.last_seen AS last_seen, "
		IPAM_SQL_DHCP_ALLOWED("d") " AS allowed FROM dhcp_server d "
		"WHERE d.vlan_id = ?1 AND d.gone IS NULL "
		"ORDER BY d.last_seen DESC, d.id";
	sqlite3_stmt *st;
	json_t *o, *sub, *ifs, *rogues;
	int64_t id;

	if (ipam_vlan_id(db, fabric, vid, &id) < 0)
		return NULL;
	st = ipam_stmt(db, sql);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	o = ipam_row_json(db, st, VLAN_TYPES, "VLAN");
	st = ipam_stmt(db, sql_subnets);
	if (!o || !st)
		return o;
	sqlite3_bind_int64(st, 1, id);
	sub = ipam_rows_json(db, st, NULL);
	st = ipam_stmt(db, sql_ifaces);
	if (st)
		sqlite3_bind_int64(st, 1, id);
	ifs = st ? ipam_rows_json(db, st, NULL) : NULL;
	st = ipam_stmt(db, sql_rogues);
	if (st)
		sqlite3_bind_int64(st, 1, id);
	rogues = st ? ipam_rows_json(db, st, "aaatb") : NULL;
	if (!sub || !ifs || !rogues) {
		json_decref(sub);
		json_decref(ifs);
		json_decref(rogues);
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "subnet_list", sub);
	json_object_set_new(o, "interfaces", ifs);
	json_object_set_new(o, "competing_dhcp", rogues);
	return o;
}

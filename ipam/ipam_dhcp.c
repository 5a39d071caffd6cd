/*
 * What dhcpd reads in one go when the model changes (subnets with their
 * VLAN and options, rack interfaces, the boot file table, its settings),
 * and the counters the daemons publish for the CLI.
 */
#include "ipam_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static json_t *dhcp_subnets(struct ipam *db, const char *domain,
			    int64_t lease_time)
{
	static const char sql[] =
		"SELECT s.id AS id, s.cidr AS cidr, s.vlan_id AS vlan_id, "
		"f.name AS fabric, v.vid AS vid, v.mtu AS mtu, v.dhcp AS dhcp, "
		"s.gateway AS gateway, s.dns AS dns, s.ntp AS ntp, "
		"coalesce(d.name, ?1) AS domain, "
		"coalesce(s.lease_time, ?2) AS lease_time, s.managed AS managed "
		"FROM subnet s JOIN vlan v ON v.id = s.vlan_id "
		"JOIN fabric f ON f.id = v.fabric_id "
		"LEFT JOIN domain d ON d.id = s.domain_id "
		"WHERE length(s.net) = 4 ORDER BY s.id";
	sqlite3_stmt *st = ipam_stmt(db, sql);

	if (!st)
		return NULL;
	ipam_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, lease_time);
	return ipam_rows_json(db, st, "aaaaaabaaaaab");
}

json_t *ipam_dhcp_config(struct ipam *db)
{
	static const char sql_ifaces[] =
		"SELECT name, vlan_id, source FROM interface ORDER BY name";
	char domain[256];
	json_t *subnets, *ifaces, *boot;

	if (ipam_setting_get(db, "default-domain", domain, sizeof(domain)) < 0)
		return NULL;
	subnets = dhcp_subnets(db, domain,
			       ipam_setting_int(db, "default-lease-time"));
	ifaces = ipam_rows_json(db, ipam_stmt(db, sql_ifaces), "");
	/* The effective table: global entries, then subnets' own. */
	boot = ipam_bootfile_list(db, NULL);
	if (!subnets || !ifaces || !boot) {
		json_decref(subnets);
		json_decref(ifaces);
		json_decref(boot);
		return NULL;
	}
	return json_pack("{sososo sIsIsIsIsI}", "subnets", subnets,
			 "interfaces", ifaces, "bootfiles", boot,
			 "boot_http_port",
			 (json_int_t)ipam_setting_int(db, "boot-http-port"),
			 "ping_check", (json_int_t)ipam_setting_int(db, "dhcp-ping-check"),
			 "ping_timeout_ms",
			 (json_int_t)ipam_setting_int(db, "dhcp-ping-timeout"),
			 "decline_time",
			 (json_int_t)ipam_setting_int(db, "dhcp-decline-time"),
			 "lease_retention",
			 (json_int_t)ipam_setting_int(db, "dhcp-lease-retention"));
}

int ipam_stats_put(struct ipam *db, const char *daemon, int pid,
		   int64_t started, const json_t *counters, int64_t now,
		   bool wait)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO daemon_stats "
		"(daemon, pid, started, updated, counters) "
		"VALUES (?1, ?2, ?3, ?4, ?5)";
	char *text = json_dumps(counters, JSON_COMPACT | JSON_SORT_KEYS);
	sqlite3_stmt *st;
	int r;

	if (!text)
		return ipam_fail(db, -ENOMEM, "cannot encode counters");
	if (!wait)
		sqlite3_busy_timeout(db->sql, 0);
	r = ipam_write_begin(db);
	st = r < 0 ? NULL : ipam_stmt(db, sql);
	if (st) {
		ipam_bind_text(st, 1, daemon);
		sqlite3_bind_int(st, 2, pid);
		sqlite3_bind_int64(st, 3, started);
		sqlite3_bind_int64(st, 4, now);
		ipam_bind_text(st, 5, text);
		r = ipam_write_end(db, ipam_exec_stmt(db, st, "store counters"));
	} else if (r == 0) {
		r = ipam_write_end(db, -EIO);
	}
	sqlite3_busy_timeout(db->sql, IPAM_BUSY_MS);
	free(text);
	return r;
}

json_t *ipam_stats_get(struct ipam *db, const char *daemon)
{
	static const char sql[] =
		"SELECT daemon, pid, started, updated, counters "
		"FROM daemon_stats WHERE daemon = ?1";
	sqlite3_stmt *st = ipam_stmt(db, sql);
	json_t *arr, *row, *counters;

	if (!st)
		return NULL;
	ipam_bind_text(st, 1, daemon);
	arr = ipam_rows_json(db, st, "aatta");
	if (!arr)
		return NULL;
	row = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	if (!row) {
		ipam_fail(db, -ENOENT, "no counters yet: racknet-%s has not run "
			  "on this database", daemon);
		return NULL;
	}
	/* Stored as text: hand back the object itself. */
	counters = json_loads(json_string_value(json_object_get(row,
				"counters")), 0, NULL);
	json_object_set_new(row, "counters", counters ? counters : json_object());
	return row;
}

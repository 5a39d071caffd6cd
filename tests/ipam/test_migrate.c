/*
 * Migrations: a database at every older schema version, holding the data
 * that version could hold, reaches the current one with its data intact and
 * usable; a newer, foreign or broken file is refused with a clear message
 * and left untouched.
 */
#include <errno.h>
#include <sqlite3.h>

#include "fixture.h"
#include "ipam_int.h"

static struct fixture fx;

/* Build a database at schema version v with raw SQL, as an older racknet
 * would have left it (version 1 already holds every model table). */
static void make_version(struct fixture *f, int v)
{
	sqlite3 *raw;
	char sql[128];

	fx_path(f);
	CHECK_INT(sqlite3_open(f->path, &raw), SQLITE_OK);
	for (int i = 0; i < v; i++)
		CHECK_INT(sqlite3_exec(raw, ipam_migrations[i].sql, NULL, NULL,
				       NULL), SQLITE_OK);
	CHECK_INT(sqlite3_exec(raw,
		"INSERT INTO fabric (id, name) VALUES (1, 'lab');"
		"INSERT INTO vlan (id, fabric_id, vid) VALUES (1, 1, 0);"
		"INSERT INTO subnet (id, cidr, net, prefix, vlan_id, gateway) "
		"  VALUES (1, '10.0.0.0/24', x'0a000000', 24, 1, x'0a000001');"
		"INSERT INTO iprange (subnet_id, start_ip, end_ip, type) "
		"  VALUES (1, x'0a000064', x'0a0000c8', 'dynamic');"
		"INSERT INTO address (subnet_id, ip, state, mac, expiry, updated) "
		"  VALUES (1, x'0a000064', 'lease', '52:54:00:00:00:01', "
		"          9999999999, 0);"
		"INSERT INTO host (id, hostname, boot) VALUES (1, 'node1', 'os');"
		"INSERT INTO host_mac (mac, host_id) VALUES ('52:54:00:00:00:02', 1);"
		"INSERT INTO address (subnet_id, ip, state, mac, host_id, updated) "
		"  VALUES (1, x'0a000065', 'static', '52:54:00:00:00:02', 1, 0);"
		"INSERT INTO dhcp_server (server_id, src_ip, mac, interface, "
		"  vlan_id, first_seen, last_seen, count) VALUES (x'0a0000fa', "
		"  x'0a0000fa', '02:00:00:00:00:fa', 'br0', 1, 900, 950, 4);",
		NULL, NULL, NULL), SQLITE_OK);
	/* A boot profile from version 5 on (version 6 gives it a bootfile
	 * column). */
	if (v >= 5)
		CHECK_INT(sqlite3_exec(raw, "INSERT INTO boot_profile (name, "
				       "kernel) VALUES ('old', 'old/vmlinuz')",
				       NULL, NULL, NULL), SQLITE_OK);
	/* From version 3 on, the C step of v3 (ipam_pool_rebuild_all) had
	 * filled the free-address index: .102-.200 were never used. */
	if (v >= 3)
		CHECK_INT(sqlite3_exec(raw, "INSERT INTO pool_free VALUES "
				       "(1, 1, x'0a000066', x'0a0000c8')",
				       NULL, NULL, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; "
		 "PRAGMA application_id = 1380141902", v);
	CHECK_INT(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
}

/* A profile's bootfile as `racknet boot-profile list` shows it ("" for
 * none, "?" for no such profile). */
static const char *profile_bootfile(struct ipam *db, const char *name)
{
	static char buf[IPAM_BOOTFILE_MAX + 1];
	json_t *l = ipam_boot_profile_list(db), *row;
	size_t i;

	snprintf(buf, sizeof(buf), "?");
	json_array_foreach(l, i, row) {
		const char *f = json_string_value(json_object_get(row,
								  "bootfile"));

		if (!strcmp(json_string_value(json_object_get(row, "name")),
			    name))
			snprintf(buf, sizeof(buf), "%s", f ? f : "");
	}
	json_decref(l);
	return buf;
}

static void bootfile_checks(struct ipam *db, int v)
{
	int64_t gen = ipam_feed_generation(db);
	json_t *l;

	CHECK_INT(ipam_bootfile_set(db, "bios", "pxelinux.0", NULL), 0);
	CHECK_INT(ipam_bootfile_set(db, "bios", "lpxelinux.0", "10.0.0.0/24"),
		  0);
	CHECK_INT(ipam_bootfile_set(db, "bios", "lpxelinux.1", "10.0.0.0/24"),
		  0);
	l = ipam_bootfile_list(db, "10.0.0.0/24");
	CHECK_INT(json_array_size(l), IPAM_BOOT_ARCH_MAX);
	CHECK_STR(json_string_value(json_object_get(json_array_get(l, 0),
						    "value")), "lpxelinux.1");
	json_decref(l);
	CHECK(ipam_feed_generation(db) >= gen + 3);
	if (v >= 5) {
		CHECK_STR(profile_bootfile(db, "old"), "");
		CHECK_INT(ipam_boot_profile_bootfile_set(db, "old",
							 "old/grub.efi"), 0);
		CHECK_STR(profile_bootfile(db, "old"), "old/grub.efi");
	}
	CHECK_INT(ipam_boot_profile_bootfile_set(db, "os", "os.efi"), 0);
}

/* Version 8: an older sighting is active and merges with new ones; the
 * allow-list, the VLAN policy and the probe queue work. */
static void rogue_checks(struct ipam *db)
{
	struct ipam_vlan_opts on = { .dhcp = -1, .stop_on_rogue = 1 };
	struct ipam_dhcp_seen s = { .mac = { { 2, 0, 0, 0, 0, 0xfa } },
				    .has_mac = true, .ifname = "br0",
				    .vlan_id = 1, .via = "probe" };
	struct ipam_dhcp_probe p;
	bool allowed = true;
	int64_t id = 0;
	json_t *l;

	ip_parse(&s.server_id, "10.0.0.250");
	CHECK_INT(ipam_dhcp_server_observe(db, &s, 1000, &allowed), 0);
	CHECK(!allowed);
	l = ipam_dhcp_server_list(db, 0);
	CHECK_INT(json_array_size(l), 1);
	CHECK_INT(json_integer_value(json_object_get(json_array_get(l, 0),
						     "count")), 5);
	CHECK_STR(json_string_value(json_object_get(json_array_get(l, 0),
						    "state")), "active");
	json_decref(l);
	CHECK_INT(ipam_vlan_set(db, "lab", 0, &on), 0);
	l = ipam_dhcp_rogue_vlans(db);
	CHECK_INT(json_array_size(l), 1);
	json_decref(l);
	CHECK_INT(ipam_dhcp_server_allow(db, "10.0.0.250", "old"), 0);
	l = ipam_dhcp_rogue_vlans(db);
	CHECK_INT(json_array_size(l), 0);
	json_decref(l);
	CHECK_INT(ipam_dhcp_probe_request(db, "br0", "lab/0", 1000, &id), 0);
	CHECK_INT(ipam_dhcp_probe_take(db, 1001, &p), 1);
	CHECK_INT(p.id, id);
	CHECK_INT(ipam_dhcp_probe_done(db, id, 1004, 1, 0, NULL), 0);
}

/* Version 6's index holds one global row per architecture, which a plain
 * UNIQUE (arch, subnet_id) would not: NULLs are all distinct there. */
TEST(bootfile_scope_is_unique)
{
	struct ipam *db = fx_open(&fx);
	sqlite3 *raw;

	fx_lab(db);
	ipam_close(db);
	CHECK_INT(sqlite3_open(fx.path, &raw), SQLITE_OK);
	CHECK_INT(sqlite3_exec(raw, "INSERT INTO bootfile (arch, value) "
			       "VALUES ('bios', 'a')", NULL, NULL, NULL),
		  SQLITE_OK);
	CHECK_INT(sqlite3_exec(raw, "INSERT INTO bootfile (arch, value) "
			       "VALUES ('bios', 'b')", NULL, NULL, NULL),
		  SQLITE_CONSTRAINT);
	CHECK_INT(sqlite3_exec(raw, "INSERT INTO bootfile (arch, subnet_id, "
			       "value) VALUES ('bios', 1, 'c')", NULL, NULL,
			       NULL), SQLITE_OK);
	CHECK_INT(sqlite3_exec(raw, "INSERT INTO bootfile (arch, subnet_id, "
			       "value) VALUES ('bios', 1, 'd')", NULL, NULL,
			       NULL), SQLITE_CONSTRAINT);
	sqlite3_close(raw);
	fx_rmdir(&fx);
}

TEST(fresh_reaches_latest)
{
	struct ipam *db = fx_open(&fx);

	CHECK_INT(ipam_schema_version(db), ipam_schema_latest());
	CHECK(ipam_schema_latest() >= 8);
	fx_close(&fx);
}

TEST(every_older_version_migrates)
{
	char err[IPAM_ERRLEN], b[IP_STRLEN];

	for (int v = 1; v < ipam_schema_latest(); v++) {
		struct ipam *db = NULL;
		struct ipam_client c = fx_client(9);
		struct ipam_boot_profile_opts boot = { .kernel = "os/vmlinuz" };
		struct ipam_machine m;
		struct ip_addr ip;
		struct ipam_lease l;
		json_t *leases;

		make_version(&fx, v);
		/* Daemons do not migrate behind the operator's back. */
		CHECK_INT(ipam_open(fx.path, 0, &db, err, sizeof(err)), -EPROTO);
		CHECK_CONTAINS(err, "run `racknet init` to migrate it");
		CHECK_INT(ipam_open(fx.path, IPAM_OPEN_MIGRATE, &db, err,
				    sizeof(err)), 0);
		if (!db)
			continue;
		CHECK_INT(ipam_schema_version(db), ipam_schema_latest());
		/* The old lease and static address survive and are honoured:
		 * the first fresh address skips both. */
		leases = ipam_lease_list(db, NULL, false, 0);
		CHECK_INT(json_array_size(leases), 1);
		json_decref(leases);
		CHECK_INT(ipam_lease_alloc(db, 1, &c, NULL, 60, 1000, 0, &l), 0);
		CHECK_STR(fx_ip(&l, b), "10.0.0.102");
		c = fx_client(2);
		CHECK_INT(ipam_lease_alloc(db, 1, &c, NULL, 60, 1000, 0, &l), 0);
		CHECK_STR(fx_ip(&l, b), "10.0.0.101");
		CHECK_INT(l.state, IPAM_STATIC);
		/* And writes reach the change feed from now on. */
		CHECK(ipam_feed_generation(db) > 0);
		/* Boot profiles (version 5) work, the old host's boot names
		 * one, and the boot server's lookups find the old rows. */
		CHECK_INT(ipam_boot_profile_add(db, "os", &boot), 0);
		CHECK_INT(ipam_machine_by_mac(db, &c.mac, 1000, &m), 1);
		CHECK_STR(m.hostname, "node1");
		CHECK_STR(ip_format(&m.ip, b, sizeof(b)), "10.0.0.101");
		CHECK(m.profile_found);
		CHECK_STR(m.kernel, "os/vmlinuz");
		ip_parse(&ip, "10.0.0.100");
		CHECK_INT(ipam_machine_by_ip(db, &ip, 1000, &m), 0);
		CHECK_STR(mac_format(&m.mac, b, sizeof(b)), "52:54:00:00:00:01");
		/* Boot files (version 6): the table takes global and subnet
		 * rows, an older profile gains an empty bootfile, and both
		 * reach the change feed. */
		bootfile_checks(db, v);
		rogue_checks(db);
		ipam_close(db);
		fx_rmdir(&fx);
	}
}

TEST(newer_version_refused)
{
	char err[IPAM_ERRLEN];
	struct ipam *db = NULL;

	make_version(&fx, ipam_schema_latest());
	{
		sqlite3 *raw;
		char sql[64];

		sqlite3_open(fx.path, &raw);
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
			 ipam_schema_latest() + 1);
		sqlite3_exec(raw, sql, NULL, NULL, NULL);
		sqlite3_close(raw);
	}
	CHECK_INT(ipam_open(fx.path, IPAM_OPEN_CREATE | IPAM_OPEN_MIGRATE, &db,
			    err, sizeof(err)), -EPROTO);
	CHECK_CONTAINS(err, "newer than this racknet supports");
	CHECK_CONTAINS(err, "upgrade racknet");
	CHECK(db == NULL);
	fx_rmdir(&fx);
}

TEST(foreign_and_broken_files_refused)
{
	char err[IPAM_ERRLEN];
	struct ipam *db = NULL;
	sqlite3 *raw;
	FILE *f;

	fx_path(&fx);
	sqlite3_open(fx.path, &raw);
	sqlite3_exec(raw, "CREATE TABLE t (x)", NULL, NULL, NULL);
	sqlite3_close(raw);
	CHECK_INT(ipam_open(fx.path, IPAM_OPEN_MIGRATE, &db, err, sizeof(err)),
		  -EPROTO);
	CHECK_CONTAINS(err, "is not a racknet IPAM database");
	fx_rmdir(&fx);

	fx_path(&fx);
	f = fopen(fx.path, "w");
	fputs("this is not a database, just some text long enough to have a "
	      "header of a hundred bytes or so, which SQLite reads first......",
	      f);
	fclose(f);
	CHECK(ipam_open(fx.path, IPAM_OPEN_MIGRATE, &db, err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "not a database");
	fx_rmdir(&fx);

	fx_path(&fx);
	CHECK_INT(ipam_open(fx.path, 0, &db, err, sizeof(err)), -ENOENT);
	CHECK_CONTAINS(err, "no IPAM database at");
	CHECK_CONTAINS(err, "run `racknet init` to create it");
	fx_rmdir(&fx);
}

/* A migration that fails half way leaves the database as it was. */
TEST(failed_migration_changes_nothing)
{
	char err[IPAM_ERRLEN];
	struct ipam *db = NULL;
	sqlite3 *raw;

	make_version(&fx, 1);
	sqlite3_open(fx.path, &raw);
	/* Version 2 creates table "change": make it clash. */
	sqlite3_exec(raw, "CREATE TABLE change (x)", NULL, NULL, NULL);
	sqlite3_close(raw);
	CHECK_INT(ipam_open(fx.path, IPAM_OPEN_MIGRATE, &db, err, sizeof(err)),
		  -EIO);
	CHECK_CONTAINS(err, "migration to schema version 2 failed, nothing "
		       "changed");
	sqlite3_open(fx.path, &raw);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &st, NULL);
	CHECK_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	fx_rmdir(&fx);
}

int main(void)
{
	RUN(fresh_reaches_latest);
	RUN(every_older_version_migrates);
	RUN(bootfile_scope_is_unique);
	RUN(newer_version_refused);
	RUN(foreign_and_broken_files_refused);
	RUN(failed_migration_changes_nothing);
	return test_done();
}

/*
 * The schema, as the list of migrations that build it. Version N of a
 * database is the result of the first N entries; PRAGMA user_version holds N.
 * Never edit a shipped entry: add a new one, and a test that migrates a
 * database of every older version (tests/ipam/test_migrate.c).
 *
 * Addresses are stored as 4- or 16-byte network-order blobs, which SQLite
 * compares with memcmp: numeric order, so range and pool lookups are index
 * seeks. MACs are lower-case colon text. Times are unix seconds.
 */
#include "ipam_int.h"

/* Version 1: the model. */
static const char v1_model[] =
"CREATE TABLE fabric ("
"  id INTEGER PRIMARY KEY,"
"  name TEXT NOT NULL UNIQUE);"
"CREATE TABLE vlan ("
"  id INTEGER PRIMARY KEY,"
"  fabric_id INTEGER NOT NULL REFERENCES fabric(id) ON DELETE CASCADE,"
"  vid INTEGER NOT NULL CHECK (vid BETWEEN 0 AND 4094),"
"  name TEXT,"
"  mtu INTEGER NOT NULL DEFAULT 1500 CHECK (mtu BETWEEN 576 AND 65535),"
"  dhcp INTEGER NOT NULL DEFAULT 1,"
"  relay_vlan_id INTEGER REFERENCES vlan(id) ON DELETE SET NULL,"
"  UNIQUE (fabric_id, vid));"
"CREATE TABLE domain ("
"  id INTEGER PRIMARY KEY,"
"  name TEXT NOT NULL UNIQUE,"
"  ttl INTEGER NOT NULL DEFAULT 300);"
"CREATE TABLE subnet ("
"  id INTEGER PRIMARY KEY,"
"  cidr TEXT NOT NULL UNIQUE,"
"  net BLOB NOT NULL,"
"  prefix INTEGER NOT NULL,"
"  vlan_id INTEGER NOT NULL REFERENCES vlan(id) ON DELETE CASCADE,"
"  gateway BLOB,"
"  dns TEXT,"
"  ntp TEXT,"
"  domain_id INTEGER REFERENCES domain(id) ON DELETE SET NULL,"
"  lease_time INTEGER,"
"  managed INTEGER NOT NULL DEFAULT 1);"
"CREATE INDEX subnet_vlan ON subnet(vlan_id);"
"CREATE TABLE iprange ("
"  id INTEGER PRIMARY KEY,"
"  subnet_id INTEGER NOT NULL REFERENCES subnet(id) ON DELETE CASCADE,"
"  start_ip BLOB NOT NULL,"
"  end_ip BLOB NOT NULL,"
"  type TEXT NOT NULL CHECK (type IN ('dynamic', 'reserved')),"
"  comment TEXT);"
"CREATE INDEX iprange_subnet ON iprange(subnet_id, start_ip);"
"CREATE TABLE host ("
"  id INTEGER PRIMARY KEY,"
"  hostname TEXT NOT NULL UNIQUE COLLATE NOCASE,"
"  domain_id INTEGER REFERENCES domain(id) ON DELETE SET NULL,"
"  arch TEXT,"
"  boot TEXT);"
"CREATE TABLE host_mac ("
"  mac TEXT PRIMARY KEY,"
"  host_id INTEGER NOT NULL REFERENCES host(id) ON DELETE CASCADE);"
"CREATE INDEX host_mac_host ON host_mac(host_id);"
"CREATE TABLE address ("
"  id INTEGER PRIMARY KEY,"
"  subnet_id INTEGER NOT NULL REFERENCES subnet(id) ON DELETE CASCADE,"
"  ip BLOB NOT NULL,"
"  state TEXT NOT NULL,"
"  mac TEXT,"
"  client_id BLOB,"
"  host_id INTEGER REFERENCES host(id) ON DELETE CASCADE,"
"  hostname TEXT,"
"  expiry INTEGER,"
"  updated INTEGER NOT NULL,"
"  comment TEXT,"
"  UNIQUE (subnet_id, ip));"
/* state last: the planner (without statistics) must prefer these to
 * address_expiry for lookups by MAC or client-id. */
"CREATE INDEX address_mac ON address(subnet_id, mac, state);"
"CREATE INDEX address_client ON address(subnet_id, client_id, state);"
"CREATE INDEX address_expiry ON address(subnet_id, state, expiry);"
"CREATE INDEX address_host ON address(host_id);"
/* A MAC has at most one fixed (static or sticky) address per subnet, even
 * for raw writers. */
"CREATE UNIQUE INDEX address_fixed_mac ON address(subnet_id, mac)"
"  WHERE state IN ('static', 'sticky');"
"CREATE TABLE interface ("
"  name TEXT PRIMARY KEY,"
"  vlan_id INTEGER NOT NULL REFERENCES vlan(id) ON DELETE CASCADE,"
"  source TEXT NOT NULL,"
"  updated INTEGER NOT NULL);"
"CREATE TABLE dns_record ("
"  id INTEGER PRIMARY KEY,"
"  domain_id INTEGER REFERENCES domain(id) ON DELETE CASCADE,"
"  name TEXT NOT NULL,"
"  type TEXT NOT NULL,"
"  ttl INTEGER,"
"  data TEXT NOT NULL,"
"  UNIQUE (name, type, data));"
"CREATE INDEX dns_record_domain ON dns_record(domain_id);"
"CREATE TABLE dhcp_server ("
"  id INTEGER PRIMARY KEY,"
"  server_id BLOB NOT NULL,"
"  src_ip BLOB,"
"  mac TEXT,"
"  interface TEXT,"
"  vlan_id INTEGER REFERENCES vlan(id) ON DELETE SET NULL,"
"  offered BLOB,"
"  first_seen INTEGER NOT NULL,"
"  last_seen INTEGER NOT NULL,"
"  count INTEGER NOT NULL DEFAULT 1,"
"  UNIQUE (server_id, mac, interface));"
"CREATE TABLE setting ("
"  key TEXT PRIMARY KEY,"
"  value TEXT NOT NULL);";

/* Version 2: the change feed. Triggers write it in the writer's own
 * transaction, so a reader never sees a change without its feed entry. */
#define FEED(T, K)                                                          \
	"CREATE TRIGGER " T "_feed_ins AFTER INSERT ON " T " BEGIN "        \
	"INSERT INTO change (tbl, op, row_id, key) "                        \
	"VALUES ('" T "', 'insert', NEW.rowid, NEW." K "); END;"            \
	"CREATE TRIGGER " T "_feed_upd AFTER UPDATE ON " T " BEGIN "        \
	"INSERT INTO change (tbl, op, row_id, key) "                        \
	"VALUES ('" T "', 'update', NEW.rowid, NEW." K "); END;"            \
	"CREATE TRIGGER " T "_feed_del AFTER DELETE ON " T " BEGIN "        \
	"INSERT INTO change (tbl, op, row_id, key) "                        \
	"VALUES ('" T "', 'delete', OLD.rowid, OLD." K "); END;"

static const char v2_feed[] =
"CREATE TABLE change ("
"  gen INTEGER PRIMARY KEY AUTOINCREMENT,"
"  tbl TEXT NOT NULL,"
"  op TEXT NOT NULL,"
"  row_id INTEGER,"
"  key);"
FEED("fabric", "name")
FEED("vlan", "vid")
FEED("domain", "name")
FEED("subnet", "cidr")
FEED("iprange", "start_ip")
FEED("host", "hostname")
FEED("host_mac", "mac")
FEED("address", "ip")
FEED("interface", "name")
FEED("dns_record", "name")
FEED("dhcp_server", "server_id")
FEED("setting", "key");

/* Version 3: the free-address index. Each row is a run of never-used
 * addresses [lo, hi] inside one dynamic range; allocation takes the lowest
 * lo, so it costs an index seek however full the pool is. Derived data:
 * ipam_repair() rebuilds it from the tables. */
static const char v3_pool[] =
"CREATE TABLE pool_free ("
"  range_id INTEGER NOT NULL REFERENCES iprange(id) ON DELETE CASCADE,"
"  subnet_id INTEGER NOT NULL,"
"  lo BLOB NOT NULL,"
"  hi BLOB NOT NULL,"
"  PRIMARY KEY (range_id, lo)) WITHOUT ROWID;"
"CREATE INDEX pool_free_subnet ON pool_free(subnet_id, lo);";

/* Version 4: counters the daemons publish for `racknet dhcp stats`. */
static const char v4_stats[] =
"CREATE TABLE daemon_stats ("
"  daemon TEXT PRIMARY KEY,"
"  pid INTEGER NOT NULL,"
"  started INTEGER NOT NULL,"
"  updated INTEGER NOT NULL,"
"  counters TEXT NOT NULL);";

/* Version 5: boot profiles (what racknet-tftpd renders into a machine's
 * boot file), and the indexes its per-request lookups need: a machine by
 * MAC over every subnet (address_mac leads with the subnet), the subnet
 * holding an address (the one with the greatest net <= ip of its family:
 * subnets do not overlap), and the hosts naming a profile. (address_by_mac
 * cost new leases too much: version 7 drops it.) */
static const char v5_boot[] =
"CREATE TABLE boot_profile ("
"  id INTEGER PRIMARY KEY,"
"  name TEXT NOT NULL UNIQUE,"
"  kernel TEXT,"
"  initrd TEXT,"
"  cmdline TEXT);"
"CREATE INDEX address_by_mac ON address(mac);"
"CREATE INDEX subnet_net ON subnet(length(net), net);"
"CREATE INDEX host_boot ON host(boot);"
FEED("boot_profile", "name");

/* Version 6: boot files by architecture for dhcpd (ipam_bootfile.c), one
 * row per (arch, subnet), subnet NULL for the global row; the unique index
 * counts NULL as one scope, which a plain UNIQUE would not. Architectures
 * are checked in C, so adding one needs no table rebuild. And a boot
 * profile's own boot file. */
static const char v6_bootfile[] =
"CREATE TABLE bootfile ("
"  id INTEGER PRIMARY KEY,"
"  arch TEXT NOT NULL,"
"  subnet_id INTEGER REFERENCES subnet(id) ON DELETE CASCADE,"
"  value TEXT NOT NULL);"
"CREATE UNIQUE INDEX bootfile_scope ON bootfile(arch, ifnull(subnet_id, 0));"
"CREATE INDEX bootfile_subnet ON bootfile(subnet_id);"
"ALTER TABLE boot_profile ADD COLUMN bootfile TEXT;"
FEED("bootfile", "arch");

/* Version 7: address_by_mac goes. One more random-key index insert per new
 * lease cost racknet-dhcpd a tenth of its rate with 60,000 leases in IPAM
 * (bench/dhcp-rate: 0.83 of the empty rate against 0.90 before); the boot
 * server's lookup of a MAC without a host now seeks address_mac once per
 * subnet instead, which only booting machines pay. */
static const char v7_drop_mac_index[] =
"DROP INDEX address_by_mac;";

/* FEED with the feed's table name apart (struct ipam_change holds 15
 * bytes of it: "dhcp_server_allow" is 17) and keys that are expressions. */
#define FEED_AS(T, N, KNEW, KOLD)                                           \
	"CREATE TRIGGER " T "_feed_ins AFTER INSERT ON " T " BEGIN "        \
	"INSERT INTO change (tbl, op, row_id, key) "                        \
	"VALUES ('" N "', 'insert', NEW.rowid, " KNEW "); END;"             \
	"CREATE TRIGGER " T "_feed_upd AFTER UPDATE ON " T " BEGIN "        \
	"INSERT INTO change (tbl, op, row_id, key) "                        \
	"VALUES ('" N "', 'update', NEW.rowid, " KNEW "); END;"             \
	"CREATE TRIGGER " T "_feed_del AFTER DELETE ON " T " BEGIN "        \
	"INSERT INTO change (tbl, op, row_id, key) "                        \
	"VALUES ('" N "', 'delete', OLD.rowid, " KOLD "); END;"

/* Version 8: competing DHCP servers (issue 7). A dhcp_server row is "gone"
 * (the time it was marked) once unseen for dhcp-server-timeout, NULL while
 * active; `via` says how it was last seen (probe, offer, ack, request). A
 * row without a MAC comes from a client's REQUEST naming the server: there
 * is at most one per (server, interface), and a sighting with a MAC fills
 * it in (the partial index is the backstop; UNIQUE counts NULLs as
 * distinct). The allow-list names a server by identifier or by MAC, never
 * both; its feed entries say "dhcp_allow". dhcp_probe is the queue of
 * on-demand probes racknet-dhcpd polls: a work queue, not the model, so it
 * has no change feed. */
static const char v8_rogue[] =
"ALTER TABLE dhcp_server ADD COLUMN gone INTEGER;"
"ALTER TABLE dhcp_server ADD COLUMN via TEXT;"
"CREATE UNIQUE INDEX dhcp_server_nomac ON dhcp_server(server_id, interface)"
"  WHERE mac IS NULL;"
"CREATE INDEX dhcp_server_vlan ON dhcp_server(vlan_id);"
"CREATE INDEX dhcp_server_seen ON dhcp_server(last_seen);"
"CREATE TABLE dhcp_server_allow ("
"  id INTEGER PRIMARY KEY,"
"  server_id BLOB UNIQUE,"
"  mac TEXT UNIQUE,"
"  comment TEXT,"
"  CHECK ((server_id IS NULL) <> (mac IS NULL)));"
"ALTER TABLE vlan ADD COLUMN stop_on_rogue INTEGER NOT NULL DEFAULT 0;"
"CREATE TABLE dhcp_probe ("
"  id INTEGER PRIMARY KEY,"
"  interface TEXT,"
"  vlan_id INTEGER REFERENCES vlan(id) ON DELETE CASCADE,"
"  requested INTEGER NOT NULL,"
"  started INTEGER,"
"  done INTEGER,"
"  sent INTEGER,"
"  found INTEGER,"
"  error TEXT);"
"CREATE INDEX dhcp_probe_vlan ON dhcp_probe(vlan_id);"
FEED_AS("dhcp_server_allow", "dhcp_allow", "coalesce(NEW.server_id, NEW.mac)",
	"coalesce(OLD.server_id, OLD.mac)");

const struct ipam_migration ipam_migrations[] = {
	{ v1_model, NULL },
	{ v2_feed, NULL },
	{ v3_pool, ipam_pool_rebuild_all },
	{ v4_stats, NULL },
	{ v5_boot, NULL },
	{ v6_bootfile, NULL },
	{ v7_drop_mac_index, NULL },
	{ v8_rogue, NULL },
};

const int ipam_migration_count =
	(int)(sizeof(ipam_migrations) / sizeof(ipam_migrations[0]));

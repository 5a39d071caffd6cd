/*
 * libracknet-ipam: the one source of truth every racknet daemon and the CLI
 * share. Fabrics, VLANs, subnets, ranges, hosts, addresses and leases,
 * domains and records, observed DHCP servers, settings, the change feed, and
 * address allocation for dhcpd.
 *
 * The store is SQLite (WAL, foreign keys, busy timeout; writes in BEGIN
 * IMMEDIATE transactions) behind this interface only: nothing outside ipam/
 * sees a sqlite3 handle, so another backend can be added here.
 *
 * Conventions: actions return 0 or a negative errno and, on failure, leave a
 * sentence naming the problem (and both objects of a conflict) in
 * ipam_error(). The library never logs. List and show calls return jansson
 * values owned by the caller; their shape is documented in docs/IPAM.md.
 *
 *   -EINVAL    a value breaks a rule (outside its subnet, bad record data)
 *   -EEXIST    a conflict with an existing object (overlap, duplicate)
 *   -ENOENT    a named object does not exist
 *   -ENOTEMPTY an object still has children (retry with force)
 *   -ENOSPC    pool exhausted
 *   -EBUSY     another writer held the database past the busy timeout
 *   -EPROTO    the database schema is newer, older or not racknet's
 *   -EIO       the database failed (I/O error, corruption, disk full)
 */
#ifndef RACKNET_IPAM_H
#define RACKNET_IPAM_H

#include <jansson.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define IPAM_DEFAULT_PATH "/var/lib/racknet/ipam.db"
#define IPAM_ERRLEN 512

struct ipam;

enum {
	IPAM_OPEN_CREATE = 1 << 0,	/* create the file if missing */
	IPAM_OPEN_MIGRATE = 1 << 1,	/* bring an older schema up to date */
	IPAM_OPEN_WRITABLE = 1 << 2,	/* refuse a file that can only be
					 * read (SQLite's fallback) */
};

/*
 * Open the database at path. Without IPAM_OPEN_MIGRATE an older schema is
 * refused (-EPROTO) and the message says to run `racknet init`; a newer
 * schema is always refused. On failure *ret_db is untouched and err holds
 * the reason.
 */
int ipam_open(const char *path, unsigned flags, struct ipam **ret_db,
	      char *err, size_t errsize);
void ipam_close(struct ipam *db);
const char *ipam_error(const struct ipam *db);
int ipam_schema_version(struct ipam *db);
int ipam_schema_latest(void);
/* Bring a database at some version up to `target` (tests use this). */
int ipam_migrate_to(struct ipam *db, int target);
/* Rebuild derived data (the free-address index) from the tables. */
int ipam_repair(struct ipam *db);

/*
 * Group several writes into one transaction (dhcpd's group commit). Calls
 * nest; each write inside is its own savepoint, so a failed write undoes
 * only itself. Without an explicit transaction every write commits alone.
 */
int ipam_tx_begin(struct ipam *db);
int ipam_tx_commit(struct ipam *db);
void ipam_tx_rollback(struct ipam *db);

/* Fabrics and VLANs. A VLAN is named "FABRIC/VID" on the command line. */
int ipam_fabric_add(struct ipam *db, const char *name);
int ipam_fabric_rename(struct ipam *db, const char *name, const char *newname);
/* With force, children go too and *ret_removed says what (may be NULL). */
int ipam_fabric_rm(struct ipam *db, const char *name, bool force,
		   json_t **ret_removed);
json_t *ipam_fabric_list(struct ipam *db);

struct ipam_vlan_opts {
	const char *name;	/* NULL: unchanged / none */
	int mtu;		/* 0: unchanged / 1500 */
	int dhcp;		/* -1: unchanged / on; 0 off; 1 on */
	const char *relay_from;	/* "FABRIC/VID", "" clears, NULL unchanged */
	int stop_on_rogue;	/* -1: unchanged / off; 0 off; 1 on */
};
int ipam_vlan_add(struct ipam *db, const char *fabric, int vid,
		  const struct ipam_vlan_opts *o);
int ipam_vlan_set(struct ipam *db, const char *fabric, int vid,
		  const struct ipam_vlan_opts *o);
int ipam_vlan_rm(struct ipam *db, const char *fabric, int vid, bool force,
		 json_t **ret_removed);
json_t *ipam_vlan_list(struct ipam *db, const char *fabric);
json_t *ipam_vlan_show(struct ipam *db, const char *fabric, int vid);

/* Subnets. Lists hold comma-separated addresses, already validated. */
struct ipam_subnet_opts {
	const char *fabric;	/* with vid: the VLAN (required on add) */
	int vid;
	const char *gateway;	/* "" clears */
	const char *dns;	/* IP[,IP...]; "" clears */
	const char *ntp;	/* IP[,IP...]; "" clears */
	const char *domain;	/* created if missing; "" clears */
	int64_t lease_time;	/* 0: unchanged / default */
	int managed;		/* -1: unchanged / on */
};
int ipam_subnet_add(struct ipam *db, const char *cidr,
		    const struct ipam_subnet_opts *o);
int ipam_subnet_set(struct ipam *db, const char *cidr,
		    const struct ipam_subnet_opts *o);
int ipam_subnet_rm(struct ipam *db, const char *cidr, bool force,
		   json_t **ret_removed);
json_t *ipam_subnet_list(struct ipam *db);
/* One subnet with its ranges and utilisation (pool size, leased, ...). */
json_t *ipam_subnet_show(struct ipam *db, const char *cidr, int64_t now);
/* The subnet containing ip: its id, or -ENOENT. */
int ipam_subnet_find(struct ipam *db, const struct ip_addr *ip,
		     int64_t *ret_id);

/* Ranges: type is "dynamic" (the DHCP pool) or "reserved". */
int ipam_range_add(struct ipam *db, const char *cidr, const char *start,
		   const char *end, const char *type, const char *comment);
int ipam_range_rm(struct ipam *db, const char *cidr, const char *start);
json_t *ipam_range_list(struct ipam *db, const char *cidr);

/* Hosts: a name, MACs, and optionally one static address per subnet. */
struct ipam_host_opts {
	const char *const *macs;	/* add these MACs */
	size_t nmacs;
	const char *const *rm_macs;	/* set only: remove these */
	size_t nrm_macs;
	const char *ip;			/* static address; "" clears all */
	const char *domain;		/* created if missing; "" clears */
	const char *arch;
	const char *boot;
};
int ipam_host_add(struct ipam *db, const char *hostname,
		  const struct ipam_host_opts *o);
int ipam_host_set(struct ipam *db, const char *hostname,
		  const struct ipam_host_opts *o);
int ipam_host_rm(struct ipam *db, const char *hostname);
json_t *ipam_host_list(struct ipam *db);
json_t *ipam_host_show(struct ipam *db, const char *hostname);

/*
 * Boot profiles: what a machine boots (kernel and initrd paths under the
 * boot server's root, kernel command line), named; a host's `boot` names
 * one. Two names are conventions: "local" (boot from disk) and whatever
 * the boot-unknown-profile setting names (default "unknown": machines
 * IPAM does not know, the enlist path). A host without `boot` gets the
 * boot-default-profile setting (default "local"). Neither needs to exist
 * as a profile: a lookup then says profile_found false.
 *
 * Names: lower-case letters, digits, '-', '_' and '.', at most 63,
 * starting with a letter or digit (hosts' boot and the two settings
 * follow the same rule). Paths are printable ASCII without spaces, the
 * command line printable ASCII, each within struct ipam_machine's buffer:
 * the values go into generated boot configs, line by line.
 */
struct ipam_boot_profile_opts {
	const char *kernel;	/* NULL: unchanged; "": cleared */
	const char *initrd;
	const char *cmdline;
};
int ipam_boot_profile_add(struct ipam *db, const char *name,
			  const struct ipam_boot_profile_opts *o);
int ipam_boot_profile_set(struct ipam *db, const char *name,
			  const struct ipam_boot_profile_opts *o);
/* Hosts naming the profile make this -ENOTEMPTY (the message names
 * them) unless force; forced, they are left without one (so they get
 * boot-default-profile) and *ret_removed (may be NULL) says how many:
 * {"with": {"unlinked_hosts": N}, "summary": ...}, as domain rm does. */
int ipam_boot_profile_rm(struct ipam *db, const char *name, bool force,
			 json_t **ret_removed);
/* [{name, kernel, initrd, cmdline, hosts}], by name; null when unset. */
json_t *ipam_boot_profile_list(struct ipam *db);

/* A machine as the boot server sees it (ipam_boot.c). */
#define IPAM_BOOTFILE_MAX 127	/* a boot file table value (ipam_bootfile.c) */
struct ipam_machine {
	bool known;		/* a host in IPAM */
	bool has_mac, has_ip;
	struct mac_addr mac;
	struct ip_addr ip;	/* static address, else its live lease */
	char hostname[64];	/* the host's, else the lease's, else "" */
	char domain[256];	/* the host's or the subnet's, else the
				 * default-domain setting */
	char arch[32];
	char profile[64];	/* the boot profile's name */
	bool profile_found;	/* it exists in boot_profile */
	char kernel[1024], initrd[1024], cmdline[4096];
	char bootfile[IPAM_BOOTFILE_MAX + 1];	/* the profile's own, or "" */
};
/*
 * Look a machine up by MAC or by IP at time now. Both always fill *m: a
 * MAC or IP IPAM has no host for is an unknown machine (known false,
 * the unknown profile), still with its lease's IP, MAC and hostname when
 * a live lease matches. Returns 1 for a known host, 0 for an unknown
 * machine, or a negative errno (database error, message in the handle;
 * *m is then all zero).
 *
 * By MAC: the host with that MAC; ip is its lowest static address (IPv4
 * first), else the MAC's sticky address, else its live lease (expiry >
 * now) that runs longest. By IP: the address row at ip decides. A host's
 * static address is that host (mac: the host's first MAC); a sticky
 * address or live lease is looked up by its MAC, as above; anything else
 * (no row, reserved, an expired lease) is an unknown machine with only
 * has_ip. By IP, ip is always the one asked for. Each is a few index
 * seeks, whatever the number of hosts, leases and subnets.
 */
int ipam_machine_by_mac(struct ipam *db, const struct mac_addr *mac,
			int64_t now, struct ipam_machine *m);
int ipam_machine_by_ip(struct ipam *db, const struct ip_addr *ip,
		       int64_t now, struct ipam_machine *m);

/*
 * Boot files (ipam_bootfile.c): what dhcpd tells a network-booting client
 * to load, by the client's architecture; "ipxe" is what a client already
 * running iPXE gets (its script), so chainloading does not loop. A row is
 * global or for one IPv4 subnet (which wins); an architecture without a
 * row gets ipam_bootfile_default(). A boot profile's own bootfile replaces
 * the firmware's entry (never the ipxe one) for its machines.
 *
 * Values are file names under the boot server's root or URLs, printable
 * ASCII without spaces, with ${server} (dhcpd's address on the client's
 * subnet) and ${http} ("http://SERVER", plus ":PORT" unless the
 * boot-http-port setting is 80) as the only variables; at most
 * IPAM_BOOTFILE_MAX bytes even once expanded, so any fits the BOOTP file
 * field. ipam_dhcp_config() carries the table to dhcpd as "bootfiles"
 * (ipam_bootfile_list(db, NULL)) and "boot_http_port" (the setting).
 */
enum ipam_boot_arch {
	IPAM_BOOT_BIOS, IPAM_BOOT_UEFI_X64, IPAM_BOOT_UEFI_ARM64,
	IPAM_BOOT_UEFI_HTTP, IPAM_BOOT_IPXE, IPAM_BOOT_ARCH_MAX
};
/* "bios", "uefi-x64", "uefi-arm64", "uefi-http", "ipxe"; NULL outside. */
const char *ipam_boot_arch_name(int arch);
/* The enum value of a name, or -1. */
int ipam_boot_arch_parse(const char *name);
const char *ipam_bootfile_default(int arch);
/* -EINVAL naming `what` unless value is a valid boot file. */
int ipam_bootfile_check(struct ipam *db, const char *what, const char *value);
/* cidr NULL: the global row. rm of a row that is not there is -ENOENT. */
int ipam_bootfile_set(struct ipam *db, const char *arch, const char *value,
		      const char *cidr);
int ipam_bootfile_rm(struct ipam *db, const char *arch, const char *cidr);
/* The effective table: [{arch, subnet, value, source}], source "default",
 * "global" or "subnet"; the global entries, then those of each subnet
 * with a row of its own (all five, each saying where it comes from). With
 * cidr, that subnet's five only. */
json_t *ipam_bootfile_list(struct ipam *db, const char *cidr);
/* Set a boot profile's bootfile (ipam_machine.bootfile, and the bootfile
 * column of ipam_boot_profile_list()): value "" clears it; -ENOENT for no
 * such profile. */
int ipam_boot_profile_bootfile_set(struct ipam *db, const char *name,
				   const char *value);

/* Addresses of every state; reserve makes "reserved", or "sticky" (a DHCP
 * reservation) when a MAC is given. */
struct ipam_reserve_opts {
	const char *mac;
	const char *hostname;
	const char *comment;
};
int ipam_address_reserve(struct ipam *db, const char *ip,
			 const struct ipam_reserve_opts *o);
int ipam_address_release(struct ipam *db, const char *ip);
json_t *ipam_address_list(struct ipam *db, const char *cidr,
			  const char *state);

/* Leases and allocation (dhcpd). */
struct ipam_client {
	struct mac_addr mac;
	const uint8_t *client_id;	/* option 61, or NULL */
	size_t client_id_len;
	const char *hostname;		/* sanitised label, or NULL */
};

enum ipam_addr_state {
	IPAM_STATIC,
	IPAM_STICKY,
	IPAM_LEASE,
	IPAM_RESERVED,
	IPAM_DISCOVERED,
	IPAM_CONFLICT,		/* declined or answered a ping: held until expiry */
	IPAM_STATE_MAX
};
const char *ipam_state_name(enum ipam_addr_state s);

struct ipam_lease {
	struct ip_addr ip;
	int64_t subnet_id;
	enum ipam_addr_state state;	/* IPAM_STATIC, IPAM_STICKY or IPAM_LEASE */
	int64_t expiry;			/* 0 for static and sticky */
	bool fresh;			/* never used before this allocation */
};

/* ipam_lease_alloc() flags. */
enum {
	/* An offer: never shorten the client's current lease. */
	IPAM_ALLOC_OFFER = 1 << 0,
	/* Only `requested` will do (a REQUEST): the client's fixed or own
	 * address if it is that one, else that address if it is free;
	 * otherwise -EADDRNOTAVAIL naming whose it is. */
	IPAM_ALLOC_EXACT = 1 << 1,
	/* Say what would be allocated, change nothing (answering another
	 * racknet's probe for competing servers). */
	IPAM_ALLOC_DRYRUN = 1 << 2,
};

/*
 * The address for this client on this subnet, recorded as a lease until
 * now + lease_secs: its static (or sticky) address, else its own lease,
 * else `requested` if free and in a dynamic range, else the lowest never-used
 * address of a dynamic range, else the least recently expired lease. Never
 * the network, broadcast or gateway address, a reserved range, a static or
 * another client's address. -ENOSPC "pool exhausted on CIDR" when none is
 * left. Costs a few index lookups whatever the pool's fill.
 */
int ipam_lease_alloc(struct ipam *db, int64_t subnet_id,
		     const struct ipam_client *c, const struct ip_addr *requested,
		     uint32_t lease_secs, int64_t now, unsigned flags,
		     struct ipam_lease *ret);
/* What the client holds on this subnet without changing anything: its
 * static or sticky address, else its lease (active or expired but not
 * reused). 1 found, 0 none, or -errno. */
int ipam_lease_find(struct ipam *db, int64_t subnet_id,
		    const struct ipam_client *c, int64_t now,
		    struct ipam_lease *ret);
/* Hold ip out of use until `until`: a lease on it is ended (its client
 * forgotten) and it is not handed out again before then. -EPERM for a
 * static, sticky or reserved address. */
int ipam_address_conflict(struct ipam *db, int64_t subnet_id,
			  const struct ip_addr *ip, int64_t until, int64_t now);
/* Return to the pool at most `limit` addresses: conflicts whose hold has
 * passed and leases expired more than `retention` seconds ago. The count
 * returned, or -errno. */
int ipam_lease_reclaim(struct ipam *db, int64_t now, int64_t retention,
		       int limit);
/* Expire the client's lease on ip now; the address goes back to the pool
 * but stays remembered for the client. -ENOENT if it is not theirs. */
int ipam_lease_release(struct ipam *db, int64_t subnet_id,
		       const struct ipam_client *c, const struct ip_addr *ip,
		       int64_t now);
/* Active leases (all, with expired ones, if all is true). */
json_t *ipam_lease_list(struct ipam *db, const char *cidr, bool all,
			int64_t now);
/* A lease by IP or MAC. */
json_t *ipam_lease_show(struct ipam *db, const char *ip_or_mac, int64_t now);

/* Rack interfaces: which VLAN each is on. */
int ipam_interface_set(struct ipam *db, const char *ifname, const char *fabric,
		       int vid, const char *source);
int ipam_interface_rm(struct ipam *db, const char *ifname);
json_t *ipam_interface_list(struct ipam *db);

/*
 * What dhcpd serves: every IPv4 subnet with its VLAN (id, fabric, vid, mtu,
 * dhcp), gateway, dns, ntp, domain (or the default-domain setting),
 * lease_time (or default-lease-time) and managed flag; and the rack
 * interfaces bound to VLANs: {"subnets": [...], "interfaces": [...]}.
 */
json_t *ipam_dhcp_config(struct ipam *db);

/* Counters a daemon publishes ("dhcpd"): a JSON object of numbers, with
 * its pid and start time; read back with the time they were written.
 * With wait false it never waits for another writer (a daemon's event
 * loop publishing every second must not stall on someone else's lock):
 * -EBUSY at once, and the caller publishes next time. */
int ipam_stats_put(struct ipam *db, const char *daemon, int pid,
		   int64_t started, const json_t *counters, int64_t now,
		   bool wait);
json_t *ipam_stats_get(struct ipam *db, const char *daemon);

/* Domains and DNS records. */
int ipam_domain_add(struct ipam *db, const char *name, int64_t ttl);
int ipam_domain_set(struct ipam *db, const char *name, int64_t ttl);
int ipam_domain_rm(struct ipam *db, const char *name, bool force,
		   json_t **ret_removed);
json_t *ipam_domain_list(struct ipam *db);
int ipam_record_add(struct ipam *db, const char *fqdn, const char *type,
		    const char *data, int64_t ttl);
/* data NULL removes every record of that name and type. */
int ipam_record_rm(struct ipam *db, const char *fqdn, const char *type,
		   const char *data);
json_t *ipam_record_list(struct ipam *db, const char *domain);

/*
 * What racknet-dnsd serves. ipam_dns_config(): {"domains": [{name, ttl}],
 * "subnets": [{cidr, domain, managed}], "records": [{name, type, ttl,
 * data}], "default_domain", "default_ttl", "upstream_dns", "axfr_allow",
 * "rrl", "cache_mib"}.
 * Every address that has a name now (static, sticky, reserved with a
 * name, unexpired leases), hosts' first, then oldest first: the order in
 * which names are claimed when two addresses want the same one.
 */
#define IPAM_DNS_TTL 300	/* a domain's TTL unless set */
struct ipam_dns_addr {
	int64_t id;			/* the address row (the feed's row_id) */
	struct ip_addr ip;
	char hostname[64];		/* "" if none: dnsd makes one up */
	char domain[256];		/* the zone of its forward name */
	int64_t ttl;
	bool host;			/* a host's address: its name wins */
	int64_t expiry;			/* a lease's end, else 0 */
};
typedef int (*ipam_dns_addr_fn)(void *ctx, const struct ipam_dns_addr *a);
json_t *ipam_dns_config(struct ipam *db);
/* fn's non-zero return stops the walk and is returned. */
int ipam_dns_addrs(struct ipam *db, int64_t now, ipam_dns_addr_fn fn,
		   void *ctx);
/* One row: 1 and *ret if it has a name at `now`, 0 if not (gone,
 * expired, a conflict), or a negative errno. */
int ipam_dns_addr(struct ipam *db, int64_t id, int64_t now,
		  struct ipam_dns_addr *ret);

/*
 * DHCP servers seen on the network that are not ours (competing servers).
 * One row per (server identifier, MAC, interface). A sighting without a
 * MAC (a client's REQUEST naming the server) fills in, or is filled in
 * by, the row of the same server and interface that has one. A row is
 * "gone" once ipam_dhcp_server_expire() finds it unseen for
 * dhcp-server-timeout seconds, and "active" again at its next sighting.
 * The allow-list holds servers (by identifier or MAC) that are recorded
 * but neither warned about nor a reason to stop serving.
 */
struct ipam_dhcp_seen {
	struct ip_addr server_id;
	struct ip_addr src_ip;		/* family 0 if unknown */
	struct mac_addr mac;
	bool has_mac;			/* false: named in a client's REQUEST */
	const char *ifname;		/* our interface it was seen on */
	int64_t vlan_id;		/* 0 if unknown */
	struct ip_addr offered;		/* yiaddr; family 0 if none */
	const char *via;		/* "probe", "offer", "ack", "nak", "request" */
};
/* Record a sighting at `now`: 1 if it is news (a new row, or one that was
 * gone), 0 if the row was active, or -errno. *ret_allowed (may be NULL)
 * says whether the allow-list holds it. */
int ipam_dhcp_server_observe(struct ipam *db, const struct ipam_dhcp_seen *s,
			     int64_t now, bool *ret_allowed);
int ipam_dhcp_server_rm(struct ipam *db, const char *server_id);
/* Rows last seen at or after `since` (0: all), most recent first:
 * server_id, source, mac, interface, vlan ("fabric/vid" or null), offered,
 * first_seen, last_seen, count, via, state ("active" or "gone"), allowed. */
json_t *ipam_dhcp_server_list(struct ipam *db, int64_t since);
/* Mark gone the active rows not seen since now - dhcp-server-timeout; the
 * rows just marked (shape of the list), so the caller can say so once;
 * NULL on error. */
json_t *ipam_dhcp_server_expire(struct ipam *db, int64_t now);
/* who: a server identifier (IPv4) or a MAC. -EEXIST if listed already. */
int ipam_dhcp_server_allow(struct ipam *db, const char *who,
			   const char *comment);
int ipam_dhcp_server_disallow(struct ipam *db, const char *who); /* -ENOENT */
json_t *ipam_dhcp_server_allowed(struct ipam *db);	/* [{who, comment}] */
/* Active, not allowed servers on VLANs whose stop_on_rogue is on, one row
 * per server: {vlan_id, vlan "fabric/vid", server_id, mac}, by vlan_id. */
json_t *ipam_dhcp_rogue_vlans(struct ipam *db);

/*
 * On-demand probes: the CLI files a request, racknet-dhcpd (polling IPAM
 * every second) takes it, probes, and records the outcome.
 */
struct ipam_dhcp_probe {
	int64_t id;
	char ifname[IF_NAMESIZE];	/* "" for every interface */
	int64_t vlan_id;		/* 0 for every VLAN */
	int64_t requested;
};
/* ifname and vlan ("FABRIC/VID") may be NULL; an unknown VLAN is -ENOENT.
 * Keeps the last 100 requests. */
int ipam_dhcp_probe_request(struct ipam *db, const char *ifname,
			    const char *vlan, int64_t now, int64_t *ret_id);
/* The oldest request not yet started, marked started at `now`: 1, 0 if
 * none, or -errno. Requests waiting over 60 s are closed as expired. */
int ipam_dhcp_probe_take(struct ipam *db, int64_t now,
			 struct ipam_dhcp_probe *ret);
/* sent: interfaces probed; found: offers from servers not ours; error
 * NULL on success. */
int ipam_dhcp_probe_done(struct ipam *db, int64_t id, int64_t now, int sent,
			 int found, const char *error);
/* {id, interface, vlan, requested, started, done, sent, found, error};
 * times in ISO 8601 as in every list, null until set; interface and vlan
 * null for "every". */
json_t *ipam_dhcp_probe_get(struct ipam *db, int64_t id);

/* Settings: a fixed schema of keys, each with a type and a default. */
int ipam_setting_set(struct ipam *db, const char *key, const char *value);
int ipam_setting_unset(struct ipam *db, const char *key);
/* The value (or the default) copied into buf. */
int ipam_setting_get(struct ipam *db, const char *key, char *buf, size_t size);
/* An integer or on/off (1/0) setting; 0 if it cannot be read. */
int64_t ipam_setting_int(struct ipam *db, const char *key);
json_t *ipam_setting_list(struct ipam *db);

/*
 * The change feed. Every write to a model table appends (generation, table,
 * op, row id, key) in the same transaction. Readers remember the generation
 * they have seen and ask for what came after it; -ESTALE means the feed was
 * pruned past that point and the reader must reload everything.
 */
struct ipam_change {
	int64_t gen;
	char table[16];		/* "address", "subnet", ... ("dhcp_allow"
				 * for dhcp_server_allow: 15 bytes at most) */
	char op[8];		/* "insert", "update", "delete" */
	int64_t row_id;
	char key[256];		/* IP, name or key of the row, as text */
};
typedef int (*ipam_feed_fn)(void *ctx, const struct ipam_change *c);
int64_t ipam_feed_generation(struct ipam *db);
/* Calls fn for each change after gen, oldest first, at most limit of them;
 * *ret_gen is the last generation delivered. fn may stop the walk by
 * returning non-zero, which is returned. */
int ipam_feed_since(struct ipam *db, int64_t gen, size_t limit,
		    ipam_feed_fn fn, void *ctx, int64_t *ret_gen);
/* Keep only the newest keep entries. */
int ipam_feed_prune(struct ipam *db, int64_t keep);
/* Cheap poll: true if another connection committed since the last call. */
bool ipam_feed_poll(struct ipam *db);

/*
 * chrony.conf for the chronyd racknet runs as the NTP server (ipam_ntp.c):
 * `server NAME iburst` per entry of the ntp-servers setting, `allow CIDR`
 * per managed subnet (IPv4 first, in address order), `local stratum 10`
 * (a lab without upstream still serves time), and chronyd's pidfile,
 * driftfile and command socket (the names below) in state_dir, with the
 * UDP command port closed: chronyd writes nothing else. No directive needs
 * a hardware clock. Run it as `chronyd -d -f FILE`, adding -x wherever it
 * must not adjust the machine's clock (tests, the lab). chronyd checks that
 * the socket's folder, state_dir, belongs to its user (-u, default _chrony)
 * and is closed to others (mode 0770 or tighter); as that user it must
 * reach state_dir and write there. chronyc talks to it with
 * `chronyc -h STATE_DIR/chronyd.sock`.
 *
 * state_dir: absolute, printable ASCII without spaces, at most 83 bytes
 * (the socket and chronyc's own one beside it must fit a socket address);
 * else -EINVAL. On success *ret_text is the text, malloc'd: free() it.
 */
#define IPAM_CHRONY_SOCKET "chronyd.sock"
#define IPAM_CHRONY_PIDFILE "chronyd.pid"
#define IPAM_CHRONY_DRIFTFILE "chronyd.drift"
struct ipam_chrony_opts {
	const char *state_dir;
};
int ipam_chrony_conf(struct ipam *db, const struct ipam_chrony_opts *o,
		     char **ret_text);

#endif

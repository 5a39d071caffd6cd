/*
 * Internals shared by the ipam_*.c files: the handle, statement helpers,
 * write scoping and error text. Nothing here leaves ipam/.
 */
#ifndef RACKNET_IPAM_INT_H
#define RACKNET_IPAM_INT_H

#include <sqlite3.h>

#include "ipam.h"

#define IPAM_BUSY_MS 5000	/* how long a write waits for another writer */

/* Prepared statements kept per handle, one per SQL text used. A handle
 * that needed more would fail ("statement cache is full"): keep this well
 * above the number of SQL texts in ipam/ (about 150 in v8). Statements are
 * never evicted, since a caller may hold one while it calls another. */
#define IPAM_STMT_CACHE 256

struct ipam {
	sqlite3 *sql;
	char path[256];		/* as opened, for error messages */
	char lost[IPAM_ERRLEN];	/* why SQLite ended the caller's transaction
				 * itself, for its commit to say */
	int tx_depth;		/* explicit ipam_tx_begin() nesting */
	int op_depth;		/* savepoints of write operations */
	int64_t data_version;	/* for ipam_feed_poll() */
	char err[IPAM_ERRLEN];
	struct {
		const char *sql;	/* static string: compared by pointer */
		sqlite3_stmt *stmt;
	} cache[IPAM_STMT_CACHE];
};

/* SQLite virtual-machine steps run by the cached statements since the last
 * call (and reset): a deterministic measure of work, for tests. */
int64_t ipam_vm_steps(struct ipam *db);

/* Record the reason for a failure; returns r so callers can `return`. */
int ipam_fail(struct ipam *db, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Turn a sqlite result code into -errno with a message naming what. */
int ipam_sqlfail(struct ipam *db, int rc, const char *what);

/*
 * A prepared statement for a static SQL string, reset and with bindings
 * cleared; cached by the string's address. NULL (and the error set) if it
 * cannot be prepared.
 */
sqlite3_stmt *ipam_stmt(struct ipam *db, const char *sql);
/* Run a cached statement with no result rows; 0 or -errno. */
int ipam_exec_stmt(struct ipam *db, sqlite3_stmt *st, const char *what);
/* One integer from the first row (def if there is none). */
int64_t ipam_query_int(struct ipam *db, sqlite3_stmt *st, int64_t def);

/* The first row's first column as text into buf; false (buf "") if none. */
bool ipam_query_text(struct ipam *db, sqlite3_stmt *st, char *buf,
		     size_t size);
/* One count from a cached statement with ?1 bound to id. */
int64_t ipam_count(struct ipam *db, const char *sql, int64_t id);

/* What removing an object takes with it: one kind of child and its count. */
struct ipam_child {
	const char *key, *one, *many;	/* "ranges", "range", "ranges" */
	int64_t n;
};
/*
 * The shared end of every rm: refuse with -ENOTEMPTY ("X still has 1 range
 * and 3 addresses: ... --force") unless forced or childless, then run
 * del_sql (?1 = id; children go by ON DELETE CASCADE) and report
 * {"with": {key: n}, "summary": "1 range and 3 addresses"}.
 */
int ipam_remove_with_children(struct ipam *db, const char *what,
			      const struct ipam_child *c, size_t k, bool force,
			      const char *del_sql, int64_t id,
			      json_t **ret_removed);

/* Bind an address as its 4- or 16-byte network-order blob. */
int ipam_bind_ip(sqlite3_stmt *st, int idx, const struct ip_addr *a);
int ipam_column_ip(sqlite3_stmt *st, int col, struct ip_addr *ret);
int ipam_bind_text(sqlite3_stmt *st, int idx, const char *s);	/* NULL ok */

/*
 * Every write operation runs between these: a BEGIN IMMEDIATE, or a
 * savepoint inside a caller's transaction. ipam_write_end() commits (or
 * rolls back when r < 0) and returns r, or the commit's error.
 */
int ipam_write_begin(struct ipam *db);
int ipam_write_end(struct ipam *db, int r);

/*
 * Rows of a statement as a JSON array of objects keyed by column name.
 * types has one letter per column: 'a' auto (blobs of 4/16 bytes become
 * IP text, other blobs hex), 'b' boolean, 't' unix time as ISO 8601 UTC.
 * A missing letter means 'a'. Returns NULL (error set) on failure.
 */
json_t *ipam_rows_json(struct ipam *db, sqlite3_stmt *st, const char *types);
/* The first row as an object, or NULL with -ENOENT "what" as the error. */
json_t *ipam_row_json(struct ipam *db, sqlite3_stmt *st, const char *types,
		      const char *what);

/* Lookups by the names the CLI uses; -ENOENT with a message if missing. */
int ipam_fabric_id(struct ipam *db, const char *name, int64_t *ret_id);
int ipam_vlan_id(struct ipam *db, const char *fabric, int vid,
		 int64_t *ret_id);
int ipam_subnet_id(struct ipam *db, const char *cidr, int64_t *ret_id,
		   struct cidr *ret_cidr);
int ipam_domain_id(struct ipam *db, const char *name, bool create,
		   int64_t *ret_id);
/* "FABRIC/VID" -> the VLAN's id; "" -> 0 (none). -EINVAL if malformed. */
int ipam_vlan_ref(struct ipam *db, const char *ref, int64_t *ret_id);

/* SQL: is dhcp_server row D on the allow-list (by identifier or MAC)? */
#define IPAM_SQL_DHCP_ALLOWED(D)                                             \
	"EXISTS (SELECT 1 FROM dhcp_server_allow al WHERE al.server_id = "   \
	D ".server_id OR al.mac = " D ".mac)"

/* An integer or on/off setting's value (0 if it cannot be read). */
int64_t ipam_setting_int(struct ipam *db, const char *key);

/*
 * A boot profile's name (ipam_boot.c): lower-case letters, digits, '-', '_'
 * and '.', 1 to 63 of them, the first a letter or digit. Profiles, a host's
 * boot and the boot-*-profile settings all follow it, so any of them can
 * name any profile.
 */
#define IPAM_PROFILE_RULE "lower-case letters, digits, '-', '_' and '.', " \
	"at most 63, starting with a letter or digit"
bool ipam_boot_profile_name_valid(const char *name);

/* Parse an address argument, with an error naming what it was for. */
int ipam_parse_ip(struct ipam *db, const char *s, const char *what,
		  struct ip_addr *ret);

/* A subnet as allocation sees it: prefix and the addresses never handed out
 * (network, IPv4 broadcast, gateway). */
struct ipam_subnet_info {
	int64_t id;
	struct cidr cidr;
	struct ip_addr excl[3];		/* sorted, ascending */
	int nexcl;
	char text[CIDR_STRLEN];
};
int ipam_subnet_info(struct ipam *db, int64_t id, struct ipam_subnet_info *ret);
bool ipam_subnet_excluded(const struct ipam_subnet_info *s,
			  const struct ip_addr *a);
/* The dynamic range holding ip: its id, or 0. */
int64_t ipam_dynamic_range_of(struct ipam *db, int64_t subnet_id,
			      const struct ip_addr *ip);

/* The free-address index (ipam_pool.c). */
int ipam_pool_rebuild(struct ipam *db, int64_t subnet_id);
int ipam_pool_take(struct ipam *db, int64_t subnet_id,
		   const struct ip_addr *ip);
int ipam_pool_give(struct ipam *db, int64_t subnet_id,
		   const struct ip_addr *ip);
/* "SELECT id, state, expiry FROM address" at (?1 subnet, ?2 ip). */
extern const char ipam_sql_addr_at[];
/* A subnet's utilisation: dynamic pool size, leased, static, free... */
json_t *ipam_pool_usage(struct ipam *db, int64_t subnet_id, int64_t now);
/* Delete an address row and give its IP back to the pool. */
int ipam_address_delete(struct ipam *db, int64_t addr_id);

/* Migration hooks that need C (ipam_schema.c calls them). */
int ipam_pool_rebuild_all(struct ipam *db);

/* Migrations (ipam_schema.c). */
struct ipam_migration {
	const char *sql;
	int (*after)(struct ipam *db);	/* optional C step, same transaction */
};
extern const struct ipam_migration ipam_migrations[];
extern const int ipam_migration_count;

#endif

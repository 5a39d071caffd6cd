/*
 * The IPAM connection: opening and checking the file, migrations, the
 * transaction discipline every write follows, a statement cache, and the
 * conversion of result rows to JSON that list and show calls share.
 */
#include "ipam_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define IPAM_APPLICATION_ID 0x52434b4e	/* "RCKN" */

int ipam_fail(struct ipam *db, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
	return r;
}

int ipam_sqlfail(struct ipam *db, int rc, const char *what)
{
	const char *msg = sqlite3_errmsg(db->sql);

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ipam_fail(db, -EBUSY,
				 "%s: the database is locked by another writer "
				 "(waited %d s)", what, IPAM_BUSY_MS / 1000);
	case SQLITE_CONSTRAINT:
		return ipam_fail(db, -EEXIST, "%s: %s", what, msg);
	case SQLITE_FULL:
		return ipam_fail(db, -EIO, "%s: %s: the disk is full", what,
				 db->path);
	case SQLITE_IOERR:
		return ipam_fail(db, -EIO, "%s: cannot read or write %s: %s",
				 what, db->path,
				 sqlite3_system_errno(db->sql) ?
				 strerror(sqlite3_system_errno(db->sql)) : msg);
	case SQLITE_READONLY:
		return ipam_fail(db, -EIO, "%s: %s is read-only (%s)",
				 what, db->path, msg);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return ipam_fail(db, -EIO, "%s: the database file is corrupt "
				 "(%s)", what, msg);
	default:
		return ipam_fail(db, -EIO, "%s: %s", what, msg);
	}
}

const char *ipam_error(const struct ipam *db)
{
	return db->err;
}

sqlite3_stmt *ipam_stmt(struct ipam *db, const char *sql)
{
	int free_slot = -1;
	sqlite3_stmt *st;
	int rc;

	for (int i = 0; i < IPAM_STMT_CACHE; i++) {
		if (db->cache[i].sql == sql) {
			st = db->cache[i].stmt;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
		if (!db->cache[i].sql && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0) {
		ipam_fail(db, -ENOMEM, "internal: statement cache is full");
		return NULL;
	}
	rc = sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT,
				&st, NULL);
	if (rc != SQLITE_OK) {
		ipam_sqlfail(db, rc, "prepare");
		return NULL;
	}
	db->cache[free_slot].sql = sql;
	db->cache[free_slot].stmt = st;
	return st;
}

int64_t ipam_vm_steps(struct ipam *db)
{
	int64_t n = 0;

	for (int i = 0; i < IPAM_STMT_CACHE; i++)
		if (db->cache[i].stmt)
			n += sqlite3_stmt_status(db->cache[i].stmt,
						 SQLITE_STMTSTATUS_VM_STEP, 1);
	return n;
}

int ipam_exec_stmt(struct ipam *db, sqlite3_stmt *st, const char *what)
{
	int rc;

	if (!st)
		return -EIO;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return ipam_sqlfail(db, rc, what);
	return 0;
}

int64_t ipam_query_int(struct ipam *db, sqlite3_stmt *st, int64_t def)
{
	int64_t v = def;

	(void)db;
	if (!st)
		return def;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

bool ipam_query_text(struct ipam *db, sqlite3_stmt *st, char *buf,
		     size_t size)
{
	bool found = false;

	(void)db;
	buf[0] = '\0';
	if (!st)
		return false;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL) {
		snprintf(buf, size, "%s", sqlite3_column_text(st, 0));
		found = true;
	}
	sqlite3_reset(st);
	return found;
}

int ipam_bind_ip(sqlite3_stmt *st, int idx, const struct ip_addr *a)
{
	return sqlite3_bind_blob(st, idx, a->b, (int)ip_len(a), SQLITE_TRANSIENT);
}

int ipam_column_ip(sqlite3_stmt *st, int col, struct ip_addr *ret)
{
	const void *p = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);

	if (!p)
		return -EINVAL;
	return ip_from_bytes(ret, p, (size_t)n);
}

int ipam_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	if (!s)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

static int run_cached(struct ipam *db, const char *sql, const char *what)
{
	return ipam_exec_stmt(db, ipam_stmt(db, sql), what);
}

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
static const char sql_savepoint[] = "SAVEPOINT op";
static const char sql_release[] = "RELEASE op";
static const char sql_rollback_to[] = "ROLLBACK TO op";

/* Undo after a failure, keeping the failure's text. SQLite has often
 * rolled the whole transaction back already (a full disk, an I/O error):
 * then there is nothing to undo, and a ROLLBACK's "no transaction is
 * active" must not replace the reason. */
static void undo(struct ipam *db, bool outer)
{
	char why[IPAM_ERRLEN];

	if (sqlite3_get_autocommit(db->sql)) {
		if (db->tx_depth > 0 && !db->lost[0])
			memcpy(db->lost, db->err, sizeof(db->lost));
		return;
	}
	memcpy(why, db->err, sizeof(why));
	if (outer) {
		run_cached(db, sql_rollback, "roll back");
	} else {
		run_cached(db, sql_rollback_to, "roll back");
		run_cached(db, sql_release, "roll back");
	}
	memcpy(db->err, why, sizeof(why));
}

int ipam_write_begin(struct ipam *db)
{
	bool outer = db->tx_depth == 0 && db->op_depth == 0;
	int r;

	r = run_cached(db, outer ? sql_begin : sql_savepoint,
		       "start a transaction");
	if (r < 0)
		return r;
	db->op_depth++;
	return 0;
}

int ipam_write_end(struct ipam *db, int r)
{
	bool outer;
	int c;

	db->op_depth--;
	outer = db->tx_depth == 0 && db->op_depth == 0;
	if (r < 0) {
		undo(db, outer);
		return r;
	}
	c = run_cached(db, outer ? sql_commit : sql_release, "commit");
	if (c < 0) {
		if (outer)
			undo(db, true);
		return c;
	}
	return r;
}

int ipam_tx_begin(struct ipam *db)
{
	if (db->tx_depth == 0 && db->op_depth == 0) {
		int r = run_cached(db, sql_begin, "start a transaction");

		if (r < 0)
			return r;
		db->lost[0] = '\0';
	}
	db->tx_depth++;
	return 0;
}

int ipam_tx_commit(struct ipam *db)
{
	int r;

	if (db->tx_depth == 0)
		return ipam_fail(db, -EINVAL, "internal: commit without begin");
	if (--db->tx_depth > 0 || db->op_depth > 0)
		return 0;
	if (db->lost[0]) {
		/* What the group wrote after that went in on its own. */
		r = ipam_fail(db, -EIO, "the transaction was ended by an "
			      "error: %s", db->lost);
		db->lost[0] = '\0';
		undo(db, true);
		return r;
	}
	r = run_cached(db, sql_commit, "commit");
	if (r < 0)
		undo(db, true);
	return r;
}

void ipam_tx_rollback(struct ipam *db)
{
	if (db->tx_depth == 0)
		return;
	db->tx_depth = 0;
	db->lost[0] = '\0';
	if (sqlite3_get_autocommit(db->sql) == 0)
		run_cached(db, sql_rollback, "roll back");
}

/* A one-off statement (pragmas, migrations); not cached. */
static int exec_sql(struct ipam *db, const char *sql, const char *what)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->sql, sql, NULL, NULL, &msg);
	int r;

	if (rc == SQLITE_OK)
		return 0;
	r = rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? -EBUSY : -EIO;
	ipam_fail(db, r, "%s: %s", what, msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return r;
}

static int64_t pragma_int(struct ipam *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int ipam_schema_version(struct ipam *db)
{
	return (int)pragma_int(db, "PRAGMA user_version");
}

int ipam_schema_latest(void)
{
	return ipam_migration_count;
}

int ipam_migrate_to(struct ipam *db, int target)
{
	char sql[96];
	int v, r;

	if (target < 0 || target > ipam_migration_count)
		return ipam_fail(db, -EINVAL, "no schema version %d", target);
	r = exec_sql(db, "BEGIN IMMEDIATE", "migrate");
	if (r < 0)
		return r;
	/* Read the version inside the write lock: another process may have
	 * migrated while we waited. */
	v = ipam_schema_version(db);
	for (; v < target; v++) {
		const struct ipam_migration *m = &ipam_migrations[v];

		r = exec_sql(db, m->sql, "migrate");
		if (r == 0 && m->after)
			r = m->after(db);
		if (r < 0) {
			char why[IPAM_ERRLEN];

			snprintf(why, sizeof(why), "%s", db->err);
			exec_sql(db, "ROLLBACK", "migrate");
			return ipam_fail(db, r, "migration to schema version "
					 "%d failed, nothing changed: %s",
					 v + 1, why);
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; "
		 "PRAGMA application_id = %d", v, IPAM_APPLICATION_ID);
	r = exec_sql(db, sql, "migrate");
	if (r == 0)
		r = exec_sql(db, "COMMIT", "migrate");
	if (r < 0)
		exec_sql(db, "ROLLBACK", "migrate");
	return r;
}

/* ip_text(blob): an address blob as text, for listings that aggregate. */
static void sql_ip_text(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct ip_addr a;
	char buf[IP_STRLEN];

	(void)argc;
	if (sqlite3_value_type(argv[0]) != SQLITE_BLOB ||
	    ip_from_bytes(&a, sqlite3_value_blob(argv[0]),
			  (size_t)sqlite3_value_bytes(argv[0])) < 0) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_text(ctx, ip_format(&a, buf, sizeof(buf)), -1,
			    SQLITE_TRANSIENT);
}

/* Is this file ours, and at which version? Refuse what we cannot use. */
static int check_schema(struct ipam *db, const char *path, unsigned flags)
{
	int64_t app = pragma_int(db, "PRAGMA application_id");
	int64_t tables = pragma_int(db,
		"SELECT count(*) FROM sqlite_master WHERE type = 'table'");
	int v = ipam_schema_version(db);
	int latest = ipam_schema_latest();

	if (app < 0 || tables < 0)
		return ipam_fail(db, -EIO, "%s: cannot read the database: %s",
				 path, sqlite3_errmsg(db->sql));
	if (app != IPAM_APPLICATION_ID && (app != 0 || tables > 0))
		return ipam_fail(db, -EPROTO, "%s is not a racknet IPAM "
				 "database", path);
	if (v > latest)
		return ipam_fail(db, -EPROTO, "%s has schema version %d, newer "
				 "than this racknet supports (%d): upgrade "
				 "racknet", path, v, latest);
	if (v == latest)
		return 0;
	if (!(flags & IPAM_OPEN_MIGRATE))
		return ipam_fail(db, -EPROTO, "%s has schema version %d, this "
				 "racknet needs %d: run `racknet init` to "
				 "migrate it", path, v, latest);
	return ipam_migrate_to(db, latest);
}

int ipam_open(const char *path, unsigned flags, struct ipam **ret_db,
	      char *err, size_t errsize)
{
	struct ipam *db;
	struct stat sb;
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int rc, r;

	if (!(flags & IPAM_OPEN_CREATE) && stat(path, &sb) < 0) {
		snprintf(err, errsize, "no IPAM database at %s: run `racknet "
			 "init` to create it", path);
		return -ENOENT;
	}
	if (flags & IPAM_OPEN_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	db = calloc(1, sizeof(*db));
	if (!db) {
		snprintf(err, errsize, "out of memory");
		return -ENOMEM;
	}
	/* Before SQLite's first use in the process (later it is refused,
	 * harmlessly): no allocation statistics, which take a global mutex
	 * on every malloc and free. Nothing here reads them. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	snprintf(db->path, sizeof(db->path), "%s", path);
	rc = sqlite3_open_v2(path, &db->sql, oflags, NULL);
	if (rc != SQLITE_OK) {
		r = ipam_fail(db, -EIO, "cannot open %s: %s", path,
			      db->sql ? sqlite3_errmsg(db->sql) :
			      sqlite3_errstr(rc));
		goto out_close;
	}
	sqlite3_extended_result_codes(db->sql, 0);
	sqlite3_create_function_v2(db->sql, "ip_text", 1,
				   SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				   sql_ip_text, NULL, NULL, NULL);
	sqlite3_busy_timeout(db->sql, IPAM_BUSY_MS);
	/* Durable before the ACK leaves: FULL syncs the WAL on each commit. */
	r = exec_sql(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;"
		     " PRAGMA journal_mode = WAL", path);
	if (r < 0)
		goto out_close;
	r = check_schema(db, path, flags);
	if (r < 0)
		goto out_close;
	/* SQLite falls back to reading when it cannot write; a writer
	 * refuses that, so that whoever restarts it finds it writing once the
	 * file is writable again. */
	if ((flags & IPAM_OPEN_WRITABLE) &&
	    sqlite3_db_readonly(db->sql, "main") == 1) {
		r = ipam_fail(db, -EROFS, "%s is read-only: racknet must write "
			      "it (check its owner, mode, attributes and file "
			      "system)", path);
		goto out_close;
	}
	db->data_version = pragma_int(db, "PRAGMA data_version");
	*ret_db = db;
	return 0;

out_close:
	snprintf(err, errsize, "%s", db->err);
	ipam_close(db);
	return r;
}

void ipam_close(struct ipam *db)
{
	if (!db)
		return;
	for (int i = 0; i < IPAM_STMT_CACHE; i++)
		if (db->cache[i].stmt)
			sqlite3_finalize(db->cache[i].stmt);
	sqlite3_close(db->sql);
	free(db);
}

static json_t *blob_json(const uint8_t *p, int n)
{
	static const char hex[] = "0123456789abcdef";
	struct ip_addr a;
	char buf[IP_STRLEN];
	char *s;
	json_t *j;

	if (ip_from_bytes(&a, p, (size_t)n) == 0)
		return json_string(ip_format(&a, buf, sizeof(buf)));
	s = malloc((size_t)n * 2 + 1);
	if (!s)
		return NULL;
	for (int i = 0; i < n; i++) {
		s[2 * i] = hex[p[i] >> 4];
		s[2 * i + 1] = hex[p[i] & 15];
	}
	s[2 * n] = '\0';
	j = json_string(s);
	free(s);
	return j;
}

static json_t *time_json(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (!gmtime_r(&tt, &tm))
		return json_integer(t);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *column_json(sqlite3_stmt *st, int i, char type)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		return json_null();
	case SQLITE_INTEGER:
		if (type == 'b')
			return json_boolean(sqlite3_column_int64(st, i) != 0);
		if (type == 't')
			return time_json(sqlite3_column_int64(st, i));
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	case SQLITE_BLOB:
		return blob_json(sqlite3_column_blob(st, i),
				 sqlite3_column_bytes(st, i));
	default:
		return json_string((const char *)sqlite3_column_text(st, i));
	}
}

static json_t *row_object(sqlite3_stmt *st, const char *types)
{
	int n = sqlite3_column_count(st);
	size_t tlen = types ? strlen(types) : 0;
	json_t *o = json_object();

	for (int i = 0; o && i < n; i++) {
		char type = (size_t)i < tlen ? types[i] : 'a';
		json_t *v = column_json(st, i, type);

		if (!v || json_object_set_new(o, sqlite3_column_name(st, i), v)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

json_t *ipam_rows_json(struct ipam *db, sqlite3_stmt *st, const char *types)
{
	json_t *arr;
	int rc;

	if (!st)
		return NULL;
	arr = json_array();
	while (arr && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (json_array_append_new(arr, row_object(st, types)) < 0) {
			json_decref(arr);
			arr = NULL;
			ipam_fail(db, -ENOMEM, "out of memory");
		}
	}
	if (arr && rc != SQLITE_DONE) {
		ipam_sqlfail(db, rc, "query");
		json_decref(arr);
		arr = NULL;
	}
	sqlite3_reset(st);
	return arr;
}

json_t *ipam_row_json(struct ipam *db, sqlite3_stmt *st, const char *types,
		      const char *what)
{
	json_t *arr = ipam_rows_json(db, st, types);
	json_t *o;

	if (!arr)
		return NULL;
	o = json_array_get(arr, 0);
	if (!o) {
		ipam_fail(db, -ENOENT, "%s does not exist", what);
		json_decref(arr);
		return NULL;
	}
	json_incref(o);
	json_decref(arr);
	return o;
}

int ipam_parse_ip(struct ipam *db, const char *s, const char *what,
		  struct ip_addr *ret)
{
	if (!s || ip_parse(ret, s) < 0)
		return ipam_fail(db, -EINVAL, "%s '%s' is not an IP address",
				 what, s ? s : "");
	return 0;
}

/*
 * The change feed. Triggers (schema version 2) append one row per model
 * write, in the writer's transaction, numbered by an AUTOINCREMENT key: the
 * generation. Generations are contiguous (a rolled-back write takes its
 * number back), so a reader that finds a gap after its generation knows
 * the feed was pruned past it and must reload.
 */
#include "ipam_int.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

int64_t ipam_feed_generation(struct ipam *db)
{
	return ipam_query_int(db, ipam_stmt(db,
		"SELECT seq FROM sqlite_sequence WHERE name = 'change'"), 0);
}

static void key_text(sqlite3_stmt *st, int col, char *buf, size_t size)
{
	struct ip_addr a;

	switch (sqlite3_column_type(st, col)) {
	case SQLITE_BLOB:
		if (ip_from_bytes(&a, sqlite3_column_blob(st, col),
				  (size_t)sqlite3_column_bytes(st, col)) == 0)
			ip_format(&a, buf, size);
		else
			snprintf(buf, size, "?");
		break;
	case SQLITE_NULL:
		buf[0] = '\0';
		break;
	default:
		snprintf(buf, size, "%s", sqlite3_column_text(st, col));
		break;
	}
}

int ipam_feed_since(struct ipam *db, int64_t gen, size_t limit,
		    ipam_feed_fn fn, void *ctx, int64_t *ret_gen)
{
	static const char sql[] =
		"SELECT gen, tbl, op, row_id, key FROM change WHERE gen > ?1 "
		"ORDER BY gen LIMIT ?2";
	int64_t oldest, last = gen, top;
	sqlite3_stmt *st;
	int r = 0, rc;

	oldest = ipam_query_int(db, ipam_stmt(db, "SELECT min(gen) FROM change"), 0);
	top = ipam_feed_generation(db);
	if ((oldest && oldest > gen + 1) || (!oldest && top > gen))
		return ipam_fail(db, -ESTALE, "the change feed was pruned past "
				 "generation %" PRId64 ": reload", gen);
	st = ipam_stmt(db, sql);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, gen);
	sqlite3_bind_int64(st, 2, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ipam_change c = {
			.gen = sqlite3_column_int64(st, 0),
			.row_id = sqlite3_column_int64(st, 3),
		};

		key_text(st, 1, c.table, sizeof(c.table));
		key_text(st, 2, c.op, sizeof(c.op));
		key_text(st, 4, c.key, sizeof(c.key));
		r = fn(ctx, &c);
		last = c.gen;
	}
	sqlite3_reset(st);
	if (ret_gen)
		*ret_gen = last;
	return r;
}

int ipam_feed_prune(struct ipam *db, int64_t keep)
{
	sqlite3_stmt *st;
	int r = ipam_write_begin(db);

	if (r < 0)
		return r;
	st = ipam_stmt(db, "DELETE FROM change WHERE gen <= ?1");
	if (st)
		sqlite3_bind_int64(st, 1, ipam_feed_generation(db) - keep);
	return ipam_write_end(db, ipam_exec_stmt(db, st, "prune change feed"));
}

bool ipam_feed_poll(struct ipam *db)
{
	int64_t v = ipam_query_int(db, ipam_stmt(db, "PRAGMA data_version"), -1);
	bool changed = v != db->data_version;

	db->data_version = v;
	return changed;
}

/*
 * What the library says when the database fails under it: a full disk
 * (PRAGMA max_page_count makes one) in a single write and inside a
 * caller's group transaction, and a writer that holds the lock (a second
 * handle; counters do not wait for it). The reason must reach the
 * caller intact, naming the file: never "cannot rollback - no transaction
 * is active" in its place.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "ipam_int.h"
#include "test.h"

static struct fixture fx;

/* Fill the database up to what it has now: the next page is refused. */
static void disk_full(struct ipam *db)
{
	char sql[64];
	int pages = 0;
	sqlite3_stmt *st;

	CHECK_INT(sqlite3_prepare_v2(db->sql, "PRAGMA page_count", -1, &st,
				     NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		pages = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %d", pages);
	CHECK_INT(sqlite3_exec(db->sql, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* Add records PREFIX0, PREFIX1... until one does not fit; its code. */
static int fill(struct ipam *db, const char *prefix)
{
	char name[64], data[200];
	int r = 0;

	memset(data, 'x', sizeof(data) - 1);
	data[sizeof(data) - 1] = '\0';
	for (int i = 0; i < 10000 && r == 0; i++) {
		snprintf(name, sizeof(name), "%s%d.lab.test", prefix, i);
		r = ipam_record_add(db, name, "TXT", data, 0);
	}
	return r;
}

TEST(full_disk)
{
	struct ipam *db = fx_open(&fx);
	char want[256];

	CHECK_INT(ipam_domain_add(db, "lab.test", 0), 0);
	disk_full(db);
	snprintf(want, sizeof(want), "%s: the disk is full", fx.path);
	CHECK_INT(fill(db, "t"), -EIO);
	CHECK_CONTAINS(ipam_error(db), want);
	/* Inside a group: the record's own error names the disk. If SQLite
	 * ended the whole transaction for it, the group's commit says so
	 * and why; if it undid only that record, the commit keeps the rest. */
	CHECK_INT(ipam_tx_begin(db), 0);
	CHECK_INT(fill(db, "u"), -EIO);
	CHECK_CONTAINS(ipam_error(db), want);
	if (ipam_tx_commit(db) < 0) {
		CHECK_CONTAINS(ipam_error(db), "the transaction was ended by "
			       "an error");
		CHECK_CONTAINS(ipam_error(db), want);
	}
	CHECK(strstr(ipam_error(db), "no transaction is active") == NULL);
	/* Room again: writes work. */
	CHECK_INT(sqlite3_exec(db->sql, "PRAGMA max_page_count = 1000000",
			       NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(ipam_record_add(db, "after.lab.test", "TXT", "ok", 0), 0);
	fx_close(&fx);
}

TEST(locked)
{
	struct ipam *db = fx_open(&fx), *other;
	char err[IPAM_ERRLEN];

	CHECK_INT(ipam_open(fx.path, 0, &other, err, sizeof(err)), 0);
	CHECK_INT(ipam_tx_begin(other), 0);
	sqlite3_busy_timeout(db->sql, 10);
	CHECK_INT(ipam_domain_add(db, "lab.test", 0), -EBUSY);
	CHECK_CONTAINS(ipam_error(db), "the database is locked by another "
		       "writer");
	/* Counters never wait, and say so. */
	json_t *c = json_pack("{si}", "n", 1);

	sqlite3_busy_timeout(db->sql, 5000);
	CHECK_INT(ipam_stats_put(db, "dhcpd", 1, 1, c, 2, false), -EBUSY);
	json_decref(c);
	ipam_tx_rollback(other);
	ipam_close(other);
	CHECK_INT(ipam_domain_add(db, "lab.test", 0), 0);
	fx_close(&fx);
}

int main(void)
{
	RUN(full_disk);
	RUN(locked);
	return test_done();
}

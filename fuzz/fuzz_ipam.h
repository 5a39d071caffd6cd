/* For the harnesses that run against a real IPAM: a fresh database in a
 * temporary folder, closed and removed at exit. Setup failures abort. */
#ifndef RACKNET_FUZZ_IPAM_H
#define RACKNET_FUZZ_IPAM_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ipam.h"

static struct ipam *fuzz_db;
static char fuzz_db_dir[64], fuzz_db_path[96];

static void fuzz_ipam_cleanup(void)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char p[128];

	ipam_close(fuzz_db);
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", fuzz_db_path, sfx[i]);
		unlink(p);
	}
	rmdir(fuzz_db_dir);
}

static inline struct ipam *fuzz_ipam_open(void)
{
	char err[IPAM_ERRLEN];

	snprintf(fuzz_db_dir, sizeof(fuzz_db_dir), "/tmp/racknet-fuzz-XXXXXX");
	if (!mkdtemp(fuzz_db_dir))
		abort();
	snprintf(fuzz_db_path, sizeof(fuzz_db_path), "%s/ipam.db", fuzz_db_dir);
	if (ipam_open(fuzz_db_path, IPAM_OPEN_CREATE | IPAM_OPEN_MIGRATE,
		      &fuzz_db, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz setup: %s\n", err);
		abort();
	}
	atexit(fuzz_ipam_cleanup);
	return fuzz_db;
}

#endif

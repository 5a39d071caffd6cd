/*
 * A fresh IPAM in a temporary directory for each test, and a small lab
 * model (fabric lab, VLAN 0 and 42, 10.0.0.0/24 with gateway .1).
 */
#ifndef RACKNET_TEST_FIXTURE_H
#define RACKNET_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipam.h"
#include "test.h"

struct fixture {
	char dir[64];
	char path[96];
	struct ipam *db;
};

static inline void fx_rmdir(struct fixture *f)
{
	char p[128];
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
}

/* A new empty directory and database path; no database yet. */
static inline void fx_path(struct fixture *f)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/racknet-test-XXXXXX");
	if (!mkdtemp(f->dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(f->path, sizeof(f->path), "%s/ipam.db", f->dir);
	f->db = NULL;
}

static inline struct ipam *fx_open(struct fixture *f)
{
	char err[IPAM_ERRLEN];

	fx_path(f);
	if (ipam_open(f->path, IPAM_OPEN_CREATE | IPAM_OPEN_MIGRATE, &f->db,
		      err, sizeof(err)) < 0) {
		fprintf(stderr, "ipam_open: %s\n", err);
		exit(1);
	}
	return f->db;
}

/* Reopen the fixture's existing database. */
static inline struct ipam *fx_open_existing(struct fixture *f)
{
	char err[IPAM_ERRLEN];

	if (ipam_open(f->path, 0, &f->db, err, sizeof(err)) < 0) {
		fprintf(stderr, "ipam_open: %s\n", err);
		exit(1);
	}
	return f->db;
}

static inline void fx_close(struct fixture *f)
{
	ipam_close(f->db);
	f->db = NULL;
	fx_rmdir(f);
}

/* Check an IPAM call fails with code and a message containing text. */
#define CHECK_FAILS(db, call, code, text)                                 \
	do {                                                              \
		CHECK_INT((call), (code));                                \
		CHECK_CONTAINS(ipam_error(db), (text));                   \
	} while (0)

static inline void fx_lab(struct ipam *db)
{
	struct ipam_vlan_opts vo = { .dhcp = -1 };
	struct ipam_subnet_opts so = {
		.fabric = "lab", .vid = 0, .gateway = "10.0.0.1",
		.managed = -1,
	};

	CHECK_INT(ipam_fabric_add(db, "lab"), 0);
	CHECK_INT(ipam_vlan_add(db, "lab", 0, &vo), 0);
	CHECK_INT(ipam_vlan_add(db, "lab", 42, &vo), 0);
	CHECK_INT(ipam_subnet_add(db, "10.0.0.0/24", &so), 0);
}

/* A client with MAC 52:54:00:00:HI:LO. */
static inline struct ipam_client fx_client(unsigned n)
{
	struct ipam_client c = { .mac = { { 0x52, 0x54, 0, 0,
					    (unsigned char)(n >> 8),
					    (unsigned char)n } } };
	return c;
}

static inline const char *fx_ip(const struct ipam_lease *l, char *buf)
{
	return ip_format(&l->ip, buf, IP_STRLEN);
}

#endif

/*
 * ipam-alloc-bench: what one DHCP address allocation costs in
 * libracknet-ipam on an empty /16 and on the same /16 with 60,000 addresses
 * in use, in one run on one machine. ipam.h promises allocation "costs a few
 * index lookups whatever the pool's fill"; the target is full/empty within
 * 2x.
 *
 * Each DB is a temp file this program creates and deletes: fabric, VLAN,
 * subnet 10.0.0.0/16 with gateway 10.0.0.1 and one dynamic range
 * 10.0.0.2-10.0.255.254 (the /16 minus network, broadcast and gateway). The
 * full DB gets `fill` leases first (grouped transactions, distinct MACs).
 *
 * Then, for each of `runs` rounds, each DB is timed two ways, N allocations
 * with fresh MACs each:
 *   per-tx   one transaction per allocation: the library's durable default
 *            (WAL, synchronous=FULL), so every allocation pays an fsync;
 *   grouped  `batch` allocations per ipam_tx_begin/commit, what dhcpd's
 *            group commit does: the CPU cost with the fsync amortised.
 * After each measurement the new leases are released (not timed), so every
 * round starts from the same fill.
 *
 * Modes for the callgrind run (bench/ipam-alloc/run --callgrind):
 *   --prepare DIR    write DIR/empty.db and DIR/full.db and exit;
 *   --workload DB    run N allocations (batch per transaction) on DB once;
 *                    the allocations happen inside bench_measured(), the
 *                    function callgrind is told to count (--toggle-collect).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "addr.h"
#include "ipam.h"

#define SUBNET "10.0.0.0/16"
#define GATEWAY "10.0.0.1"
#define RANGE_START "10.0.0.2"
#define RANGE_END "10.0.255.254"
#define POOL_SIZE 65533		/* 10.0.0.2 .. 10.0.255.254 */
#define LEASE_SECS (30u * 86400u)
#define FILL_BATCH 1000
#define MAX_RUNS 50

struct opts {
	int allocs;		/* per measurement */
	int runs;
	int fill;
	int batch;		/* allocations per transaction, grouped mode */
	const char *dir;
	const char *prepare;	/* --prepare DIR */
	const char *workload;	/* --workload DB */
};

/* A bench database: its path, handle and subnet. */
struct bdb {
	char path[PATH_MAX];
	struct ipam *db;
	int64_t subnet;
	const char *name;
};

static uint32_t mac_counter;	/* every client gets a MAC of its own */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, struct ipam *db, int r)
{
	fprintf(stderr, "ipam-alloc-bench: %s: %s (%s)\n", what,
		db ? ipam_error(db) : "", strerror(-r));
	exit(1);
}

static void next_client(struct ipam_client *c, uint32_t tag)
{
	uint32_t n = mac_counter++;

	memset(c, 0, sizeof(*c));
	c->mac.b[0] = 0x02;	/* locally administered */
	c->mac.b[1] = (uint8_t)tag;
	c->mac.b[2] = (uint8_t)(n >> 24);
	c->mac.b[3] = (uint8_t)(n >> 16);
	c->mac.b[4] = (uint8_t)(n >> 8);
	c->mac.b[5] = (uint8_t)n;
}

static void remove_db_files(const char *path)
{
	char p[PATH_MAX + 8];

	unlink(path);
	if (snprintf(p, sizeof(p), "%s-wal", path) < (int)sizeof(p))
		unlink(p);
	if (snprintf(p, sizeof(p), "%s-shm", path) < (int)sizeof(p))
		unlink(p);
}

static void find_subnet(struct bdb *b)
{
	struct ip_addr net;
	int r;

	if (ip_parse(&net, "10.0.0.0") < 0)
		die("parse", NULL, -EINVAL);
	r = ipam_subnet_find(b->db, &net, &b->subnet);
	if (r < 0)
		die("find subnet " SUBNET, b->db, r);
}

/* Create b->path with the /16 and its pool; fill leases in it. */
static double create_db(struct bdb *b, int fill)
{
	struct ipam_subnet_opts so = { .fabric = "bench", .vid = 1,
				       .gateway = GATEWAY, .managed = -1 };
	struct ipam_vlan_opts vo = { .dhcp = -1 };
	char err[IPAM_ERRLEN];
	int64_t now = (int64_t)time(NULL);
	double t0;
	int r;

	remove_db_files(b->path);
	r = ipam_open(b->path, IPAM_OPEN_CREATE | IPAM_OPEN_MIGRATE, &b->db,
		      err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "ipam-alloc-bench: %s\n", err);
		exit(1);
	}
	if ((r = ipam_fabric_add(b->db, "bench")) < 0 ||
	    (r = ipam_vlan_add(b->db, "bench", 1, &vo)) < 0 ||
	    (r = ipam_subnet_add(b->db, SUBNET, &so)) < 0 ||
	    (r = ipam_range_add(b->db, SUBNET, RANGE_START, RANGE_END,
				"dynamic", "bench pool")) < 0)
		die("set up " SUBNET, b->db, r);
	find_subnet(b);

	t0 = now_s();
	for (int i = 0; i < fill; i += FILL_BATCH) {
		if ((r = ipam_tx_begin(b->db)) < 0)
			die("begin", b->db, r);
		for (int k = i; k < fill && k < i + FILL_BATCH; k++) {
			struct ipam_client c;
			struct ipam_lease l;

			next_client(&c, 0xf1);
			r = ipam_lease_alloc(b->db, b->subnet, &c, NULL,
					     LEASE_SECS, now, 0, &l);
			if (r < 0)
				die("fill", b->db, r);
		}
		if ((r = ipam_tx_commit(b->db)) < 0)
			die("commit", b->db, r);
	}
	return now_s() - t0;
}

static void open_db(struct bdb *b)
{
	char err[IPAM_ERRLEN];
	int r = ipam_open(b->path, 0, &b->db, err, sizeof(err));

	if (r < 0) {
		fprintf(stderr, "ipam-alloc-bench: %s\n", err);
		exit(1);
	}
	find_subnet(b);
}

/*
 * The measured work: n allocations for fresh clients, `batch` per
 * transaction (1: each commits alone). The addresses go to out[]. Not
 * inlined, so that callgrind can count exactly this function.
 */
__attribute__((noinline)) static void
bench_measured(struct ipam *db, int64_t subnet, int n, int batch,
	       int64_t now, struct ip_addr *out)
{
	for (int i = 0; i < n; i++) {
		struct ipam_client c;
		struct ipam_lease l;
		int r;

		next_client(&c, 0xa1);
		if (batch > 1 && i % batch == 0 && (r = ipam_tx_begin(db)) < 0)
			die("begin", db, r);
		r = ipam_lease_alloc(db, subnet, &c, NULL, LEASE_SECS, now, 0, &l);
		if (r < 0)
			die("allocate", db, r);
		out[i] = l.ip;
		if (batch > 1 && (i % batch == batch - 1 || i == n - 1) &&
		    (r = ipam_tx_commit(db)) < 0)
			die("commit", db, r);
	}
}

/* Give the n addresses back (untimed), so the next round starts alike. */
static void release_all(struct ipam *db, const struct ip_addr *ips, int n)
{
	char buf[IP_STRLEN];
	int r;

	if ((r = ipam_tx_begin(db)) < 0)
		die("begin", db, r);
	for (int i = 0; i < n; i++) {
		r = ipam_address_release(db, ip_format(&ips[i], buf, sizeof(buf)));
		if (r < 0)
			die("release", db, r);
	}
	if ((r = ipam_tx_commit(db)) < 0)
		die("commit", db, r);
}

/* Allocations per second for one measurement. */
static double measure(struct bdb *b, int n, int batch, struct ip_addr *ips)
{
	int64_t now = (int64_t)time(NULL);
	double t0, dt;

	t0 = now_s();
	bench_measured(b->db, b->subnet, n, batch, now, ips);
	dt = now_s() - t0;
	release_all(b->db, ips, n);
	return (double)n / dt;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct stat3 {
	double median, min, max;
};

static struct stat3 stats(const double *v, int n)
{
	double s[MAX_RUNS];
	struct stat3 r;

	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	r.min = s[0];
	r.max = s[n - 1];
	r.median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	return r;
}

static const char *fs_name(const char *dir)
{
	struct statfs sf;

	if (statfs(dir, &sf) < 0)
		return "unknown fs";
	switch ((unsigned long)sf.f_type) {
	case 0xEF53: return "ext4";
	case 0x01021994: return "tmpfs (no real fsync)";
	case 0x58465342: return "xfs";
	case 0x9123683E: return "btrfs";
	case 0x794c7630: return "overlayfs";
	default: return "other fs";
	}
}

static void print_machine(const struct opts *o)
{
	struct utsname u;

	uname(&u);
	printf("machine:  %ld CPUs online, %s %s %s, SQLite %s\n",
	       sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release, u.machine,
	       sqlite3_libversion());
	printf("DB files: %s (%s); WAL, synchronous=FULL (the library's "
	       "settings)\n", o->dir, fs_name(o->dir));
}

static void print_row(const char *mode, const char *db, const double *rate,
		      int n)
{
	struct stat3 s = stats(rate, n);

	printf("  %-28s %-6s %10.0f   %8.0f - %-8.0f %9.1f\n", mode, db,
	       s.median, s.min, s.max, 1e6 / s.median);
}

/* Cost ratio full/empty = time per allocation full / empty, per round. */
static void print_ratio(const double *empty, const double *full, int n)
{
	double ratio[MAX_RUNS];
	struct stat3 s;

	for (int i = 0; i < n; i++)
		ratio[i] = empty[i] / full[i];
	s = stats(ratio, n);
	printf("  %-35s cost ratio full/empty: median %.2f (rounds %.2f - "
	       "%.2f); target <= 2.00: %s\n", "", s.median, s.min, s.max,
	       s.median <= 2.0 ? "met" : "NOT MET");
}

static int run_timing(const struct opts *o)
{
	struct bdb dbs[2] = { { .name = "empty" }, { .name = "full" } };
	double rate[2][2][MAX_RUNS];	/* [mode][db][round] */
	struct ip_addr *ips;
	double fill_s;
	int batches[2] = { 1, o->batch };

	ips = calloc((size_t)o->allocs, sizeof(*ips));
	if (!ips)
		die("memory", NULL, -ENOMEM);
	for (int d = 0; d < 2; d++)
		snprintf(dbs[d].path, sizeof(dbs[d].path),
			 "%s/ipam-alloc-bench.%ld.%s.db", o->dir, (long)getpid(),
			 dbs[d].name);

	printf("ipam-alloc-bench: DHCP address allocation in libracknet-ipam, "
	       "empty vs full /16\n");
	print_machine(o);
	printf("pool:     %s, gateway %s, dynamic range %s-%s (%d addresses)\n",
	       SUBNET, GATEWAY, RANGE_START, RANGE_END, POOL_SIZE);
	fflush(stdout);

	create_db(&dbs[0], 0);
	fill_s = create_db(&dbs[1], o->fill);
	printf("fill:     %d leases in %.1f s (%.0f/s, %d per transaction); "
	       "%d addresses left free\n", o->fill, fill_s,
	       fill_s > 0 ? o->fill / fill_s : 0.0, FILL_BATCH,
	       POOL_SIZE - o->fill);
	printf("workload: %d allocations per measurement, each for a new MAC; "
	       "%d rounds; the\n          leases are released (untimed) after "
	       "each, so every round starts at the same fill\n\n", o->allocs,
	       o->runs);
	fflush(stdout);

	/* Interleave empty and full in every round, so drift hits both. */
	for (int run = 0; run < o->runs; run++)
		for (int m = 0; m < 2; m++)
			for (int d = 0; d < 2; d++)
				rate[m][d][run] = measure(&dbs[d], o->allocs,
							  batches[m], ips);

	printf("  %-28s %-6s %10s   %-19s %9s\n", "mode", "DB", "allocs/s",
	       "range (min - max)", "us/alloc");
	printf("  %-28s %-6s %10s   %-19s %9s\n", "", "", "(median)", "", "(median)");
	print_row("one transaction per alloc", "empty", rate[0][0], o->runs);
	print_row("  (fsync each, durable)", "full", rate[0][1], o->runs);
	print_ratio(rate[0][0], rate[0][1], o->runs);
	{
		char label[64];

		snprintf(label, sizeof(label), "grouped, %d per transaction",
			 o->batch);
		print_row(label, "empty", rate[1][0], o->runs);
		print_row("  (dhcpd's group commit)", "full", rate[1][1], o->runs);
	}
	print_ratio(rate[1][0], rate[1][1], o->runs);

	for (int d = 0; d < 2; d++) {
		ipam_close(dbs[d].db);
		remove_db_files(dbs[d].path);
	}
	free(ips);
	return 0;
}

static int run_prepare(const struct opts *o)
{
	struct bdb b = { .name = "empty" };
	double fill_s;

	snprintf(b.path, sizeof(b.path), "%s/empty.db", o->prepare);
	create_db(&b, 0);
	ipam_close(b.db);
	snprintf(b.path, sizeof(b.path), "%s/full.db", o->prepare);
	fill_s = create_db(&b, o->fill);
	ipam_close(b.db);
	printf("prepared %s/empty.db and %s/full.db (%d leases in %.1f s)\n",
	       o->prepare, o->prepare, o->fill, fill_s);
	return 0;
}

static int run_workload(const struct opts *o)
{
	struct bdb b = { .name = "workload" };
	struct ip_addr *ips = calloc((size_t)o->allocs, sizeof(*ips));

	if (!ips)
		die("memory", NULL, -ENOMEM);
	snprintf(b.path, sizeof(b.path), "%s", o->workload);
	open_db(&b);
	/* A warm-up allocation outside bench_measured (so callgrind does not
	 * count it): prepares the cached statements, reads the first pages. */
	{
		struct ipam_client c;
		struct ipam_lease l;
		int r;

		next_client(&c, 0xee);
		r = ipam_lease_alloc(b.db, b.subnet, &c, NULL, LEASE_SECS,
				     (int64_t)time(NULL), 0, &l);
		if (r < 0)
			die("warm-up", b.db, r);
		release_all(b.db, &l.ip, 1);
	}
	bench_measured(b.db, b.subnet, o->allocs, o->batch, (int64_t)time(NULL),
		       ips);
	release_all(b.db, ips, o->allocs);
	ipam_close(b.db);
	free(ips);
	printf("workload: %d allocations, %d per transaction, on %s\n",
	       o->allocs, o->batch, o->workload);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ipam-alloc-bench [--allocs N] [--runs R] [--fill N] "
		"[--batch B] [--dir DIR]\n"
		"       ipam-alloc-bench --prepare DIR [--fill N]\n"
		"       ipam-alloc-bench --workload DB [--allocs N] [--batch B]\n"
		"Defaults: --allocs 2000 --runs 3 --fill 60000 --batch 100 "
		"--dir $TMPDIR or /tmp\n");
}

static int int_arg(const char *s, const char *what, int min, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max) {
		fprintf(stderr, "ipam-alloc-bench: %s must be %d..%d, not '%s'\n",
			what, min, max, s);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "allocs", required_argument, NULL, 'n' },
		{ "runs", required_argument, NULL, 'r' },
		{ "fill", required_argument, NULL, 'f' },
		{ "batch", required_argument, NULL, 'b' },
		{ "dir", required_argument, NULL, 'd' },
		{ "prepare", required_argument, NULL, 'p' },
		{ "workload", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct opts o = { .allocs = 2000, .runs = 3, .fill = 60000,
			  .batch = 100 };
	int c;

	o.dir = getenv("TMPDIR");
	if (!o.dir || !*o.dir)
		o.dir = "/tmp";
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'n': o.allocs = int_arg(optarg, "--allocs", 1, 1000000); break;
		case 'r': o.runs = int_arg(optarg, "--runs", 1, MAX_RUNS); break;
		case 'f': o.fill = int_arg(optarg, "--fill", 0, POOL_SIZE); break;
		case 'b': o.batch = int_arg(optarg, "--batch", 1, 100000); break;
		case 'd': o.dir = optarg; break;
		case 'p': o.prepare = optarg; break;
		case 'w': o.workload = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (o.fill + o.allocs + 1 > POOL_SIZE) {
		fprintf(stderr, "ipam-alloc-bench: --fill %d plus --allocs %d "
			"do not fit the %d-address pool\n", o.fill, o.allocs,
			POOL_SIZE);
		return 2;
	}
	if (o.prepare)
		return run_prepare(&o);
	if (o.workload)
		return run_workload(&o);
	return run_timing(&o);
}

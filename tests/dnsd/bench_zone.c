/*
 * bench_zone: what the authoritative core costs at dnsd's scale. Builds
 * a forward zone with N names (one A each, default 100,000) and the
 * matching reverse zone (one PTR each), then reports memory per record
 * (the store's own count and malloc's, overhead included) and ns per
 * operation: adding and removing a lease's A record, and answering a hit,
 * an NXDOMAIN and a PTR (parse + answer, over 1024 different queries).
 * Built with the tree, never run by ctest: timings are not assertions on
 * these shared machines. Run a release build, pinned to one core:
 *
 *     taskset -c 1 BUILD/tests/dnsd/bench_zone [NAMES] [ROUNDS]
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns.h"

#define QUERIES 1024

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static size_t heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_zone: %s\n", what);
	exit(1);
}

static void wire(uint8_t *out, const char *text)
{
	if (dns_name_from_text(out, text) < 0)
		die("bad name");
}

static void zone(struct dns_db *db, const char *apex)
{
	struct dns_soa soa = {
		.serial = 1, .refresh = 3600, .retry = 600, .expire = 86400,
		.minimum = 300, .ttl = 3600,
	};
	uint8_t w[DNS_WIRE_MAX];

	wire(soa.mname, "ns1.example.com");
	wire(soa.rname, "hostmaster.example.com");
	wire(w, apex);
	if (dns_zone_add(db, w, &soa))
		die("zone");
}

/* Host i: host-i.lab.example.com at 10.(i>>16).(i>>8).i. */
static void host(unsigned i, char *fwd, size_t fsize, char *rev, size_t rsize,
		 uint8_t ip[4])
{
	ip[0] = 10;
	ip[1] = (uint8_t)(i >> 16);
	ip[2] = (uint8_t)(i >> 8);
	ip[3] = (uint8_t)i;
	snprintf(fwd, fsize, "host-%u.lab.example.com", i);
	snprintf(rev, rsize, "%u.%u.%u.10.in-addr.arpa", ip[3], ip[2], ip[1]);
}

/* A query for name/type as dig sends it (EDNS 1232). */
static size_t query(uint8_t *buf, const char *name, uint16_t type)
{
	uint8_t w[DNS_WIRE_MAX];
	int n = dns_name_from_text(w, name);
	size_t off = 12;

	memcpy(buf, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01", 12);
	memcpy(buf + off, w, (size_t)n);
	off += (size_t)n;
	memcpy(buf + off, (const uint8_t[]){ 0, (uint8_t)type, 0, 1 }, 4);
	off += 4;
	memcpy(buf + off, "\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00", 11);
	return off + 11;
}

/* ns per parse + answer over QUERIES different queries, rounds times. */
static double bench_answer(const struct dns_db *db, uint8_t (*qs)[300],
			   const size_t *lens, unsigned rounds,
			   unsigned want_rcode)
{
	static uint8_t out[DNS_EDNS_OURS];
	struct dns_answer_opts o = { 0 };
	struct dns_query q;
	const char *why;
	double t0 = now_ns();

	for (unsigned r = 0; r < rounds; r++) {
		for (unsigned i = 0; i < QUERIES; i++) {
			size_t len;
			unsigned rcode;

			if (dns_query_parse(&q, qs[i], lens[i], &why) ||
			    dns_answer(db, &q, out, sizeof(out), &len, &o,
				       &rcode) != DNS_ANSWERED ||
			    rcode != want_rcode || (out[7] == 0 && rcode == 0))
				die("unexpected answer");
		}
	}
	return (now_ns() - t0) / ((double)rounds * QUERIES);
}

int main(int argc, char **argv)
{
	static uint8_t qs[QUERIES][300];
	static size_t lens[QUERIES];
	unsigned names = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) :
				    100000;
	unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) :
				     1000;
	char fwd[80], rev[80];
	uint8_t ip[4], w[DNS_WIRE_MAX], t[DNS_WIRE_MAX];
	struct dns_db_stats st;
	struct dns_db *db;
	size_t heap0, heap1, heap2, own1;
	double t0, add_ns, del_ns;

	if (names < QUERIES || names > 1u << 24)
		die("NAMES must be between 1024 and 16777216");
	heap0 = heap_used();
	db = dns_db_new();
	if (!db)
		die("no memory");
	zone(db, "lab.example.com");
	zone(db, "10.in-addr.arpa");

	t0 = now_ns();
	for (unsigned i = 0; i < names; i++) {
		host(i, fwd, sizeof(fwd), rev, sizeof(rev), ip);
		wire(w, fwd);
		if (dns_rr_add(db, w, DNS_T_A, 300, ip, 4))
			die("add A");
	}
	add_ns = (now_ns() - t0) / names;
	heap1 = heap_used();
	dns_db_stats(db, &st);
	own1 = st.bytes;
	printf("names %u: A records %zu, names %zu\n", names, st.records,
	       st.names);
	printf("  forward zone: %.1f bytes per A record (store's count), "
	       "%.1f (malloc, overhead included)\n",
	       (double)own1 / names, (double)(heap1 - heap0) / names);

	for (unsigned i = 0; i < names; i++) {
		int n;

		host(i, fwd, sizeof(fwd), rev, sizeof(rev), ip);
		n = dns_name_from_text(t, fwd);
		wire(w, rev);
		if (dns_rr_add(db, w, DNS_T_PTR, 300, t, (uint16_t)n))
			die("add PTR");
	}
	heap2 = heap_used();
	dns_db_stats(db, &st);
	printf("  with reverse: %zu records, %zu names, %.1f MiB in all "
	       "(malloc), %.1f bytes per PTR\n", st.records, st.names,
	       (double)(heap2 - heap0) / (1 << 20),
	       (double)(heap2 - heap1) / names);

	/* The DHCP path: one lease's A record out and back in. */
	t0 = now_ns();
	for (unsigned i = 0; i < names; i += 7) {
		host(i, fwd, sizeof(fwd), rev, sizeof(rev), ip);
		wire(w, fwd);
		if (dns_rr_del(db, w, DNS_T_A, ip, 4))
			die("del");
	}
	del_ns = (now_ns() - t0) / ((names + 6) / 7);
	for (unsigned i = 0; i < names; i += 7) {
		host(i, fwd, sizeof(fwd), rev, sizeof(rev), ip);
		wire(w, fwd);
		if (dns_rr_add(db, w, DNS_T_A, 300, ip, 4))
			die("re-add");
	}
	printf("  add A: %.0f ns (bulk load), remove A: %.0f ns "
	       "(name text to wire included)\n", add_ns, del_ns);

	for (unsigned i = 0; i < QUERIES; i++) {
		host((unsigned)((uint64_t)i * 2654435761u % names), fwd,
		     sizeof(fwd), rev, sizeof(rev), ip);
		lens[i] = query(qs[i], fwd, DNS_T_A);
	}
	printf("  hit (A):     %.0f ns per parse + answer\n",
	       bench_answer(db, qs, lens, rounds, DNS_R_NOERROR));
	for (unsigned i = 0; i < QUERIES; i++) {
		snprintf(fwd, sizeof(fwd), "nohost-%u.lab.example.com", i);
		lens[i] = query(qs[i], fwd, DNS_T_A);
	}
	printf("  NXDOMAIN:    %.0f ns per parse + answer\n",
	       bench_answer(db, qs, lens, rounds, DNS_R_NXDOMAIN));
	for (unsigned i = 0; i < QUERIES; i++) {
		host((unsigned)((uint64_t)i * 2654435761u % names), fwd,
		     sizeof(fwd), rev, sizeof(rev), ip);
		lens[i] = query(qs[i], rev, DNS_T_PTR);
	}
	printf("  PTR:         %.0f ns per parse + answer\n",
	       bench_answer(db, qs, lens, rounds, DNS_R_NOERROR));
	dns_db_free(db);
	return 0;
}
